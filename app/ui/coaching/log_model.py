"""The live log as a Qt table model: entries are appended, replaced and moved in place (no reload), so a
session with a thousand entries stays as quick as an empty one."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.models.enums import EntryKind, label
from app.services.coaching import Entry, local_time
from app.ui.formatting import format_date, format_datetime, format_time

KIND_COLOURS = {
    EntryKind.NOTE: "#52606d", EntryKind.DECISION: "#1f5f8b", EntryKind.RISK: "#b71c1c",
    EntryKind.ACTION: "#b45309", EntryKind.EXPERIMENT: "#6a1b9a",
}
KIND_BACKGROUNDS = {EntryKind.DECISION: "#eaf2fa", EntryKind.RISK: "#fdecea", EntryKind.ACTION: "#fff4e5",
                    EntryKind.EXPERIMENT: "#f3e8fa"}
TIME, KIND, TEXT, DETAIL, AUTHOR = range(5)
HEADERS = ["Time", "Kind", "Entry", "Owner · due / experiment", "By"]


def entry_detail(e: Entry) -> str:
    """What an entry links to, as the log's column shows it: "Anna Becker · due 04/12/2026" for an action
    item (dates in the locale's form), the experiment's title for an experiment update."""
    if e.kind is EntryKind.ACTION:
        bits = [e.owner or "no owner", f"due {format_date(e.due_date)}" if e.due_date else "no due date"]
        if e.done_on:
            bits.append(f"done {format_date(e.done_on)}")
        return " · ".join(bits)
    return e.experiment_title


class LogTableModel(QAbstractTableModel):
    """Entries of one session in log order. The Entry column is editable: an edit emits ``edit_requested``
    and the view replaces the row once the service has stored it."""

    edit_requested = Signal(str, str)  # entry id, new text

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[Entry] = []
        self._bold = QFont()
        self._bold.setBold(True)

    # content

    def set_entries(self, entries: list[Entry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def append(self, entry: Entry) -> int:
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self.endInsertRows()
        return row

    def replace(self, entry: Entry) -> None:
        row = self.row_of(entry.id)
        if row is not None:
            self._entries[row] = entry
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def move(self, source: int, target: int) -> None:
        """Move row ``source`` so that it ends at index ``target``."""
        if source == target or not (0 <= source < len(self._entries)) or not (0 <= target < len(self._entries)):
            return
        destination = target + 1 if target > source else target  # Qt counts the destination before removal
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        self._entries.insert(target, self._entries.pop(source))
        self.endMoveRows()

    def remove(self, entry_id: str) -> None:
        row = self.row_of(entry_id)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._entries[row]
            self.endRemoveRows()

    def entry(self, row: int) -> Entry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def entries(self) -> list[Entry]:
        return list(self._entries)

    def row_of(self, entry_id: str) -> int | None:
        # Recent entries are edited most: search from the end.
        for i in range(len(self._entries) - 1, -1, -1):
            if self._entries[i].id == entry_id:
                return i
        return None

    # Qt model

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == TEXT else base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self._entries[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == TIME:
                return format_time(local_time(e.logged_at), seconds=True)
            if col == KIND:
                return label(e.kind)
            if col == TEXT:
                return e.text
            if col == DETAIL:
                return entry_detail(e)
            if col == AUTHOR:
                return e.author + (" ✎" if e.edited else "")
        if role == Qt.ItemDataRole.ForegroundRole and col == KIND:
            return QBrush(QColor(KIND_COLOURS[e.kind]))
        if role == Qt.ItemDataRole.FontRole and col == KIND and e.kind is not EntryKind.NOTE:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and e.kind in KIND_BACKGROUNDS:
            return QBrush(QColor(KIND_BACKGROUNDS[e.kind]))
        if role == Qt.ItemDataRole.ToolTipRole:
            when = format_datetime(local_time(e.logged_at))
            return f"{label(e.kind)} logged by {e.author} at {when}" + (" (edited since)" if e.edited else "")
        return None

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != TEXT:
            return False
        e = self._entries[index.row()]
        text = str(value).strip()
        if text and text != e.text:
            self.edit_requested.emit(e.id, text)
        return False  # the row changes when the stored entry comes back (replace)
