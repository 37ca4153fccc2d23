"""The coaching session service: planning, the live log and its capture prefixes, drafts, ending, minutes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.models.enums import EntryKind, PdcaStage, SessionStatus, SessionType, Side
from app.services.coaching import AgendaItem, Attendee, SessionPlan, parse_capture, session_types
from app.services.errors import NotFound, ValidationError
from app.services.partners import ContactData, PartnerData

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture
def partner(services):
    services.identity.set_names("Mira Holm", "Field laptop")
    return services.partners.create(PartnerData(
        name="Nordwerk Components GmbH",
        contacts=(ContactData("Anna Becker", Side.PARTNER, "Quality manager"),
                  ContactData("Jonas Berg", Side.OURS, "Supplier quality engineer"))))


@pytest.fixture
def session(services, partner):
    return services.coaching.plan(SessionPlan(
        partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 9, 0), location="Poznań plant",
        facilitator="Anna Becker", facilitator_side=Side.PARTNER,
        attendees=(Attendee("Anna Becker", Side.PARTNER), Attendee("Mira Holm", Side.OURS))))


def test_every_type_has_a_default_agenda_from_the_coaching_guide():
    types = session_types()
    assert set(types) == set(SessionType)
    for info in types.values():
        titles = [a.title.lower() for a in info.agenda]
        assert "metrics" in titles[0] and "partner presents" in titles[1]
        assert any("pdca" in t for t in titles)
        assert any("experiments, owners" in t for t in titles)
        assert "wins to celebrate" in titles[-1]


def test_plan_uses_the_type_default_and_the_agenda_is_editable_per_session(services, session):
    assert session.status is SessionStatus.PLANNED
    assert session.title == "Monthly performance review"
    assert session.facilitator == "Anna Becker" and session.facilitator_side is Side.PARTNER
    assert {a.name for a in session.attendees} == {"Anna Becker", "Mira Holm"}
    assert session.agenda == services.coaching.default_agenda(SessionType.MONTHLY_REVIEW)

    edited = services.coaching.set_agenda(session.id, (AgendaItem("Scrap at line 2", 20), *session.agenda[1:]))
    assert edited.agenda[0] == AgendaItem("Scrap at line 2", 20)
    other = services.coaching.plan(SessionPlan(session.partner_id, SessionType.MONTHLY_REVIEW, datetime(2026, 12, 1)))
    assert other.agenda[0].title != "Scrap at line 2"  # the type's default did not change


def test_plan_refuses_bad_input_with_messages(services, partner):
    with pytest.raises(ValidationError) as err:
        services.coaching.plan(SessionPlan(partner.id, SessionType.WEEKLY_OPS, datetime(2026, 12, 1),
                                           attendees=(Attendee("  "),)))
    assert "attendees.1" in err.value.errors
    with pytest.raises(NotFound):
        services.coaching.plan(SessionPlan("no-such-partner", SessionType.WEEKLY_OPS, datetime(2026, 12, 1)))


def test_log_commits_each_entry_with_author_and_time(services, session):
    services.coaching.start(session.id)
    first = services.coaching.log(session.id, "Partner shows the scrap Pareto for October")
    second = services.coaching.log(session.id, "Line 2 changeovers cause most of it")
    entries = services.coaching.entries(session.id)
    assert [e.text for e in entries] == [first.text, second.text]
    assert all(e.author == "Mira Holm" for e in entries)
    assert first.logged_at <= second.logged_at and first.position < second.position
    assert services.coaching.get(session.id).status is SessionStatus.LIVE


def test_logging_in_a_planned_session_starts_it(services, session):
    services.coaching.log(session.id, "We started without pressing start")
    data = services.coaching.get(session.id)
    assert data.status is SessionStatus.LIVE and data.started_at is not None


def test_prefixes_make_decisions_risks_and_action_items(services, session):
    services.coaching.start(session.id)
    d = services.coaching.log(session.id, "d: Move the PPM target to 400 from January")
    r = services.coaching.log(session.id, "risk: Resin supplier may raise prices")
    a = services.coaching.log(session.id, "a: Send the changeover study @anna becker due 2026-12-04",
                              today=TODAY)
    assert (d.kind, d.text) == (EntryKind.DECISION, "Move the PPM target to 400 from January")
    assert (r.kind, r.text) == (EntryKind.RISK, "Resin supplier may raise prices")
    assert a.kind is EntryKind.ACTION and a.text == "Send the changeover study"
    assert (a.owner, a.due_date) == ("Anna Becker", date(2026, 12, 4))
    item = services.actions.get(a.action_item_id, today=TODAY)
    assert item.owner_side is Side.PARTNER and item.session_id == session.id and item.status == "open"


def test_action_due_date_shorthands():
    people = ("Jonas Berg",)
    assert parse_capture("a: call back @Jonas Berg due friday", people, TODAY).due_date == date(2026, 11, 27)
    assert parse_capture("a: call back due +2w", people, TODAY).due_date == date(2026, 12, 7)
    assert parse_capture("a: call back due tomorrow", people, TODAY).due_date == date(2026, 11, 24)
    assert parse_capture("a: call back due 4.12.", people, TODAY).due_date == date(2026, 12, 4)
    cap = parse_capture("a: call back @Jonas Berg", people, TODAY)
    assert (cap.owner, cap.text, cap.due_date) == ("Jonas Berg", "call back", None)
    assert parse_capture("a: ask @luca for the audit", people, TODAY).owner == "luca"
    assert parse_capture("Due diligence is due soon", people, TODAY).kind is EntryKind.NOTE


def test_a_bad_due_date_saves_nothing(services, session):
    with pytest.raises(ValidationError) as err:
        services.coaching.log(session.id, "a: ship samples due 31.02.2027", today=TODAY)
    assert "not a date" in err.value.errors["due_date"]
    assert services.coaching.entries(session.id) == []
    with pytest.raises(ValidationError):
        services.coaching.log(session.id, "d:   ")


def test_experiment_updates_from_the_capture_box(services, session):
    services.coaching.start(session.id)
    new = services.coaching.log(session.id, "e: new SMED on line 2 changeovers")
    exp_id = new.experiment_id
    assert services.experiments.get(exp_id).stage is PdcaStage.PLAN
    note = services.coaching.log(session.id, "e: Partner will film two changeovers first")
    moved = services.coaching.log(session.id, "e: >do Trial starts Monday", experiment_id=exp_id)
    assert note.experiment_id == exp_id and moved.text == "Plan → Do: Trial starts Monday"
    assert moved.detail == "Experiment: SMED on line 2 changeovers"
    assert services.experiments.get(exp_id).stage is PdcaStage.DO
    history = services.experiments.history(exp_id)
    assert [h.what for h in history] == ["Planned", "Update", "Plan → Do"]
    assert all(h.session_id == session.id for h in history)
    with pytest.raises(ValidationError):  # Do cannot jump to Act
        services.coaching.log(session.id, "e: >act too early", experiment_id=exp_id)


def test_experiment_update_needs_a_choice_when_several_are_open(services, session):
    services.coaching.log(session.id, "e: new First")
    services.coaching.log(session.id, "e: new Second")
    with pytest.raises(ValidationError) as err:
        services.coaching.log(session.id, "e: which one?")
    assert "2 open experiments" in err.value.errors["experiment"]


def test_entries_can_be_edited_and_reordered_and_keep_who_and_when(services, session):
    a = services.coaching.log(session.id, "first")
    b = services.coaching.log(session.id, "second")
    c = services.coaching.log(session.id, "third")
    services.coaching.move_entry(c.id, 0)
    assert [e.text for e in services.coaching.entries(session.id)] == ["third", "first", "second"]
    services.coaching.move_entry(c.id, 2)
    assert [e.text for e in services.coaching.entries(session.id)] == ["first", "second", "third"]
    services.coaching.move_entry(a.id, 1)
    assert [e.text for e in services.coaching.entries(session.id)] == ["second", "first", "third"]
    edited = services.coaching.edit_entry(b.id, "second, corrected", kind=EntryKind.DECISION)
    assert edited.text == "second, corrected" and edited.kind is EntryKind.DECISION and edited.edited
    assert edited.author == b.author and edited.logged_at == b.logged_at
    assert not services.coaching.entry(a.id).edited  # moved, not edited


def test_many_moves_between_the_same_neighbours_keep_the_order(services, session):
    ids = [services.coaching.log(session.id, f"entry {i}").id for i in range(3)]
    for _ in range(60):  # halving the gap 60 times exhausts a float: the log renumbers itself
        services.coaching.move_entry(ids[2], 1)
        services.coaching.move_entry(ids[1], 1)
    texts = [e.text for e in services.coaching.entries(session.id)]
    assert texts[0] == "entry 0" and sorted(texts) == ["entry 0", "entry 1", "entry 2"]


def test_editing_an_action_entry_renames_the_action_item(services, session):
    a = services.coaching.log(session.id, "a: send data @Jonas Berg")
    services.coaching.edit_entry(a.id, "send the October scrap data")
    assert services.actions.get(a.action_item_id).title == "send the October scrap data"
    with pytest.raises(ValidationError):
        services.coaching.edit_entry(a.id, "x", kind=EntryKind.NOTE)


def test_draft_is_kept_until_the_entry_is_committed(services, session):
    services.coaching.start(session.id)
    services.coaching.save_draft(session.id, "Partner proposes a second shi")
    assert services.coaching.draft(session.id).text == "Partner proposes a second shi"
    services.coaching.log(session.id, "Partner proposes a second shift")
    assert services.coaching.draft(session.id) is None


def test_an_interrupted_live_session_is_found_with_its_draft(services, session, db_path):
    from app.services import build_services
    from app.services.database import open_database

    services.coaching.start(session.id)
    services.coaching.log(session.id, "logged before the power cut")
    services.coaching.save_draft(session.id, "half a sentence")
    services.db.close()  # the laptop goes dark

    db = open_database(db_path)
    try:
        again = build_services(db)
        [found] = again.coaching.interrupted()
        assert found.session.id == session.id and found.draft == "half a sentence"
        assert [e.text for e in again.coaching.entries(session.id)] == ["logged before the power cut"]
        again.coaching.end(session.id)
        assert again.coaching.interrupted() == []
    finally:
        db.close()


def test_end_gives_a_summary_of_decisions_actions_and_experiment_updates(services, session):
    services.coaching.start(session.id)
    services.coaching.log(session.id, "Scrap is down 12%")
    services.coaching.log(session.id, "d: Keep the second inspection until January")
    services.coaching.log(session.id, "a: Share the inspection plan @Anna Becker due 2026-12-01")
    services.coaching.log(session.id, "e: new Poka-yoke on the clip assembly")
    minutes = services.coaching.end(session.id, "Good progress; scrap trend is right.")
    assert minutes.session.status is SessionStatus.ENDED and minutes.session.ended_at is not None
    assert [d.text for d in minutes.decisions] == ["Keep the second inspection until January"]
    assert [(a.title, a.owner, a.due_date) for a in minutes.actions] == [
        ("Share the inspection plan", "Anna Becker", date(2026, 12, 1))]
    assert [u.experiment_title for u in minutes.experiment_updates] == ["Poka-yoke on the clip assembly"]
    assert minutes.session.summary == "Good progress; scrap trend is right."
    assert "1 decision" in minutes.counts_text and "1 action item" in minutes.counts_text


def test_latest_session_prefers_the_last_one_run(services, session, partner):
    later = services.coaching.plan(SessionPlan(partner.id, SessionType.WEEKLY_OPS,
                                               session.scheduled_at + timedelta(days=7)))
    services.coaching.start(session.id)
    assert services.coaching.latest(partner.id).id == session.id  # the later one is only planned
    services.coaching.start(later.id)
    assert services.coaching.latest(partner.id).id == later.id


def test_action_items_across_sessions_by_status_owner_and_side(services, session, partner):
    from app.services.actions import ActionQuery, ActionStatus

    services.coaching.log(session.id, "a: late one @Anna Becker due 2026-11-01")
    services.coaching.log(session.id, "a: future one @Jonas Berg due 2026-12-20")
    done = services.coaching.log(session.id, "a: finished one @Jonas Berg due 2026-11-10")
    services.actions.set_done(done.action_item_id, on=date(2026, 11, 9))
    titles = lambda q: [a.title for a in services.actions.list(q, today=TODAY)]  # noqa: E731
    assert titles(ActionQuery(status=ActionStatus.OPEN)) == ["late one", "future one"]
    assert titles(ActionQuery(status=ActionStatus.OVERDUE)) == ["late one"]
    assert titles(ActionQuery(status=ActionStatus.DONE)) == ["finished one"]
    assert titles(ActionQuery(status=ActionStatus.ALL, owner="jonas berg")) == ["future one", "finished one"]
    assert titles(ActionQuery(status=ActionStatus.ALL, side=Side.PARTNER)) == ["late one"]
    assert services.actions.counts(partner.id, today=TODAY) == {"open": 2, "overdue": 1, "done": 1}
