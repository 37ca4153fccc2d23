"""The portfolio dashboard: partners by status and quadrant, the Attention list, traffic lights per partner and
category, spend concentration, and the value–risk matrix. Loaded in the background; refreshed when
measurements, KPIs, overrides or partners change."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import KpiCategory, Quadrant, label
from app.services import Services
from app.services.scorecards import Portfolio, SpendConcentration, Status
from app.ui.bus import Change, ChangeBus
from app.ui.charts.matrix import QUADRANT_COLOURS, ValueRiskMatrixWidget
from app.ui.dashboard.lights import COLOURS, light
from app.ui.workers import run_in_background

WATCHED = ("measurements", "kpis", "kpi_overrides", "partners")
MAX_SHARE_KEY = "spend_max_share"
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_STATUS_RANK = {Status.RED: 3, Status.AMBER: 2, Status.GREEN: 1, None: 0}


class TrafficLightTableModel(QAbstractTableModel):
    """One row per partner: composite, overall status, and the worst status of each KPI category."""

    HEADERS = ["Partner", "Composite", "Status"] + [label(c.value) for c in KpiCategory]

    def __init__(self) -> None:
        super().__init__()
        self.rows = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        p = self.rows[index.row()]
        col = index.column()
        status = p.status if col == 2 else dict(p.categories).get(list(KpiCategory)[col - 3]) if col >= 3 else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return p.name
            if col == 1:
                return "–" if p.composite is None else f"{p.composite:.0f}"
            if col == 2:
                return label(p.status.value) if p.status else "No data"
            return ""
        if role == Qt.ItemDataRole.DecorationRole and col >= 2:
            return light(status)
        if role == Qt.ItemDataRole.ToolTipRole and col >= 3:
            return f"{self.HEADERS[col]}: {label(status.value) if status else 'not measured'}"
        if role == SORT_ROLE:
            if col == 0:
                return p.name.lower()
            if col == 1:
                return -1.0 if p.composite is None else p.composite
            return _STATUS_RANK[status]
        if role == Qt.ItemDataRole.UserRole:
            return p.partner_id
        return None


def _tile(title: str, value: int, colour: str) -> QLabel:
    tile = QLabel(f"<div style='font-size:18pt;font-weight:600'>{value}</div><div>{title}</div>")
    tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
    tile.setMinimumWidth(96)
    tile.setStyleSheet(f"QLabel{{border-left:5px solid {colour};background:#f5f7fa;padding:6px 10px;"
                       "color:#1f2933}")
    return tile


class DashboardSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.portfolio: Portfolio | None = None
        self.concentration: SpendConcentration | None = None
        self._loading = False
        self._again = False

        self.tiles = QHBoxLayout()
        self.state = QLabel("Loading the portfolio…")
        self.state.setStyleSheet("color:#52606d")

        self.attention = QTableWidget(0, 3)
        self.attention.setHorizontalHeaderLabels(["Partner", "KPI", "Why"])
        self.attention.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attention.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attention.verticalHeader().hide()
        self.attention.setWordWrap(True)
        h = self.attention.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.attention.setColumnWidth(0, 200)
        self.attention.cellDoubleClicked.connect(self._open_alert)

        self.matrix = ValueRiskMatrixWidget()
        self.matrix.partner_clicked.connect(self.bus.open_partner.emit)
        save_matrix = QPushButton("Save matrix as PNG…")
        save_matrix.clicked.connect(self._save_matrix)

        self.lights_model = TrafficLightTableModel()
        self.lights_proxy = QSortFilterProxyModel()
        self.lights_proxy.setSourceModel(self.lights_model)
        self.lights_proxy.setSortRole(SORT_ROLE)
        self.lights = QTableView()
        self.lights.setModel(self.lights_proxy)
        self.lights.setSortingEnabled(True)
        self.lights.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lights.verticalHeader().hide()
        self.lights.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(TrafficLightTableModel.HEADERS)):
            self.lights.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.lights.doubleClicked.connect(
            lambda ix: self.bus.open_partner.emit(ix.data(Qt.ItemDataRole.UserRole)))

        self.max_share = QDoubleSpinBox()
        self.max_share.setRange(1, 100)
        self.max_share.setSuffix(" %")
        self.max_share.setDecimals(0)
        self.max_share.setValue(float(services.settings.get(MAX_SHARE_KEY, "0.30")) * 100)
        self.max_share.valueChanged.connect(self._max_share_changed)
        self.spend_warning = QLabel("")
        self.spend_warning.setWordWrap(True)
        self.spend = QTableWidget(0, 3)
        self.spend.setHorizontalHeaderLabels(["Partner", "Annual spend", "Share"])
        self.spend.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.spend.verticalHeader().hide()
        self.spend.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.spend.cellDoubleClicked.connect(
            lambda r, _c: self.bus.open_partner.emit(self.spend.item(r, 0).data(Qt.ItemDataRole.UserRole)))

        attention_box = QGroupBox("Attention")
        QVBoxLayout(attention_box).addWidget(self.attention)
        matrix_box = QGroupBox("Value and risk")
        mv = QVBoxLayout(matrix_box)
        mv.addWidget(self.matrix)
        mv.addWidget(save_matrix, 0, Qt.AlignmentFlag.AlignRight)
        lights_box = QGroupBox("Traffic lights by partner and category (double-click opens the partner)")
        QVBoxLayout(lights_box).addWidget(self.lights)
        spend_box = QGroupBox("Spend concentration")
        sv = QVBoxLayout(spend_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Maximum share per partner:"))
        row.addWidget(self.max_share)
        row.addStretch(1)
        sv.addLayout(row)
        sv.addWidget(self.spend_warning)
        sv.addWidget(self.spend)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(attention_box)
        top.addWidget(matrix_box)
        top.setSizes([620, 420])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(lights_box)
        bottom.addWidget(spend_box)
        bottom.setSizes([620, 420])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addLayout(self.tiles)
        header.addStretch(1)
        header.addWidget(self.state)
        layout.addLayout(header)
        layout.addWidget(body, 1)
        bus.changed.connect(self._changed)
        self.reload()

    # -- loading -------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Recompute the portfolio in the background (once more afterwards if asked while running)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        share = self.max_share.value() / 100
        services = self.services
        run_in_background(lambda: (services.scorecards.portfolio(), services.scorecards.spend_concentration(share)),
                          self._loaded, self._failed)

    def _changed(self, change: Change) -> None:
        if change.touches(*WATCHED):
            self.reload()

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.state.setText(f"Could not compute the portfolio: {exc}")

    def _loaded(self, result) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()
        self.portfolio, self.concentration = result
        pf = self.portfolio
        self.state.setText(f"{len(pf.partners)} partners, {pf.series} KPI series scored")
        self._fill_tiles(pf)
        self._fill_attention(pf)
        self.lights_model.set_rows(pf.partners)
        self.lights.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.matrix.set_partners(pf.partners)
        self._fill_spend(self.concentration)

    def _fill_tiles(self, pf: Portfolio) -> None:
        while self.tiles.count():
            w = self.tiles.takeAt(0).widget()
            if w:
                w.deleteLater()
        for key, title in (("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("none", "No data")):
            colour = COLOURS[Status(key) if key != "none" else None].name()
            self.tiles.addWidget(_tile(title, pf.status_counts[key], colour))
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        self.tiles.addWidget(line)
        for q in Quadrant:
            self.tiles.addWidget(_tile(label(q.value), pf.quadrant_counts[q], QUADRANT_COLOURS[q].name()))

    def _fill_attention(self, pf: Portfolio) -> None:
        alerts = pf.alerts
        self.attention.setRowCount(len(alerts))
        icons = {3: light(Status.RED), 2: light(Status.AMBER), 1: light(Status.AMBER)}
        for i, a in enumerate(alerts):
            name = QTableWidgetItem(icons[a.severity], a.partner_name)
            name.setData(Qt.ItemDataRole.UserRole, a.partner_id)
            self.attention.setItem(i, 0, name)
            self.attention.setItem(i, 1, QTableWidgetItem(a.kpi_code))
            why = QTableWidgetItem(a.reason)
            why.setToolTip(a.reason)
            self.attention.setItem(i, 2, why)
        if len(alerts) < 400:  # measuring thousands of wrapped rows would stall the UI
            self.attention.resizeRowsToContents()

    def _fill_spend(self, sc: SpendConcentration) -> None:
        if sc.warning:
            self.spend_warning.setText(f"⚠ {sc.warning}")
            self.spend_warning.setStyleSheet("color:#8a1c1c;background:#fdecea;padding:6px;border-radius:3px")
        else:
            top = sc.shares[0] if sc.shares else None
            self.spend_warning.setText(
                f"No partner above {sc.max_share:.0%} of spend" + (f" (largest: {top.name}, {top.share:.1%})."
                                                                   if top else "."))
            self.spend_warning.setStyleSheet("color:#2e7d32;padding:6px")
        shares = sc.shares[:50]
        self.spend.setRowCount(len(shares))
        for i, s in enumerate(shares):
            name = QTableWidgetItem(s.name)
            name.setData(Qt.ItemDataRole.UserRole, s.partner_id)
            if s in sc.over_limit:
                name.setIcon(light(Status.RED))
            self.spend.setItem(i, 0, name)
            amount = QTableWidgetItem(f"{s.annual_spend:,}".replace(",", " "))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.spend.setItem(i, 1, amount)
            share = QTableWidgetItem(f"{s.share:.1%}")
            share.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.spend.setItem(i, 2, share)

    # -- actions -------------------------------------------------------------------------------------------

    def _open_alert(self, row: int, _col: int) -> None:
        self.bus.open_partner.emit(self.attention.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def _max_share_changed(self, value: float) -> None:
        self.services.settings.set(MAX_SHARE_KEY, f"{value / 100:.2f}")
        share = value / 100
        run_in_background(lambda: self.services.scorecards.spend_concentration(share), self._spend_loaded)

    def _spend_loaded(self, sc: SpendConcentration) -> None:
        self.concentration = sc
        self._fill_spend(sc)

    def _save_matrix(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the value–risk matrix", "value-risk-matrix.png",
                                              "PNG images (*.png)")
        if path:
            self.matrix.export_png(path)
            self.bus.status_message.emit(f"Saved {path}")
