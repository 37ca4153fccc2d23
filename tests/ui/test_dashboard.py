"""The dashboard and the Scorecard tab with demo data: counts, the Attention list, traffic lights, spend
concentration, the matrix opening a partner, and refresh after a change."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.enums import PeriodKind
from app.services.measurements import CellEdit
from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.dashboard.scorecard_tab import ScorecardTab
from app.ui.dashboard.section import DashboardSection
from app.ui.sections import SECTIONS


@pytest.fixture
def dashboard(qtbot, demo_services):
    bus = ChangeBus(demo_services.db.feed)
    d = DashboardSection(demo_services, bus)
    qtbot.addWidget(d)
    d.resize(1400, 900)
    d.show()
    qtbot.waitUntil(lambda: d.portfolio is not None, timeout=10_000)
    return d, bus, demo_services


def test_the_week_comes_first_then_the_dashboard():
    assert [title for title, _ in SECTIONS[:2]] == ["This week", "Dashboard"]


def test_counts_attention_and_lights_match_the_portfolio(dashboard):
    d, _bus, services = dashboard
    pf = d.portfolio
    assert sum(pf.status_counts.values()) == 60
    from PySide6.QtWidgets import QLabel

    tiles = [w.text() for i in range(d.tiles.count()) if isinstance(w := d.tiles.itemAt(i).widget(), QLabel)]
    assert any(f">{pf.status_counts['red']}<" in t and "Red" in t for t in tiles)
    assert d.attention.rowCount() == len(pf.alerts) > 0
    first = pf.alerts[0]
    assert d.attention.item(0, 0).text() == first.partner_name and d.attention.item(0, 2).text() == first.reason
    assert d.lights_model.rowCount() == 60
    # sorted worst first: the top row is red
    assert d.lights_proxy.index(0, 2).data() == "Red"


def test_the_matrix_leaves_out_partners_not_scored_and_says_how_many(dashboard):
    d, _bus, _services = dashboard
    unscored = {p.partner_id for p in d.portfolio.partners if p.quadrant is None}
    assert unscored and d.portfolio.unscored == len(unscored)
    placed = {s.data() for s in d.matrix.scatter.points()}
    assert placed and not placed & unscored and len(placed) == 60 - len(unscored)
    assert f"{len(unscored)} not scored" in d.matrix.plot.getPlotItem().titleLabel.text


def test_clicking_a_partner_in_the_matrix_or_the_attention_list_opens_it(qtbot, dashboard):
    d, bus, _ = dashboard
    target = [p for p in d.portfolio.partners if p.quadrant is not None][5]
    with qtbot.waitSignal(bus.open_partner) as opened:
        spot = next(s for s in d.matrix.scatter.points() if s.data() == target.partner_id)
        d.matrix.scatter.sigClicked.emit(d.matrix.scatter, [spot], None)
    assert opened.args == [target.partner_id]
    with qtbot.waitSignal(bus.open_partner) as opened:
        d.attention.cellDoubleClicked.emit(0, 0)
    assert opened.args == [d.portfolio.alerts[0].partner_id]


def test_spend_warning_appears_when_one_partner_exceeds_the_maximum_share(qtbot, dashboard):
    d, bus, services = dashboard
    assert "No partner above 30%" in d.spend_warning.text()
    services.partners.create(PartnerData(name="Megasource Holding AG", annual_spend=10 ** 9))
    qtbot.waitUntil(lambda: "Spend is concentrated" in d.spend_warning.text(), timeout=10_000)
    assert "Megasource Holding AG" in d.spend_warning.text()
    assert d.spend.item(0, 0).text() == "Megasource Holding AG"
    d.max_share.setValue(100)
    qtbot.waitUntil(lambda: "No partner above 100%" in d.spend_warning.text(), timeout=10_000)
    assert services.settings.get("spend_max_share") == "1.00"


def test_a_new_red_measurement_reaches_the_attention_list(qtbot, dashboard):
    d, bus, services = dashboard
    p = services.partners.create(PartnerData(name="Aaron Test Supply GmbH"))
    otd = services.kpis.find("OTD")
    today = date.today()
    last = date(today.year, today.month, 1)
    prev = date(last.year - (last.month == 1), (last.month - 2) % 12 + 1, 1)
    services.measurements.save_cells(p.id, PeriodKind.MONTH, [CellEdit(otd.id, prev, 96),
                                                              CellEdit(otd.id, last, 80)])
    qtbot.waitUntil(lambda: any(a.partner_id == p.id for a in d.portfolio.alerts), timeout=10_000)
    names = [d.attention.item(r, 0).text() for r in range(d.attention.rowCount())]
    assert "Aaron Test Supply GmbH" in names


def test_scorecard_tab_shows_table_and_one_chart_per_measured_kpi(qtbot, demo_services, tmp_path):
    bus = ChangeBus(demo_services.db.feed)
    tab = ScorecardTab(demo_services, bus)
    qtbot.addWidget(tab)
    tab.resize(1100, 900)
    tab.show()
    partner = next(p for p in demo_services.scorecards.portfolio().partners if p.status is not None)
    tab.set_partner(partner.partner_id)
    qtbot.waitUntil(lambda: tab.card is not None, timeout=10_000)
    measured = [r for r in tab.card.rows if r.latest_value is not None]
    assert tab.table.rowCount() == len(tab.card.rows)
    assert sum(1 for c in tab.charts if c.isVisible()) == len(measured)
    assert "Composite score" in tab.summary.text()
    saved = tab.save_pngs(str(tmp_path))
    assert len(saved) == len(measured) and all(p.stat().st_size > 2000 for p in saved)
    chart = tab.charts[0]
    row = next(r for r in measured if r.kpi_id == chart.series.kpi_id)
    text = chart.show_point(len(chart.series.values) - 1)  # what hovering the last point shows
    assert text.startswith(f"{row.latest_title}: ")
    assert float(text.split(": ")[1].split()[0]) == pytest.approx(row.latest_value)
    tab.set_partner(None)
    qtbot.waitUntil(lambda: tab.card is None)
    assert "Choose a saved partner" in tab.summary.text()
