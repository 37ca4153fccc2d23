"""A combo box of live partners that filters as you type (thousands of partners stay quick to pick from)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from app.services import Services


class PartnerPicker(QComboBox):
    """Every live partner by name; ``partner_id()`` is the chosen one (None when the text names none)."""

    def __init__(self, services: Services, partner_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(28)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for row in services.partners.list():
            self.addItem(row.name, row.id)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        index = self.findData(partner_id) if partner_id else -1
        self.setCurrentIndex(index if index >= 0 else (0 if self.count() else -1))

    def partner_id(self) -> str | None:
        index = self.findText(self.currentText(), Qt.MatchFlag.MatchFixedString)
        return self.itemData(index) if index >= 0 else None

    def select(self, partner_id: str) -> None:
        index = self.findData(partner_id)
        if index >= 0:
            self.setCurrentIndex(index)
