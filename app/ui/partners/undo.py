"""Undoable partner edits: saves, creations and deletes (see app/ui/undo.py for the shape they share)."""

from __future__ import annotations

from app.services.partners import PartnerData, PartnerService
from app.ui.bus import ChangeBus
from app.ui.undo import ServiceCommand

PARTNER_TABLES = ("partners", "contacts", "escalation_steps")


class SavePartnerCommand(ServiceCommand):
    """A saved edit (``before`` is the partner as it was) or a creation (``before`` is None)."""

    def __init__(self, partners: PartnerService, bus: ChangeBus, before: PartnerData | None,
                 after: PartnerData) -> None:
        verb = "Create" if before is None else "Edit"
        super().__init__(f"{verb} {after.name}", bus)
        self._partners = partners
        self.before, self.after = before, after

    def forward(self) -> None:
        if self.before is None:
            self._partners.restore(self.after.id)
        else:
            self._partners.update(self.after)

    def back(self) -> None:
        if self.before is None:
            self._partners.delete(self.after.id)
        else:
            self._partners.update(self.before)


class DeletePartnerCommand(ServiceCommand):
    def __init__(self, partners: PartnerService, bus: ChangeBus, partner: PartnerData) -> None:
        super().__init__(f"Delete {partner.name}", bus)
        self._partners = partners
        self.partner = partner

    def forward(self) -> None:
        self._partners.delete(self.partner.id)

    def back(self) -> None:
        self._partners.restore(self.partner.id)

    def undo(self) -> None:
        super().undo()
        self.bus.open_partner.emit(self.partner.id)  # show what came back
