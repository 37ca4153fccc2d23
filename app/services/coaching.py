"""Coaching sessions: plan one, run it live with a timestamped log, end it with a summary and minutes.

Session types and their default agendas come from resources/session_agendas.json (after the coaching
guide). The live log is built so that nothing is lost:

- every entry is committed on its own, in its own transaction, the moment the user presses Enter (`log`);
- the text being typed is kept in the local `SessionDraft` table (`save_draft`, called by the screen every
  fraction of a second while typing), and cleared in the same transaction that commits the entry;
- `interrupted` finds sessions still live (Tandem closed or crashed during a session) with their drafts.

A *capture* prefix turns an entry into something more than a note: ``d:`` decision, ``r:`` risk, ``a:`` action
item with ``@owner`` and ``due …``, ``e:`` an experiment update. The parser lives in app/services/capture.py.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
Datetimes are naive UTC, like everything in the database; `local_time` converts one for display.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    ActionItem,
    CoachingSession,
    Contact,
    Experiment,
    LogEntry,
    Partner,
    SessionAttendee,
    SessionDraft,
)
from app.models.enums import (
    EntryKind,
    SessionStatus,
    SessionType,
    Side,
    label,
)
from app.paths import resource_path
from app.services.actions import (
    ActionItemData,
    ActionQuery,
    ActionService,
    ActionStatus,
    new_action,
)
from app.services.capture import (  # noqa: F401  (the capture parser lived here; callers import it from here too)
    PREFIX_OF,
    PREFIXES,
    Capture,
    parse_capture,
    parse_due,
    people_case,
    strip_prefix,
)
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.experiments import (
    ExperimentEventData,
    ExperimentInput,
    ExperimentService,
    author_name,
    conclude_experiment,
    create_experiment,
    live_experiment,
    move_experiment,
    record_event,
)
from app.services.records import get_live


def local_time(dt: datetime | None) -> datetime | None:
    """A naive UTC datetime from the database as naive local time, for display."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """A naive local datetime (what the user typed) as naive UTC, for storage."""
    return local.astimezone(UTC).replace(tzinfo=None)


# -- session types and agendas ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgendaItem:
    title: str
    minutes: int = 10


@dataclass(frozen=True)
class SessionTypeInfo:
    session_type: SessionType
    name: str
    objective: str
    agenda: tuple[AgendaItem, ...]


@cache
def session_types() -> dict[SessionType, SessionTypeInfo]:
    """Every session type with its name, default objective and default agenda (resources/session_agendas.json)."""
    import json

    spec = json.loads(resource_path("session_agendas.json").read_text(encoding="utf-8"))["types"]
    return {t: SessionTypeInfo(t, spec[t.value]["name"], spec[t.value]["objective"],
                               tuple(AgendaItem(a["title"], int(a.get("minutes", 10))) for a in spec[t.value]["agenda"]))
            for t in SessionType}


def type_name(session_type: SessionType | str) -> str:
    return session_types()[SessionType(session_type)].name


def _agenda_to_json(agenda: tuple[AgendaItem, ...]) -> list[dict]:
    return [{"title": a.title.strip(), "minutes": int(a.minutes)} for a in agenda]


def _agenda_from_json(raw: list) -> tuple[AgendaItem, ...]:
    items = []
    for a in raw or []:
        if isinstance(a, str):
            items.append(AgendaItem(a))
        else:
            items.append(AgendaItem(str(a.get("title", "")), int(a.get("minutes", 10) or 0)))
    return tuple(items)


# -- values -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendee:
    name: str
    side: Side = Side.PARTNER
    contact_id: str | None = None


@dataclass(frozen=True)
class SessionPlan:
    """What the user enters to plan (or re-plan) a session. ``agenda=None``: the type's default agenda."""

    partner_id: str
    session_type: SessionType
    scheduled_at: datetime  # naive UTC
    title: str = ""
    objective: str = ""
    location: str = ""
    facilitator: str = ""
    facilitator_side: Side = Side.OURS
    agenda: tuple[AgendaItem, ...] | None = None
    attendees: tuple[Attendee, ...] = ()


@dataclass(frozen=True)
class SessionRow:
    """One line of a session list."""

    id: str
    partner_id: str
    partner_name: str
    session_type: SessionType
    title: str
    scheduled_at: datetime
    location: str
    facilitator: str
    status: SessionStatus
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class SessionData:
    id: str
    partner_id: str
    partner_name: str
    session_type: SessionType
    title: str
    objective: str
    scheduled_at: datetime
    location: str
    facilitator: str
    facilitator_side: Side
    agenda: tuple[AgendaItem, ...]
    current_agenda_index: int
    status: SessionStatus
    started_at: datetime | None
    ended_at: datetime | None
    summary: str
    attendees: tuple[Attendee, ...]

    @property
    def type_name(self) -> str:
        return type_name(self.session_type)

    @property
    def duration(self) -> timedelta | None:
        if self.started_at is None:
            return None
        return (self.ended_at or utcnow()) - self.started_at


@dataclass(frozen=True)
class Entry:
    """One entry of the live log, with what it links to (an action item's owner and due date, an experiment)."""

    id: str
    session_id: str
    position: float
    kind: EntryKind
    text: str
    logged_at: datetime
    author: str
    action_item_id: str | None = None
    experiment_id: str | None = None
    owner: str = ""
    due_date: date | None = None
    done_on: date | None = None
    experiment_title: str = ""
    edited: bool = False  # changed after it was logged

    @property
    def detail(self) -> str:
        """What the entry links to, in words: 'Anna Becker · due 2026-12-04', 'Experiment: Kanban trial'."""
        if self.kind is EntryKind.ACTION:
            bits = [self.owner or "no owner", f"due {self.due_date.isoformat()}" if self.due_date else "no due date"]
            if self.done_on:
                bits.append(f"done {self.done_on.isoformat()}")
            return " · ".join(bits)
        if self.experiment_title:
            return f"Experiment: {self.experiment_title}"
        return ""


@dataclass(frozen=True)
class Draft:
    session_id: str
    text: str
    saved_at: datetime | None


@dataclass(frozen=True)
class InterruptedSession:
    """A session left live (Tandem closed or crashed during it) and the text that was being typed."""

    session: SessionRow
    draft: str
    draft_saved_at: datetime | None


@dataclass(frozen=True)
class SessionMinutes:
    """Everything the end-of-session summary and the minutes show."""

    session: SessionData
    entries: tuple[Entry, ...]
    actions: tuple[ActionItemData, ...]  # action items agreed in this session
    experiment_updates: tuple[ExperimentEventData, ...]

    @property
    def decisions(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind is EntryKind.DECISION)

    @property
    def risks(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind is EntryKind.RISK)

    @property
    def counts_text(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return ", ".join([n(len(self.entries), "entry").replace("entrys", "entries"),
                          n(len(self.decisions), "decision"), n(len(self.risks), "risk"),
                          n(len(self.actions), "action item"), n(len(self.experiment_updates), "experiment update")])


# -- the service -------------------------------------------------------------------------------------------

class CoachingService:
    """Plan, run and end coaching sessions; the live log and its drafts; summaries and minutes."""

    def __init__(self, sessions: sessionmaker, actions: ActionService | None = None,
                 experiments: ExperimentService | None = None) -> None:
        self._sessions = sessions
        self._actions = actions or ActionService(sessions)
        self._experiments = experiments or ExperimentService(sessions)

    # planning

    @staticmethod
    def default_agenda(session_type: SessionType) -> tuple[AgendaItem, ...]:
        return session_types()[SessionType(session_type)].agenda

    def plan(self, plan: SessionPlan) -> SessionData:
        """Create a planned session (the type's default agenda and title unless given); one transaction."""
        plan = self._complete(plan)
        with self._sessions.begin() as s:
            get_live(s, Partner, plan.partner_id, "partner")
            row = CoachingSession(partner_id=plan.partner_id, status=SessionStatus.PLANNED,
                                  **self._columns(plan))
            s.add(row)
            s.flush()
            self._set_attendees(s, row, plan.attendees)
        return self.get(row.id)

    def update_plan(self, session_id: str, plan: SessionPlan) -> SessionData:
        """Change a session's type, date, place, facilitator, agenda or attendees (also while live or after)."""
        plan = self._complete(plan)
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            for k, v in self._columns(plan).items():
                if getattr(row, k) != v:
                    setattr(row, k, v)
            if row.current_agenda_index >= len(plan.agenda):
                row.current_agenda_index = max(0, len(plan.agenda) - 1)
            self._set_attendees(s, row, plan.attendees)
        return self.get(session_id)

    def set_agenda(self, session_id: str, agenda: tuple[AgendaItem, ...]) -> SessionData:
        """Replace the agenda of one session (agendas are editable per session)."""
        data = self.get(session_id)
        return self.update_plan(session_id, _plan_of(data, agenda=tuple(agenda)))

    @staticmethod
    def _complete(plan: SessionPlan) -> SessionPlan:
        errors = {}
        try:
            info = session_types()[SessionType(plan.session_type)]
        except ValueError:
            raise ValidationError({"session_type": f"'{plan.session_type}' is not a session type."}) from None
        if not isinstance(plan.scheduled_at, datetime):
            errors["scheduled_at"] = "The session needs a date and time."
        agenda = info.agenda if plan.agenda is None else tuple(a for a in plan.agenda if a.title.strip())
        if any(a.minutes < 0 for a in agenda):
            errors["agenda"] = "An agenda item cannot last a negative number of minutes."
        if len(plan.title) > 200:
            errors["title"] = "The title is too long (200 characters at most)."
        for i, a in enumerate(plan.attendees, 1):
            if not a.name.strip():
                errors[f"attendees.{i}"] = f"Attendee {i} needs a name."
        if errors:
            raise ValidationError(errors)
        return replace(plan, agenda=agenda, title=plan.title.strip() or info.name,
                       objective=plan.objective.strip() if plan.objective.strip() else info.objective)

    @staticmethod
    def _columns(plan: SessionPlan) -> dict:
        return dict(session_type=SessionType(plan.session_type), title=plan.title, objective=plan.objective,
                    scheduled_at=plan.scheduled_at, location=plan.location.strip(),
                    facilitator=plan.facilitator.strip(), facilitator_side=Side(plan.facilitator_side),
                    agenda=_agenda_to_json(plan.agenda))

    @staticmethod
    def _set_attendees(s: Session, row: CoachingSession, attendees: tuple[Attendee, ...]) -> None:
        existing = {(a.name, a.side): a for a in s.scalars(
            select(SessionAttendee).where(SessionAttendee.session_id == row.id))}
        keep = set()
        for a in attendees:
            key = (a.name.strip(), Side(a.side))
            keep.add(key)
            old = existing.get(key)
            if old is None:
                s.add(SessionAttendee(partner_id=row.partner_id, session_id=row.id, contact_id=a.contact_id,
                                      name=key[0], side=key[1]))
            elif old.deleted_at is not None:
                old.deleted_at = None
        for key, old in existing.items():
            if key not in keep and old.deleted_at is None:
                old.deleted_at = utcnow()

    def people(self, partner_id: str, session_id: str | None = None) -> tuple[str, ...]:
        """Names an action item's ``@owner`` can pick: the session's attendees and the partner's contacts."""
        with self._sessions() as s:
            return _people(s, partner_id, session_id)

    # reading

    def get(self, session_id: str) -> SessionData:
        """One session with its agenda and attendees. Raises NotFound."""
        with self._sessions() as s:
            row = _live_session(s, session_id)
            partner = s.get(Partner, row.partner_id)
            attendees = s.scalars(select(SessionAttendee).where(SessionAttendee.session_id == session_id,
                                                                SessionAttendee.deleted_at.is_(None))
                                  .order_by(SessionAttendee.side.desc(), SessionAttendee.name))
            return SessionData(
                row.id, row.partner_id, partner.name, row.session_type, row.title, row.objective,
                row.scheduled_at, row.location, row.facilitator, row.facilitator_side,
                _agenda_from_json(row.agenda), row.current_agenda_index, row.status, row.started_at,
                row.ended_at, row.summary, tuple(Attendee(a.name, a.side, a.contact_id) for a in attendees))

    def list(self, partner_id: str | None = None, statuses: tuple[SessionStatus, ...] = (),
             newest_first: bool = True, limit: int | None = None) -> list[SessionRow]:
        """Sessions (of one partner or all) with the given statuses, by scheduled date."""
        order = CoachingSession.scheduled_at.desc() if newest_first else CoachingSession.scheduled_at.asc()
        stmt = (select(CoachingSession, Partner.name).join(Partner, Partner.id == CoachingSession.partner_id)
                .where(CoachingSession.deleted_at.is_(None), Partner.deleted_at.is_(None)).order_by(order))
        if partner_id:
            stmt = stmt.where(CoachingSession.partner_id == partner_id)
        if statuses:
            stmt = stmt.where(CoachingSession.status.in_(statuses))
        if limit:
            stmt = stmt.limit(limit)
        with self._sessions() as s:
            return [_row(c, name) for c, name in s.execute(stmt)]

    def latest(self, partner_id: str) -> SessionData:
        """The partner's latest session that was run (live or ended), else its latest planned one.

        Raises NotFound when the partner has no session at all.
        """
        with self._sessions() as s:
            base = select(CoachingSession.id).where(CoachingSession.partner_id == partner_id,
                                                    CoachingSession.deleted_at.is_(None))
            sid = s.scalar(base.where(CoachingSession.started_at.is_not(None))
                           .order_by(CoachingSession.started_at.desc()).limit(1))
            sid = sid or s.scalar(base.order_by(CoachingSession.scheduled_at.desc()).limit(1))
        if sid is None:
            raise NotFound("This partner has no coaching session yet.")
        return self.get(sid)

    def entries(self, session_id: str) -> list[Entry]:
        """The session's log in order (by position), with action items' owners and experiments' titles."""
        with self._sessions() as s:
            return _entries(s, LogEntry.session_id == session_id)

    def entry(self, entry_id: str) -> Entry:
        with self._sessions() as s:
            found = _entries(s, LogEntry.id == entry_id)
        if not found:
            raise NotFound(f"No log entry with id {entry_id}")
        return found[0]

    # running

    def start(self, session_id: str) -> SessionData:
        """Go live: the clock starts (a session already live or ended keeps its start time)."""
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            if row.status is SessionStatus.PLANNED:
                row.status, row.started_at = SessionStatus.LIVE, utcnow()
            elif row.status is SessionStatus.ENDED:
                row.status, row.ended_at = SessionStatus.LIVE, None  # re-opened to add what was forgotten
        return self.get(session_id)

    def set_current_item(self, session_id: str, index: int) -> SessionData:
        """Which agenda item the meeting is on."""
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            count = len(row.agenda or [])
            if not 0 <= index < max(count, 1):
                raise ValidationError({"current_agenda_index": f"The agenda has {count} items."})
            if row.current_agenda_index != index:
                row.current_agenda_index = index
        return self.get(session_id)

    def log(self, session_id: str, line: str, *, experiment_id: str | None = None,
            today: date | None = None) -> Entry:
        """Commit one typed line as a timestamped log entry, in its own transaction, and clear the draft.

        The line's prefix decides what it is (see `parse_capture`): an action item is created with its
        owner and due date; an experiment update records an event (``experiment_id`` picks the experiment;
        without it the partner's only open experiment is used). A planned session goes live.
        Raises ValidationError (nothing saved) for an empty line or an unclear experiment.
        """
        if not line.strip():
            raise ValidationError({"text": "Type something to log."})
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            now = utcnow()
            if row.status is SessionStatus.PLANNED:
                row.status, row.started_at = SessionStatus.LIVE, now
            people = _people(s, row.partner_id, session_id) if "@" in line else ()
            cap = parse_capture(line, people, today)
            if cap.errors:
                raise ValidationError(cap.errors)
            if not cap.text:
                raise ValidationError({"text": f"The {label(cap.kind).lower()} needs some text after the prefix."})
            entry = LogEntry(partner_id=row.partner_id, session_id=session_id, kind=cap.kind, text=cap.text,
                             logged_at=now, author=author_name(s), position=_next_position(s, session_id))
            if cap.kind is EntryKind.ACTION:
                side = _side_of(s, row.partner_id, session_id, cap.owner)
                entry.action_item_id = new_action(s, row.partner_id, cap.text, cap.owner, side, cap.due_date,
                                                  session_id).id
            elif cap.kind is EntryKind.EXPERIMENT:
                entry.experiment_id, entry.text = self._experiment_update(s, row, cap, experiment_id)
            s.add(entry)
            _clear_draft(s, session_id)
            s.flush()
            entry_id = entry.id
        return self.entry(entry_id)

    @staticmethod
    def _experiment_update(s: Session, row: CoachingSession, cap: Capture,
                           experiment_id: str | None) -> tuple[str, str]:
        if cap.new_experiment:
            exp = create_experiment(s, ExperimentInput(row.partner_id, cap.text), session_id=row.id,
                                    note="Agreed in this session")
            return exp.id, f"New experiment: {cap.text}"
        if experiment_id is None:
            open_ids = list(s.scalars(select(Experiment.id).where(
                Experiment.partner_id == row.partner_id, Experiment.deleted_at.is_(None),
                Experiment.outcome.is_(None))))
            if len(open_ids) != 1:
                raise ValidationError({"experiment": (
                    "Choose the experiment this updates (the partner has no open experiment; start one with "
                    "'e: new Title')" if not open_ids else
                    f"Choose which of the partner's {len(open_ids)} open experiments this updates") + "."})
            experiment_id = open_ids[0]
        exp = live_experiment(s, experiment_id)
        if exp.partner_id != row.partner_id:
            raise ValidationError({"experiment": "That experiment belongs to another partner."})
        if cap.stage is not None:
            before = exp.stage
            move_experiment(s, exp, cap.stage, session_id=row.id, note=cap.text)
            text = f"{label(before)} → {label(cap.stage)}" + (f": {cap.text}" if cap.text else "")
        elif cap.outcome is not None:
            conclude_experiment(s, exp, cap.outcome, session_id=row.id, result=cap.text)
            text = f"Outcome: {label(cap.outcome)}" + (f". {cap.text}" if cap.text else "")
        else:
            record_event(s, exp, session_id=row.id, note=cap.text)
            text = cap.text
        return exp.id, text

    def edit_entry(self, entry_id: str, text: str, kind: EntryKind | None = None) -> Entry:
        """Correct an entry's text (and, between note, decision and risk, its kind). An action entry's text is
        also its action item's title. The author and time of logging stay; the edit gets its own revision."""
        if not text.strip():
            raise ValidationError({"text": "An entry cannot be empty; delete it instead."})
        with self._sessions.begin() as s:
            entry = _live_entry(s, entry_id)
            if entry.text != text.strip():
                entry.text = text.strip()
                if entry.action_item_id and (item := s.get(ActionItem, entry.action_item_id)) is not None:
                    item.title = text.strip()
            if kind is not None and EntryKind(kind) is not entry.kind:
                simple = {EntryKind.NOTE, EntryKind.DECISION, EntryKind.RISK}
                if entry.kind not in simple or EntryKind(kind) not in simple:
                    raise ValidationError({"kind": "Only notes, decisions and risks can change into each other."})
                entry.kind = EntryKind(kind)
        return self.entry(entry_id)

    def move_entry(self, entry_id: str, to_index: int) -> Entry:
        """Move an entry to ``to_index`` in the log order; only its ``position`` changes (between neighbours)."""
        with self._sessions.begin() as s:
            entry = _live_entry(s, entry_id)
            rows = list(s.execute(select(LogEntry.id, LogEntry.position).where(
                LogEntry.session_id == entry.session_id, LogEntry.deleted_at.is_(None), LogEntry.id != entry_id)
                .order_by(LogEntry.position, LogEntry.logged_at)))
            to_index = max(0, min(to_index, len(rows)))
            before = rows[to_index - 1][1] if to_index > 0 else None
            after = rows[to_index][1] if to_index < len(rows) else None
            if before is None and after is None:
                pos = entry.position  # the only entry: nowhere to move
            elif before is None:
                pos = after - 1.0
            elif after is None:
                pos = before + 1.0
            else:
                pos = (before + after) / 2
            if before is not None and after is not None and not before < pos < after:
                # Floats ran out of room between the two: renumber this session's log once.
                ordered = [r[0] for r in rows]
                ordered.insert(to_index, entry_id)
                for i, eid in enumerate(ordered):
                    s.get(LogEntry, eid).position = float(i + 1)
            else:
                entry.position = pos
        return self.entry(entry_id)

    def delete_entry(self, entry_id: str) -> None:
        """Remove an entry logged by mistake (a tombstone; an action item it created is removed too)."""
        with self._sessions.begin() as s:
            entry = _live_entry(s, entry_id)
            entry.deleted_at = utcnow()
            if entry.action_item_id and (item := s.get(ActionItem, entry.action_item_id)) is not None:
                item.deleted_at = entry.deleted_at

    # drafts (local to this laptop)

    def save_draft(self, session_id: str, text: str) -> None:
        """Keep the capture box's text (an empty text removes the draft). Small and quick: called while typing."""
        with self._sessions.begin() as s:
            row = s.get(SessionDraft, session_id)
            if not text:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(SessionDraft(session_id=session_id, text=text, saved_at=utcnow()))
            elif row.text != text:
                row.text, row.saved_at = text, utcnow()

    def draft(self, session_id: str) -> Draft | None:
        with self._sessions() as s:
            row = s.get(SessionDraft, session_id)
            return Draft(row.session_id, row.text, row.saved_at) if row and row.text else None

    def interrupted(self) -> list[InterruptedSession]:
        """Sessions still live (never ended: Tandem was closed or crashed), newest first, with their drafts."""
        stmt = (select(CoachingSession, Partner.name, SessionDraft.text, SessionDraft.saved_at)
                .join(Partner, Partner.id == CoachingSession.partner_id)
                .outerjoin(SessionDraft, SessionDraft.session_id == CoachingSession.id)
                .where(CoachingSession.status == SessionStatus.LIVE, CoachingSession.deleted_at.is_(None),
                       Partner.deleted_at.is_(None))
                .order_by(CoachingSession.started_at.desc()))
        with self._sessions() as s:
            return [InterruptedSession(_row(c, name), text or "", saved) for c, name, text, saved in s.execute(stmt)]

    # ending

    def end(self, session_id: str, summary: str = "", *, at_last_entry: bool = False) -> SessionMinutes:
        """End the session (the clock stops); ``summary`` is the facilitator's closing note. Returns the minutes.

        ``at_last_entry``: the session ends when its last entry was logged (else when it started), not now:
        for a session left running by a crash and ended later, when the meeting is long over."""
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            now = utcnow()
            row.status = SessionStatus.ENDED
            row.started_at = row.started_at or now
            row.ended_at = now
            if at_last_entry:
                last = s.scalar(select(func.max(LogEntry.logged_at)).where(
                    LogEntry.session_id == session_id, LogEntry.deleted_at.is_(None)))
                row.ended_at = max(last, row.started_at) if last is not None else row.started_at
            if summary.strip() and summary.strip() != row.summary:
                row.summary = summary.strip()
        return self.minutes(session_id)

    def set_summary(self, session_id: str, summary: str) -> SessionData:
        with self._sessions.begin() as s:
            row = _live_session(s, session_id)
            if row.summary != summary.strip():
                row.summary = summary.strip()
        return self.get(session_id)

    def minutes(self, session_id: str) -> SessionMinutes:
        """The session with its log, the action items agreed in it and its experiment updates."""
        session = self.get(session_id)
        return SessionMinutes(
            session, tuple(self.entries(session_id)),
            tuple(self._actions.list(ActionQuery(session_id=session_id, status=ActionStatus.ALL))),
            tuple(self._experiments.session_updates(session_id)))


# -- helpers ------------------------------------------------------------------------------------------------

def _plan_of(data: SessionData, **changes) -> SessionPlan:
    plan = SessionPlan(data.partner_id, data.session_type, data.scheduled_at, data.title, data.objective,
                       data.location, data.facilitator, data.facilitator_side, data.agenda, data.attendees)
    return replace(plan, **changes)


def _row(c: CoachingSession, partner_name: str) -> SessionRow:
    return SessionRow(c.id, c.partner_id, partner_name, c.session_type, c.title, c.scheduled_at, c.location,
                      c.facilitator, c.status, c.started_at, c.ended_at)


def _live_session(s: Session, session_id: str) -> CoachingSession:
    return get_live(s, CoachingSession, session_id, "coaching session")


def _live_entry(s: Session, entry_id: str) -> LogEntry:
    return get_live(s, LogEntry, entry_id, "log entry")


def _next_position(s: Session, session_id: str) -> float:
    top = s.scalar(select(func.max(LogEntry.position)).where(LogEntry.session_id == session_id))
    return (top or 0.0) + 1.0


def _clear_draft(s: Session, session_id: str) -> None:
    if (draft := s.get(SessionDraft, session_id)) is not None:
        s.delete(draft)


def _people(s: Session, partner_id: str, session_id: str | None) -> tuple[str, ...]:
    names = list(s.scalars(select(Contact.name).where(Contact.partner_id == partner_id,
                                                      Contact.deleted_at.is_(None))))
    if session_id:
        names += list(s.scalars(select(SessionAttendee.name).where(SessionAttendee.session_id == session_id,
                                                                   SessionAttendee.deleted_at.is_(None))))
        names += [n for n in s.scalars(select(CoachingSession.facilitator).where(CoachingSession.id == session_id))
                  if n]
    return tuple(dict.fromkeys(names))


def _side_of(s: Session, partner_id: str, session_id: str, name: str) -> Side:
    """The side a named person is on (their attendee or contact record); ours when unknown."""
    if not name:
        return Side.OURS
    side = s.scalar(select(SessionAttendee.side).where(SessionAttendee.session_id == session_id,
                                                       func.lower(SessionAttendee.name) == name.lower()))
    side = side or s.scalar(select(Contact.side).where(Contact.partner_id == partner_id,
                                                       func.lower(Contact.name) == name.lower()))
    return side or Side.OURS


def _entries(s: Session, where) -> list[Entry]:
    stmt = (select(LogEntry, ActionItem.owner, ActionItem.due_date, ActionItem.done_on, Experiment.title)
            .outerjoin(ActionItem, ActionItem.id == LogEntry.action_item_id)
            .outerjoin(Experiment, Experiment.id == LogEntry.experiment_id)
            .where(where, LogEntry.deleted_at.is_(None))
            .order_by(LogEntry.position, LogEntry.logged_at))
    return [Entry(e.id, e.session_id, e.position, e.kind, e.text, e.logged_at, e.author, e.action_item_id,
                  e.experiment_id, owner or "", due, done, etitle or "", _text_edited(e))
            for e, owner, due, done, etitle in s.execute(stmt)]


def _text_edited(e: LogEntry) -> bool:
    """Whether the text changed after logging: its field rev differs from that of ``logged_at``, which
    never changes and so keeps the rev of the entry's creation."""
    revs = e.field_revs or {}
    return bool(revs) and revs.get("text", e.rev) != revs.get("logged_at", e.rev)
