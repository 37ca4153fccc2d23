"""Undoable partner edits. Commands call services (redo: the new value, undo: the old), never a session."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from app.services.partners import PartnerData, PartnerService
from app.ui.bus import Change, ChangeBus

PARTNER_TABLES = ("partners", "contacts", "escalation_steps")


class _PartnerCommand(QUndoCommand):
    def __init__(self, text: str, partners: PartnerService, bus: ChangeBus) -> None:
        super().__init__(text)
        self._partners = partners
        self._bus = bus
        self._skip_first_redo = True  # the write already happened (so a validation error never hit the stack)

    def _changed(self, partner_id: str) -> None:
        self._bus.changed.emit(Change.of(*PARTNER_TABLES, partner_id=partner_id))


class SavePartnerCommand(_PartnerCommand):
    """A saved edit (``before`` is the partner as it was) or a creation (``before`` is None)."""

    def __init__(self, partners: PartnerService, bus: ChangeBus, before: PartnerData | None,
                 after: PartnerData) -> None:
        verb = "Create" if before is None else "Edit"
        super().__init__(f"{verb} {after.name}", partners, bus)
        self.before, self.after = before, after

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
        elif self.before is None:
            self._partners.restore(self.after.id)
        else:
            self._partners.update(self.after)
        self._changed(self.after.id)

    def undo(self) -> None:
        if self.before is None:
            self._partners.delete(self.after.id)
        else:
            self._partners.update(self.before)
        self._changed(self.after.id)


class DeletePartnerCommand(_PartnerCommand):
    def __init__(self, partners: PartnerService, bus: ChangeBus, partner: PartnerData) -> None:
        super().__init__(f"Delete {partner.name}", partners, bus)
        self.partner = partner

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
        else:
            self._partners.delete(self.partner.id)
        self._changed(self.partner.id)

    def undo(self) -> None:
        self._partners.restore(self.partner.id)
        self._changed(self.partner.id)
        self._bus.open_partner.emit(self.partner.id)
