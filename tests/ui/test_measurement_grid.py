"""The measurement grid and the CSV import dialog, driven with the keyboard and the clipboard."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.models.enums import PeriodKind
from app.services.measurements import period_start
from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.measurements.csv_import import CsvImportDialog
from app.ui.measurements.grid import MeasurementGridWidget


@pytest.fixture
def grid(qtbot, services):
    p = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    bus = ChangeBus(services.db.feed)
    w = MeasurementGridWidget(services, bus)
    qtbot.addWidget(w)
    w.set_partner(p.id)
    w.show()
    return w, services, p, bus


def _cell(w, code: str, col: int):
    row = [k.code for k in w.model.grid.kpis].index(code)
    return w.model.index(row, col)


def test_typing_a_value_stores_it_and_enter_moves_down(qtbot, grid):
    w, services, p, bus = grid
    last = w.model.columnCount() - 1
    w.table.setCurrentIndex(_cell(w, "OTD", last))
    w.table.setFocus()
    with qtbot.waitSignal(bus.changed):
        qtbot.keyClick(w.table, "9")  # typing starts editing in the cell
        editor = QApplication.focusWidget()
        assert editor is not w.table
        qtbot.keyClicks(editor, "6,5")  # a decimal comma is fine
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    this_month = period_start(PeriodKind.MONTH, date.today())
    rows = services.measurements.series(p.id, services.kpis.find("OTD").id)
    assert [(r.period_start, r.value) for r in rows] == [(this_month, 96.5)]
    qtbot.waitUntil(lambda: w.table.currentIndex().row() == _cell(w, "OTD", last).row() + 1)
    assert _cell(w, "OTD", last).data() == "96.5"


def test_paste_from_a_spreadsheet_fills_a_block_in_one_go(qtbot, grid):
    w, services, p, bus = grid
    last = w.model.columnCount() - 1
    w.table.setCurrentIndex(_cell(w, "OTD", last - 2))
    QGuiApplication.clipboard().setText("95\t96.2\t97\n91\t\t93\n")
    w.table.setFocus()
    with qtbot.waitSignal(bus.changed):
        qtbot.keyClick(w.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [_cell(w, "OTD", c).data() for c in (last - 2, last - 1, last)] == ["95", "96.2", "97"]
    next_code = w.model.grid.kpis[[k.code for k in w.model.grid.kpis].index("OTD") + 1].code
    assert [_cell(w, next_code, c).data() for c in (last - 2, last - 1, last)] == ["91", "", "93"]
    assert services.measurements.count(p.id) == 5
    assert "Saved 5 values" in w.message.text()


def test_a_bad_value_in_a_paste_saves_nothing_and_says_why(qtbot, grid):
    w, services, p, _ = grid
    w.table.setCurrentIndex(_cell(w, "PPM", 0))
    assert w.paste("300\tabc\t310") is False
    assert services.measurements.count(p.id) == 0
    assert "'abc' is not a number" in w.message.text()


def test_delete_clears_selected_cells(qtbot, grid):
    w, services, p, _ = grid
    w.table.setCurrentIndex(_cell(w, "LT", 3))
    w.paste("12\t13")
    assert services.measurements.count(p.id) == 2
    w.table.setCurrentIndex(_cell(w, "LT", 3))
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Delete)
    assert services.measurements.count(p.id) == 1
    assert _cell(w, "LT", 3).data() == "" and _cell(w, "LT", 4).data() == "13"



def _stored(services, p, code: str) -> dict:
    return {r.period_start: r.value for r in services.measurements.series(p.id, services.kpis.find(code).id)}


def test_typing_a_value_is_one_undoable_step(qtbot, grid):
    w, services, p, bus = grid
    last = w.model.columnCount() - 1
    w.table.setCurrentIndex(_cell(w, "OTD", last))
    w.paste("94")
    this_month = w.model.grid.periods[last]
    assert bus.undo_stack.count() == 1 and bus.undo_stack.undoText() == "Paste 1 value"
    w.table.setCurrentIndex(_cell(w, "OTD", last))
    w.table.setFocus()
    with qtbot.waitSignal(bus.changed):
        qtbot.keyClick(w.table, "9")
        qtbot.keyClicks(QApplication.focusWidget(), "7")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert _stored(services, p, "OTD") == {this_month: 97.0}
    assert bus.undo_stack.undoText() == f"Enter OTD {w.model.headerData(last, Qt.Orientation.Horizontal)}"
    with qtbot.waitSignal(bus.changed):  # the scorecard hears about it too
        bus.undo_stack.undo()
    assert _stored(services, p, "OTD") == {this_month: 94.0}
    assert _cell(w, "OTD", last).data() == "94"
    bus.undo_stack.undo()  # and the first value: the cell is empty again
    assert _stored(services, p, "OTD") == {} and _cell(w, "OTD", last).data() == ""
    bus.undo_stack.redo()
    bus.undo_stack.redo()
    assert _stored(services, p, "OTD") == {this_month: 97.0} and _cell(w, "OTD", last).data() == "97"


def test_undo_a_pasted_block_puts_every_cell_back_and_redo_pastes_again(qtbot, grid):
    w, services, p, bus = grid
    codes = [k.code for k in w.model.grid.kpis]
    below = codes[codes.index("OTD") + 1]
    w.table.setCurrentIndex(_cell(w, "OTD", 2))
    w.paste("95\t\t97")  # OTD: value, empty, value
    periods = w.model.grid.periods
    bus.undo_stack.clear()
    w.table.setCurrentIndex(_cell(w, "OTD", 2))
    w.paste("80\t81\t\n70\t71\t72")  # over values, over an empty cell, clearing a value, into empty rows
    assert _stored(services, p, "OTD") == {periods[2]: 80.0, periods[3]: 81.0}
    assert services.measurements.count(p.id) == 5
    assert bus.undo_stack.count() == 1
    bus.undo_stack.undo()
    assert _stored(services, p, "OTD") == {periods[2]: 95.0, periods[4]: 97.0}
    assert _stored(services, p, below) == {}
    assert [_cell(w, "OTD", c).data() for c in (2, 3, 4)] == ["95", "", "97"]
    assert [_cell(w, below, c).data() for c in (2, 3, 4)] == ["", "", ""]
    bus.undo_stack.redo()
    assert [_cell(w, "OTD", c).data() for c in (2, 3, 4)] == ["80", "81", ""]
    assert [_cell(w, below, c).data() for c in (2, 3, 4)] == ["70", "71", "72"]
    assert services.measurements.count(p.id) == 5


def test_undo_a_delete_and_a_refused_paste_never_reaches_the_stack(qtbot, grid):
    w, services, p, bus = grid
    w.table.setCurrentIndex(_cell(w, "LT", 3))
    w.paste("12\t13")
    w.table.selectionModel().clearSelection()
    for c in (3, 4):
        w.table.selectionModel().select(_cell(w, "LT", c), w.table.selectionModel().SelectionFlag.Select)
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Delete)
    assert services.measurements.count(p.id) == 0 and bus.undo_stack.undoText() == "Clear 2 values"
    w.table.setCurrentIndex(_cell(w, "LT", 3))
    assert w.paste("1\tlots") is False
    assert bus.undo_stack.count() == 2  # the refused paste stored nothing and is not undoable
    bus.undo_stack.undo()
    assert [_cell(w, "LT", c).data() for c in (3, 4)] == ["12", "13"]
    assert services.measurements.count(p.id) == 2

def test_copy_gives_tab_separated_text(qtbot, grid):
    w, *_ = grid
    w.table.setCurrentIndex(_cell(w, "OTD", 0))
    w.paste("95\t96")
    w.table.selectionModel().clearSelection()
    for c in (0, 1):
        w.table.selectionModel().select(_cell(w, "OTD", c), w.table.selectionModel().SelectionFlag.Select)
    assert w.copy_text() == "95\t96"


def test_csv_dialog_previews_maps_reports_rejected_rows_and_imports(qtbot, services, tmp_path):
    services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    path = tmp_path / "values.csv"
    path.write_text("Supplier;Indicator;Month;Result\n"
                    "Nordwerk Components GmbH;OTD;2026-08;97,5\n"
                    "Nobody Ltd;OTD;2026-08;90\n"
                    "Nordwerk Components GmbH;PPM;2026-08;lots\n", encoding="utf-8")
    bus = ChangeBus(services.db.feed)
    dialog = CsvImportDialog(services, bus)
    qtbot.addWidget(dialog)
    dialog.load_file(path)
    assert dialog.preview.rowCount() == 3 and dialog.preview.item(0, 0).text() == "Nordwerk Components GmbH"
    assert dialog.current_mapping()["value"] == "Result"
    assert not dialog.import_button.isEnabled()
    dialog.run_check()
    qtbot.waitUntil(lambda: dialog.check is not None)
    assert dialog.rejected.rowCount() == 2
    assert "unknown partner 'Nobody Ltd'" in dialog.rejected.item(0, 1).text()
    assert "'lots' is not a number" in dialog.rejected.item(1, 1).text()
    assert services.measurements.count() == 0
    with qtbot.waitSignal(bus.changed):  # every view hears of the import from the change feed
        dialog.import_button.click()
    qtbot.waitUntil(lambda: "imported" in dialog.summary.text())
    assert services.measurements.count() == 1
    assert "1 imported" in dialog.summary.text() and "2 rejected" in dialog.summary.text()


def test_csv_dialog_requires_the_mapping(qtbot, services):
    dialog = CsvImportDialog(services, ChangeBus(services.db.feed))
    qtbot.addWidget(dialog)
    dialog.load_text("a,b,c,d\n1,2,3,4\n")
    dialog.run_check()
    qtbot.waitUntil(lambda: "Nothing imported" in dialog.summary.text())
    assert "Partner, KPI, Period, Value" in dialog.summary.text()


def test_kpi_library_edit_makes_a_version_and_an_override(qtbot, services):
    from app.ui.kpis.section import KpiLibrarySection

    services.identity.set_names("Mira Holm", "Field laptop")
    services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    bus = ChangeBus(services.db.feed)
    section = KpiLibrarySection(services, bus)
    qtbot.addWidget(section)
    row = next(i for i in range(section.list.rowCount()) if section.list.item(i, 0).text() == "OTD")
    section.list.selectRow(row)
    assert section.current.code == "OTD"
    assert section.bands.text() == "Green at 95 % or more, amber from 90 %, red below 90 %"
    section.amber.setValue(96)
    section.note.setText("Benchmark raised")
    with qtbot.waitSignal(bus.changed):
        assert section.save()
    assert services.kpis.find("OTD").version == 2
    assert section.history.item(0, 2).text() == "Mira Holm"
    assert section.history.item(0, 3).text() == "amber threshold 95 → 96"
    section.red.setValue(99)  # out of order: refused with the reason, nothing saved
    assert not section.save() and "must be better than the red threshold" in section.errors.text()
    section.show_kpi(services.kpis.find("OTD"))
    section.o_partner.setText("Nordwerk Components GmbH")
    section.o_amber.setValue(92)
    section.o_red.setValue(85)
    assert section.add_override()
    assert section.overrides.rowCount() == 1 and section.overrides.item(0, 2).text() == "92"
    assert section.overrides.item(0, 1).text() == "(98)"  # the library's target still applies


# -- like a spreadsheet: every key goes where the keyboard focus is, as it does for a user -----------------

def _press(qtbot, *keys) -> None:
    """Type into whatever has the focus: text is typed key by key, a Qt.Key is pressed; between keys the
    event loop runs, as it does between a user's keystrokes."""
    for key in keys:
        for k in (key if isinstance(key, str) else [key]):
            qtbot.keyClick(QApplication.focusWidget(), k)
            QApplication.processEvents()


def _column_values(services, p, code_rows, period) -> list:
    return [_stored(services, p, code).get(period) for code in code_rows]


def test_the_grid_opens_at_the_current_period_with_readable_headers(qtbot, grid):
    w, *_ = grid
    w.resize(1200, 500)
    last = w.model.columnCount() - 1
    assert w.table.currentIndex().column() == last
    this_month = period_start(PeriodKind.MONTH, date.today())
    title = w.model.headerData(last, Qt.Orientation.Horizontal)
    assert title == f"{this_month:%b %Y}"  # "Dec 2026", not "2026-12"
    header = w.table.horizontalHeader()
    for c in range(w.model.columnCount()):
        text = w.model.headerData(c, Qt.Orientation.Horizontal)
        assert header.sectionSize(c) >= header.fontMetrics().horizontalAdvance(text)


def test_type_enter_type_enter_fills_a_column(qtbot, grid):
    w, services, p, bus = grid
    last = w.model.columnCount() - 1
    codes = [k.code for k in w.model.grid.kpis]
    w.table.setCurrentIndex(w.model.index(0, last))
    w.table.setFocus()
    _press(qtbot, "96", Qt.Key.Key_Return, "97,5", Qt.Key.Key_Return, "98", Qt.Key.Key_Return)
    period = w.model.grid.periods[last]
    assert _column_values(services, p, codes[:3], period) == [96.0, 97.5, 98.0]
    assert w.table.currentIndex().row() == 3 and w.table.currentIndex().column() == last
    assert QApplication.focusWidget() is w.table  # ready for the next value, no click needed
    assert bus.undo_stack.count() == 3


def test_tab_stores_and_moves_across(qtbot, grid):
    w, services, p, _ = grid
    last = w.model.columnCount() - 1
    w.table.setCurrentIndex(_cell(w, "OTD", last - 2))
    w.table.setFocus()
    _press(qtbot, "91", Qt.Key.Key_Tab, "92", Qt.Key.Key_Tab, "93", Qt.Key.Key_Return)
    periods = w.model.grid.periods
    assert _stored(services, p, "OTD") == {periods[last - 2]: 91.0, periods[last - 1]: 92.0, periods[last]: 93.0}


def test_arrow_keys_move_after_enter_and_out_of_a_cell_being_typed(qtbot, grid):
    w, services, p, _ = grid
    last = w.model.columnCount() - 1
    w.table.setCurrentIndex(w.model.index(2, last))
    w.table.setFocus()
    _press(qtbot, "50", Qt.Key.Key_Return)  # stored, down to row 3
    _press(qtbot, Qt.Key.Key_Up, Qt.Key.Key_Up, Qt.Key.Key_Left)
    assert (w.table.currentIndex().row(), w.table.currentIndex().column()) == (1, last - 1)
    _press(qtbot, "7", Qt.Key.Key_Down)  # typing, then an arrow: stored, and the cursor moves on
    assert (w.table.currentIndex().row(), w.table.currentIndex().column()) == (2, last - 1)
    _press(qtbot, "8", Qt.Key.Key_Right)
    assert (w.table.currentIndex().row(), w.table.currentIndex().column()) == (2, last)
    periods, codes = w.model.grid.periods, [k.code for k in w.model.grid.kpis]
    assert _stored(services, p, codes[1]) == {periods[last - 1]: 7.0}
    assert _stored(services, p, codes[2]) == {periods[last - 1]: 8.0, periods[last]: 50.0}
