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
    d = CsvImportDialog(services, ChangeBus())
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
