"""The KPI library never loses unsaved edits silently: switching KPI asks Save / Discard / Cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.services.changes import Changes
from app.ui.bus import ChangeBus
from app.ui.kpis.section import KpiLibrarySection

Button = QMessageBox.StandardButton


@pytest.fixture
def section(qtbot, services):
    bus = ChangeBus(services.db.feed)
    w = KpiLibrarySection(services, bus)
    qtbot.addWidget(w)
    w.resize(1300, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def _click(qtbot, section, code: str) -> None:
    """Click a KPI's row in the list, as the user does."""
    row = next(i for i in range(section.list.rowCount()) if section.list.item(i, 0).text() == code)
    rect = section.list.visualItemRect(section.list.item(row, 1))
    qtbot.mouseClick(section.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _selected_code(section) -> str | None:
    rows = section.list.selectionModel().selectedRows()
    return section.list.item(rows[0].row(), 0).text() if rows else None


def _answer(monkeypatch, button) -> list[str]:
    asked: list[str] = []

    def question(_parent, title, text, *args, **kwargs):
        asked.append(text)
        return button
    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def _edit_otd(qtbot, section) -> None:
    _click(qtbot, section, "OTD")
    assert section.current.code == "OTD" and not section.is_dirty()
    section.amber.setValue(96)
    section.note.setText("Benchmark raised")
    assert section.is_dirty()


def test_switching_without_edits_asks_nothing(qtbot, section, monkeypatch):
    asked = _answer(monkeypatch, Button.Cancel)
    _click(qtbot, section, "OTD")
    _click(qtbot, section, "PPM")
    assert asked == [] and section.current.code == "PPM" and _selected_code(section) == "PPM"


def test_cancel_keeps_the_edited_kpi_selected_with_its_edits(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    asked = _answer(monkeypatch, Button.Cancel)
    _click(qtbot, section, "PPM")
    assert asked == ["Save the changes to OTD (On-time delivery)?"]
    assert section.current.code == "OTD" and _selected_code(section) == "OTD"
    assert section.amber.value() == 96 and section.note.text() == "Benchmark raised"
    assert services.kpis.find("OTD").version == 1  # nothing saved
    section.new_kpi()  # New KPI asks too; Cancel keeps the edits
    assert len(asked) == 2 and section.current.code == "OTD" and section.amber.value() == 96


def test_save_stores_the_edits_then_shows_the_other_kpi(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    asked = _answer(monkeypatch, Button.Save)
    _click(qtbot, section, "PPM")
    assert len(asked) == 1
    otd = services.kpis.find("OTD")
    assert otd.version == 2 and otd.amber_threshold == 96
    assert services.kpis.history(otd.id)[0].change_note == "Benchmark raised"
    assert section.current.code == "PPM" and _selected_code(section) == "PPM"
    assert section.name.text() == services.kpis.find("PPM").name and not section.is_dirty()


def test_discard_drops_the_edits_and_shows_the_other_kpi(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    asked = _answer(monkeypatch, Button.Discard)
    _click(qtbot, section, "PPM")
    assert len(asked) == 1
    assert services.kpis.find("OTD").version == 1 and services.kpis.find("OTD").amber_threshold == 95
    assert section.current.code == "PPM" and _selected_code(section) == "PPM" and not section.is_dirty()
    _answer(monkeypatch, Button.Cancel)
    _click(qtbot, section, "OTD")  # the edits are gone for good
    assert section.amber.value() == 95


def test_a_refused_save_stays_on_the_kpi_and_says_why(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    section.red.setValue(99)  # out of order for "higher is better"
    _answer(monkeypatch, Button.Save)
    _click(qtbot, section, "PPM")
    assert section.current.code == "OTD" and _selected_code(section) == "OTD"
    assert "must be better than the red threshold" in section.errors.text()
    assert section.red.value() == 99 and services.kpis.find("OTD").version == 1


def test_a_new_kpi_being_written_is_asked_about_and_survives_a_reload(qtbot, section, services, monkeypatch):
    asked = _answer(monkeypatch, Button.Cancel)
    section.new_kpi()
    assert asked == [] and _selected_code(section) is None
    section.code.setText("SCR")
    section.name.setText("Supplier change requests")
    section.bus.changed.emit(Changes.of("kpi_overrides"))  # another view wrote: the list reloads
    assert section.code.text() == "SCR" and _selected_code(section) is None and asked == []
    _click(qtbot, section, "OTD")
    assert asked == ["Save the changes to the new KPI?"]
    assert section.code.text() == "SCR" and _selected_code(section) is None
    section.red.setValue(-1)  # amber (0) must be better than red to be saved
    _answer(monkeypatch, Button.Save)
    _click(qtbot, section, "OTD")
    assert services.kpis.find("SCR").name == "Supplier change requests"
    assert section.current.code == "OTD"


def test_a_reload_keeps_unsaved_edits_of_the_current_kpi(qtbot, section, monkeypatch):
    _edit_otd(qtbot, section)
    asked = _answer(monkeypatch, Button.Cancel)
    section.bus.changed.emit(Changes.of("kpi_overrides"))
    assert asked == [] and section.amber.value() == 96 and section.current.code == "OTD"
