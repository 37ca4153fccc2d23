"""Calendar export: planned sessions as events, dated action items and milestones as to-dos (or all-day
events), in one iCalendar (.ics) file for everything or one partner.

Calendar apps recognise an entry by its UID, so a UID is derived from the record's id
(``session-<id>@tandem``) and never changes: importing the file again updates entries instead of duplicating
them. What tells the app an entry changed is derived from the row's last edit, so two exports with nothing
edited in between are identical:

- ``SEQUENCE``: 0 in the first export of the record, one more in each later export after the record was
  edited (this laptop remembers, per UID, the rev it last exported: the local setting `SEQUENCES_KEY`);
- ``LAST-MODIFIED`` and ``DTSTAMP``: the row's ``updated_at`` (UTC). Without a METHOD, RFC 5545 makes
  DTSTAMP the time the entry was last revised.

Only open things go out: planned (or live) sessions, action items not done, milestones not done.
`export_calendar` is one transaction (it reads the records and updates the remembered sequences); any
thread may call it. The file is written to a temporary name and
renamed, so a failed export never leaves half a calendar.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, Todo
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import APP_NAME, __version__
from app.models import (
    ActionItem,
    CoachingSession,
    LocalSetting,
    Partner,
    PlanMilestone,
    SessionAttendee,
    SuccessPlan,
)
from app.models.enums import ItemStatus, SessionStatus, label
from app.services.coaching import _agenda_from_json, type_name
from app.services.errors import NotFound

UID_DOMAIN = "tandem"
SEQUENCES_KEY = "calendar_sequences"  # {uid: [rev last exported, its SEQUENCE]}
DEFAULT_MINUTES = 60  # a session without an agenda


@dataclass(frozen=True)
class CalendarResult:
    path: Path
    events: int
    todos: int
    scope: str  # "everything" or the partner's name


def uid_for(kind: str, record_id: str) -> str:
    """The UID of a record's calendar entry: the same in every export."""
    return f"{kind}-{record_id}@{UID_DOMAIN}"


class Sequences:
    """SEQUENCE per UID: the same while the record's rev is the one exported before, else one more."""

    def __init__(self, known: dict[str, list]) -> None:
        self.known = known

    def __call__(self, uid: str, rev: str) -> int:
        last_rev, last_seq = self.known.get(uid, (None, -1))
        seq = last_seq if last_rev == rev else last_seq + 1
        self.known[uid] = [rev, seq]
        return seq


def _utc(dt: datetime | None) -> datetime:
    return (dt or datetime(2024, 1, 1)).replace(tzinfo=UTC)


def _stamp(component, rev: str, updated_at: datetime | None, sequences: Sequences) -> None:
    component.add("sequence", sequences(str(component["uid"]), rev))
    component.add("last-modified", _utc(updated_at))
    component.add("dtstamp", _utc(updated_at))


def build_calendar(s: Session, partner_id: str | None = None, *, todos_as_events: bool = False,
                   sequences: Sequences | None = None) -> Calendar:
    """The calendar of everything (or one partner's records), read in the caller's session.
    Raises NotFound for an unknown partner."""
    seq = sequences or Sequences({})
    cal = Calendar()
    cal.add("prodid", f"-//{APP_NAME}//{APP_NAME} {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    partners = select(Partner.id, Partner.name).where(Partner.deleted_at.is_(None))
    if partner_id:
        partners = partners.where(Partner.id == partner_id)
    names = dict(s.execute(partners).all())
    if partner_id and partner_id not in names:
        raise NotFound(f"No partner with id {partner_id}")
    cal.add("x-wr-calname", f"{APP_NAME}: {names[partner_id]}" if partner_id else APP_NAME)
    ids = list(names)

    rows = s.scalars(select(CoachingSession).where(
        CoachingSession.partner_id.in_(ids), CoachingSession.deleted_at.is_(None),
        CoachingSession.status.in_([SessionStatus.PLANNED, SessionStatus.LIVE]))
        .order_by(CoachingSession.scheduled_at, CoachingSession.id)).all()
    people: dict[str, list[SessionAttendee]] = {}
    for a in s.scalars(select(SessionAttendee).where(
            SessionAttendee.session_id.in_([r.id for r in rows]), SessionAttendee.deleted_at.is_(None))
            .order_by(SessionAttendee.name)):
        people.setdefault(a.session_id, []).append(a)
    for r in rows:
        cal.add_component(_session_event(r, names[r.partner_id], people.get(r.id, []), seq))

    for a in s.scalars(select(ActionItem).where(
            ActionItem.partner_id.in_(ids), ActionItem.deleted_at.is_(None), ActionItem.done_on.is_(None),
            ActionItem.due_date.is_not(None)).order_by(ActionItem.due_date, ActionItem.id)):
        owner = f"{a.owner} ({label(a.owner_side).lower()} side)" if a.owner else label(a.owner_side) + " side"
        cal.add_component(_dated("action", a, names[a.partner_id], a.title, a.due_date,
                                 f"Action item. Owner: {owner}.", todos_as_events, seq))

    for m, plan_title in s.execute(select(PlanMilestone, SuccessPlan.title)
                                   .join(SuccessPlan, SuccessPlan.id == PlanMilestone.plan_id)
                                   .where(PlanMilestone.partner_id.in_(ids), PlanMilestone.deleted_at.is_(None),
                                          SuccessPlan.deleted_at.is_(None), PlanMilestone.due_date.is_not(None),
                                          PlanMilestone.status.not_in([ItemStatus.DONE.value,
                                                                       ItemStatus.NOT_APPLICABLE.value]))
                                   .order_by(PlanMilestone.due_date, PlanMilestone.id)):
        text = f"Milestone of {plan_title} (day {m.phase}). Owner: {m.owner or '—'}. Status: {label(m.status)}."
        cal.add_component(_dated("milestone", m, names[m.partner_id], m.title, m.due_date, text,
                                 todos_as_events, seq))
    return cal


def _session_event(r: CoachingSession, partner_name: str, attendees: list[SessionAttendee],
                   seq: Sequences) -> Event:
    agenda = _agenda_from_json(r.agenda)
    minutes = sum(a.minutes for a in agenda) or DEFAULT_MINUTES
    e = Event()
    e.add("uid", uid_for("session", r.id))
    e.add("summary", f"{partner_name}: {r.title or type_name(r.session_type)}")
    start = _utc(r.scheduled_at)
    e.add("dtstart", start)
    e.add("dtend", start + timedelta(minutes=minutes))
    if r.location:
        e.add("location", r.location)
    lines = [type_name(r.session_type)]
    if r.objective:
        lines.append(f"Objective: {r.objective}")
    if r.facilitator:
        lines.append(f"Facilitator: {r.facilitator}")
    if attendees:
        lines.append("Attendees: " + ", ".join(a.name for a in attendees))
    if agenda:
        lines.append("Agenda:")
        lines += [f"  {i}. {a.title} ({a.minutes} min)" for i, a in enumerate(agenda, 1)]
    e.add("description", "\n".join(lines))
    e.add("categories", [APP_NAME, "Session"])
    e.add("status", "CONFIRMED")
    # A changed attendee list is an edit of the event too.
    latest = max([r, *attendees], key=lambda x: x.rev)
    _stamp(e, latest.rev, latest.updated_at, seq)
    return e


def _dated(kind: str, row, partner_name: str, title: str, due: date, text: str, as_event: bool,
           seq: Sequences):
    c = Event() if as_event else Todo()
    c.add("uid", uid_for(kind, row.id))
    c.add("summary", f"{partner_name}: {title}")
    c.add("description", text)
    c.add("categories", [APP_NAME, label(kind)])
    if as_event:
        c.add("dtstart", due)
        c.add("dtend", due + timedelta(days=1))
        c.add("transp", "TRANSPARENT")  # an all-day reminder does not block the day
    else:
        c.add("due", due)
        c.add("status", "NEEDS-ACTION")
    _stamp(c, row.rev, row.updated_at, seq)
    return c


def export_calendar(sessions: sessionmaker, out: str | os.PathLike, partner_id: str | None = None, *,
                    todos_as_events: bool = False) -> CalendarResult:
    """Write the calendar to ``out`` (replacing it) and say how many events and to-dos it holds.

    Remembers the rev of every entry it wrote, so the next export raises SEQUENCE only for edited ones."""
    with sessions.begin() as s:
        setting = s.get(LocalSetting, SEQUENCES_KEY)
        sequences = Sequences(json.loads(setting.value) if setting and setting.value else {})
        cal = build_calendar(s, partner_id, todos_as_events=todos_as_events, sequences=sequences)
        _write(Path(out), cal.to_ical())
        value = json.dumps(sequences.known, separators=(",", ":"), sort_keys=True)
        if setting is None:
            s.add(LocalSetting(key=SEQUENCES_KEY, value=value))
        else:
            setting.value = value
    events = sum(1 for c in cal.walk("VEVENT"))
    todos = sum(1 for c in cal.walk("VTODO"))
    scope = str(cal.get("x-wr-calname")).removeprefix(f"{APP_NAME}: ") if partner_id else "everything"
    return CalendarResult(Path(out), events, todos, scope)


def _write(out: Path, data: bytes) -> None:
    """Write to a temporary name beside ``out``, then rename: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["CalendarResult", "build_calendar", "export_calendar", "uid_for"]
