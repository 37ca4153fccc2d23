"""The capture line parser: owners matched to the session's people, and what it did not understand said."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.models.enums import EntryKind
from app.services.capture import match_person, parse_capture

TODAY = date(2026, 11, 23)  # a Monday
PEOPLE = ("Maria Schmidt", "Jonas Berg", "Anna Becker", "Luca Rossi")


def test_first_name_and_initials_match_the_attendee():
    assert parse_capture("a: send the audit plan @Maria", PEOPLE, TODAY).owner == "Maria Schmidt"
    assert parse_capture("a: send the audit plan @maria", PEOPLE, TODAY).owner == "Maria Schmidt"
    cap = parse_capture("a: book the line trial @JB due friday", PEOPLE, TODAY)
    assert (cap.owner, cap.text, cap.due_date, cap.notices) == ("Jonas Berg", "book the line trial",
                                                                date(2026, 11, 27), ())


def test_full_names_still_win():
    cap = parse_capture("a: call back @Jonas Berg tomorrow", PEOPLE, TODAY)
    assert (cap.owner, cap.text) == ("Jonas Berg", "call back tomorrow")


def test_an_unknown_owner_is_reported_not_silent():
    cap = parse_capture("a: chase the samples @Nobody", PEOPLE, TODAY)
    assert cap.owner == "Nobody" and cap.text == "chase the samples"
    assert len(cap.notices) == 1 and "@Nobody is not an attendee or contact" in cap.notices[0]


def test_an_ambiguous_first_name_is_reported():
    people = PEOPLE + ("Maria Lopez",)
    cap = parse_capture("a: sign the NDA @Maria", people, TODAY)
    assert cap.owner == "Maria" and "could be Maria Schmidt or Maria Lopez" in cap.notices[0]


def test_a_due_date_it_cannot_read_is_reported():
    cap = parse_capture("a: update the forecast due someday @Anna", PEOPLE, TODAY)
    assert cap.due_date is None and cap.owner == "Anna Becker"
    assert "'due someday' is not a date" in cap.notices[0]
    assert "someday" in cap.text  # nothing the user typed is lost


def test_an_email_address_is_not_a_mention():
    cap = parse_capture("a: mail the deck to quality@acme.example", PEOPLE, TODAY)
    assert cap.owner == "" and cap.notices == () and "quality@acme.example" in cap.text


def test_notes_and_decisions_have_no_notices():
    assert parse_capture("d: @Maria due someday", PEOPLE, TODAY).notices == ()
    assert parse_capture("Due diligence is due soon", PEOPLE, TODAY).kind is EntryKind.NOTE


@given(st.sampled_from(PEOPLE))
def test_everyone_is_found_by_first_name_and_by_initials(person):
    first = person.split()[0]
    initials = "".join(p[0] for p in person.split())
    assert match_person(first, PEOPLE) == (person, [])
    assert match_person(initials.lower(), PEOPLE) == (person, [])

