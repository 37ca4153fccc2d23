"""Measurements: periods, the grid, CSV import with every kind of bad row, and export."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.models.enums import PeriodKind
from app.services.errors import ValidationError
from app.services.measurements import (
    CellEdit,
    MeasurementService,
    parse_number,
    parse_period,
    period_label,
    read_csv,
    suggest_mapping,
)
from app.services.partners import PartnerData

TODAY = date(2026, 11, 23)
MAP = {"partner": "partner", "kpi": "kpi", "period": "period", "value": "value", "period_kind": None,
       "note": None}


@pytest.fixture
def world(services):
    a = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    b = services.partners.create(PartnerData(name="Alpgate Supply Ltd"))
    return services, a, b


@pytest.mark.parametrize("text, kind, start", [
    ("2026-03", PeriodKind.MONTH, date(2026, 3, 1)),
    ("03/2026", PeriodKind.MONTH, date(2026, 3, 1)),
    ("Mar 2026", PeriodKind.MONTH, date(2026, 3, 1)),
    ("2026-03-17", PeriodKind.MONTH, date(2026, 3, 1)),
    ("17.03.2026", PeriodKind.MONTH, date(2026, 3, 1)),
    ("2026-Q2", PeriodKind.QUARTER, date(2026, 4, 1)),
    ("Q4 2025", PeriodKind.QUARTER, date(2025, 10, 1)),
    ("2026-W05", PeriodKind.WEEK, date(2026, 1, 26)),
])
def test_parse_period(text, kind, start):
    assert parse_period(text) == (kind, start)


def test_parse_period_refuses_nonsense_and_conflicts():
    for bad in ("2026-13", "yesterday", "2026-02-30", "2026-W60", ""):
        with pytest.raises(ValueError):
            parse_period(bad)
    with pytest.raises(ValueError, match="is a quarter but the row says month"):
        parse_period("2026-Q1", PeriodKind.MONTH)
    assert parse_period("2026-03-18", PeriodKind.WEEK) == (PeriodKind.WEEK, date(2026, 3, 16))
    assert period_label(PeriodKind.WEEK, date(2026, 1, 26)) == "2026-W05"


@pytest.mark.parametrize("text, value", [("98.5", 98.5), ("98,5", 98.5), ("1 500", 1500), ("1,500", 1500),
                                         ("1.234,5", 1234.5), ("97 %", 97), ("-2", -2)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("bad", ["abc", "", "nan", "inf", "12..5"])
def test_parse_number_refuses(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


def test_grid_save_edit_and_clear(world):
    services, a, _ = world
    otd, ppm = services.kpis.find("OTD"), services.kpis.find("PPM")
    m = services.measurements
    changed = m.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 9, 14), 96.5),
                                                     CellEdit(otd.id, date(2026, 10, 1), 94),
                                                     CellEdit(ppm.id, date(2026, 10, 1), 420)])
    assert changed == 3
    grid = m.grid(a.id, PeriodKind.MONTH, count=3, today=TODAY)
    assert grid.periods == (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
    row = [k.code for k in grid.kpis].index("OTD")
    assert grid.values[row] == (96.5, 94.0, None)
    # edit one, clear one, leave one: only two change
    assert m.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 10, 1), 95),
                                                 CellEdit(otd.id, date(2026, 9, 1), None),
                                                 CellEdit(ppm.id, date(2026, 10, 1), 420)]) == 2
    assert [(r.period_start, r.value) for r in m.series(a.id, otd.id)] == [(date(2026, 10, 1), 95.0)]
    assert m.count(a.id) == 2
    with pytest.raises(ValidationError):
        m.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 10, 1), float("nan"))])



def test_snapshot_restores_cells_exactly_including_empty_ones_and_notes(world):
    services, a, b = world
    otd, ppm = services.kpis.find("OTD"), services.kpis.find("PPM")
    m = services.measurements
    table = read_csv("partner,kpi,period,value,note\nNordwerk Components GmbH,OTD,2026-09,96.5,audit week\n")
    m.import_csv(table, {**MAP, "note": "note"}, today=TODAY)
    m.record(b.id, otd.id, PeriodKind.MONTH, date(2026, 10, 1), 80)  # another partner: untouched
    cells = [(otd.id, date(2026, 9, 1)), (otd.id, date(2026, 10, 1)), (ppm.id, date(2026, 9, 15))]
    before = m.snapshot(a.id, PeriodKind.MONTH, cells)
    assert before == [CellEdit(otd.id, date(2026, 9, 1), 96.5, "audit week"),
                      CellEdit(otd.id, date(2026, 10, 1), None), CellEdit(ppm.id, date(2026, 9, 1), None)]
    # a paste over all three, then a delete of the first
    assert m.save_cells(a.id, PeriodKind.MONTH, [CellEdit(k, p, v) for (k, p), v in zip(cells, (90, 91, 400))]) == 3
    assert m.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 9, 1), None)]) == 1
    assert m.save_cells(a.id, PeriodKind.MONTH, before) == 3  # back as it was
    assert m.snapshot(a.id, PeriodKind.MONTH, cells) == before
    assert [(r.period_start, r.value, r.note) for r in m.series(a.id, otd.id)] == [
        (date(2026, 9, 1), 96.5, "audit week")]
    assert m.series(a.id, ppm.id) == [] and m.count(b.id) == 1
    assert m.save_cells(a.id, PeriodKind.MONTH, before) == 0  # restoring twice changes nothing

CSV_WITH_BAD_ROWS = """partner,kpi,period,value
Nordwerk Components GmbH,OTD,2026-08,97.5
nordwerk components gmbh,ppm,2026-08,310
Unknown Works Ltd,OTD,2026-08,90
Alpgate Supply Ltd,XYZ,2026-08,90
Alpgate Supply Ltd,OTD,2026-08,ninety
Alpgate Supply Ltd,OTD,2026-14,91
Alpgate Supply Ltd,OTD,2027-01,91
Alpgate Supply Ltd,LT,2026-08,12
Alpgate Supply Ltd,LT,2026-08,13
Alpgate Supply Ltd,FPY,2026-08,
Alpgate Supply Ltd,OTD,2026-09,93

Alpgate Supply Ltd,OTD,2026-Q3,93
"""


def test_csv_import_rejects_every_kind_of_bad_row_and_imports_the_rest(world):
    services, a, b = world
    table = read_csv(CSV_WITH_BAD_ROWS)
    check = services.measurements.check_import(table, MAP, today=TODAY)
    reasons = {r.line: r.reason for r in check.rejected}
    assert "unknown partner 'Unknown Works Ltd'" in reasons[4]
    assert "unknown KPI 'XYZ'" in reasons[5]
    assert "bad number" in reasons[6] and "'ninety' is not a number" in reasons[6]
    assert "bad date" in reasons[7]
    assert "bad date" in reasons[8] and "in the future" in reasons[8]
    assert "duplicate period" in reasons[9] and "line 10" in reasons[9]
    assert "duplicate period" in reasons[10] and "line 9" in reasons[10]
    assert "no value" in reasons[11]
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert [r.line for r in check.accepted] == [2, 3, 12, 14]  # the blank line 13 is skipped
    assert services.measurements.count() == 0  # a check writes nothing

    done = services.measurements.import_csv(table, MAP, today=TODAY)
    assert done.applied and len(done.accepted) == 4 and len(done.rejected) == 8
    assert "4 imported" in done.summary() and "8 rejected" in done.summary()
    otd = services.kpis.find("OTD")
    assert [r.value for r in services.measurements.series(a.id, otd.id)] == [97.5]
    # no rejected row left anything behind: Alpgate has only its two good rows (month and quarter)
    assert [(r.period_kind, r.period_start, r.value) for r in services.measurements.series(b.id, otd.id)] == [
        (PeriodKind.QUARTER, date(2026, 7, 1), 93.0), (PeriodKind.MONTH, date(2026, 9, 1), 93.0)]
    assert services.measurements.count(b.id) == 2


def test_reimport_is_unchanged_and_a_new_value_needs_replace(world):
    services, a, _ = world
    table = read_csv("partner,kpi,period,value\nNordwerk Components GmbH,OTD,2026-08,97.5\n")
    services.measurements.import_csv(table, MAP, today=TODAY)
    again = services.measurements.import_csv(table, MAP, today=TODAY)
    assert (len(again.accepted), again.unchanged, len(again.rejected)) == (0, 1, 0)

    changed = read_csv("partner,kpi,period,value\nNordwerk Components GmbH,OTD,2026-08,96\n")
    refused = services.measurements.import_csv(changed, MAP, today=TODAY)
    assert "already has the value 97.5" in refused.rejected[0].reason
    replaced = services.measurements.import_csv(changed, MAP, today=TODAY, replace_existing=True)
    assert replaced.replaced == 1 and replaced.accepted[0].replaces == 97.5
    otd = services.kpis.find("OTD")
    assert [r.value for r in services.measurements.series(a.id, otd.id)] == [96.0]


def test_mapping_suggestion_and_semicolon_file_with_decimal_commas(world):
    services, a, _ = world
    text = "Supplier;Indicator;Month;Result;Frequency;Comment\n" \
           "Nordwerk Components GmbH;OTD;01.09.2026;96,4;monthly;after audit\n" \
           "Nordwerk Components GmbH;RESP;2026-W36;12,5;week;\n"
    table = read_csv(text)
    assert table.delimiter == ";"
    mapping = suggest_mapping(table.headers)
    assert mapping == {"partner": "Supplier", "kpi": "Indicator", "period": "Month", "value": "Result",
                       "period_kind": "Frequency", "note": "Comment"}
    done = services.measurements.import_csv(table, mapping, today=TODAY)
    assert len(done.accepted) == 2 and not done.rejected
    rows = services.measurements.series(a.id, services.kpis.find("OTD").id)
    assert (rows[0].period_start, rows[0].value, rows[0].note) == (date(2026, 9, 1), 96.4, "after audit")
    resp = services.measurements.series(a.id, services.kpis.find("RESP").id)
    assert (resp[0].period_kind, resp[0].period_start) == (PeriodKind.WEEK, date(2026, 8, 31))


def test_unmapped_required_field_is_a_clear_error(world):
    services, *_ = world
    table = read_csv("who,what,when\nx,y,z\n")
    with pytest.raises(ValidationError, match="Partner, KPI, Period, Value"):
        services.measurements.check_import(table, suggest_mapping(table.headers), today=TODAY)


def test_failure_while_storing_imports_nothing(world, monkeypatch):
    services, a, _ = world
    table = read_csv("partner,kpi,period,value\nNordwerk Components GmbH,OTD,2026-07,97\n"
                     "Nordwerk Components GmbH,PPM,2026-07,300\n")
    real = MeasurementService._check

    def sabotaged(self, *args):
        check = real(self, *args)
        from dataclasses import replace
        broken = replace(check.accepted[1], kpi_id="no-such-kpi")  # the database refuses this one
        return replace(check, accepted=(check.accepted[0], broken))

    monkeypatch.setattr(MeasurementService, "_check", sabotaged)
    with pytest.raises(Exception):
        services.measurements.import_csv(table, MAP, today=TODAY)
    assert services.measurements.count() == 0


def test_export_round_trips_through_import(world):
    services, a, b = world
    otd, ideas = services.kpis.find("OTD"), services.kpis.find("IDEAS")  # a count may be large, a % may not
    services.measurements.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 9, 1), 96.25),
                                                              CellEdit(ideas.id, date(2026, 10, 1), 1234567.5)])
    services.measurements.save_cells(b.id, PeriodKind.QUARTER, [CellEdit(otd.id, date(2026, 7, 1), 91)])
    out = io.StringIO()
    assert services.measurements.export_csv(out) == 3
    text = out.getvalue()
    assert text.splitlines()[0] == "partner,kpi,period_kind,period,value,note"
    assert "Alpgate Supply Ltd,OTD,quarter,2026-Q3,91," in text
    assert "1234567.5" in text
    table = read_csv(text)
    check = services.measurements.check_import(table, suggest_mapping(table.headers), today=TODAY)
    assert (len(check.accepted), check.unchanged, len(check.rejected)) == (0, 3, 0)
    only_a = io.StringIO()
    assert services.measurements.export_csv(only_a, partner_ids=[a.id]) == 2
