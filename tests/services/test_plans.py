"""30-60-90 plans: phases and due dates, moving the start, overdue and at-risk milestones, templates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models.enums import ItemStatus, Side
from app.services.errors import NotFound, ValidationError
from app.services.partners import ContactData, PartnerData
from app.services.plans import (
    AUTOMATIC,
    PHASES,
    milestone_flags,
    phase_end,
    phase_start,
)
from app.services.reference_data import stable_id

START = date(2026, 10, 1)
DEFAULT_TEMPLATE = stable_id("plan_template", "default_30_60_90")


@pytest.fixture
def partner(services):
    return services.partners.create(PartnerData(
        name="Lumenforge Materials B.V.", enablement_lead="Priya Raman",
        contacts=(ContactData("Wen Chen", Side.PARTNER, is_primary=True),)))


def test_phases_run_back_to_back_from_the_start_date():
    assert [phase_end(START, p) for p in PHASES] == [date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 30)]
    assert phase_start(START, 30) == START
    assert phase_start(START, 60) == date(2026, 11, 1)
    assert phase_start(START, 90) == date(2026, 12, 1)


def test_a_plan_from_the_shipped_template_has_goals_and_milestones_in_three_phases(services, partner):
    plan = services.plans.create(partner.id, START, template_id=DEFAULT_TEMPLATE)
    assert [len(ph.goals) > 0 for ph in plan.phases] == [True, True, True]
    assert all(m.due_date == phase_end(START, m.phase) and not m.due_date_manual for m in plan.milestones)
    owners = {m.owner for m in plan.milestones}
    assert owners == {"Priya Raman", "Wen Chen"}  # roles of the template became people


def test_milestone_due_dates_follow_the_start_date_unless_set_by_hand(services, partner):
    plan = services.plans.create(partner.id, START)
    auto = services.plans.add_milestone(plan.id, 60, "First monthly review", "Priya Raman")
    manual = services.plans.add_milestone(plan.id, 30, "Portal access", due_date=date(2026, 10, 10))
    assert auto.due_date == date(2026, 11, 30) and not auto.due_date_manual
    assert manual.due_date_manual
    moved = services.plans.update(plan.id, start_date=START + timedelta(days=14))
    dates = {m.title: m.due_date for m in moved.milestones}
    assert dates == {"First monthly review": date(2026, 12, 14), "Portal access": date(2026, 10, 10)}
    # Back to automatic: the milestone follows its phase end again.
    again = services.plans.update_milestone(manual.id, due_date=AUTOMATIC)
    assert again.due_date == phase_end(START + timedelta(days=14), 30) and not again.due_date_manual
    # Moving a milestone to another phase moves its automatic date too.
    later = services.plans.update_milestone(auto.id, phase=90)
    assert later.due_date == phase_end(START + timedelta(days=14), 90)


def test_overdue_and_at_risk_milestones():
    today = date(2026, 11, 10)
    assert milestone_flags(ItemStatus.IN_PROGRESS, date(2026, 11, 9), today) == (True, False)
    assert milestone_flags(ItemStatus.DONE, date(2026, 11, 1), today) == (False, False)
    assert milestone_flags(ItemStatus.NOT_APPLICABLE, date(2026, 11, 1), today) == (False, False)
    assert milestone_flags(ItemStatus.TODO, date(2026, 11, 15), today) == (False, True)  # due soon, not started
    assert milestone_flags(ItemStatus.IN_PROGRESS, date(2026, 11, 15), today) == (False, False)
    assert milestone_flags(ItemStatus.BLOCKED, date(2026, 12, 30), today) == (False, True)
    assert milestone_flags(ItemStatus.TODO, date(2026, 12, 30), today) == (False, False)
    assert milestone_flags(ItemStatus.TODO, today, today) == (False, True)  # due today is not overdue yet


def test_the_plan_reports_its_overdue_and_at_risk_milestones(services, partner):
    plan = services.plans.create(partner.id, START, template_id=DEFAULT_TEMPLATE)
    first = plan.phase(30).milestones[0]
    services.plans.update_milestone(first.id, status=ItemStatus.DONE)
    plan = services.plans.get(plan.id, today=date(2026, 11, 25))
    assert first.id not in {m.id for m in plan.overdue}
    assert len(plan.overdue) == len(plan.phase(30).milestones) - 1
    assert {m.phase for m in plan.at_risk} == {60}
    assert plan.current_phase == 60


def test_goals_are_added_changed_and_removed(services, partner):
    plan = services.plans.create(partner.id, START)
    g = services.plans.add_goal(plan.id, 30, "Orders flow without help", "Three orders with no correction")
    services.plans.update_goal(g.id, measure="Five orders with no correction")
    assert services.plans.get(plan.id).phase(30).goals[0].measure == "Five orders with no correction"
    services.plans.remove_goal(g.id)
    assert services.plans.get(plan.id).goals == ()


def test_a_removed_goal_comes_back_in_its_place(services, partner):
    plan = services.plans.create(partner.id, START)
    first = services.plans.add_goal(plan.id, 30, "Portal access for every buyer")
    second = services.plans.add_goal(plan.id, 30, "First order placed")
    services.plans.remove_goal(first.id)
    assert services.plans.restore_goal(first.id) == first
    assert [g.description for g in services.plans.get(plan.id).phase(30).goals] == [
        "Portal access for every buyer", "First order placed"]
    # A goal moved to another phase goes back to its old place when its position is given.
    services.plans.update_goal(first.id, phase=60)
    back = services.plans.update_goal(first.id, phase=30, position=first.position)
    assert back == first
    assert [g.id for g in services.plans.get(plan.id).phase(30).goals] == [first.id, second.id]
    with pytest.raises(NotFound):
        services.plans.restore_goal("no such goal")


def test_a_removed_milestone_comes_back_and_its_date_follows_the_current_start(services, partner):
    plan = services.plans.create(partner.id, START)
    auto = services.plans.add_milestone(plan.id, 60, "First monthly review", "Priya Raman")
    manual = services.plans.add_milestone(plan.id, 30, "Portal access", due_date=date(2026, 10, 10))
    services.plans.remove_milestone(auto.id)
    services.plans.remove_milestone(manual.id)
    assert services.plans.get(plan.id).milestones == ()
    services.plans.update(plan.id, start_date=START + timedelta(days=7))
    back = services.plans.restore_milestone(auto.id)
    assert back.due_date == phase_end(START + timedelta(days=7), 60) and not back.due_date_manual
    assert services.plans.restore_milestone(manual.id).due_date == date(2026, 10, 10)  # set by hand: stays
    assert len(services.plans.get(plan.id).milestones) == 2
    # A milestone of a deleted plan stays gone.
    services.plans.remove_milestone(auto.id)
    services.plans.delete(plan.id)
    with pytest.raises(NotFound):
        services.plans.restore_milestone(auto.id)


def test_bad_input_is_refused(services, partner):
    plan = services.plans.create(partner.id, START)
    with pytest.raises(ValidationError):
        services.plans.add_goal(plan.id, 45, "x")
    with pytest.raises(ValidationError):
        services.plans.add_milestone(plan.id, 30, "  ")
    with pytest.raises(ValidationError):
        services.plans.update(plan.id, title=" ")
    with pytest.raises(NotFound):
        services.plans.create("nobody", START)


def test_a_plan_saved_as_template_makes_the_same_outline(services, partner):
    plan = services.plans.create(partner.id, START, template_id=DEFAULT_TEMPLATE)
    services.plans.add_milestone(plan.id, 90, "Second source qualified", "Priya Raman", due_date=date(2026, 12, 1))
    row = services.plans.save_as_template(plan.id, "Lumenforge outline", "Saved from a good plan")
    assert row.milestone_count == len(plan.milestones) + 1
    other = services.partners.create(PartnerData(name="Other"))
    copy = services.plans.create(other.id, date(2027, 1, 4), template_id=row.id)
    assert [m.title for m in copy.milestones if m.phase == 90][-1] == "Second source qualified"
    assert all(not m.due_date_manual and m.status is ItemStatus.TODO for m in copy.milestones)
    assert sorted(t.name for t in services.plans.templates()) == ["Lumenforge outline",
                                                                   "Standard 30-60-90 success plan"]
    with pytest.raises(ValidationError):
        services.plans.create_template("Broken", "", {"phases": [{"phase": 45}]})


def test_the_current_plan_is_the_latest_one(services, partner):
    old = services.plans.create(partner.id, date(2025, 1, 6), title="First plan")
    new = services.plans.create(partner.id, START, title="Re-onboarding plan")
    assert services.plans.current(partner.id).id == new.id
    services.plans.delete(new.id)
    assert services.plans.current(partner.id).id == old.id


def test_demo_data_has_plans(demo_services):
    from tests.conftest import AS_OF

    plans = [demo_services.plans.current(p.id, today=AS_OF) for p in demo_services.partners.list()]
    plans = [p for p in plans if p]
    assert len(plans) >= 5
    assert any(p.overdue for p in plans) and any(p.done_count for p in plans)
