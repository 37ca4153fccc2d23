"""Long work off the UI thread, in one place.

`run_in_background(fn, on_done, on_error)` runs ``fn`` on Qt's global thread pool and calls ``on_done(result)``
or ``on_error(exception)`` back on the UI thread. ``fn`` must not touch widgets (it runs on a worker thread);
services are safe to call from it, since each call opens its own database session.
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


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None] | None = None) -> None:
    task = _Task(fn)
    task.setAutoDelete(False)
    _alive.add(task)

    def finish(callback, value):
        _alive.discard(task)
        if callback is not None:
            callback(value)

    task.signals.done.connect(lambda r: finish(on_done, r))
    task.signals.failed.connect(lambda e: finish(on_error or _raise, e))
    QThreadPool.globalInstance().start(task)


def _raise(exc: Exception) -> None:
    raise exc
