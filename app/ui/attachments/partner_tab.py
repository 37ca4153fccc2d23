"""A partner's Files tab: the partner's own files (drop, add, paste, open, remove), and below them every file
attached to one of its records (a checklist item, a session, an experiment, …), to find and open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from app.services import Services
from app.services.attachments import AttachmentData, megabytes, target_words
from app.ui.attachments.widget import AttachmentsWidget, open_attachment
from app.ui.bus import Change, ChangeBus
from app.ui.tables import read_only_table


class PartnerFilesTab(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.partner_id: str | None = None
        self.on_records: list[AttachmentData] = []
        self.files = AttachmentsWidget(services, bus)
        self.table = read_only_table(["File", "Attached to", "Size", "Added by"], word_wrap=False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 280)
        self.table.setColumnWidth(1, 200)
        self.table.setColumnWidth(2, 80)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.itemSelectionChanged.connect(self._enable)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.count = QLabel()
        self.count.setObjectName("muted")
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.open_button)
        own = QGroupBox("The partner's files")
        QVBoxLayout(own).addWidget(self.files)
        records = QGroupBox("Files on its records")
        rl = QVBoxLayout(records)
        rl.addWidget(self.table, 1)
        rl.addLayout(row)
        layout = QVBoxLayout(self)
        layout.addWidget(own, 2)
        layout.addWidget(records, 3)
        bus.changed.connect(self._on_change)
        self.set_partner(None)

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self.files.set_target(partner_id, "partner")
        self.reload()

    def reload(self) -> None:
        rows = self.services.attachments.list(self.partner_id) if self.partner_id else []
        self.on_records = [a for a in rows if a.target_kind != "partner"]
        self.table.setRowCount(len(self.on_records))
        for r, a in enumerate(self.on_records):
            for c, text in enumerate((a.name, target_words(a.target_kind), megabytes(a.size), a.added_by)):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        n = len(self.on_records)
        self.count.setText(f"{n} file{'s' if n != 1 else ''} on its records" if n else
                           "No file on its records yet: add them from a checklist item, a session or an experiment.")
        self._enable()

    def selected(self) -> AttachmentData | None:
        rows = self.table.selectionModel().selectedRows()
        return self.on_records[rows[0].row()] if rows else None

    def _enable(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)

    def open_selected(self) -> bool:
        a = self.selected()
        return a is not None and open_attachment(self, self.services, a)

    def _on_change(self, change: Change) -> None:
        if self.partner_id and change.touches("attachments", partner_id=self.partner_id):
            self.reload()
