"""The app-wide change bus: every committed write reaches every view, which refreshes only what it shows.

Views never know about each other, and never say what a write changed: the services' change log
(services/changes.py) collects it where rows are written and publishes it after the commit. The bus listens to
that feed and emits ``changed`` with the `Change` on the UI thread, whichever thread committed. A view that
writes does so inside ``bus.acting(self)``: its own write comes back with ``initiator`` set to it, so it can
skip its echo (a form keeping what the user typed). ``WhenShown`` lets a view that is not showing mark
itself stale and refresh when it is shown. ``open_partner`` asks the main window to show a partner;
``open_partner_tab`` shows it at one tab of its page ("Selection").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.services.changes import ChangeFeed, Changes, initiated_by

Change = Changes  # what views receive: see services/changes.py


class ChangeBus(QObject):
    """Signals every view may emit or listen to, and the app-wide undo stack (Edit → Undo/Redo)."""

    changed = Signal(object)  # Change
    open_partner = Signal(str)  # partner id
    open_partner_tab = Signal(str, str)  # partner id, the title of a tab of its page
    status_message = Signal(str)  # a short message for the status bar

    _arrived = Signal(object)  # a Change committed on another thread, delivered on the bus's own

    def __init__(self, feed: ChangeFeed | None = None, parent: QObject | None = None) -> None:
        """``feed``: the open database's (``services.db.feed``); a bus without one hears nothing."""
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        #: the partner whose page is showing (None: none); dialogs such as Export preselect it
        self.viewed_partner_id: str | None = None
        self._thread = threading.get_ident()
        self._batch: list[Change] | None = None
        self._arrived.connect(self._deliver)
        if feed is not None:
            unsubscribe = feed.subscribe(self._from_feed)
            self.destroyed.connect(lambda *_: unsubscribe())

    def _from_feed(self, change: Change) -> None:
        """Called on the committing thread, after the commit."""
        try:
            if threading.get_ident() != self._thread:
                self._arrived.emit(change)  # queued to the bus's thread
            elif self._batch is not None:
                self._batch.append(change)
            else:
                self.changed.emit(change)
        except RuntimeError:
            pass  # the bus is being destroyed: nobody is listening any more

    def _deliver(self, change: Change) -> None:
        self.changed.emit(change)

    @contextmanager
    def acting(self, initiator: object) -> Iterator[list[Change]]:
        """Writes made inside the block carry ``initiator``; the views hear of them once, merged, when the
        block ends. Yields the list of what was committed (a runner may return it)."""
        outer, self._batch = self._batch, []
        caught = self._batch
        try:
            with initiated_by(initiator):
                yield caught
        finally:
            self._batch = outer
            if caught:
                merged = caught[0]
                for c in caught[1:]:
                    merged = merged.merged(c)
                if outer is not None:
                    outer.append(merged)
                else:
                    self.changed.emit(merged)


class WhenShown(QObject):
    """A view's refresh, run at once while the view is visible, else when it is next shown."""

    def __init__(self, widget: QWidget, refresh: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget, self._refresh = widget, refresh
        self.stale = False
        widget.installEventFilter(self)

    def request(self) -> None:
        if self._widget.isVisible():
            self.stale = False
            self._refresh()
        else:
            self.stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self.stale:
            self.stale = False
            self._refresh()
        return False
