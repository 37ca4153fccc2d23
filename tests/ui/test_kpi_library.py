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


# -- drafts ----------------------------------------------------------------------------------------------------


def _version_cell(section, code: str) -> str:
    row = next(i for i in range(section.list.rowCount()) if section.list.item(i, 0).text() == code)
    return section.list.item(row, 8).text()


def _history_versions(section) -> list[str]:
    return [section.history.item(i, 0).text() for i in range(section.history.rowCount())]


def _otd_status(services, pid):
    from datetime import date

    sc = services.scorecards.partner_scorecard(pid, today=date(2026, 11, 23))
    return next(r for r in sc.rows if r.code == "OTD").status


def test_a_draft_changes_the_scorecard_only_once_published(qtbot, section, services, monkeypatch):
    from datetime import date

    from app.models.enums import PeriodKind
    from app.services.measurements import CellEdit
    from app.services.partners import PartnerData
    from app.services.scorecards import Status

    pid = services.partners.create(PartnerData(name="Nordwerk Components GmbH")).id
    otd_id = services.kpis.find("OTD").id
    services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd_id, date(2026, 10, 1), 96)])
    messages: list[str] = []
    section.bus.status_message.connect(messages.append)
    assert _otd_status(services, pid) is Status.GREEN

    _edit_otd(qtbot, section)  # amber 96, note "Benchmark raised"
    section.amber.setValue(97)
    assert section.draft_button.isVisible() and section.draft_button.text() == "Save as draft"
    assert section.save_button.isVisible() and section.save_button.text() == "Save as new version"
    assert not section.publish_button.isVisible() and not section.discard_button.isVisible()
    qtbot.mouseClick(section.draft_button, Qt.MouseButton.LeftButton)

    otd = services.kpis.find("OTD")
    assert (otd.amber_threshold, otd.version, otd.draft) == (95, 1, 2)  # the definition in use is unchanged
    assert _otd_status(services, pid) is Status.GREEN
    assert messages[-1].startswith("Saved draft version 2 of OTD")
    assert section.current.code == "OTD" and not section.is_dirty()
    assert section.amber.value() == 97 and section.note.text() == "Benchmark raised"  # the form holds the draft
    assert "Draft version 2" in section.state.text()
    assert _version_cell(section, "OTD") == "v1 · draft"
    assert _history_versions(section) == ["v2 draft", "v1"]
    assert section.publish_button.isVisible() and section.discard_button.isVisible()
    assert section.draft_button.text() == "Save draft" and not section.save_button.isVisible()

    # Keep editing: another KPI and back, the draft is still there; Save draft changes it in place.
    _answer(monkeypatch, Button.Cancel)
    _click(qtbot, section, "PPM")
    _click(qtbot, section, "OTD")
    assert section.amber.value() == 97 and section.draft is not None
    section.target.setValue(99)
    qtbot.mouseClick(section.draft_button, Qt.MouseButton.LeftButton)
    assert services.kpis.draft(otd_id).data.target == 99 and _history_versions(section) == ["v2 draft", "v1"]
    assert services.kpis.find("OTD").target == 98

    section.note.setText("Benchmark raised after the review")
    qtbot.mouseClick(section.publish_button, Qt.MouseButton.LeftButton)
    otd = services.kpis.find("OTD")
    assert (otd.amber_threshold, otd.target, otd.version, otd.draft) == (97, 99, 2, None)
    assert _otd_status(services, pid) is Status.AMBER
    assert messages[-1] == "Published version 2 of OTD"
    assert _version_cell(section, "OTD") == "v2"
    assert _history_versions(section) == ["v2", "v1"]
    assert section.history.item(0, 4).text() == "Benchmark raised after the review"
    assert "Version 2 · published" in section.state.text() and section.save_button.isVisible()
    assert not section.publish_button.isVisible()


def test_discard_draft_shows_the_published_definition_again(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    qtbot.mouseClick(section.draft_button, Qt.MouseButton.LeftButton)
    assert services.kpis.find("OTD").draft == 2
    asked = _answer(monkeypatch, Button.Yes)
    qtbot.mouseClick(section.discard_button, Qt.MouseButton.LeftButton)
    assert asked == ["Discard draft version 2 of OTD (On-time delivery)?"]
    assert services.kpis.find("OTD").draft is None and section.draft is None
    assert section.amber.value() == 95 and _history_versions(section) == ["v1"]
    assert _version_cell(section, "OTD") == "v1" and section.save_button.isVisible()


def test_save_in_the_leave_question_keeps_a_draft_a_draft(qtbot, section, services, monkeypatch):
    _edit_otd(qtbot, section)
    qtbot.mouseClick(section.draft_button, Qt.MouseButton.LeftButton)
    section.amber.setValue(97)
    _answer(monkeypatch, Button.Save)
    _click(qtbot, section, "PPM")
    otd = services.kpis.find("OTD")
    assert (otd.amber_threshold, otd.draft) == (95, 2)
    assert services.kpis.draft(otd.id).data.amber_threshold == 97
