"""PDCA experiments: stage transitions and their history with sessions, the log's filters, stagnation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from app.models import ExperimentEvent
from app.models.enums import ExperimentOutcome, PdcaStage, SessionType, Side
from app.services.coaching import SessionPlan
from app.services.errors import ValidationError
from app.services.experiments import ExperimentInput, ExperimentQuery
from app.services.partners import PartnerData
from app.services.reference_data import stable_id

TODAY = date(2026, 11, 23)


@pytest.fixture
def partner(services):
    services.identity.set_names("Priya Raman", "Laptop")
    return services.partners.create(PartnerData(name="Balticline Packaging Oy"))


def _exp(services, partner, title="Kanban for resin", **kw):
    return services.experiments.create(ExperimentInput(partner.id, title, problem="Resin stock-outs",
                                                       owner="Olga Virtanen", owner_side=Side.PARTNER, **kw))


def _age(services, experiment_id, days):
    """Pretend every event of an experiment happened ``days`` before TODAY."""
    with services.db.sessions.begin() as s:
        s.execute(update(ExperimentEvent).where(ExperimentEvent.experiment_id == experiment_id)
                  .values(happened_at=datetime.combine(TODAY, datetime.min.time()) - timedelta(days=days)))


def test_an_experiment_moves_plan_do_check_act_and_tells_its_story_with_sessions(services, partner):
    s1 = services.coaching.plan(SessionPlan(partner.id, SessionType.COACHING_BURST, datetime(2026, 10, 1, 9)))
    s2 = services.coaching.plan(SessionPlan(partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 1, 9)))
    otd = stable_id("kpi", "OTD")
    exp = services.experiments.create(ExperimentInput(
        partner.id, "Kanban for resin", problem="Resin stock-outs stop line 3", hypothesis="Two-bin kanban",
        owner="Olga Virtanen", kpi_id=otd, target_value=97, check_date=date(2026, 12, 15)), session_id=s1.id)
    assert exp.stage is PdcaStage.PLAN and exp.is_open
    assert exp.success_criterion == "OTD (On-time delivery) → 97 % by 2026-12-15"
    services.experiments.advance(exp.id, session_id=s1.id, note="Bins ordered")
    services.experiments.advance(exp.id, session_id=s2.id, note="Four weeks of data")
    services.experiments.note(exp.id, "OTD up to 96.1%", session_id=s2.id)
    done = services.experiments.conclude(exp.id, ExperimentOutcome.ADOPT, result="OTD 97.4%",
                                         lessons="Start with one material", session_id=s2.id)
    assert done.stage is PdcaStage.ACT and done.outcome is ExperimentOutcome.ADOPT and not done.is_open
    assert (done.result, done.lessons) == ("OTD 97.4%", "Start with one material")

    story = services.experiments.history(exp.id)
    assert [h.what for h in story] == ["Planned", "Plan → Do", "Do → Check", "Update", "Check → Act"]
    assert [h.session_id for h in story] == [s1.id, s1.id, s2.id, s2.id, s2.id]
    assert story[3].note == "OTD up to 96.1%" and story[4].note.startswith("Outcome: Adopt")
    assert all(h.author == "Priya Raman" for h in story)
    assert {u.experiment_id for u in services.experiments.session_updates(s2.id)} == {exp.id}


def test_stages_cannot_be_skipped_or_reversed(services, partner):
    exp = _exp(services, partner)
    with pytest.raises(ValidationError) as err:
        services.experiments.move(exp.id, PdcaStage.CHECK)
    assert "From Plan" in err.value.errors["stage"] and "Do" in err.value.errors["stage"]
    services.experiments.move(exp.id, PdcaStage.DO)
    with pytest.raises(ValidationError):
        services.experiments.move(exp.id, PdcaStage.PLAN)
    with pytest.raises(ValidationError):  # adopting needs a check first
        services.experiments.conclude(exp.id, ExperimentOutcome.ADOPT)
    assert services.experiments.get(exp.id).stage is PdcaStage.DO
    assert len(services.experiments.history(exp.id)) == 2  # refused moves leave no trace


def test_adapt_starts_a_new_cycle_and_the_old_outcome_stays_in_the_story(services, partner):
    exp = _exp(services, partner)
    for _ in range(2):
        exp = services.experiments.advance(exp.id)
    services.experiments.conclude(exp.id, ExperimentOutcome.ADAPT, result="Helped on day shift only")
    again = services.experiments.move(exp.id, PdcaStage.PLAN, note="Second cycle: night shift")
    assert again.stage is PdcaStage.PLAN and again.outcome is None
    assert [h.what for h in services.experiments.history(exp.id)][-2:] == ["Check → Act", "Act → Plan"]


def test_abandon_is_possible_at_any_stage(services, partner):
    exp = _exp(services, partner)
    gone = services.experiments.conclude(exp.id, ExperimentOutcome.ABANDON, result="Supplier changed")
    assert gone.outcome is ExperimentOutcome.ABANDON and not gone.stagnating


def test_edits_are_recorded_by_field(services, partner):
    exp = _exp(services, partner)
    services.experiments.update(exp.id, ExperimentInput(partner.id, exp.title, problem="Resin stock-outs",
                                                        owner="Sven Berg", owner_side=Side.OURS))
    assert services.experiments.history(exp.id)[-1].note == "Edited owner, owner side"
    services.experiments.update(exp.id, ExperimentInput(partner.id, exp.title, problem="Resin stock-outs",
                                                        owner="Sven Berg", owner_side=Side.OURS))
    assert len(services.experiments.history(exp.id)) == 2  # nothing changed: no event
    with pytest.raises(ValidationError):
        services.experiments.update(exp.id, ExperimentInput(partner.id, "  "))


def test_stagnating_means_open_with_no_update_for_n_weeks(services, partner):
    fresh = _exp(services, partner, "Fresh")
    stale = _exp(services, partner, "Stale")
    closed = _exp(services, partner, "Closed")
    services.experiments.conclude(closed.id, ExperimentOutcome.ABANDON)
    _age(services, fresh.id, 10)
    _age(services, stale.id, 40)
    _age(services, closed.id, 40)
    log = {e.title: e for e in services.experiments.log(ExperimentQuery(partner_id=partner.id), today=TODAY)}
    assert (log["Fresh"].stagnating, log["Stale"].stagnating, log["Closed"].stagnating) == (False, True, False)
    assert [e.title for e in services.experiments.log(ExperimentQuery(stagnating_only=True), today=TODAY)] == ["Stale"]
    # N is a parameter: with one week, ten days without news is stagnating too
    short = services.experiments.log(ExperimentQuery(stagnating_only=True), today=TODAY, stagnating_weeks=1)
    assert [e.title for e in short] == ["Stale", "Fresh"]  # the longest silence first
    # an update brings it back to life
    services.experiments.note(stale.id, "Revisited before escalating")
    assert not services.experiments.get(stale.id).stagnating


def test_log_filters_by_stage_owner_overdue_check_and_partner(services, partner):
    other = services.partners.create(PartnerData(name="Rheinwerk Precision GmbH"))
    a = _exp(services, partner, "Late check", check_date=TODAY - timedelta(days=3))
    b = _exp(services, partner, "Checked already", check_date=TODAY - timedelta(days=3))
    services.experiments.advance(b.id)
    services.experiments.advance(b.id)
    c = services.experiments.create(ExperimentInput(other.id, "Other partner", owner="Lena Fischer",
                                                    check_date=TODAY + timedelta(days=10)))
    titles = lambda q: sorted(e.title for e in services.experiments.log(q, today=TODAY))  # noqa: E731
    assert titles(ExperimentQuery(overdue_only=True)) == ["Late check"]
    assert titles(ExperimentQuery(stages=(PdcaStage.CHECK,))) == ["Checked already"]
    assert titles(ExperimentQuery(owner="lena fischer")) == ["Other partner"]
    assert titles(ExperimentQuery(partner_id=other.id)) == ["Other partner"]
    assert titles(ExperimentQuery()) == ["Checked already", "Late check", "Other partner"]
    assert services.experiments.get(a.id, today=TODAY).check_overdue
    assert not services.experiments.get(c.id, today=TODAY).check_overdue
    assert services.experiments.owners() == ["Lena Fischer", "Olga Virtanen"]


def test_a_target_needs_a_kpi(services, partner):
    with pytest.raises(ValidationError) as err:
        services.experiments.create(ExperimentInput(partner.id, "Cut scrap", target_value=400))
    assert "KPI" in err.value.errors["kpi_id"]
