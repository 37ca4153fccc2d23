"""The partner directory: search as you type, filters by kind, tier, quadrant and status, a sortable table.

Down or Enter in the search box moves into the results (the first one, or the partner already selected), so
a partner is found and opened without the mouse.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import PartnerKind, PartnerStatus, Quadrant, label
from app.services.partners import NOT_SCORED, PartnerQuery, PartnerService
from app.ui.formatting import format_number
from app.ui.partners.table_model import ID_ROLE, PartnerTableModel

SEARCH_DELAY_MS = 120  # wait for a pause in typing before querying
UNSCORED = "unscored"  # the quadrant filter's "Not scored" (None already means "all quadrants")


def _filter_combo(all_label: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.addItem(all_label, None)
    for text, value in items:
        combo.addItem(text, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(7)
    return combo


class PartnerDirectoryWidget(QWidget):
    """Emits ``partner_selected(id)`` when the current row changes and ``new_requested`` for New partner."""

    partner_selected = Signal(str)
    new_requested = Signal()

    def __init__(self, partners: PartnerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PartnerTableModel(partners, self)

        self.search = QLineEdit(placeholderText="Search partners by name…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search partners")
        self.kind = _filter_combo("All kinds", [(label(k), k) for k in PartnerKind])
        self.tier = _filter_combo("All tiers", [(f"Tier {t}", t) for t in (1, 2, 3)])
        self.quadrant = _filter_combo("All quadrants", [(label(q), q) for q in Quadrant] + [(NOT_SCORED, UNSCORED)])
        self.status = _filter_combo("All statuses", [(label(s), s) for s in PartnerStatus])
        self.new_button = QPushButton("New partner")
        self.new_button.setToolTip(f"Create a partner ({QKeySequence(QKeySequence.StandardKey.New).toString()})")
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((220, 80, 130, 40, 110, 80, 120)):
            self.table.setColumnWidth(col, width)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        filters = QGridLayout()  # two by two: the directory stays narrow beside a partner's page
        for i, combo in enumerate((self.kind, self.tier, self.quadrant, self.status)):
            filters.addWidget(combo, i // 2, i % 2)
        title = QLabel("Partners")
        title.setObjectName("pageTitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.enter_results)
        self.search.installEventFilter(self)
        for combo in (self.kind, self.tier, self.quadrant, self.status):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.new_button.clicked.connect(self.new_requested)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_count)
        self._update_count()

    def query(self) -> PartnerQuery:
        def one(combo: QComboBox) -> tuple:
            value = combo.currentData()
            return () if value is None else (None,) if value == UNSCORED else (value,)

        current = self.model.query
        return PartnerQuery(text=self.search.text(), kinds=one(self.kind), tiers=one(self.tier),
                            quadrants=one(self.quadrant), statuses=one(self.status),
                            sort=current.sort, descending=current.descending)

    def apply_filters(self) -> None:
        self._search_timer.stop()
        selected = self.current_partner_id()
        self.model.set_query(self.query())
        if selected:
            self.select_partner(selected, emit=False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self.enter_results()
            return True
        return super().eventFilter(watched, event)

    def enter_results(self) -> None:
        """From the search box into the results: run the search now and focus the table on the partner
        already selected, else the first one (which opens it)."""
        self.apply_filters()
        if self.model.rowCount() == 0:
            return
        if self.current_partner_id() is None:
            self.select_partner(self.model.index(0, 0).data(ID_ROLE))
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reload(self) -> None:
        """Re-read the rows (after an edit elsewhere), keeping the selection where it was."""
        selected = self.current_partner_id()
        self.model.reload()
        if selected:
            self.select_partner(selected, emit=False)

    def current_partner_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def select_partner(self, partner_id: str, emit: bool = True) -> bool:
        """Make ``partner_id`` the current row, if the filters show it."""
        row = self.model.row_for_id(partner_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        blocked = self.table.selectionModel().blockSignals(not emit)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.selectionModel().blockSignals(blocked)
        self.table.scrollTo(index)
        return True

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.partner_selected.emit(current.data(ID_ROLE))

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{format_number(n)} partner{'s' if n != 1 else ''}")
