"""Undoable grid edits. A typed value, a pasted block or a delete is one command on the app-wide undo stack.

Commands call the measurement service (redo: the new cells, undo: the cells as they were, read with
`snapshot` before the write), never a session; see app/ui/undo.py for the shape they share.
"""

from __future__ import annotations

from app.models.enums import PeriodKind
from app.services.measurements import CellEdit, MeasurementService
from app.ui.bus import ChangeBus
from app.ui.undo import ServiceCommand


class EditCellsCommand(ServiceCommand):
    """Cells of one partner's grid set to ``after``; ``before`` holds what was stored (value None: empty)."""

    def __init__(self, text: str, measurements: MeasurementService, bus: ChangeBus, partner_id: str,
                 period_kind: PeriodKind, before: list[CellEdit], after: list[CellEdit]) -> None:
        super().__init__(text, bus)
        self._measurements = measurements
        self.partner_id, self.period_kind = partner_id, period_kind
        self.before, self.after = before, after

    def forward(self) -> None:
        self._measurements.save_cells(self.partner_id, self.period_kind, self.after)

    def back(self) -> None:
        self._measurements.save_cells(self.partner_id, self.period_kind, self.before)
