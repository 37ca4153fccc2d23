"""Work off the UI thread, in one place: reads beside each other, writes one after another.

`run_in_background(fn, on_done, on_error)` runs ``fn`` on Qt's global thread pool (reads: previews of what
a file holds, the agenda, the dashboard's portfolio, a demo database of its own) and calls ``on_done(result)``
or ``on_error(exception)`` back on the UI thread.

`run_write(fn, on_done, on_error)` does the same on **the writer**: one thread that takes the work that writes
this laptop's database (package imports and their previews, exports, which record themselves in the sync
history, CSV and spreadsheet imports, the visit folder) in the order it was given, so two of them never wait on
each other's lock or fail because another is running. The dialogs that start them are modal, so the user's own
edits never wait on one either. ``fn`` must not touch widgets (it runs on a worker thread); services are safe
to call from it, since each call opens its own database session. A write that can be stopped takes a
``cancelled`` callable of its own and raises `app.services.errors.Cancelled`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # delivered to the UI thread, which shows it
            exc.traceback_text = traceback.format_exc()
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


_alive: set[_Task] = set()  # keep tasks (and their signal objects) alive until they report
_writer: QThreadPool | None = None


def writer() -> QThreadPool:
    """The one thread that writes the database (created on first use)."""
    global _writer
    if _writer is None:
        _writer = QThreadPool()
        _writer.setObjectName("tandem-writer")
        _writer.setMaxThreadCount(1)  # one at a time, in the order given
        _writer.setExpiryTimeout(-1)
    return _writer


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None] | None = None) -> None:
    _start(QThreadPool.globalInstance(), fn, on_done, on_error)


def run_write(fn: Callable[[], Any], on_done: Callable[[Any], None],
              on_error: Callable[[Exception], None] | None = None) -> None:
    _start(writer(), fn, on_done, on_error)


def wait_for_writes(msecs: int = -1) -> bool:
    """Block until the writer has finished what it was given (on quitting: a write is never cut off)."""
    return _writer is None or _writer.waitForDone(msecs)


def _start(pool: QThreadPool, fn: Callable[[], Any], on_done: Callable[[Any], None],
           on_error: Callable[[Exception], None] | None) -> None:
    task = _Task(fn)
    task.setAutoDelete(False)
    _alive.add(task)

    def finish(callback, value):
        _alive.discard(task)
        if callback is not None:
            callback(value)

    task.signals.done.connect(lambda r: finish(on_done, r))
    task.signals.failed.connect(lambda e: finish(on_error or _raise, e))
    pool.start(task)


def _raise(exc: Exception) -> None:
    raise exc
