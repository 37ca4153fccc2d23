"""The Learning tab and section with real widgets: the matrix shows ticks and dates and marks overdue and
expiring cells; the dialogs record what the user typed, refuse with a message and keep it; the library publishes
a new track version; a module's feedback list; the certification overview; the scorecard names the summary."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app.models.enums import Side
from app.services.learning import TrackItemData
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id
from app.ui.bus import ChangeBus
from app.ui.formatting import format_date
from app.ui.learning.matrix_model import BACKGROUNDS, FIXED
from app.ui.learning.partner_tab import LearningTab
from app.ui.learning.section import LearningSection

TODAY = date(2026, 11, 23)
ESCALATION = stable_id("learning_track", "escalation-path")
ONB, ESC = stable_id("learning", "ONB101"), stable_id("learning", "ESC101")


@pytest.fixture
def acme(services):
    p = services.partners.create(PartnerData(name="Acme Castings", contacts=(
        ContactData("Ana Lima", Side.PARTNER), ContactData("Bo Chen", Side.PARTNER),
        ContactData("Dee Ortiz", Side.OURS))))
    ids = {c.name: c.id for c in p.contacts}
    v = services.learning.latest(ESCALATION)
    services.learning.assign(p.id, v.id, contact_id=ids["Ana Lima"], assigned_on=date(2025, 11, 1))
    services.learning.assign(p.id, v.id, contact_id=ids["Bo Chen"], assigned_on=date(2026, 10, 1),
                             due_on=date(2026, 11, 1))
    for module, day in ((ONB, date(2025, 12, 1)), (ESC, date(2025, 12, 10))):
        services.learning.record_completion(p.id, module, contact_id=ids["Ana Lima"], completed_on=day, today=TODAY,
                                            rating=2, comment="Too long for a planner")
    return p, ids


@pytest.fixture
def tab(qtbot, services, acme):
    w = LearningTab(services, ChangeBus(services.db.feed))
    w.today = TODAY
    qtbot.addWidget(w)
    w.set_partner(acme[0].id)
    return w


def _cell(tab, person: str, code: str):
    m = tab.model
    row = next(i for i, r in enumerate(m.matrix.rows) if r.person == person)
    col = len(FIXED) + [x.code for x in m.matrix.modules].index(code)
    return m.index(row, col)


def test_the_matrix_shows_ticks_dates_and_marks_overdue_and_expiring(tab):
    assert tab.summary.text() == "1 of 2 certified, 1 expiring in 30 days, 1 overdue"  # Bo was due on 1 Nov
    done = _cell(tab, "Ana Lima", "ONB101")
    assert done.data() == f"✓ {format_date(date(2025, 12, 1))}"
    expiring = _cell(tab, "Ana Lima", "ESC101")
    assert expiring.data() == f"⚠ until {format_date(date(2026, 12, 9))}"
    assert expiring.data(Qt.ItemDataRole.BackgroundRole) == BACKGROUNDS["expiring"]
    overdue = _cell(tab, "Bo Chen", "ONB101")
    assert overdue.data() == f"✗ overdue {format_date(date(2026, 11, 1))}"
    assert overdue.data(Qt.ItemDataRole.BackgroundRole) == BACKGROUNDS["overdue"]
    assert tab.model.index(0, 3).data() == format_date(date(2026, 12, 9))  # Ana's certification, valid until
    assert tab.certs.rowCount() == 1 and tab.certs.item(0, 5).text() == "Expiring"


def test_record_completion_from_a_cell_certifies_and_refreshes(tab, services, acme, monkeypatch):
    tab.view.setCurrentIndex(_cell(tab, "Bo Chen", "ONB101"))

    def fill_and_accept(dialog):
        assert dialog.person.value()["person"] == "Bo Chen"  # the cell's person and module are preselected
        assert dialog.module.currentData() == ONB
        dialog.rating.setCurrentIndex(5)
        dialog.comment.setPlainText("Clear and short")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr("app.ui.learning.dialogs.CompletionDialog.exec", fill_and_accept)
    tab.record_completion()
    assert _cell(tab, "Bo Chen", "ONB101").data() == f"✓ {format_date(TODAY)}"
    feedback = services.learning.feedback(ONB)
    assert (feedback.entries[0].person, feedback.entries[0].rating) == ("Bo Chen", 5)


def test_a_refused_assignment_says_why_and_keeps_the_dialog_open(tab, acme, monkeypatch):
    _p, ids = acme
    seen = {}

    def try_twice(dialog):
        dialog.person.select(ids["Ana Lima"])
        dialog.accept()  # Ana already has the escalation track
        seen["error"] = dialog.error.text()
        seen["open"] = dialog.result() == 0
        dialog.person.select(ids["Dee Ortiz"])
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr("app.ui.learning.dialogs.AssignDialog.exec", try_twice)
    tab.assign()
    assert "Ana Lima already has 'Escalation path'" in seen["error"] and seen["open"]
    assert [r.person for r in tab.model.matrix.rows] == ["Ana Lima", "Bo Chen", "Dee Ortiz"]


def test_the_library_publishes_a_new_version_and_lists_a_modules_feedback(qtbot, services, acme):
    section = LearningSection(services, ChangeBus(services.db.feed))
    qtbot.addWidget(section)
    view = section.tracks
    row = next(r for r in range(view.tracks.rowCount()) if view.tracks.item(r, 0).text() == "Escalation path")
    view.tracks.selectRow(row)
    assert view.versions.currentText() == "Escalation path · v1 (published)"
    view.add_module.setCurrentIndex(view.add_module.findText("KPI101", Qt.MatchFlag.MatchStartsWith))
    view._add_item()
    view.note.setText("KPI basics for everyone")
    view.publish()
    assert [v.version for v in services.learning.versions(ESCALATION)] == [2, 1]
    v2 = services.learning.latest(ESCALATION)
    assert v2.is_published and [i.module_code for i in v2.items] == ["ONB101", "ESC101", "KPI101"]
    assert services.learning.get_version(stable_id("learning_track", "escalation-path", "v1")).items[-1].module_code \
        == "ESC101"  # version 1 stays as it was

    modules = section.modules
    row = next(r for r in range(modules.modules.rowCount()) if modules.modules.item(r, 0).text() == "ONB101")
    modules.modules.selectRow(row)
    assert modules.feedback.rowCount() == 1 and modules.feedback.item(0, 4).text() == "Too long for a planner"
    assert "average rating 2.0" in modules.feedback_title.text()


def test_the_overview_lists_each_partner_and_the_renewals_due(qtbot, services, acme):
    section = LearningSection(services, ChangeBus(services.db.feed))
    qtbot.addWidget(section)
    overview = section.certifications
    overview.today = TODAY
    overview.reload()
    qtbot.waitUntil(lambda: overview.loaded, timeout=10_000)
    assert overview.partners.item(0, 0).text() == "Acme Castings"
    assert overview.partners.item(0, 5).text() == "1 of 2 certified, 1 expiring in 30 days, 1 overdue"
    renewal = (overview.renewals.item(0, 2).text(), overview.renewals.item(0, 0).text())
    assert renewal == ("Ana Lima", format_date(date(2026, 12, 9)))
    overview.company.setText("Northwind Components")
    overview._save_company()
    assert services.learning.our_company() == "Northwind Components"


def test_the_scorecard_tab_names_the_certification_summary(qtbot, services, acme):
    from app.ui.dashboard.scorecard_tab import ScorecardTab

    w = ScorecardTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(w)
    w.partner_id = acme[0].id
    w._show(services.scorecards.partner_scorecard(acme[0].id), [])
    assert "Learning: 1 of 2 certified" in w.summary.text()


def test_a_track_edit_refused_keeps_the_edit_on_screen(qtbot, services):
    section = LearningSection(services, ChangeBus(services.db.feed))
    qtbot.addWidget(section)
    view = section.tracks
    services.learning.edit_track(services.learning.latest(ESCALATION).id, "Escalation path", "",
                                 [TrackItemData(ONB)], validity_months=12)  # a draft v2 exists now
    view.reload(ESCALATION)
    view.versions.setCurrentIndex(view.versions.findText("Escalation path · v1 (published)"))
    view.name.setText("Escalation path (2027)")
    assert view.save() is None
    assert "already a draft" in view.error.text() and view.name.text() == "Escalation path (2027)"


def test_a_completions_evidence_files_attach_from_its_cell(qtbot, tab, services, acme, tmp_path):
    partner, ids = acme
    tab.view.setCurrentIndex(_cell(tab, "Bo Chen", "ONB101"))
    assert not tab.files_button.isEnabled()  # nothing completed there yet: no record to attach to
    tab.view.setCurrentIndex(_cell(tab, "Ana Lima", "ONB101"))
    assert tab.files_button.isEnabled() and "Ana Lima" in tab.files_button.target[3]
    dialog = tab.files_button.open_files()
    qtbot.addWidget(dialog)
    (tmp_path / "certificate.pdf").write_bytes(b"%PDF-1.4 passed")
    dialog.files.add_files([tmp_path / "certificate.pdf"])
    (a,) = services.attachments.list(partner.id)
    completion = next(c for c in services.learning.completions(partner.id)
                      if c.contact_id == ids["Ana Lima"] and c.module_id == ONB)
    assert (a.target_kind, a.target_id) == ("learning_completion", completion.id)
    assert tab.files_button.text() == "Files (1)…"
