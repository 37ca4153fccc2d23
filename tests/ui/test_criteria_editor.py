"""The criteria-set editor driven like a user: weights that do not add up are refused with a clear message,
a fixed edit of the published set becomes a new draft version, publishing makes new assessments use it, and
unsaved edits are never dropped without asking."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.models.enums import AlignmentGroup, PartnerStatus, TemplateStatus
from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.selection.criteria_editor import (
    CODE,
    GROUP,
    NAME,
    WEIGHT,
    CriteriaEditorWidget,
)
from app.ui.selection.section import SelectionSection


@pytest.fixture
def bus(services):
    return ChangeBus(services.db.feed)


@pytest.fixture
def editor(qtbot, services, bus):
    w = CriteriaEditorWidget(services, bus)
    qtbot.addWidget(w)
    w.resize(1150, 700)
    w.show()
    return w


def _row(editor, code: str) -> int:
    return next(r for r in range(editor.table.rowCount()) if editor.table.item(r, CODE).text() == code)


def _type_weight(qtbot, editor, code: str, value: str) -> None:
    spin = editor.table.cellWidget(_row(editor, code), WEIGHT)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), value)


def _answer(monkeypatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent, title, text, *args, **kwargs):
        asked.append(f"{title}: {text}")
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_opens_on_the_published_set_new_assessments_use(editor, services):
    shipped = services.selection.latest_published()
    assert editor.current.id == shipped.id
    assert "published, in use" in editor.version_combo.currentText()
    assert editor.state.text().startswith("Published · frozen: saving an edit makes version 2")
    assert editor.table.rowCount() == len(shipped.criteria)
    assert editor.total.text() == "Total weight 100 ✓"
    assert not editor.save_button.isEnabled() and not editor.publish_button.isEnabled()


def test_wrong_total_shows_the_message_and_saves_nothing(qtbot, editor, services):
    _type_weight(qtbot, editor, "TECH", "20")  # 16 -> 20: 104 in all
    message = "The weights add up to 104, not 100 (4 too many)."
    assert editor.total.text() == message
    assert not editor.save_button.isEnabled() and editor.save_button.toolTip() == message
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert editor.save() is False  # and a save forced anyway is refused by the service, with the same message
    assert message in editor.error.text() and editor.error.isVisible()
    assert [s.version for s in services.selection.criteria_sets()] == [1]
    assert editor.is_dirty()  # the user's edit is still there to fix


def test_fixed_edit_of_the_published_set_saves_a_new_draft_then_publishes(qtbot, editor, services, monkeypatch):
    shipped = services.selection.latest_published()
    _type_weight(qtbot, editor, "TECH", "20")
    _type_weight(qtbot, editor, "LOC", "4")
    assert editor.total.text() == "Total weight 100 ✓" and not editor.error.isVisible()
    assert editor.save_button.text() == "Save as new version" and editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    draft = editor.current
    assert draft.version == 2 and draft.status is TemplateStatus.DRAFT and draft.lineage == shipped.lineage
    weights = {c.code: c.weight for c in draft.criteria}
    assert weights["TECH"] == 20 and weights["LOC"] == 4
    assert services.selection.criteria_set(shipped.id).criteria == shipped.criteria  # v1 is frozen
    assert services.selection.latest_published().id == shipped.id  # new assessments still use v1
    assert "version 2 · draft" in editor.version_combo.currentText() and not editor.is_dirty()
    assert editor.publish_button.isEnabled()

    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(editor.publish_button, Qt.MouseButton.LeftButton)
    assert asked and "Publish version 2" in asked[0]
    assert services.selection.latest_published().id == draft.id
    assert editor.current.status is TemplateStatus.PUBLISHED and not editor.publish_button.isEnabled()
    partner = services.partners.create(PartnerData(name="Gamma Oy", status=PartnerStatus.CANDIDATE))
    assert services.selection.start(partner.id).criteria_set.id == draft.id


def test_a_draft_is_saved_in_place_and_publish_can_be_cancelled(qtbot, editor, services, monkeypatch):
    _type_weight(qtbot, editor, "TECH", "20")
    _type_weight(qtbot, editor, "LOC", "4")
    assert editor.save()
    draft_id = editor.current.id
    editor.description.setPlainText("Tuned for 2027")
    assert editor.save_button.text() == "Save draft"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.current.id == draft_id and services.selection.criteria_set(draft_id).description == "Tuned for 2027"
    assert [s.version for s in services.selection.criteria_sets()] == [1, 2]

    _answer(monkeypatch, QMessageBox.StandardButton.No)
    assert editor.publish() is False
    assert services.selection.criteria_set(draft_id).status is TemplateStatus.DRAFT


def test_add_move_and_remove_criteria(qtbot, editor, services):
    start = editor.table.rowCount()
    editor.table.setCurrentCell(_row(editor, "LOC"), NAME)
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    row = editor.table.currentRow()
    assert row == start and editor.table.rowCount() == start + 1
    editor.table.item(row, CODE).setText("ESG")
    editor.table.item(row, NAME).setText("Energy use")
    group = editor.table.cellWidget(row, GROUP)
    group.setCurrentIndex(group.findData(AlignmentGroup.VALUES))
    _type_weight(qtbot, editor, "ESG", "4")
    _type_weight(qtbot, editor, "LOC", "4")
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert editor.table.item(start - 1, CODE).text() == "ESG" and editor.table.currentRow() == start - 1
    qtbot.mouseClick(editor.down_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert editor.save()
    saved = editor.current
    assert [c.code for c in saved.criteria][-2:] == ["ESG", "LOC"]
    esg = saved.criteria[-2]
    assert (esg.name, esg.group, esg.weight) == ("Energy use", AlignmentGroup.VALUES, 4)

    editor.table.setCurrentCell(_row(editor, "ESG"), NAME)
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert editor.total.text() == "The weights add up to 96, not 100 (4 missing)."
    assert not editor.save_button.isEnabled()


def test_other_mistakes_are_named_and_nothing_is_saved(qtbot, editor, services):
    editor.name.clear()
    editor.table.item(_row(editor, "LOC"), CODE).setText("tech")
    assert editor.total.text() == "Total weight 100 ✓" and editor.save_button.isEnabled()
    assert editor.save() is False
    assert "needs a name" in editor.error.text() and "the code TECH is used twice" in editor.error.text()
    assert [s.version for s in services.selection.criteria_sets()] == [1]
    qtbot.keyClicks(editor.name, "Partner selection criteria 2027")
    editor.table.item(editor.table.rowCount() - 1, CODE).setText("LOC")
    assert not editor.error.isVisible()  # the message goes once everything it named is put right
    assert editor.save() and editor.current.name == "Partner selection criteria 2027"


def test_switching_versions_asks_before_dropping_edits(qtbot, editor, services, monkeypatch):
    _type_weight(qtbot, editor, "TECH", "20")
    _type_weight(qtbot, editor, "LOC", "4")
    assert editor.save()  # version 2 (draft) is shown
    v1 = services.selection.latest_published()
    editor.name.setText("Edited name")

    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    index = editor.version_combo.findData(v1.id)
    editor.version_combo.setCurrentIndex(index)
    editor.version_combo.activated.emit(index)
    assert asked and editor.current.version == 2 and editor.name.text() == "Edited name"
    assert "version 2" in editor.version_combo.currentText()

    _answer(monkeypatch, QMessageBox.StandardButton.Discard)
    editor.version_combo.setCurrentIndex(index)
    editor.version_combo.activated.emit(index)
    assert editor.current.id == v1.id and not editor.is_dirty()
    assert services.selection.criteria_set(editor.version_combo.itemData(0)).name == v1.name  # nothing saved

    editor.name.setText("Saved on the way")
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    index = editor.version_combo.findText("version 2", Qt.MatchFlag.MatchContains)
    editor.version_combo.activated.emit(index)
    # the edit of the published v1 was saved as version 3 before version 2 was shown
    assert editor.current.version == 2
    assert [(s.version, s.name) for s in services.selection.criteria_sets() if s.version == 3] == \
        [(3, "Saved on the way")]


def test_closing_the_window_with_unsaved_edits_asks(qtbot, services, monkeypatch):
    services.identity.set_names("Mira Holm", "Field laptop")
    window = MainWindow(services, ChangeBus(services.db.feed))
    qtbot.addWidget(window)
    window.show()
    section = window.show_section("Selection")
    section.tabs.setCurrentIndex(1)
    editor = section.criteria_editor
    editor.name.setText("Not saved yet")
    window.show_section("Partners")  # leaving the section keeps the edits

    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert window.close() is False and len(asked) == 1 and window.isVisible()
    assert editor.name.text() == "Not saved yet" and section.tabs.currentWidget() is editor

    _answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.close() is True
    assert [s.version for s in services.selection.criteria_sets()] == [1]


def test_the_selection_section_has_a_criteria_sets_tab(qtbot, services, bus):
    section = SelectionSection(services, bus)
    qtbot.addWidget(section)
    assert section.tabs.tabText(1) == "Criteria sets"
    section.tabs.setCurrentIndex(1)
    section.criteria_editor.name.setText("Changed")
    assert section.tabs.tabText(1) == "Criteria sets (unsaved)"
    section.criteria_editor.revert()
    assert section.tabs.tabText(1) == "Criteria sets"


def test_rows_stay_one_line_tall_on_a_laptop(qtbot, services, bus):
    """Rows grew with their wrapped description to ~200 px at 1366×768, showing three criteria at a time."""
    editor = CriteriaEditorWidget(services, bus)
    qtbot.addWidget(editor)
    editor.resize(1100, 560)  # the editor's share of a 1366×768 window
    editor.show()
    qtbot.waitExposed(editor)
    line = editor.table.cellWidget(0, GROUP).sizeHint().height()
    heights = {editor.table.rowHeight(r) for r in range(editor.table.rowCount())}
    assert max(heights) <= line + 8, heights
    description = editor.table.item(0, 4)
    assert description.toolTip() == description.text() and description.text()  # the full text is one hover away
