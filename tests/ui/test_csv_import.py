"""The import dialog with what users really bring: UTF-16, binary, huge cells, decimal commas, Excel, big files."""

from __future__ import annotations

import codecs
import csv

import pytest

from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.measurements import csv_import
from app.ui.measurements.csv_import import CsvImportDialog


@pytest.fixture
def dialog(qtbot, services):
    services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    d = CsvImportDialog(services, ChangeBus(services.db.feed))
    qtbot.addWidget(d)
    return d


def _check(qtbot, d):
    d.run_check()
    qtbot.waitUntil(lambda: d.check is not None or "Nothing imported" in d.summary.text())
    return d.check


def test_a_binary_file_gives_a_message(dialog, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 50)
    dialog.load_file(path)  # used to raise UnicodeDecodeError out of the dialog
    assert "Cannot import this file: This is not a text file" in dialog.summary.text()
    assert dialog.table is None and not dialog.import_button.isEnabled()


def test_a_10_mb_cell_gives_a_message(qtbot, dialog, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("partner,kpi,period,value,note\nNordwerk Components GmbH,OTD,2026-01,97," + "x" * 10_000_000,
                    encoding="utf-8")
    dialog.load_file(path)  # used to raise _csv.Error; now read in the background, being over 2 MB
    qtbot.waitUntil(lambda: not dialog.reading, timeout=30_000)
    assert "Line 2 has a cell longer than 10,000 characters" in dialog.summary.text()
    assert dialog.table is None


def test_excel_unicode_text_is_detected_shown_and_imports(qtbot, dialog, services, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Partner\tKPI\tPeriod\tValue\r\nNordwerk Components GmbH\tOTD\t2026-08\t"
                                           "97,5\r\n".encode("utf-16-le"))
    dialog.load_file(path)
    assert "UTF-16 LE" in dialog.detected.text() and "tab-separated" in dialog.detected.text()
    assert "decimal comma" in dialog.detected.text()
    assert dialog.current_mapping()["value"] == "Value"
    check = _check(qtbot, dialog)
    assert len(check.accepted) == 1 and check.accepted[0].value == 97.5


def test_ambiguous_numbers_are_flagged_until_the_user_chooses(qtbot, dialog, tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("Lieferant;Kennzahl;Monat;Wert\nNordwerk Components GmbH;PPM;2026-08;1,500\n"
                    "Nordwerk Components GmbH;PPM;2026-09;12,750\n", encoding="utf-8")
    dialog.load_file(path)
    assert "2 values ('1,500', '12,750') read two ways" in dialog.ambiguous.text()
    for f, h in (("partner", "Lieferant"), ("kpi", "Kennzahl"), ("period", "Monat"), ("value", "Wert")):
        dialog.mapping[f].setCurrentIndex(dialog.mapping[f].findData(h))
    check = _check(qtbot, dialog)
    assert not check.accepted and "ambiguous number" in dialog.rejected.item(0, 1).text()
    dialog.decimal.setCurrentIndex(dialog.decimal.findData(","))
    assert "read with the decimal comma (chosen)" in dialog.ambiguous.text()
    check = _check(qtbot, dialog)
    assert [r.value for r in check.accepted] == [1.5, 12.75] and not check.rejected


def test_changing_the_delimiter_reads_the_file_again_and_keeps_the_columns(dialog, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("partner|kpi|period|value\nNordwerk Components GmbH|OTD|2026-08|97\n", encoding="utf-8")
    dialog.load_file(path)
    assert dialog.table.delimiter == "|" and dialog.preview.columnCount() == 4
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    assert dialog.preview.columnCount() == 1 and "comma-separated" in dialog.detected.text()
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData("|"))
    assert dialog.current_mapping()["kpi"] == "kpi"


def test_an_xlsx_file_imports_through_the_same_dialog(qtbot, dialog, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Supplier", "Indicator", "Month", "Result"])
    book.active.append(["Nordwerk Components GmbH", "OTD", "2026-08", 96.5])
    book.active.append(["Nobody", "OTD", "2026-08", 90])
    path = tmp_path / "values.xlsx"
    book.save(path)
    dialog.load_file(path)
    assert "Excel workbook" in dialog.detected.text() and not dialog.encoding.isEnabled()
    assert dialog.preview.item(0, 3).text() == "96.5"
    check = _check(qtbot, dialog)
    assert len(check.accepted) == 1 and len(check.rejected) == 1
    out = tmp_path / "rejects.csv"
    assert dialog.save_rejected_rows(out) == 1
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:2] == ["line", "reason"] and rows[1][:2] == ["3", "unknown partner 'Nobody'"]


def test_a_big_file_reads_in_the_background_with_progress_and_can_be_stopped(qtbot, dialog, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(csv_import, "BACKGROUND_BYTES", 1000)
    path = tmp_path / "many.csv"
    path.write_text("partner,kpi,period,value\n" + "Nordwerk Components GmbH,OTD,2026-08,97\n" * 30_000,
                    encoding="utf-8")
    dialog.load_file(path)
    assert dialog.reading and dialog.progress.isVisibleTo(dialog) and not dialog.check_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.reading, timeout=30_000)
    assert len(dialog.table.rows) == 30_000 and "30,000 rows" in dialog.summary.text()
    assert not dialog.progress.isVisibleTo(dialog)
    path.write_text("partner,kpi,period,value\n" + "Nordwerk Components GmbH,OTD,2026-08,97\n" * 300_000,
                    encoding="utf-8")  # far more than a thread reads before the next line stops it
    dialog.load_file(path)
    dialog.stop_reading()
    qtbot.waitUntil(lambda: not dialog.reading, timeout=30_000)
    assert dialog.summary.text() == "Reading stopped; nothing was imported." and dialog.table is None


def _map(dialog, **columns):
    for f, h in columns.items():
        dialog.mapping[f].setCurrentIndex(dialog.mapping[f].findData(h))


def test_a_value_that_stays_ambiguous_is_asked_with_one_click_answers(qtbot, dialog, services, tmp_path):
    """Periods '08.2026' used to make the file 'decimal point', so 1,500 read as 1500 without a question."""
    path = tmp_path / "eu.csv"
    path.write_text("Lieferant;Kennzahl;Monat;Wert\nNordwerk Components GmbH;PPM;08.2026;1,500\n"
                    "Nordwerk Components GmbH;PPM;09.2026;2,250\n", encoding="utf-8")
    dialog.load_file(path)
    _map(dialog, partner="Lieferant", kpi="Kennzahl", period="Monat", value="Wert")
    assert "decimal mark not known" in dialog.detected.text() and "Which is it?" in dialog.ambiguous.text()
    assert dialog.point_answer.isVisibleTo(dialog) and dialog.point_answer.text() == "'1,500' is 1500"
    assert dialog.comma_answer.text() == "'1,500' is 1.5"
    assert not _check(qtbot, dialog).accepted  # unanswered: rejected, never guessed
    dialog.comma_answer.click()
    assert not dialog.comma_answer.isVisibleTo(dialog) and "decimal comma (chosen)" in dialog.ambiguous.text()
    check = _check(qtbot, dialog)
    assert [r.value for r in check.accepted] == [1.5, 2.25] and not check.rejected


def test_windows_1252_text_is_detected_and_imports(qtbot, dialog, services, tmp_path):
    services.partners.create(PartnerData(name="Müller Präzision AG"))
    path = tmp_path / "excel.csv"
    path.write_bytes("partner;kpi;period;value\r\nMüller Präzision AG;OTD;2026-08;97,5\r\n".encode("cp1252"))
    dialog.load_file(path)
    assert "Windows-1252" in dialog.detected.text() and dialog.preview.item(0, 0).text() == "Müller Präzision AG"
    check = _check(qtbot, dialog)
    assert [(r.partner_name, r.value) for r in check.accepted] == [("Müller Präzision AG", 97.5)]


def test_text_that_does_not_decode_lets_the_user_choose_the_encoding(qtbot, dialog, tmp_path):
    """Windows-1252 accents past the sampled start: the message names the line, and the encoding can be
    chosen, even right after a workbook (whose encoding choice is switched off)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["partner", "kpi", "period", "value"])
    book.active.append(["Nordwerk Components GmbH", "OTD", "2026-08", 96.5])
    book.save(tmp_path / "first.xlsx")
    dialog.load_file(tmp_path / "first.xlsx")
    assert not dialog.encoding.isEnabled()
    path = tmp_path / "late.csv"
    path.write_bytes(b"partner,kpi,period,value\n" + b"Nordwerk Components GmbH,OTD,2026-08,97\n" * 2000
                     + "Société Générale,OTD,2026-08,90\n".encode("cp1252"))
    dialog.load_file(path)
    assert "Line 2002 is not valid UTF-8" in dialog.summary.text() and dialog.table is None
    assert dialog.encoding.isEnabled()
    dialog.encoding.setCurrentIndex(dialog.encoding.findData("cp1252"))
    assert dialog.table is not None and dialog.table.rows[-1][0] == "Société Générale"


def test_a_file_over_the_size_limit_is_refused_in_the_dialog(dialog, tmp_path, monkeypatch):
    from app.services.spreadsheets import csv_file

    monkeypatch.setattr(csv_file, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_text("partner,kpi,period,value\n" + "Nordwerk Components GmbH,OTD,2026-08,97\n" * 100,
                    encoding="utf-8")
    dialog.load_file(path)
    assert "Cannot import this file: The file is" in dialog.summary.text() and "Split it" in dialog.summary.text()
    assert dialog.table is None and not dialog.import_button.isEnabled()
