"""The partner's Scorecard tab: composite and alerts, the partner's measurement disputes, the KPI table, and one
trend chart per KPI.

Loaded in the background whenever the page shows another partner or its measurements or disputes change.
A disputed latest value is shaded, with the proposed value and the reason on hover; the KPI table's context
menu (right-click, or the menu key) raises a dispute about a KPI's latest value or settles one, as do the
Disputes panel's buttons (app/ui/measurements/disputes.py).
Print makes the PDF (app/reports/scorecard.py); charts save as PNG files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import label
from app.services import Services
from app.services.kpis import fmt
from app.services.disputes import DisputeRow
from app.services.scorecards import KpiScore, PartnerScorecard, TrendSeries
from app.ui.bus import Change, ChangeBus
from app.ui.charts.trend import TrendChartWidget
from app.ui.dashboard.lights import light
from app.ui.measurements.disputes import DISPUTED, DisputeActions, DisputesPanel, KeyboardMenu, tooltip
from app.ui.workers import run_in_background

WATCHED = ("measurements", "kpis", "kpi_overrides", "measurement_disputes")
HEADERS = ["KPI", "Latest", "Period", "Status", "Change", "Velocity", "Target", "Amber", "Red", "Score"]


class ScorecardTab(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.partner_id: str | None = None
        self.card: PartnerScorecard | None = None
        self.trends: list[TrendSeries] = []
        self.disputes: list[DisputeRow] = []
        self.charts: list[TrendChartWidget] = []
        self._token = 0
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.alerts = QLabel("")
        self.alerts.setWordWrap(True)
        self.alerts.setStyleSheet("color:#8a1c1c")
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self._print)
        self.png_button = QPushButton("Save charts as PNG…")
        self.png_button.clicked.connect(self._save_pngs)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(HEADERS)):
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.dispute_actions = DisputeActions(services, bus, self)
        self.disputes_panel = DisputesPanel(self.dispute_actions)
        # The KPI table's context menu (right-click or the menu key) acts on the selected KPI.
        self.raise_action = QAction("Raise a dispute about the latest value…", self.table)
        self.raise_action.triggered.connect(self._raise_for_selected)
        self.accept_action = QAction("Accept the dispute", self.table)
        self.accept_action.triggered.connect(lambda: self._settle(self.dispute_actions.accept))
        self.reject_action = QAction("Reject the dispute…", self.table)
        self.reject_action.triggered.connect(lambda: self._settle(self.dispute_actions.reject))
        self.edit_action = QAction("Change the dispute…", self.table)
        self.edit_action.triggered.connect(lambda: self._settle(self.dispute_actions.edit, own=True))
        for a in (self.raise_action, self.edit_action, self.accept_action, self.reject_action):
            self.table.addAction(a)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.keyboard_menu = KeyboardMenu(self.table)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.chart_area = QWidget()
        self.chart_grid = QGridLayout(self.chart_area)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart_area)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.png_button)
        top.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.alerts)
        layout.addWidget(self.disputes_panel)
        layout.addWidget(self.table)
        layout.addWidget(scroll, 1)
        bus.changed.connect(self._changed)
        self.set_partner(None)

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self.reload()

    def _changed(self, change: Change) -> None:
        if self.partner_id and change.touches(*WATCHED, partner_id=self.partner_id):
            self.reload()

    def reload(self) -> None:
        self._token += 1
        token, pid = self._token, self.partner_id
        enabled = pid is not None
        self.print_button.setEnabled(enabled)
        self.png_button.setEnabled(enabled)
        if pid is None:
            self._show(None, [])
            return
        self.summary.setText("Loading the scorecard…")
        services = self.services

        def work():
            card = services.scorecards.partner_scorecard(pid)
            return card, [services.scorecards.trend(pid, r.kpi_id) for r in card.rows], services.disputes.list(pid)

        run_in_background(work, lambda result: token == self._token and self._show(*result),
                          lambda exc: token == self._token and self.summary.setText(f"Cannot load: {exc}"))

    def _show(self, card: PartnerScorecard | None, trends: list[TrendSeries],
              disputes: list[DisputeRow] | None = None) -> None:
        self.card, self.trends, self.disputes = card, trends, list(disputes or [])
        self.disputes_panel.set_rows(self.disputes)
        rows = card.rows if card else ()
        if card is None:
            self.summary.setText("Choose a saved partner to see its scorecard.")
        elif not rows:
            self.summary.setText("No measurements yet. Enter them in the Measurements tab or import a CSV file.")
        else:
            counts = card.counts()
            comp = "–" if card.composite is None else f"{card.composite:.0f} / 100"
            self.summary.setText(f"<b>Composite score {comp}</b> &nbsp; {counts['green']} green, "
                                 f"{counts['amber']} amber, {counts['red']} red")
        if card is not None and self.partner_id:  # the partner's certification status (LearningService.summary)
            self.summary.setText(f"{self.summary.text()} &nbsp;·&nbsp; Learning: "
                                 f"{self.services.learning.summary(self.partner_id).text}")
        self.alerts.setText("<br>".join(f"⚠ {a.reason}" for a in card.alerts) if card else "")
        self.alerts.setVisible(bool(card and card.alerts))
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            unit = f" {r.unit}" if r.unit and r.unit != "count" else ""
            change = r.change
            cells = [
                f"{r.name} ({r.code})" + ("  · override" if r.overridden else "")
                + ("  · disputed" if r.disputes else ""),
                ("–" if r.latest_value is None else f"{fmt(r.latest_value)}{unit}")
                + (" ⚑" if r.latest_disputed else ""),
                r.latest_title,
                label(r.status.value) if r.status else "No data",
                "–" if change is None else f"{'+' if change > 0 else ''}{fmt(change)}"
                + ("" if r.change_is_better is None else (" ▲ better" if r.change_is_better else " ▼ worse")),
                "–" if r.velocity is None else f"{r.velocity:+.2f} ({label(r.trend.value).lower()})",
                fmt(r.target), fmt(r.amber_threshold), fmt(r.red_threshold),
                "–" if r.score is None else f"{r.score:.0f}",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 3:
                    item.setIcon(light(r.status))
                if j == 0 and (r.overridden or r.disputes):
                    tips = [f"Partner override: {r.override_reason or 'no reason given'}"] if r.overridden else []
                    tips += [f"{d.period_title}: {tooltip(d)}" for d in r.disputes]
                    item.setToolTip("<br>".join(tips))
                if j in (1, 2) and r.latest_disputed:
                    item.setBackground(DISPUTED)
                    item.setToolTip(tooltip(r.latest_disputed))
                if j >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.setFixedHeight(self.table.horizontalHeader().height() + 4
                                  + sum(self.table.rowHeight(i) for i in range(len(rows))))
        self._update_actions()
        # Charts: reuse widgets, two per row.
        drawn = [t for t in trends if t.values]
        while len(self.charts) < len(drawn):
            chart = TrendChartWidget(compact=True)
            self.chart_grid.addWidget(chart, len(self.charts) // 2, len(self.charts) % 2)
            self.charts.append(chart)
        for chart, t in zip(self.charts, drawn):
            chart.set_series(t)
            chart.setVisible(True)
        for chart in self.charts[len(drawn):]:
            chart.set_series(None)
            chart.setVisible(False)

    # -- disputes --------------------------------------------------------------------------------------------

    def selected_row(self) -> KpiScore | None:
        rows = self.card.rows if self.card else ()
        i = self.table.currentRow() if self.table.selectedItems() else -1
        return rows[i] if 0 <= i < len(rows) else None

    def _selected_dispute(self) -> DisputeRow | None:
        """The open dispute of the selected KPI: of its latest value, else its newest one."""
        r = self.selected_row()
        if r is None or not r.disputes:
            return None
        return r.latest_disputed or r.disputes[0]

    def _update_actions(self) -> None:
        r, d = self.selected_row(), self._selected_dispute()
        self.raise_action.setEnabled(r is not None and r.latest_period is not None and r.latest_disputed is None)
        self.accept_action.setEnabled(self.dispute_actions.may_settle(d))
        self.reject_action.setEnabled(self.dispute_actions.may_settle(d))
        self.edit_action.setEnabled(self.dispute_actions.may_edit(d))

    def _raise_for_selected(self) -> None:
        r = self.selected_row()
        if r is None or r.latest_period is None or self.partner_id is None:
            return
        self.dispute_actions.raise_(self.partner_id, r.kpi_id, f"{r.name} ({r.code})", r.period_kind,
                                    r.latest_period, r.latest_value, r.unit)

    def _settle(self, action, own: bool = False) -> None:
        d = self._selected_dispute()
        allowed = self.dispute_actions.may_edit(d) if own else self.dispute_actions.may_settle(d)
        if d is not None and allowed:
            action(d)

    def _print(self) -> None:
        if not self.card:
            return
        name = self.card.partner_name.replace("/", "-")
        path, _ = QFileDialog.getSaveFileName(self, "Print the scorecard", f"Scorecard {name}.pdf", "PDF (*.pdf)")
        if not path:
            return
        from app.reports.scorecard import write_scorecard_pdf

        card, trends, paper = self.card, self.trends, self.services.settings.paper_size()
        run_in_background(lambda: write_scorecard_pdf(path, card, trends, page_size=paper),
                          lambda p: self.bus.status_message.emit(f"Scorecard saved to {p}"),
                          lambda exc: self.bus.status_message.emit(f"Could not print: {exc}"))

    def _save_pngs(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the trend charts as PNG in…")
        if folder:
            self.save_pngs(folder)

    def save_pngs(self, folder: str) -> list[Path]:
        """Save every visible trend chart as <partner> - <KPI code>.png in ``folder``; returns the paths."""
        out = []
        name = self.card.partner_name.replace("/", "-") if self.card else "partner"
        for chart in self.charts:
            if chart.isVisible() and chart.series is not None:
                path = Path(folder) / f"{name} - {chart.series.code}.png"
                chart.export_png(str(path))
                out.append(path)
        self.bus.status_message.emit(f"Saved {len(out)} charts to {folder}")
        return out
