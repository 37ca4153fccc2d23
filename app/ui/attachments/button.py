"""A *Files…* button for a record shown in a view: it names how many files the record has and opens them in an
`AttachmentsDialog` (add, paste, open, remove). The view tells it which record is current with `set_target`."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from app.services import Services
from app.ui.attachments.widget import AttachmentsDialog
from app.ui.bus import Change, ChangeBus


class FilesButton(QPushButton):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__("Files…", parent)
        self.services, self.bus = services, bus
        self.target: tuple[str, str, str, str] | None = None  # partner id, kind, record id, title
        self.count = 0
        self.setToolTip("The evidence files of this record: photos, PDFs, spreadsheets")
        self.clicked.connect(self.open_files)
        bus.changed.connect(self._on_change)
        self.set_target(None)

    def set_target(self, partner_id: str | None, kind: str = "", record_id: str = "", title: str = "") -> None:
        """The record whose files the button opens (None: no record is current, the button is disabled)."""
        self.target = (partner_id, kind, record_id, title) if partner_id and record_id else None
        self._show_count()

    def _show_count(self) -> None:
        self.count = 0
        if self.target is not None:
            partner_id, kind, record_id, _title = self.target
            self.count = len(self.services.attachments.list(partner_id, kind, record_id))
        self.setText(f"Files ({self.count})…" if self.count else "Files…")
        self.setEnabled(self.target is not None)

    def _on_change(self, change: Change) -> None:
        if self.target is not None and change.touches("attachments", partner_id=self.target[0]):
            self._show_count()

    def open_files(self) -> AttachmentsDialog | None:
        if self.target is None:
            return None
        partner_id, kind, record_id, title = self.target
        dialog = AttachmentsDialog(self.services, self.bus, partner_id, kind, record_id, title, self.window())
        dialog.open()
        return dialog
