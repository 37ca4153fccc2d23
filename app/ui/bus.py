"""The app-wide change bus: a write says what it changed, and every view refreshes only what it shows.

Views never know about each other. After a service write, the UI emits ``bus.changed`` with a `Change`;
each view checks whether the change touches what it shows. ``open_partner`` asks the main window to show
a partner (from a chart, a portfolio list, a search).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack


@dataclass(frozen=True)
class Change:
    """Which tables a write touched, and (when known) which partners."""

    tables: frozenset[str]
    partner_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *tables: str, partner_id: str | None = None) -> Change:
        return cls(frozenset(tables), frozenset({partner_id} if partner_id else ()))

    def touches(self, *tables: str) -> bool:
        return bool(self.tables.intersection(tables)) or "*" in self.tables


EVERYTHING = Change(frozenset({"*"}))  # after an import or a restore: every view reloads


class ChangeBus(QObject):
    """Signals every view may emit or listen to, and the app-wide undo stack (Edit → Undo/Redo)."""

    changed = Signal(object)  # Change
    open_partner = Signal(str)  # partner id
    status_message = Signal(str)  # a short message for the status bar

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        #: the partner whose page is showing (None: none); dialogs such as Export preselect it
        self.viewed_partner_id: str | None = None
