"""Evidence files reach every record that asks for them: a checklist item, a session and an experiment have a
Files… button naming how many files they hold, and the partner's page has a Files tab with the partner's own
files and every file on its records."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtWidgets import QDialog

from app.models.enums import SessionType, Side
from app.services.coaching import SessionPlan
from app.services.experiments import ExperimentInput
from app.services.partners import PartnerData
from app.services.playbooks import StepData
from app.ui.bus import ChangeBus
from app.ui.coaching.sessions_view import PartnerSessionsTab
from app.ui.onboarding.checklist_tab import OnboardingTab
from app.ui.partners.page import PartnerPage


@pytest.fixture
def partner(services):
    return services.partners.create(PartnerData(name="Nordwerk Components GmbH"))


@pytest.fixture
def bus(services):
    return ChangeBus(services.db.feed)


def _opened_dialog(qtbot, button) -> QDialog:
    dialog = button.open_files()
    qtbot.addWidget(dialog)
    return dialog


def _photo(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    return path


def test_a_checklist_items_files_open_from_its_details_and_attach_to_that_item(qtbot, services, partner, bus,
                                                                                 tmp_path):
    v = services.playbooks.create("Small", "", [StepData("Kick-off", owner_side=Side.JOINT, day_offset=0),
                                                StepData("Certificates sent", owner_side=Side.PARTNER, day_offset=10,
                                                         evidence_required=True)])
    services.playbooks.publish(v.id)
    checklist = services.onboarding.start(partner.id, v.id, date.today())
    tab = OnboardingTab(services, bus)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_partner(partner.id)
    certificates = next(i for i in services.onboarding.get(checklist.id).items if i.title == "Certificates sent")
    tab._select_row(next(r for r, i in enumerate(tab.model.items) if i.id == certificates.id))
    assert tab.files_button.isEnabled() and tab.files_button.text() == "Files…"
    dialog = _opened_dialog(qtbot, tab.files_button)
    assert "Certificates sent" in dialog.windowTitle()
    dialog.files.add_files([_photo(tmp_path / "certificate scan.png")])
    (a,) = services.attachments.list(partner.id)
    assert (a.target_kind, a.target_id, a.name) == ("checklist_item", certificates.id, "certificate scan.png")
    assert tab.files_button.text() == "Files (1)…"  # the count follows the change feed
    tab._select_row(next(r for r, i in enumerate(tab.model.items) if i.id != certificates.id))
    assert tab.files_button.text() == "Files…"  # another item, no files


def test_a_sessions_and_an_experiments_files_open_from_the_partners_sessions_tab(qtbot, services, partner, bus,
                                                                                  tmp_path):
    session = services.coaching.plan(SessionPlan(partner.id, SessionType.COACHING_BURST, datetime(2026, 10, 1, 9),
                                                 title="Line 3 walk"))
    experiment = services.experiments.create(ExperimentInput(partner.id, "Kanban for resin"))
    tab = PartnerSessionsTab(services, bus)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_partner(partner.id)
    assert not tab.sessions.files_button.isEnabled()  # nothing selected yet
    tab.sessions.table.selectRow(0)
    _opened_dialog(qtbot, tab.sessions.files_button).files.add_files([_photo(tmp_path / "whiteboard.png")])
    tab.experiments.select(experiment.id)
    dialog = _opened_dialog(qtbot, tab.experiments.files_button)
    dialog.files.add_files([_photo(tmp_path / "stock levels.png")])
    got = {(a.target_kind, a.target_id): a.name for a in services.attachments.list(partner.id)}
    assert got == {("session", session.id): "whiteboard.png", ("experiment", experiment.id): "stock levels.png"}
    assert tab.sessions.files_button.text() == tab.experiments.files_button.text() == "Files (1)…"


def test_the_partners_files_tab_holds_its_own_files_and_lists_those_on_its_records(qtbot, services, partner, bus,
                                                                                   tmp_path):
    session = services.coaching.plan(SessionPlan(partner.id, SessionType.COACHING_BURST, datetime(2026, 10, 1, 9)))
    services.attachments.attach(partner.id, _photo(tmp_path / "whiteboard.png"), target_kind="session",
                                target_id=session.id)
    page = PartnerPage(services, bus)
    qtbot.addWidget(page)
    page.show()
    page.show_partner(partner.id)
    page.show_tab("Files")
    files = next(t for t in page.extra_tabs if type(t).__name__ == "PartnerFilesTab")
    assert page.tabs.currentWidget().widget() is files
    assert [files.table.item(0, c).text() for c in (0, 1)] == ["whiteboard.png", "coaching session"]
    assert files.files.list.count() == 0
    files.files.add_files([_photo(tmp_path / "site plan.png")])
    assert files.files.list.count() == 1  # the partner's own file, shown at once
    assert files.table.rowCount() == 1  # and not among the files on its records
    (own,) = [a for a in services.attachments.list(partner.id) if a.target_kind == "partner"]
    assert (own.target_id, own.name) == (partner.id, "site plan.png")


def test_a_live_log_entrys_files_attach_to_the_selected_entry(qtbot, services, partner, bus, tmp_path):
    from app.ui.coaching.live import LiveSessionWidget

    session = services.coaching.plan(SessionPlan(partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 9)))
    services.coaching.log(session.id, "Whiteboard: the scrap Pareto by line")
    services.coaching.log(session.id, "d: Keep the second inspection")
    widget = LiveSessionWidget(services, bus, session.id)
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.files_button.isEnabled()  # no entry selected
    widget.log_view.selectRow(0)
    dialog = _opened_dialog(qtbot, widget.files_button)
    assert "scrap Pareto" in dialog.windowTitle()
    dialog.files.add_files([_photo(tmp_path / "whiteboard.png")])
    first, second = services.coaching.entries(session.id)
    (a,) = services.attachments.list(partner.id)
    assert (a.target_kind, a.target_id) == ("log_entry", first.id)
    assert widget.files_button.text() == "Files (1)…"
    widget.log_view.selectRow(1)
    assert widget.files_button.text() == "Files…"  # the decision has none


def test_a_criterion_score_and_a_decision_item_each_hold_their_own_evidence_files(qtbot, services, partner, bus,
                                                                                tmp_path):
    from app.ui.selection.workspace import SelectionTab

    assessment = services.selection.start(partner.id)
    tab = SelectionTab(services, bus)
    qtbot.addWidget(tab)
    tab.set_partner(partner.id)
    tech = next(s for s in assessment.scores if s.criterion.code == "TECH")
    item = assessment.checklist[0]
    _opened_dialog(qtbot, tab.files_buttons[tech.criterion.id]).files.add_files([_photo(tmp_path / "cnc cell.png")])
    _opened_dialog(qtbot, tab.files_buttons[item.id]).files.add_files([_photo(tmp_path / "audit.png")])
    got = {(a.target_kind, a.target_id): a.name for a in services.attachments.list(partner.id)}
    assert got == {("criterion_score", tech.id): "cnc cell.png", ("decision_item", item.id): "audit.png"}
    assert tab.files_buttons[tech.criterion.id].text() == tab.files_buttons[item.id].text() == "Files (1)…"
    other = next(s for s in assessment.scores if s.criterion.code != "TECH")
    assert tab.files_buttons[other.criterion.id].text() == "Files…"
