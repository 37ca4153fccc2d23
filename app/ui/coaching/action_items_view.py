"""Action items across sessions (the Experiments section's second tab): open, overdue, done or all, by owner
and side; tick them off or open the partner."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Side, label
from app.services import Services
from app.services.actions import ActionItemData, ActionQuery, ActionStatus
from app.services.coaching import local_time
from app.ui.bus import ChangeBus
from app.ui.coaching.table import RowsTableModel
from app.ui.formatting import format_date

OVERDUE_BG = "#fdecea"


class ActionItemsView(QWidget):
    """Action items across sessions: open / overdue / done / all, by owner and side; tick them off."""

    def __init__(self, services: Services, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.status_combo = QComboBox()
        for st in (ActionStatus.OPEN, ActionStatus.OVERDUE, ActionStatus.DONE, ActionStatus.ALL):
            self.status_combo.addItem(label(st), st)
        self.owner_combo = QComboBox()
        self.side_combo = QComboBox()
        self.side_combo.addItem("Both sides", None)
        for side in (Side.OURS, Side.PARTNER, Side.JOINT):
            self.side_combo.addItem({Side.OURS: "Our side", Side.PARTNER: "Partner's side", Side.JOINT: "Joint"}[side],
                                    side)
        for w in (self.status_combo, self.owner_combo, self.side_combo):
            w.currentIndexChanged.connect(self.refresh)
        self.done_button = QPushButton("Mark done")
        self.done_button.clicked.connect(self.toggle_selected)
        self.open_partner_button = QPushButton("Open partner")
        self.open_partner_button.clicked.connect(self._open_partner)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        top = QHBoxLayout()
        for w in (self.status_combo, self.owner_combo, self.side_combo):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.done_button)
        top.addWidget(self.open_partner_button)
        self.model = RowsTableModel(
            [("Due", lambda a: format_date(a.due_date)),
             ("Partner", lambda a: a.partner_name),
             ("Action", lambda a: a.title),
             ("Owner", lambda a: a.owner),
             ("Side", lambda a: label(a.owner_side)),
             ("Agreed in", lambda a: f"{a.session_title} {format_date(local_time(a.session_date))}"
              if a.session_id else "—"),
             ("Status", lambda a: f"done {format_date(a.done_on)}" if a.done_on else a.status)],
            background=lambda a: OVERDUE_BG if a.overdue else None)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate([90, 230, 330, 150, 70, 260, 100]):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        bus.changed.connect(lambda c: self.refresh() if c.touches("action_items", "partners") else None)
        self.refresh()

    def refresh(self) -> None:
        current = self.owner_combo.currentData()
        self.owner_combo.blockSignals(True)
        self.owner_combo.clear()
        self.owner_combo.addItem("Any owner", "")
        for owner in self.services.actions.owners():
            self.owner_combo.addItem(owner, owner)
        self.owner_combo.setCurrentIndex(max(0, self.owner_combo.findData(current)))
        self.owner_combo.blockSignals(False)
        rows = self.services.actions.list(ActionQuery(status=self.status_combo.currentData(),
                                                      owner=self.owner_combo.currentData() or "",
                                                      side=self.side_combo.currentData()))
        self.model.set_rows(rows)
        overdue = sum(a.overdue for a in rows)
        self.count_label.setText(f"{len(rows)} action items" + (f", {overdue} overdue" if overdue else ""))
        self._update_buttons()

    def selected(self) -> ActionItemData | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        a = self.selected()
        self.done_button.setEnabled(a is not None)
        self.open_partner_button.setEnabled(a is not None)
        self.done_button.setText("Reopen" if a is not None and a.done_on else "Mark done")

    def toggle_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        self.services.actions.set_done(a.id, done=a.done_on is None)

    def _open_partner(self) -> None:
        a = self.selected()
        if a is not None:
            self.bus.open_partner.emit(a.partner_id)
