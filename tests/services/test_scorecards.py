"""Scorecards: status both ways and at the exact edges, overrides, change, velocity, composite, alerts,
the portfolio and spend concentration."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from app.models.enums import PeriodKind, Quadrant
from app.services.measurements import CellEdit, shift_period
from app.services.partners import PartnerData
from app.services.scorecards import AlertKind, Status, Trend

TODAY = date(2026, 11, 23)
LAST = date(2026, 10, 1)  # the latest complete month


@pytest.fixture
def card(services):
    """Record a monthly series ending in October 2026 for a partner, return its scorecard row."""
    partners = {}

    def record(code: str, *values: float | None, partner: str = "Nordwerk Components GmbH", spend: int = 0,
               kind: PeriodKind = PeriodKind.MONTH, last: date = LAST):
        if partner not in partners:
            partners[partner] = services.partners.create(PartnerData(name=partner, annual_spend=spend)).id
        pid = partners[partner]
        k = services.kpis.find(code)
        n = len(values)
        services.measurements.save_cells(pid, kind, [
            CellEdit(k.id, shift_period(kind, last, i - n + 1), v) for i, v in enumerate(values) if v is not None])
        return pid

    def row(code: str, partner: str = "Nordwerk Components GmbH"):
        sc = services.scorecards.partner_scorecard(partners[partner], today=TODAY)
        return next(r for r in sc.rows if r.code == code)

    record.row = row
    record.partners = partners
    return record


@pytest.mark.parametrize("value, status", [
    (98, Status.GREEN), (95, Status.GREEN), (94.99, Status.AMBER), (90, Status.AMBER), (89.99, Status.RED),
])
def test_status_higher_is_better_at_exact_edges(card, value, status):
    card("OTD", value)  # amber threshold 95, red 90
    assert card.row("OTD").status is status


@pytest.mark.parametrize("value, status", [
    (100, Status.GREEN), (500, Status.GREEN), (500.01, Status.AMBER), (1500, Status.AMBER), (1500.01, Status.RED),
])
def test_status_lower_is_better_at_exact_edges(card, value, status):
    card("PPM", value)  # amber threshold 500, red 1500
    assert card.row("PPM").status is status


def test_override_changes_status_for_that_partner_only(services, card):
    pid = card("OTD", 93)
    card("OTD", 93, partner="Alpgate Supply Ltd")
    otd = services.kpis.find("OTD")
    services.kpis.set_override(pid, otd.id, amber_threshold=92, red_threshold=85, reason="Machined parts")
    mine, theirs = card.row("OTD"), card.row("OTD", partner="Alpgate Supply Ltd")
    assert (mine.status, mine.overridden, mine.amber_threshold, mine.target) == (Status.GREEN, True, 92, 98)
    assert mine.override_reason == "Machined parts"
    assert (theirs.status, theirs.overridden, theirs.amber_threshold) == (Status.AMBER, False, 95)


def test_override_without_measurements_still_shows_on_the_scorecard(services, card):
    pid = card("OTD", 97)
    services.kpis.set_override(pid, services.kpis.find("PPM").id, target=200)
    row = card.row("PPM")
    assert row.overridden and row.latest_value is None and row.status is None and row.target == 200


def test_change_and_velocity_normalised_to_amber_bands(card):
    card("OTD", 90, 91, 92, 93, 94, 95)  # +1 point a month, band 95-90 = 5
    row = card.row("OTD")
    assert row.change == pytest.approx(1) and row.change_is_better is True
    assert row.velocity == pytest.approx(0.2) and row.trend is Trend.IMPROVING
    card("PPM", 1500, 1400, 1300, 1200, 1100, 1000)  # lower is better: falling 100 a month, band 1000
    ppm = card.row("PPM")
    assert ppm.velocity == pytest.approx(0.1) and ppm.change_is_better is True
    card("LT", 10, 10.5, 10, 10.5, 10, 10.2)
    assert card.row("LT").trend is Trend.STABLE


def test_velocity_uses_only_the_last_window_and_counts_gaps_as_time(card):
    # old values are outside the 6-period window and must not matter
    card("OTD", 50, 50, 50, 50, 90, None, None, 92, None, 94)
    row = card.row("OTD")
    # points at months -5 (90), -2 (92), 0 (94): slope 0.8 / month, band 5
    assert row.velocity == pytest.approx(0.8 / 5 * 1.0, rel=0.02)
    assert row.previous_value == 92 and row.previous_period == date(2026, 8, 1)


def test_one_value_has_no_velocity(card):
    card("OTD", 96)
    row = card.row("OTD")
    assert row.velocity is None and row.trend is None and row.change is None and row.status is Status.GREEN


def test_weekly_velocity_is_per_week(card):
    card("RESP", 30, 28, 26, 24, kind=PeriodKind.WEEK, last=date(2026, 11, 16))  # lower better, band 24
    row = card.row("RESP")
    assert row.period_kind is PeriodKind.WEEK
    assert row.velocity == pytest.approx(2 / 24)


def test_composite_is_weighted_by_kpi_weight(services, card):
    pid = card("OTD", 98)  # at target: 100, weight 3
    card("PPM", 1500)  # at red: 0, weight 3
    card("LT", 10)  # at target (lower is better): 100, weight 1
    sc = services.scorecards.partner_scorecard(pid, today=TODAY)
    assert sc.composite == pytest.approx((3 * 100 + 3 * 0 + 1 * 100) / 7)
    assert sc.status is Status.AMBER  # the worst KPI: PPM at exactly red is amber
    card("FPY", 94)  # amber; scores (94-90)/(98-90) = 50, weight 2
    sc = services.scorecards.partner_scorecard(pid, today=TODAY)
    assert sc.composite == pytest.approx((300 + 0 + 100 + 2 * 50) / 9)
    assert sc.counts()[Status.GREEN] == 2


def test_scorecard_is_frozen(services, card):
    pid = card("OTD", 98)
    sc = services.scorecards.partner_scorecard(pid, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.composite = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.rows[0].status = Status.RED


def test_alert_crossed_into_red(services, card):
    pid = card("OTD", 96, 92, 88.5)
    alerts = services.scorecards.partner_scorecard(pid, today=TODAY).alerts
    assert [a.kind for a in alerts] == [AlertKind.RED]
    assert alerts[0].reason == ("On-time delivery crossed into red: 88.5 % in Oct 2026 (red below 90 %), "
                                "was 92 % (amber).")


def test_red_twice_is_not_a_new_crossing(services, card):
    pid = card("OTD", 92, 88, 87.9)
    assert not [a for a in services.scorecards.partner_scorecard(pid, today=TODAY).alerts
                if a.kind is AlertKind.RED]


def test_alert_amber_for_three_periods_but_not_two(services, card):
    pid = card("OTD", 96, 93, 94)
    assert services.scorecards.partner_scorecard(pid, today=TODAY).alerts == ()
    card("OTD", 93, 93, 94)
    alerts = services.scorecards.partner_scorecard(pid, today=TODAY).alerts
    assert [a.kind for a in alerts] == [AlertKind.AMBER]
    assert "has been amber for 3 months in a row" in alerts[0].reason


def test_alert_getting_worse_fast(services, card):
    pid = card("PPM", 100, 250, 400, 550, 700)  # lower is better: +150 ppm a month = 0.15 band... not fast
    assert not [a for a in services.scorecards.partner_scorecard(pid, today=TODAY).alerts
                if a.kind is AlertKind.WORSENING]
    card("OTD", 99.5, 98, 96.5, 95, 93.5)  # -1.5 points a month = 0.3 amber bands a month
    alerts = services.scorecards.partner_scorecard(pid, today=TODAY).alerts
    worse = [a for a in alerts if a.kind is AlertKind.WORSENING]
    assert len(worse) == 1 and worse[0].kpi_code == "OTD"
    assert worse[0].reason.startswith("On-time delivery is getting worse fast: 0.30 amber bands per month")


def test_no_alerts_on_series_nobody_measures_any_more(services, card):
    pid = card("OTD", 96, 92, 88.5, last=date(2025, 6, 1))
    assert services.scorecards.partner_scorecard(pid, today=TODAY).alerts == ()


def test_portfolio_counts_lights_and_attention_list(services, card):
    a = card("OTD", 96, 92, 88.5, spend=600_000)  # red, crossed
    card("PPM", 300, partner="Alpgate Supply Ltd", spend=300_000)  # green
    services.partners.create(PartnerData(name="Candidate Oy", value_score=4, risk_score=4))  # no data
    pf = services.scorecards.portfolio(today=TODAY)
    assert pf.status_counts == {"green": 1, "amber": 0, "red": 1, "none": 1}
    # the two created without scores are in no quadrant: counted as not scored
    assert sum(pf.quadrant_counts.values()) == 1 and pf.quadrant_counts[Quadrant.OPPORTUNISTIC] == 1
    assert pf.unscored == 2
    by_name = {p.name: p for p in pf.partners}
    nord = by_name["Nordwerk Components GmbH"]
    assert nord.partner_id == a and nord.status is Status.RED and nord.red == 1
    assert dict(nord.categories)[__import__("app.models.enums", fromlist=["KpiCategory"]).KpiCategory.DELIVERY] \
        is Status.RED
    assert by_name["Candidate Oy"].composite is None and by_name["Candidate Oy"].status is None
    assert [(x.partner_name, x.kind) for x in pf.alerts] == [("Nordwerk Components GmbH", AlertKind.RED)]
    # the portfolio agrees with the partner scorecard
    assert nord.composite == pytest.approx(services.scorecards.partner_scorecard(a, today=TODAY).composite)


def test_spend_concentration_warns_above_the_maximum_share(services):
    for name, spend in (("Big GmbH", 700), ("Mid Ltd", 200), ("Small AB", 100), ("Candidate Oy", 0)):
        services.partners.create(PartnerData(name=name, annual_spend=spend))
    sc = services.scorecards.spend_concentration()
    assert sc.total == 1000 and [s.name for s in sc.shares] == ["Big GmbH", "Mid Ltd", "Small AB"]
    assert [s.name for s in sc.over_limit] == ["Big GmbH"]
    assert "Big GmbH (70%)" in sc.warning and "30%" in sc.warning
    assert services.scorecards.spend_concentration(max_share=0.8).warning is None


def test_trend_series_for_the_chart(services, card):
    pid = card("OTD", 90, None, 92, 93, 94, 95)
    otd = services.kpis.find("OTD")
    t = services.scorecards.trend(pid, otd.id)
    assert len(t.values) == 5 and t.periods[0] == date(2026, 5, 1)
    assert t.trend_end[0] == LAST and t.trend_start[0] == date(2026, 5, 1)
    assert t.trend_end[1] > t.trend_start[1]
    assert (t.target, t.amber_threshold, t.red_threshold) == (98, 95, 90)
    empty = services.scorecards.trend(pid, services.kpis.find("PPM").id)
    assert empty.values == () and empty.trend_start is None and empty.status is None


def test_demo_portfolio_has_every_status(demo_services):
    from tests.conftest import AS_OF

    pf = demo_services.scorecards.portfolio(today=AS_OF)
    assert len(pf.partners) == 60
    assert all(pf.status_counts[s] > 0 for s in ("green", "amber", "red"))
    assert pf.alerts and all(a.reason for a in pf.alerts)
