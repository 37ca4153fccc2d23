"""Calendar export: a round trip through icalendar, UIDs stable across exports, an edited session updates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from app.cli import main
from app.services.calendar_export import Sequences, export_calendar, uid_for
from app.services.coaching import SessionPlan
from tests.services.week_data import build_week


@pytest.fixture
def week(services):
    return build_week(services)


def _read(path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def _by_uid(cal: Calendar) -> dict[str, object]:
    return {str(c["uid"]): c for c in cal.walk() if c.name in ("VEVENT", "VTODO")}


def test_round_trip_holds_sessions_as_events_and_dated_items_as_todos(services, week, tmp_path):
    out = tmp_path / "all.ics"
    result = export_calendar(services.db.sessions, out)
    cal = _read(out)
    entries = _by_uid(cal)
    session = entries[uid_for("session", week.ids["session"])]
    assert session.name == "VEVENT"
    assert str(session["summary"]) == "Nordwerk Components GmbH: November review"
    assert session.decoded("dtstart") == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert session.decoded("dtend") > session.decoded("dtstart")
    assert str(session["location"]) == "Poznań plant"
    assert "Mira Holm" in str(session["description"])
    todo = entries[uid_for("action", week.ids["partner_due"])]
    assert todo.name == "VTODO" and todo.decoded("due") == date(2026, 11, 25)
    assert str(todo["summary"]) == "Nordwerk Components GmbH: Share scrap data"
    assert entries[uid_for("milestone", week.ids["milestone"])].decoded("due") == date(2026, 11, 28)
    # done things stay out; the later Ølands session is planned, so it is in
    assert uid_for("action", week.ids["done"]) not in entries
    assert uid_for("milestone", week.ids["milestone_done"]) not in entries
    assert str(entries[uid_for("session", week.ids["session_later"])]["summary"]) == "Ølands Fisk AB: Ølands weekly"
    assert (result.events, result.todos) == (2, 5)


def test_one_partner_holds_nothing_of_another(services, week, tmp_path):
    out = tmp_path / "olands.ics"
    result = export_calendar(services.db.sessions, out, week.olands)
    text = out.read_text(encoding="utf-8")
    assert "Nordwerk" not in text and "Ølands" in text
    assert result.scope == "Ølands Fisk AB"
    assert set(_by_uid(_read(out))) == {uid_for("session", week.ids["session_later"]),
                                        uid_for("action", week.ids["olands_action"])}


def test_uids_are_stable_and_unchanged_data_exports_identically(services, week, tmp_path):
    first, second = tmp_path / "1.ics", tmp_path / "2.ics"
    export_calendar(services.db.sessions, first)
    export_calendar(services.db.sessions, second)
    assert first.read_bytes() == second.read_bytes()
    assert all(int(c["sequence"]) == 0 for c in _by_uid(_read(second)).values())
    uids = list(_by_uid(_read(first)))
    assert len(uids) == len(set(uids))
    assert all(u.endswith("@tandem") for u in uids)


def test_an_edited_session_updates_in_the_calendar(services, week, tmp_path):
    before, after = tmp_path / "before.ics", tmp_path / "after.ics"
    export_calendar(services.db.sessions, before)
    s = services.coaching.get(week.ids["session"])
    services.coaching.update_plan(s.id, SessionPlan(
        s.partner_id, s.session_type, datetime(2026, 11, 25, 8, 30), s.title, s.objective, "Online",
        s.facilitator, s.facilitator_side, s.agenda, s.attendees))
    export_calendar(services.db.sessions, after)
    uid = uid_for("session", s.id)
    old, new = _by_uid(_read(before))[uid], _by_uid(_read(after))[uid]
    assert new.decoded("dtstart") == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert str(new["location"]) == "Online"
    assert int(new["sequence"]) > int(old["sequence"])
    assert new.decoded("last-modified") >= old.decoded("last-modified")
    assert new.decoded("dtstamp") >= new.decoded("last-modified")
    # the untouched action item did not change at all
    action = uid_for("action", week.ids["partner_due"])
    assert _by_uid(_read(before))[action].to_ical() == _by_uid(_read(after))[action].to_ical()


def test_all_day_events_instead_of_todos(services, week, tmp_path):
    out = tmp_path / "events.ics"
    result = export_calendar(services.db.sessions, out, todos_as_events=True)
    entry = _by_uid(_read(out))[uid_for("action", week.ids["partner_due"])]
    assert entry.name == "VEVENT" and entry.decoded("dtstart") == date(2026, 11, 25)
    assert result.todos == 0 and result.events == 7


def test_cli_writes_the_file_and_refuses_an_unknown_partner(services, week, db_path, tmp_path, capsys):
    services.db.close()
    out = tmp_path / "cli.ics"
    assert main(["calendar", "--db", str(db_path), "--out", str(out), "--partner", "Nordwerk"]) == 0
    assert "Nordwerk Components GmbH" in capsys.readouterr().out
    assert uid_for("session", week.ids["session"]) in _by_uid(_read(out))
    assert main(["calendar", "--db", str(db_path), "--out", str(tmp_path / "x.ics"), "--partner", "Nobody"]) == 1
    assert "No partner called" in capsys.readouterr().err
    assert not (tmp_path / "x.ics").exists()


@given(st.lists(st.sampled_from(["r1", "r2", "r3"]), min_size=1, max_size=12))
def test_sequence_rises_exactly_when_the_record_was_edited(revs):
    # export after export, the record carries the rev it has then: SEQUENCE never falls, and grows only on a change
    seq = Sequences({})
    numbers = [seq("session-x@tandem", rev) for rev in revs]
    assert numbers[0] == 0
    for (r0, n0), (r1, n1) in zip(zip(revs, numbers), zip(revs[1:], numbers[1:])):
        assert n1 == (n0 if r1 == r0 else n0 + 1)
