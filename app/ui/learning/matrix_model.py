"""The learning matrix as a Qt table model: people x modules, ticks and dates, overdue and expiring marked.

Columns: person, side, done (of required), certified until, then one column per module of the people's tracks.
Cells say what a person needs to do: ✓ and the date done, ⚠ and the last valid day when expiring, ✗ when
expired or overdue, "due" with the due date; an empty cell is a module not in that person's tracks.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from app.models.enums import label
from app.services.learning import EXPIRED, EXPIRING, LearningMatrix, MatrixCell, MatrixRow
from app.ui.formatting import format_date

FIXED = ["Person", "Side", "Done", "Certified until"]
CELL_ROLE = Qt.ItemDataRole.UserRole + 1  # (row, module) of a module cell, for record-completion

BACKGROUNDS = {"expiring": QColor("#fff4e5"), "expired": QColor("#fdecea"), "overdue": QColor("#fdecea")}
FOREGROUNDS = {"done": QColor("#2e7d32"), "expiring": QColor("#e65100"), "expired": QColor("#b71c1c"),
               "overdue": QColor("#b71c1c"), "due": QColor("#52606d"), "": QColor("#9aa5b1")}


def cell_text(c: MatrixCell) -> str:
    if c.state == "done":
        return f"✓ {format_date(c.completed_on)}"
    if c.state == "expiring":
        return f"⚠ until {format_date(c.valid_until)}"
    if c.state == "expired":
        return f"✗ expired {format_date(c.valid_until)}"
    if c.state == "overdue":
        return f"✗ overdue {format_date(c.due_on)}"
    if c.state == "due":
        return f"due {format_date(c.due_on)}" if c.due_on else "to do"
    return f"✓ {format_date(c.completed_on)}" if c.completed_on and c.result == "passed" else ""


def cell_tip(c: MatrixCell, module_label: str) -> str:
    lines = [module_label]
    if c.completed_on:
        lines.append(f"{'Passed' if c.result == 'passed' else 'Failed'} on {format_date(c.completed_on)}")
    if c.valid_until:
        lines.append(f"Counts until {format_date(c.valid_until)}")
    if c.due_on:
        lines.append(f"Due by {format_date(c.due_on)}")
    if not c.required:
        lines.append("Not in this person's tracks")
    return "\n".join(lines)


def certified_text(row: MatrixRow, matrix: LearningMatrix) -> tuple[str, str]:
    """(text, state) of the person's certifications: the earliest last valid day of those they hold."""
    if not row.certifications:
        return "–", ""
    states = [c.state(matrix.today, matrix.days) for c in row.certifications]
    ends = [c.expires_on for c in row.certifications if c.expires_on]
    text = format_date(min(ends)) if ends else "no expiry"
    if len(row.certifications) < len(set(row.tracks)):
        text += f" ({len(row.certifications)} of {len(set(row.tracks))})"
    worst = EXPIRED if EXPIRED in states else EXPIRING if EXPIRING in states else "done"
    return ("expired " + text if worst == EXPIRED else text), worst


class LearningMatrixTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.matrix: LearningMatrix | None = None

    def set_matrix(self, matrix: LearningMatrix | None) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.matrix is None else len(self.matrix.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.matrix is None else len(FIXED) + len(self.matrix.modules)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or self.matrix is None:
            return None
        if section < len(FIXED):
            return FIXED[section] if role == Qt.ItemDataRole.DisplayRole else None
        m = self.matrix.modules[section - len(FIXED)]
        if role == Qt.ItemDataRole.DisplayRole:
            return m.code
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{m.title}\n{m.format}, {m.duration_minutes} min · {m.assessment}"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if self.matrix is None or not index.isValid():
            return None
        row = self.matrix.rows[index.row()]
        col = index.column()
        if col < len(FIXED):
            if col == 3:
                text, state = certified_text(row, self.matrix)
                if role == Qt.ItemDataRole.DisplayRole:
                    return text
                if role == Qt.ItemDataRole.BackgroundRole:
                    return BACKGROUNDS.get(state)
                if role == Qt.ItemDataRole.ForegroundRole:
                    return FOREGROUNDS.get(state)
                if role == Qt.ItemDataRole.ToolTipRole:
                    return "\n".join(f"{c.track_name}: until {c.expires_on or 'no expiry'}"
                                     for c in row.certifications) or "Not certified yet"
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return [row.person, label(row.side), f"{row.done}/{row.required}"][col]
            if role == Qt.ItemDataRole.ToolTipRole and col == 0:
                return "Tracks: " + ", ".join(dict.fromkeys(row.tracks))
            return None
        module = self.matrix.modules[col - len(FIXED)]
        cell = row.cells[col - len(FIXED)]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cell)
        if role == Qt.ItemDataRole.BackgroundRole:
            return BACKGROUNDS.get(cell.state)
        if role == Qt.ItemDataRole.ForegroundRole:
            return FOREGROUNDS.get(cell.state)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tip(cell, module.label)
        if role == CELL_ROLE:
            return row, module
        return None

    def person_at(self, row: int) -> MatrixRow | None:
        return self.matrix.rows[row] if self.matrix and 0 <= row < len(self.matrix.rows) else None
