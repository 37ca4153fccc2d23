"""A small read-only table model over a list of frozen dataclasses: columns are (header, value function)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

Column = tuple[str, Callable[[Any], object]]


class RowsTableModel(QAbstractTableModel):
    """Rows are plain values; ``columns`` say how to show them. ``background(row)`` may return a colour name,
    ``bold(row)`` whether a row stands out, ``tooltip(row)`` a tip for the whole row."""

    def __init__(self, columns: Sequence[Column], *, background: Callable[[Any], str | None] | None = None,
                 bold: Callable[[Any], bool] | None = None, tooltip: Callable[[Any], str] | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list = []
        self._background = background
        self._bold = bold
        self._tooltip = tooltip

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int):
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def rows(self) -> list:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][0]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._columns[index.column()][1](row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.BackgroundRole and self._background:
            colour = self._background(row)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and self._bold and self._bold(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and self._tooltip:
            return self._tooltip(row) or None
        return None
