"""The Onboarding tab and portfolio: tick items by keyboard and mouse and watch progress move."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt

from app.models.enums import ItemStatus, Side
from app.services.partners import ContactData, PartnerData
from app.services.playbooks import StepData
from app.ui.bus import ChangeBus
from app.ui.onboarding.checklist_model import CHECK
from app.ui.onboarding import checklist_tab
from app.ui.onboarding.checklist_tab import OnboardingTab
from app.ui.onboarding.portfolio import OVERDUE, PROGRESS, OnboardingPortfolioSection


@pytest.fixture
def started(services):
    p = services.partners.create(PartnerData(name="Nordwerk Components GmbH", enablement_lead="Mira Holm",
                                             contacts=(ContactData("Anna Becker", Side.PARTNER, is_primary=True),)))
    v = services.playbooks.create("Small", "", [
        StepData("Kick-off", owner_side=Side.JOINT, day_offset=-20),
        StepData("Accounts set up", owner_side=Side.OURS, day_offset=-10),
        StepData("Certificates sent", owner_side=Side.PARTNER, day_offset=10, evidence_required=True),
        StepData("First review", owner_side=Side.JOINT, day_offset=30),
    ])
    services.playbooks.publish(v.id)
    c = services.onboarding.start(p.id, v.id, date.today())
    return p, c


@pytest.fixture
def tab(qtbot, services, started):
    bus = ChangeBus(services.db.feed)
    widget = OnboardingTab(services, bus)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    widget.set_partner(started[0].id)
    return widget


def test_space_ticks_the_selected_item_and_progress_moves(qtbot, tab, services, started):
    assert tab.overall.bar.value() == 0
    assert "2 overdue" in tab.summary.text()
    tab._select_row(0)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    assert tab.model.items[0].status is ItemStatus.DONE
    assert tab.overall.bar.value() == 25
    assert tab.sides[Side.JOINT].bar.value() == 50
    assert "1 overdue" in tab.summary.text()
    assert tab.table.currentIndex().row() == 1  # moved on to the next item
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    assert tab.sides[Side.OURS].bar.value() == 100
    assert services.onboarding.get(started[1].id).progress.done == 2


def test_clicking_the_check_box_ticks_and_unticks(qtbot, tab):
    rect = tab.table.visualRect(tab.model.index(3, CHECK))
    # The check box sits at the start of the cell.
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10, rect.center().y()))
    qtbot.waitUntil(lambda: tab.model.items[3].status is ItemStatus.DONE)
    assert tab.overall.bar.value() == 25
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10, rect.center().y()))
    qtbot.waitUntil(lambda: tab.model.items[3].status is ItemStatus.TODO)
    assert tab.overall.bar.value() == 0


def test_status_keys_and_undo(qtbot, tab):
    tab._select_row(1)
    qtbot.keyClick(tab.table, Qt.Key.Key_B)
    assert tab.model.items[1].status is ItemStatus.BLOCKED
    qtbot.keyClick(tab.table, Qt.Key.Key_N)
    assert tab.model.items[1].status is ItemStatus.NOT_APPLICABLE
    assert tab.sides[Side.OURS].label.text().endswith("nothing to do")
    tab._bus.undo_stack.undo()
    qtbot.waitUntil(lambda: tab.model.items[1].status is ItemStatus.BLOCKED)


def _answer_the_prompt(qtbot, answer):
    """When the evidence prompt shows, hand it to ``answer`` (it types and confirms or cancels)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.prompts import TextPrompt

    seen = []

    def look():
        prompt = QApplication.activeModalWidget()
        if prompt is None:
            QTimer.singleShot(10, look)
            return
        seen.append(prompt)
        qtbot.waitExposed(prompt)
        try:
            assert isinstance(prompt, TextPrompt), f"{type(prompt).__name__} is not Tandem's text prompt"
            answer(prompt)
        finally:
            if prompt.isVisible():  # an answer that did not close it must not leave the test waiting
                prompt.reject()

    QTimer.singleShot(0, look)
    return seen


def test_a_step_needing_evidence_asks_for_it(qtbot, tab):
    seen = _answer_the_prompt(qtbot, lambda prompt: prompt.reject())
    tab._select_row(2)
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    assert seen and seen[0].windowTitle() == "Evidence needed"
    assert tab.model.items[2].status is ItemStatus.TODO  # cancelled: nothing ticked

    def type_and_click(prompt):
        qtbot.keyClicks(prompt.text, "ISO 9001 certificate filed")
        qtbot.mouseClick(prompt.confirm_button, Qt.MouseButton.LeftButton)

    _answer_the_prompt(qtbot, type_and_click)
    tab._select_row(2)
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    assert tab.model.items[2].status is ItemStatus.DONE
    assert tab.model.items[2].evidence_note == "ISO 9001 certificate filed"


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_the_evidence_prompt_confirms_with_ctrl_enter(qtbot, tab, key):
    def type_and_confirm(prompt):
        assert prompt.focusWidget() is prompt.text and prompt.label.buddy() is prompt.text
        assert prompt.confirm_button.text().replace("&", "") == "Tick off"
        qtbot.keyClicks(prompt.text, "Certificates")
        qtbot.keyClick(prompt.text, Qt.Key.Key_Return)  # Enter alone: a new line, the prompt stays
        assert prompt.isVisible()
        qtbot.keyClicks(prompt.text, "filed")
        qtbot.keyClick(prompt.text, key, Qt.KeyboardModifier.ControlModifier)
        closed.append(not prompt.isVisible())

    closed = []
    seen = _answer_the_prompt(qtbot, type_and_confirm)
    tab._select_row(2)
    qtbot.keyClick(tab.table, Qt.Key.Key_Space)
    assert [type(p).__name__ for p in seen] == ["TextPrompt"] and closed == [True]
    assert tab.model.items[2].status is ItemStatus.DONE
    assert tab.model.items[2].evidence_note == "Certificates\nfiled"


def test_overdue_items_stand_out(tab):
    from app.ui.onboarding.common import OVERDUE_BG

    index = tab.model.index(0, 1)
    assert tab.model.data(index, Qt.ItemDataRole.BackgroundRole) == OVERDUE_BG
    assert tab.model.data(tab.model.index(3, 1), Qt.ItemDataRole.BackgroundRole) is None


def test_the_detail_form_saves_owner_and_evidence(qtbot, tab):
    tab._select_row(3)
    tab.owner.setText("Jakob Stein")
    tab.evidence.setPlainText("Minutes shared")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    item = tab.model.items[3]
    assert (item.owner_name, item.evidence_note) == ("Jakob Stein", "Minutes shared")


def test_a_partner_without_checklist_is_offered_to_start_one(qtbot, services):
    p = services.partners.create(PartnerData(name="Fresh"))
    widget = OnboardingTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(widget)
    widget.set_partner(p.id)
    assert widget.stack.currentIndex() == 0 and "Start onboarding" in widget.empty.text()
    assert widget.start_button.isEnabled() and not widget.print_button.isEnabled()
    assert not any(a.isEnabled() for a in widget.print_button.menu().actions())


def test_the_print_or_pdf_menu_saves_the_checklist_as_a_pdf(qtbot, tab, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    menu = tab.print_button.menu()
    assert tab.print_button.text() == "Print or PDF" and tab.print_button.isEnabled()
    assert [a.text() for a in menu.actions()] == ["Print…", "Save as PDF…"]
    assert all(a.isEnabled() for a in menu.actions())
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "checklist.pdf"), ""))
    next(a for a in menu.actions() if a.text() == "Save as PDF…").trigger()
    text = " ".join(p.extract_text() for p in PdfReader(str(tmp_path / "checklist.pdf")).pages)
    assert "Nordwerk Components GmbH" in text and "Certificates sent" in text


def test_portfolio_shows_partners_in_onboarding_and_sorts(qtbot, services, started):
    bus = ChangeBus(services.db.feed)
    section = OnboardingPortfolioSection(services, bus)
    qtbot.addWidget(section)
    section.show()
    assert section.proxy.rowCount() == 1
    assert section.proxy.index(0, OVERDUE).data() == "2"
    # Ticking in the tab updates the portfolio through the bus.
    tab = OnboardingTab(services, bus)
    qtbot.addWidget(tab)
    tab.set_partner(started[0].id)
    tab.toggle(tab.model.items[0])
    qtbot.waitUntil(lambda: section.proxy.index(0, OVERDUE).data() == "1")
    assert section.proxy.index(0, PROGRESS).data().startswith("25%")
    with qtbot.waitSignal(bus.open_partner) as blocker:
        section.table.setCurrentIndex(section.proxy.index(0, 0))
        section.open_selected()
    assert blocker.args == [started[0].id]


def test_portfolio_sorts_by_overdue(qtbot, demo_services):
    section = OnboardingPortfolioSection(demo_services, ChangeBus(demo_services.db.feed))
    qtbot.addWidget(section)
    section.table.sortByColumn(OVERDUE, Qt.SortOrder.DescendingOrder)
    values = [int(section.proxy.index(r, OVERDUE).data() or -1) for r in range(section.proxy.rowCount())]
    assert values == sorted(values, reverse=True) and len(values) > 2


# -- undo (Edit → Undo takes back detail edits and a moved start) --------------------------------------------

def test_a_detail_edit_is_undone_and_redone(qtbot, tab, services, started):
    from datetime import timedelta

    from app.ui.onboarding.common import to_qdate

    stack = tab._bus.undo_stack
    tab._select_row(3)
    before = tab.model.items[3]
    new_due = before.due_date + timedelta(days=5)
    tab.owner.setText("Jakob Stein")
    tab.due.setDate(to_qdate(new_due))
    tab.evidence.setPlainText("Minutes shared")
    tab.status.setCurrentIndex(tab.status.findData(ItemStatus.DONE))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.model.items[3].status is ItemStatus.DONE
    assert stack.count() == 1  # one save, one undo step

    # The completion day of a done item is saved (and undone) too.
    done = tab.model.items[3]
    tab.completed_on.setDate(to_qdate(done.completed_on - timedelta(days=2)))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.model.items[3].completed_on == done.completed_on - timedelta(days=2)
    stack.undo()
    assert tab.model.items[3] == done and tab.completed_on.date() == to_qdate(done.completed_on)

    stack.undo()
    stored = next(i for i in services.onboarding.get(started[1].id).items if i.id == before.id)
    assert stored == before
    assert (tab.owner.text(), tab.evidence.toPlainText()) == (before.owner_name, "")
    assert tab.due.date() == to_qdate(before.due_date)
    assert tab.status.currentData() == ItemStatus.TODO and tab.overall.bar.value() == 0

    stack.redo()
    stored = next(i for i in services.onboarding.get(started[1].id).items if i.id == before.id)
    assert (stored.owner_name, stored.due_date, stored.evidence_note, stored.status) == (
        "Jakob Stein", new_due, "Minutes shared", ItemStatus.DONE)
    assert tab.owner.text() == "Jakob Stein" and tab.overall.bar.value() == 25


def test_a_refused_save_keeps_the_form_and_undoes_what_was_stored(qtbot, tab, services, started):
    stack = tab._bus.undo_stack
    tab._select_row(2)  # needs evidence
    before = tab.model.items[2]
    tab.owner.setText("Anna Becker-Wolf")
    tab.status.setCurrentIndex(tab.status.findData(ItemStatus.DONE))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.detail_error.isVisible() and "needs evidence" in tab.detail_error.text()
    assert tab.status.currentData() == ItemStatus.DONE  # what the user chose stays, to add the evidence
    assert tab.model.items[2].owner_name == "Anna Becker-Wolf" and tab.model.items[2].status is ItemStatus.TODO
    stack.undo()
    assert tab.model.items[2] == before
    assert tab.owner.text() == before.owner_name


def test_moving_the_start_is_undone_and_redone(qtbot, tab, services, started):
    from datetime import timedelta

    from app.ui.onboarding.common import to_qdate

    stack = tab._bus.undo_stack
    old = services.onboarding.get(started[1].id)
    tab.start.setDate(to_qdate(old.start_date + timedelta(days=14)))
    tab.move_start()
    moved = services.onboarding.get(started[1].id)
    assert [i.due_date for i in moved.items] == [i.due_date + timedelta(days=14) for i in old.items]
    assert "1 overdue" in tab.summary.text() and tab.model.items[1].overdue is False

    stack.undo()
    assert [i.due_date for i in services.onboarding.get(started[1].id).items] == [i.due_date for i in old.items]
    assert tab.start.date() == to_qdate(old.start_date)
    assert [i.due_date for i in tab.model.items] == [i.due_date for i in old.items]
    assert "2 overdue" in tab.summary.text()
    stack.redo()
    assert tab.start.date() == to_qdate(old.start_date + timedelta(days=14))
    assert services.onboarding.get(started[1].id).start_date == old.start_date + timedelta(days=14)


def test_the_start_dialog_offers_the_playbook_named_for_the_partners_kind(qtbot, services, monkeypatch):
    steps = [StepData("Kick-off", owner_side=Side.JOINT, day_offset=0)]
    for name in ("Distributor channel onboarding", "Supplier quality onboarding"):
        services.playbooks.publish(services.playbooks.create(name, "", steps).id)
    p = services.partners.create(PartnerData(name="Fresh supplier"))
    widget = OnboardingTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(widget)
    widget.set_partner(p.id)
    shown = []
    monkeypatch.setattr(checklist_tab.StartOnboardingDialog, "exec", lambda d: shown.append(d.version.currentText()))
    widget.start_button.click()
    assert shown and shown[0].startswith("Supplier quality onboarding")
