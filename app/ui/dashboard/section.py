"""The portfolio dashboard: partners by status and quadrant, the Attention list (KPI alerts, and the
certification status of every partner with learning tracks, those needing attention first), traffic lights per
partner and category, spend concentration, and the value–risk matrix. Loaded in the background; refreshed when
measurements, KPIs, overrides or partners change (the certifications: when learning changes)."""

from __future__ import annotations

from datetime import date

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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.models.enums import KpiCategory, Quadrant, label
from app.services import Services
from app.services.learning import DEFAULT_WINDOW_DAYS, CertificationSummary
from app.services.scorecards import Portfolio, SpendConcentration, Status
from app.ui.bus import Change, ChangeBus, WhenShown
from app.ui.charts.matrix import QUADRANT_COLOURS, ValueRiskMatrixWidget
from app.ui.dashboard.lights import COLOURS, light
from app.ui.formatting import format_number
from app.ui.tables import read_only_table
from app.ui.workers import run_in_background

WATCHED = ("measurements", "kpis", "kpi_overrides", "partners")
CERTIFICATION_TABLES = ("learning_assignments", "learning_completions", "learning_certifications",
                        "learning_modules", "learning_track_versions", "learning_track_items", "partners")
CERTIFICATION_HEADERS = [
    ("Partner", "Partners with people on a learning track, those needing attention first"),
    ("Certified", "People holding a valid certification of every track they were given, of the people with a "
                  "track"),
    ("Expiring", f"Certified people whose certification ends within {DEFAULT_WINDOW_DAYS} days"),
    ("Expired", "People whose certification has expired: to renew"),
    ("Overdue", "People with a track past its due date and no certification yet"),
]
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


class _LightsView(QTableView):
    """The traffic lights: the partner column takes the width the lights leave, and never less than
    `NAME_WIDTH` (on a laptop the lights scroll sideways rather than cut every name short)."""

    NAME_WIDTH = 200

    def __init__(self) -> None:
        super().__init__()
        self.horizontalHeader().sectionResized.connect(lambda c, _old, _new: c and self.fit_names())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_names()

    def fit_names(self) -> None:
        h = self.horizontalHeader()
        others = sum(h.sectionSize(c) for c in range(1, h.count()))
        h.resizeSection(0, max(self.NAME_WIDTH, self.viewport().width() - others))


def _tile(title: str, value: int, colour: str) -> QLabel:
    tile = QLabel(f"<div style='font-size:18pt;font-weight:600'>{value}</div><div>{title}</div>")
    tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
    tile.setMinimumWidth(96)
    tile.setStyleSheet(f"QLabel{{border-left:5px solid {colour};background:#f5f7fa;padding:6px 10px;"
                       "color:#1f2933}")
    return tile


def _certification_light(row: CertificationSummary) -> Status:
    """Red: someone is late (expired or overdue); amber: a certification expires soon or someone is not
    certified yet; green: everyone with a track is certified."""
    if row.late:
        return Status.RED
    return Status.AMBER if row.expiring or row.certified < row.people else Status.GREEN


def _number(value: int) -> QTableWidgetItem:
    item = QTableWidgetItem(str(value) if value else "–")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class DashboardSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.portfolio: Portfolio | None = None
        self.concentration: SpendConcentration | None = None
        self.certification_rows: list[CertificationSummary] | None = None  # None: not loaded yet
        self.today: date | None = None  # the day certifications are judged on (None: today; tests set one)
        self._loading = False
        self._again = False
        self._cert_token = 0

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

        self.certifications = read_only_table([h for h, _tip in CERTIFICATION_HEADERS], word_wrap=False)
        self.certifications.setObjectName("certifications")
        for c, (_h, tip) in enumerate(CERTIFICATION_HEADERS):
            self.certifications.horizontalHeaderItem(c).setToolTip(tip)
        h = self.certifications.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.certifications.setTabKeyNavigation(False)  # Tab moves on; the arrows move between partners
        self.certifications.activated.connect(self._open_certification)  # Enter or double-click
        self.certifications_note = QLabel("")
        self.certifications_note.setObjectName("muted")
        self.certifications_note.setWordWrap(True)

        self.matrix = ValueRiskMatrixWidget()
        self.matrix.partner_clicked.connect(self.bus.open_partner.emit)
        save_matrix = QPushButton("Save matrix as PNG…")
        save_matrix.clicked.connect(self._save_matrix)

        self.lights_model = TrafficLightTableModel()
        self.lights_proxy = QSortFilterProxyModel()
        self.lights_proxy.setSourceModel(self.lights_model)
        self.lights_proxy.setSortRole(SORT_ROLE)
        self.lights = _LightsView()
        self.lights.setModel(self.lights_proxy)
        self.lights.setSortingEnabled(True)
        self.lights.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lights.verticalHeader().hide()
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
        self.spend.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.spend.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.spend.cellDoubleClicked.connect(
            lambda r, _c: self.bus.open_partner.emit(self.spend.item(r, 0).data(Qt.ItemDataRole.UserRole)))

        certifications_page = QWidget()
        cv = QVBoxLayout(certifications_page)
        cv.setContentsMargins(0, 4, 0, 0)
        cv.addWidget(self.certifications_note)
        cv.addWidget(self.certifications, 1)
        self.attention_tabs = QTabWidget()
        self.attention_tabs.setDocumentMode(True)
        self.attention_tabs.addTab(self.attention, "KPI alerts")
        self.attention_tabs.addTab(certifications_page, "Certifications")
        attention_box = QGroupBox("Attention")
        QVBoxLayout(attention_box).addWidget(self.attention_tabs)
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
        title = QLabel("Dashboard")
        title.setObjectName("pageTitle")
        # The heading with what was computed under it, then the tiles: one row that fits a 1366 px screen.
        heading = QVBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(title)
        heading.addWidget(self.state)
        heading.addStretch(1)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addLayout(heading)
        header.addSpacing(12)
        header.addLayout(self.tiles)
        header.addStretch(1)
        layout.addLayout(header)
        layout.addWidget(body, 1)
        self._portfolio_when_shown = WhenShown(self, self.reload_portfolio)
        self._certifications_when_shown = WhenShown(self, self.reload_certifications)
        bus.changed.connect(self._changed)
        self.reload()

    # -- loading -------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Recompute everything the dashboard shows, in the background."""
        self.reload_portfolio()
        self.reload_certifications()

    def reload_portfolio(self) -> None:
        """Recompute the portfolio in the background (once more afterwards if asked while running)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        share = self.max_share.value() / 100
        services = self.services
        run_in_background(lambda: (services.scorecards.portfolio(), services.scorecards.spend_concentration(share)),
                          self._loaded, self._failed)

    def reload_certifications(self) -> None:
        """Read every partner's certification status in the background; the latest request wins."""
        self._cert_token += 1
        token, today, learning = self._cert_token, self.today or date.today(), self.services.learning
        run_in_background(lambda: learning.overview(today, DEFAULT_WINDOW_DAYS, attention_first=True),
                          lambda rows: self._current(token) and self._fill_certifications(rows),
                          lambda exc: self._current(token) and self.certifications_note.setText(
                              f"Cannot load the certifications: {exc}"))

    def _current(self, token: int) -> bool:
        """The answer is for the latest request, and the view still exists (it may close while loading)."""
        return token == self._cert_token and isValid(self.certifications)

    def _changed(self, change: Change) -> None:
        # Hidden, the dashboard only marks itself stale: the portfolio is recomputed when it is shown.
        if change.touches(*WATCHED):
            self._portfolio_when_shown.request()
        if change.touches(*CERTIFICATION_TABLES):
            self._certifications_when_shown.request()

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.state.setText("Could not compute the portfolio")
        self.state.setToolTip(str(exc))  # the line under the heading stays short

    def _loaded(self, result) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload_portfolio()
        self.portfolio, self.concentration = result
        pf = self.portfolio
        self.state.setText(f"{len(pf.partners)} partners, {pf.series} KPI series scored")
        self._fill_tiles(pf)
        self._fill_attention(pf)
        self.lights_model.set_rows(pf.partners)
        self.lights.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.lights.fit_names()
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
        self.attention_tabs.setTabText(self.attention_tabs.indexOf(self.attention), f"KPI alerts ({len(alerts)})")
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

    def _fill_certifications(self, rows: list[CertificationSummary]) -> None:
        self.certification_rows = rows
        act = sum(1 for r in rows if r.late or r.expiring)
        i = self.attention_tabs.indexOf(self.certifications.parentWidget())
        self.attention_tabs.setTabText(i, f"Certifications ({act} to act on)" if act else "Certifications")
        if not rows:
            self.certifications_note.setText("No learning track is assigned yet: a partner's Learning tab assigns "
                                             "tracks to its people and ours.")
        else:
            people = sum(r.people for r in rows)
            certified = sum(r.certified for r in rows)
            self.certifications_note.setText(
                f"{certified} of {people} people certified across {len(rows)} partners; those needing attention "
                "first. Enter or double-click opens the partner.")
        self.certifications.setRowCount(len(rows))
        for i, r in enumerate(rows):
            name = QTableWidgetItem(light(_certification_light(r)), r.partner_name)
            name.setData(Qt.ItemDataRole.UserRole, r.partner_id)
            name.setToolTip(r.text)
            self.certifications.setItem(i, 0, name)
            certified = QTableWidgetItem(f"{r.certified} of {r.people}")
            certified.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.certifications.setItem(i, 1, certified)
            for col, value in ((2, r.expiring), (3, r.expired), (4, r.overdue)):
                self.certifications.setItem(i, col, _number(value))

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
            amount = QTableWidgetItem(format_number(s.annual_spend))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.spend.setItem(i, 1, amount)
            share = QTableWidgetItem(f"{s.share:.1%}")
            share.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.spend.setItem(i, 2, share)

    # -- actions -------------------------------------------------------------------------------------------

    def _open_alert(self, row: int, _col: int) -> None:
        self.bus.open_partner.emit(self.attention.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def _open_certification(self, index: QModelIndex) -> None:
        item = self.certifications.item(index.row(), 0)
        if item is not None:
            self.bus.open_partner.emit(item.data(Qt.ItemDataRole.UserRole))

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
