"""The Onboarding section: every partner in onboarding with progress, overdue items and the next due item.

Sort by any column (click its header); a double click or Enter opens the partner.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.onboarding import PortfolioRow
from app.ui.bus import Change, ChangeBus
from app.ui.onboarding.common import OVERDUE_BG, OVERDUE_FG, fmt

COLUMNS = ["Partner", "Enablement lead", "Checklist", "Started", "Days", "Progress", "Overdue", "Next due",
           "Due on"]
PARTNER, LEAD, CHECKLIST, STARTED, DAYS, PROGRESS, OVERDUE, NEXT, NEXT_DATE = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TABLES = ("onboarding_checklists", "checklist_items", "partners")


class PortfolioTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[PortfolioRow] = []
        self.today = date.today()

    def set_rows(self, rows: list[PortfolioRow], today: date) -> None:
        self.beginResetModel()
        self.rows, self.today = rows, today
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, col)
        if role == SORT_ROLE:
            return self._key(r, col)
        if role == Qt.ItemDataRole.UserRole:
            return r.partner_id
        if role == Qt.ItemDataRole.ForegroundRole and col in (OVERDUE, NEXT_DATE):
            if col == OVERDUE and r.overdue or col == NEXT_DATE and r.next_due_date and r.next_due_date < self.today:
                return OVERDUE_FG
        if role == Qt.ItemDataRole.BackgroundRole and col == OVERDUE and r.overdue:
            return OVERDUE_BG
        if role == Qt.ItemDataRole.FontRole and col == PARTNER:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (DAYS, PROGRESS, OVERDUE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and r.checklist_id is None:
            return "Onboarding, but no checklist started yet: open the partner and use Start onboarding…"
        return None

    @staticmethod
    def _text(r: PortfolioRow, col: int) -> str:
        if col == PARTNER:
            return r.partner_name
        if col == LEAD:
            return r.enablement_lead
        if col == CHECKLIST:
            return r.checklist_title if r.checklist_id else "no checklist yet"
        if col == STARTED:
            return fmt(r.start_date)
        if col == DAYS:
            return "" if r.days_in_onboarding is None else str(r.days_in_onboarding)
        if col == PROGRESS:
            return f"{r.progress.percent}% · {r.progress.done}/{r.progress.applicable}" if r.checklist_id else ""
        if col == OVERDUE:
            return str(r.overdue) if r.checklist_id else ""
        if col == NEXT:
            return r.next_due_title
        if col == NEXT_DATE:
            return fmt(r.next_due_date) if r.next_due_date else ""
        return ""

    @staticmethod
    def _key(r: PortfolioRow, col: int):
        # Rows without a checklist sort after the others for the figures columns.
        if col == PROGRESS:
            return r.progress.fraction if r.checklist_id else -1.0
        if col == OVERDUE:
            return r.overdue
        if col == DAYS:
            return r.days_in_onboarding if r.days_in_onboarding is not None else -1
        if col in (STARTED, NEXT_DATE):
            day = r.start_date if col == STARTED else r.next_due_date
            return day.toordinal() if day else 10**7
        return PortfolioTableModel._text(r, col).lower()


class ProgressBarDelegate(QStyledItemDelegate):
    """Draws the progress column as a bar with its figures."""

    def paint(self, painter, option, index) -> None:
        row = index.model().data(index, SORT_ROLE)
        if row is None or row < 0:
            super().paint(painter, option, index)
            return
        # Drawn by hand: a soft fill with dark text stays readable where the text crosses the fill's edge.
        rect = option.rect.adjusted(4, 5, -4, -5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("#bcccdc"))
        painter.setBrush(QColor("#f5f7fa"))
        painter.drawRoundedRect(rect, 3, 3)
        filled = QRectF(rect)
        filled.setWidth(rect.width() * max(0.0, min(1.0, row)))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#9fd0a4") if row >= 1 else QColor("#a9cdea"))
        painter.drawRoundedRect(filled, 3, 3)
        painter.setPen(QColor("#102a43"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, index.data())
        painter.restore()


class OnboardingPortfolioSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        title = QLabel("Onboarding")
        title.setObjectName("pageTitle")
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by partner, lead or next item…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter the onboarding partners")
        self.search.setMinimumWidth(300)
        self.refresh_button = QPushButton("Refresh")
        self.open_button = QPushButton("Open partner")

        self.model = PortfolioTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(OVERDUE, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setItemDelegateForColumn(PROGRESS, ProgressBarDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NEXT, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No partner is in onboarding. Start onboarding from a partner's Onboarding tab.")
        self.empty.setObjectName("muted")
        self.empty.hide()

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.open_button)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.refresh_button.clicked.connect(self.reload)
        self.open_button.clicked.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.activated.connect(lambda _i: self.open_selected())
        bus.changed.connect(self._on_change)
        self._stale = True
        self.reload()

    def reload(self) -> None:
        today = date.today()
        rows = self._services.onboarding.portfolio(today)
        self.model.set_rows(rows, today)
        self._stale = False
        started = [r for r in rows if r.checklist_id]
        overdue = sum(r.overdue for r in rows)
        waiting = len(rows) - len(started)
        text = f"{len(started)} onboarding checklists open · {overdue} overdue items"
        if waiting:
            text += f" · {waiting} partners in onboarding without a checklist"
        self.summary.setText(text)
        self.empty.setVisible(not rows)
        for col in (PARTNER, LEAD, CHECKLIST, STARTED, DAYS, OVERDUE, NEXT_DATE):
            self.table.resizeColumnToContents(col)
        for col, cap in ((PARTNER, 230), (LEAD, 130), (CHECKLIST, 150)):  # leave room for the next item
            self.table.setColumnWidth(col, min(cap, self.table.columnWidth(col)))
        self.table.setColumnWidth(PROGRESS, 130)

    def open_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._bus.open_partner.emit(self.proxy.data(index, Qt.ItemDataRole.UserRole))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._stale:
            self.reload()
        super().showEvent(event)

    def _on_change(self, change: Change) -> None:
        if change.touches(*TABLES):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True  # reload when shown: ticking many items elsewhere costs nothing here
