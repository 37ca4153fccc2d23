"""The directory's table model: lazy rows over a SQL query, so 5,000 partners cost one page at a time.

Only the number of rows is known up front; rows are fetched from the service a page at a time when the view
asks for them, and forgotten when the query (search, filters, sort) changes.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.models.enums import Quadrant, label
from app.services.partners import PartnerQuery, PartnerRow, PartnerService, quadrant_label
from app.ui.formatting import format_money

PAGE = 200
QUADRANT_COLOURS = {
    Quadrant.STRATEGIC: QColor("#2e7d32"),
    Quadrant.OPPORTUNISTIC: QColor("#ef8f00"),
    Quadrant.OPERATIONAL: QColor("#4a6fa5"),
    Quadrant.AVOID: QColor("#c62828"),
}
# (header, sort key of PartnerService, text of a row)
COLUMNS = [
    ("Name", "name", lambda r: r.name),
    ("Kind", "kind", lambda r: label(r.kind)),
    ("Segment", "segment", lambda r: r.segment),
    ("Tier", "tier", lambda r: str(r.tier)),
    ("Quadrant", "quadrant", lambda r: quadrant_label(r.quadrant)),
    ("Status", "status", lambda r: label(r.status)),
    ("Annual spend", "annual_spend", lambda r: format_money(r.annual_spend, r.currency)),
    ("Enablement lead", "enablement_lead", lambda r: r.enablement_lead),
]
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class PartnerTableModel(QAbstractTableModel):
    def __init__(self, partners: PartnerService, parent=None) -> None:
        super().__init__(parent)
        self._partners = partners
        self._query = PartnerQuery()
        self._count = 0
        self._pages: dict[int, list[PartnerRow]] = {}
        self.reload()

    # -- query ---------------------------------------------------------------------------------------------

    @property
    def query(self) -> PartnerQuery:
        return self._query

    def set_query(self, query: PartnerQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload()

    def reload(self) -> None:
        """Forget every fetched row and count again (after a filter change or an edit)."""
        self.beginResetModel()
        self._pages.clear()
        self._count = self._partners.count(self._query)
        self.endResetModel()

    def row_of(self, row: int) -> PartnerRow | None:
        if not 0 <= row < self._count:
            return None
        page = row // PAGE
        if page not in self._pages:
            self._pages[page] = self._partners.page(self._query, page * PAGE, PAGE)
        rows = self._pages[page]
        offset = row - page * PAGE
        return rows[offset] if offset < len(rows) else None

    def row_for_id(self, partner_id: str) -> int:
        """The row showing ``partner_id`` among the rows fetched so far (fetching as needed), or -1."""
        for row in range(self._count):
            r = self.row_of(row)
            if r is not None and r.id == partner_id:
                return row
        return -1

    # -- Qt model ------------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.row_of(index.row())
        if r is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][2](r)
        if role == ID_ROLE:
            return r.id
        if role == Qt.ItemDataRole.DecorationRole and COLUMNS[index.column()][1] == "quadrant":
            return QUADRANT_COLOURS.get(r.quadrant)  # no swatch for "not scored"
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()][1] in ("tier", "annual_spend"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        from dataclasses import replace

        self.set_query(replace(self._query, sort=COLUMNS[column][1],
                               descending=order == Qt.SortOrder.DescendingOrder))
