"""Undoable grid edits. A typed value, a pasted block or a delete is one command on the app-wide undo stack.

Commands call the measurement service (redo: the new cells, undo: the cells as they were, read with
`snapshot` before the write), never a session. The write happens before the push, so a refused value never
reaches the stack; the first redo (run by the push) therefore only announces the change.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from app.models.enums import PeriodKind
from app.services.errors import NotFound, ValidationError
from app.services.measurements import CellEdit, MeasurementService
from app.ui.bus import Change, ChangeBus


class EditCellsCommand(QUndoCommand):
    """Cells of one partner's grid set to ``after``; ``before`` holds what was stored (value None: empty)."""

    def __init__(self, text: str, measurements: MeasurementService, bus: ChangeBus, partner_id: str,
                 period_kind: PeriodKind, before: list[CellEdit], after: list[CellEdit]) -> None:
        super().__init__(text)
        self._measurements, self._bus = measurements, bus
        self.partner_id, self.period_kind = partner_id, period_kind
        self.before, self.after = before, after
        self._skip_first_redo = True  # the write already happened

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            self._changed()
        else:
            self._apply(self.after, "redo")

    def undo(self) -> None:
        self._apply(self.before, "undo")

    def _apply(self, cells: list[CellEdit], what: str) -> None:
        try:
            self._measurements.save_cells(self.partner_id, self.period_kind, cells)
        except (NotFound, ValidationError) as exc:  # e.g. the partner was deleted meanwhile
            self._bus.status_message.emit(f"Could not {what} “{self.text()}”: {exc}")
            return
        self._changed()

    def _changed(self) -> None:
        self._bus.changed.emit(Change.of("measurements", partner_id=self.partner_id))
