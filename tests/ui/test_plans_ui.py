"""The Success plan tab: make a plan from the template, tick milestones, move the start, see the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from app.models.enums import ItemStatus
from app.services.partners import PartnerData
from app.services.reference_data import stable_id
from app.ui.bus import ChangeBus
from app.ui.onboarding.common import OVERDUE_BG, to_qdate
from app.ui.plans.plan_tab import SuccessPlanTab

TEMPLATE = stable_id("plan_template", "default_30_60_90")


@pytest.fixture
def tab(qtbot, services):
    p = services.partners.create(PartnerData(name="Lumenforge Materials B.V.", enablement_lead="Priya Raman"))
    services.plans.create(p.id, date.today() - timedelta(days=40), template_id=TEMPLATE)
    widget = SuccessPlanTab(services, ChangeBus())
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    widget.set_partner(p.id)
    return widget


def test_the_three_phases_show_goals_and_milestones(tab):
    assert [box.milestones.rowCount() for box in tab.phase_boxes.values()] == [4, 3, 3]
    assert all(box.goals.rowCount() > 0 for box in tab.phase_boxes.values())
    # Day 30 is over and nothing is done: its milestones are overdue and shaded.
    box = tab.phase_boxes[30]
    assert box.milestones.item(0, 0).background().color() == OVERDUE_BG
    assert "4 overdue" in tab.summary.text()


def test_the_timeline_draws_every_milestone_and_marks_overdue(tab):
    points = tab.timeline.points
    assert len(points) == 10
    assert sum(p["overdue"] for p in points) == 4
    assert {p["lane"] for p in points if not p["overdue"]} >= {2, 1}


def test_space_ticks_a_milestone_off(qtbot, tab, services):
    box = tab.phase_boxes[30]
    box.milestones.setCurrentCell(0, 0)
    box.milestones.setFocus()
    qtbot.keyClick(box.milestones, Qt.Key.Key_Space)
    assert tab.plan.phase(30).milestones[0].status is ItemStatus.DONE
    assert "3 overdue" in tab.summary.text()
    assert tab.summary.text().startswith("1 of 10")


def test_moving_the_start_moves_automatic_dates(qtbot, tab):
    before = tab.plan.phase(60).milestones[0].due_date
    tab.start.setDate(to_qdate(tab.plan.start_date + timedelta(days=7)))
    tab._save_start()
    assert tab.plan.phase(60).milestones[0].due_date == before + timedelta(days=7)
    assert tab.phase_boxes[60].milestones.item(0, 2).text().startswith((before + timedelta(days=7)).isoformat())


def test_an_empty_plan_and_no_plan(qtbot, services):
    p = services.partners.create(PartnerData(name="Nova"))
    widget = SuccessPlanTab(services, ChangeBus())
    qtbot.addWidget(widget)
    widget.set_partner(p.id)
    assert widget.stack.currentIndex() == 0 and "New plan" in widget.empty.text()
    services.plans.create(p.id, date.today())
    widget.set_partner(p.id)
    assert widget.stack.currentIndex() == 1 and widget.timeline.points == []
