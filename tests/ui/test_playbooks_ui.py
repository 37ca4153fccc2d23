"""The Playbooks section: edit a published playbook into a new version, publish it, compare, export/import."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from app.models.enums import TemplateStatus
from app.ui.bus import ChangeBus
from app.ui.playbooks.diff_dialog import PlaybookDiffDialog
from app.ui.playbooks.section import TITLE, PlaybooksSection


@pytest.fixture
def section(qtbot, services):
    widget = PlaybooksSection(services, ChangeBus(services.db.feed))
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    return widget


def test_the_shipped_playbook_is_listed_and_shown(section):
    assert section.list.count() == 1
    assert section.version.is_published
    assert section.steps.rowCount() == 13
    assert section.save_button.text() == "Save as new version"
    assert not section.publish_button.isEnabled()


def test_editing_a_published_version_makes_a_draft_then_publish(qtbot, section, services):
    section.steps.item(0, TITLE).setText("Kick-off with both sponsors")
    section.remove_step.setEnabled(True)
    section.steps.setCurrentCell(12, TITLE)
    qtbot.mouseClick(section.remove_step, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert (section.version.version, section.version.status) == (2, TemplateStatus.DRAFT)
    assert section.version_combo.count() == 2
    assert section.publish_button.isEnabled()
    qtbot.mouseClick(section.publish_button, Qt.MouseButton.LeftButton)
    assert section.version.is_published and section.version.version == 2
    v1 = services.playbooks.versions(section.version.playbook_id)[-1]
    assert services.playbooks.get_version(v1.id).steps[0].title == "Kick-off and stakeholder introductions"
    dialog = PlaybookDiffDialog(services.playbooks, services.playbooks.versions(section.version.playbook_id),
                                v1.id, section.version.id, section)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == "0 added · 1 removed · 1 changed"
    assert dialog.tree.topLevelItemCount() == 2


def test_a_bad_edit_is_explained_and_nothing_is_saved(qtbot, section, services):
    section.steps.item(2, TITLE).setText("  ")
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert section.error.isVisible() and "Step 3 needs a title" in section.error.text()
    assert len(services.playbooks.versions(section.version.playbook_id)) == 1


def test_export_then_import_a_partner_edit(qtbot, section, services, tmp_path, monkeypatch):
    from app.ui.playbooks import section as module

    path = tmp_path / "playbook.json"
    monkeypatch.setattr(module.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    section.export_file()
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["steps"].append({"title": "Partner's own step", "owner_side": "partner", "day_offset": 40})
    path.write_text(json.dumps(doc), encoding="utf-8")
    shown = []
    monkeypatch.setattr(module.QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(a[2])))
    section.import_file(str(path))
    assert "1 added" in shown[0]
    assert section.version.version == 2 and section.steps.rowCount() == 14


def test_a_new_playbook_starts_as_a_draft(qtbot, section):
    qtbot.mouseClick(section.new_button, Qt.MouseButton.LeftButton)
    assert section.list.count() == 2
    assert section.version.status is TemplateStatus.DRAFT and section.save_button.text() == "Save draft"


def _answer(monkeypatch, button):
    from PySide6.QtWidgets import QMessageBox

    asked = []

    def question(_parent, title, text, *args, **kwargs):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def _two_playbooks(qtbot, section):
    qtbot.mouseClick(section.new_button, Qt.MouseButton.LeftButton)  # a second playbook, now shown
    shipped = next(section.list.item(i) for i in range(section.list.count())
                   if section.list.item(i).data(Qt.ItemDataRole.UserRole) != section.version.playbook_id)
    return shipped


def test_switching_playbooks_asks_before_dropping_edits(qtbot, section, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shipped = _two_playbooks(qtbot, section)
    new_id = section.version.playbook_id
    section.name.setText("Supplier quality onboarding")
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    section.list.setCurrentItem(shipped)
    assert asked and "Supplier quality onboarding" in asked[0]
    assert section.version.playbook_id == new_id  # Cancel: still on the edited playbook
    assert section.name.text() == "Supplier quality onboarding"  # the edit is still there
    assert section.list.currentItem().data(Qt.ItemDataRole.UserRole) == new_id

    shipped_id = shipped.data(Qt.ItemDataRole.UserRole)
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    section.list.setCurrentItem(shipped)
    assert section.version.playbook_id == shipped_id  # the playbook the user picked is shown
    names = [section.list.item(i).text().splitlines()[0] for i in range(section.list.count())]
    assert "Supplier quality onboarding" in names  # saved


def test_no_question_without_edits(qtbot, section, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shipped = _two_playbooks(qtbot, section)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    section.list.setCurrentItem(shipped)
    assert not asked and section.version.playbook_id == shipped.data(Qt.ItemDataRole.UserRole)
