"""The checklist as a Qt table: one row per item; the first column is a check box that ticks the item off."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QFont

from app.models.enums import ItemStatus, label
from app.services.onboarding import ItemData
from app.ui.formatting import format_date
from app.ui.onboarding.common import (
    DONE_FG,
    OVERDUE_BG,
    OVERDUE_FG,
    STATUS_COLOURS,
    fmt,
    status_text,
)

COLUMNS = ["", "Step", "Side", "Owner", "Due", "Status", "Evidence"]
CHECK, TITLE, SIDE, OWNER, DUE, STATUS, EVIDENCE = range(len(COLUMNS))


class ChecklistTableModel(QAbstractTableModel):
    """Items of one checklist. Ticking the check box calls ``on_toggle(item)``; the owner writes and reloads."""

    def __init__(self, on_toggle: Callable[[ItemData], None]) -> None:
        super().__init__()
        self.items: list[ItemData] = []
        self._on_toggle = on_toggle

    def set_items(self, items: list[ItemData] | tuple[ItemData, ...]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def replace_item(self, item: ItemData) -> None:
        """Show one changed item without resetting the view (keeps selection and scroll position)."""
        for row, old in enumerate(self.items):
            if old.id == item.id:
                self.items[row] = item
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def row_of(self, item_id: str) -> int:
        return next((r for r, i in enumerate(self.items) if i.id == item_id), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == CHECK:
            return "Done (Space ticks the selected item)"
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == CHECK else base

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == CHECK:
            if item.status is ItemStatus.DONE:
                return Qt.CheckState.Checked
            return Qt.CheckState.PartiallyChecked if item.status is ItemStatus.NOT_APPLICABLE else \
                Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, col)
        if role == Qt.ItemDataRole.BackgroundRole and item.overdue:
            return OVERDUE_BG
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == STATUS:
                return STATUS_COLOURS[item.status]
            if col == DUE and item.overdue:
                return OVERDUE_FG
            if col == EVIDENCE and item.evidence_missing and not item.is_closed:
                return OVERDUE_FG if item.overdue else DONE_FG
            if item.is_closed:
                return DONE_FG
        if role == Qt.ItemDataRole.FontRole:
            if col == DUE and item.overdue:
                font = QFont()
                font.setBold(True)
                return font
            if col == TITLE and item.status is ItemStatus.NOT_APPLICABLE:
                font = QFont()
                font.setStrikeOut(True)
                return font
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = item.description or item.title
            if item.overdue:
                tip += f"\n\nOverdue since {fmt(item.due_date)}."
            if item.completed_on:
                tip += f"\n\nDone on {fmt(item.completed_on)}" + (f" by {item.completed_by}." if item.completed_by
                                                                    else ".")
            return tip
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None

    @staticmethod
    def _text(item: ItemData, col: int) -> str | None:
        if col == TITLE:
            return item.title
        if col == SIDE:
            return label(item.owner_side)
        if col == OWNER:
            return item.owner_name or "–"
        if col == DUE:
            return ("⚠ " if item.overdue else "") + fmt(item.due_date)
        if col == STATUS:
            text = status_text(item.status)
            if item.completed_on:
                text += f" {format_date(item.completed_on)}"
            return text
        if col == EVIDENCE:
            if item.evidence_note:
                return item.evidence_note.splitlines()[0]
            return "required" if item.evidence_required else ""
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == CHECK:
            self._on_toggle(self.items[index.row()])
            return True
        return False
