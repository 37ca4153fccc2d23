"""The week's agenda: what is due, overdue or planned across every partner, for the person at this laptop.

The agenda is the union of its *sources*, one function per kind of line (`SOURCES`). A source takes an
`AgendaWindow` (the days asked for, who "I" am, the session factory) and returns `AgendaLine`s. Adding a
kind is one line in `SOURCES`; a source living in another module is named lazily
(``AgendaSource("certification", "Certifications expiring", lazy("app.services.learning:agenda_lines"))``)
so that module may import this one without a cycle.

*Mine* means: the line names me as its owner (facilitator, attendee), or it names no owner, belongs to our
side (or both sides) and I am the partner's enablement lead. Names compare without case or surrounding
spaces. Each line carries an `AgendaTarget` (partner, partner-page tab, record) so any view can open it.

`AgendaService.week()` runs every source in one read transaction each and returns a frozen `Agenda`;
any thread may call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import import_module

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    ActionItem,
    ChecklistItem,
    CoachingSession,
    Experiment,
    OnboardingChecklist,
    Partner,
    PlanMilestone,
    SessionAttendee,
    SuccessPlan,
)
from app.models.enums import PdcaStage, SessionStatus, Side
from app.services.coaching import local_time
from app.services.identity import IdentityService
from app.services.onboarding import CLOSED_STATES as CHECKLIST_CLOSED
from app.services.plans import milestone_flags

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class AgendaTarget:
    """Where a line opens: a partner's page, one of its tabs (by title), and the record shown there."""

    partner_id: str
    tab: str
    record_id: str | None = None


@dataclass(frozen=True)
class AgendaLine:
    """One thing on the agenda. ``due`` is the day it falls on (for sessions: the local day they start)."""

    kind: str
    partner_id: str
    partner_name: str
    title: str
    due: date
    owner: str
    side: Side | None
    mine: bool
    overdue: bool
    target: AgendaTarget
    detail: str = ""
    at: datetime | None = None  # sessions: the local start time

    def as_json(self) -> dict:
        return {"kind": self.kind, "partner_id": self.partner_id, "partner": self.partner_name,
                "title": self.title, "due": self.due.isoformat(), "owner": self.owner,
                "side": self.side.value if self.side else None, "mine": self.mine, "overdue": self.overdue,
                "detail": self.detail, "at": self.at.isoformat(timespec="minutes") if self.at else None,
                "open": {"partner_id": self.target.partner_id, "tab": self.target.tab,
                         "record_id": self.target.record_id}}


@dataclass(frozen=True)
class AgendaWindow:
    """What a source is asked for: lines due up to ``until`` (overdue ones too), as seen by ``me``."""

    sessions: sessionmaker
    today: date
    until: date  # inclusive
    me: str
    partner_id: str | None = None  # one partner only (None: everyone)

    def is_me(self, name: str) -> bool:
        return bool(self.me) and name.strip().casefold() == self.me

    def mine(self, owner: str, side: Side | None, lead: str) -> bool:
        """The rule of the module docstring."""
        if owner.strip():
            return self.is_me(owner)
        return side in (Side.OURS, Side.JOINT, None) and self.is_me(lead)


@dataclass(frozen=True)
class AgendaSource:
    kind: str
    label: str  # plural heading: "Action items"
    fetch: Callable[[AgendaWindow], Iterable[AgendaLine]]
    one: str = ""  # one line's kind in words: "Action item" (default: the label)


@dataclass(frozen=True)
class Agenda:
    today: date
    until: date
    me: str
    lines: tuple[AgendaLine, ...]
    kinds: tuple[tuple[str, str], ...] = field(default=())  # (kind, label) of every source, in order

    def only_mine(self) -> Agenda:
        return Agenda(self.today, self.until, self.me, tuple(x for x in self.lines if x.mine), self.kinds)

    def by_kind(self) -> dict[str, list[AgendaLine]]:
        """Every kind (even empty ones), in source order, each list by day."""
        out: dict[str, list[AgendaLine]] = {k: [] for k, _label in self.kinds}
        for line in self.lines:
            out.setdefault(line.kind, []).append(line)
        return out

    def by_day(self) -> list[tuple[date, list[AgendaLine]]]:
        """Lines grouped by day; everything overdue is grouped under the earliest overdue day first."""
        days: dict[date, list[AgendaLine]] = {}
        for line in self.lines:
            days.setdefault(line.due, []).append(line)
        return sorted(days.items())


def lazy(path: str) -> Callable[[AgendaWindow], Iterable[AgendaLine]]:
    """A source function named ``"package.module:function"``, imported when the agenda is first built."""
    module_name, _, name = path.partition(":")

    def fetch(window: AgendaWindow) -> Iterable[AgendaLine]:
        return getattr(import_module(module_name), name)(window)

    return fetch


# -- the sources ---------------------------------------------------------------------------------------------

def _partners(s: Session, window: AgendaWindow, stmt):
    stmt = stmt.where(Partner.deleted_at.is_(None))
    if window.partner_id:
        stmt = stmt.where(Partner.id == window.partner_id)
    return s.execute(stmt)


def action_items(window: AgendaWindow) -> list[AgendaLine]:
    """Open action items (ours and the partner's) overdue or due by the window's end."""
    with window.sessions() as s:
        rows = _partners(s, window, select(ActionItem, Partner.name, Partner.enablement_lead)
                         .join(Partner, Partner.id == ActionItem.partner_id)
                         .where(ActionItem.deleted_at.is_(None), ActionItem.done_on.is_(None),
                                ActionItem.due_date.is_not(None), ActionItem.due_date <= window.until))
        return [AgendaLine("action", a.partner_id, name, a.title, a.due_date, a.owner, a.owner_side,
                           window.mine(a.owner, a.owner_side, lead), a.due_date < window.today,
                           AgendaTarget(a.partner_id, "Sessions", a.id))
                for a, name, lead in rows]


def pdca_checks(window: AgendaWindow) -> list[AgendaLine]:
    """Open experiments still in Plan or Do whose check date is past or within the window."""
    with window.sessions() as s:
        rows = _partners(s, window, select(Experiment, Partner.name, Partner.enablement_lead)
                         .join(Partner, Partner.id == Experiment.partner_id)
                         .where(Experiment.deleted_at.is_(None), Experiment.outcome.is_(None),
                                Experiment.stage.in_([PdcaStage.PLAN, PdcaStage.DO]),
                                Experiment.check_date.is_not(None), Experiment.check_date <= window.until))
        return [AgendaLine("pdca_check", e.partner_id, name, f"Check: {e.title}", e.check_date, e.owner,
                           e.owner_side, window.mine(e.owner, e.owner_side, lead), e.check_date < window.today,
                           AgendaTarget(e.partner_id, "Sessions", e.id), detail=f"stage {e.stage.value}")
                for e, name, lead in rows]


def checklist_items(window: AgendaWindow) -> list[AgendaLine]:
    """Open items of open onboarding checklists, overdue or due by the window's end."""
    with window.sessions() as s:
        rows = _partners(s, window, select(ChecklistItem, Partner.name, Partner.enablement_lead)
                         .join(OnboardingChecklist, OnboardingChecklist.id == ChecklistItem.checklist_id)
                         .join(Partner, Partner.id == ChecklistItem.partner_id)
                         .where(ChecklistItem.deleted_at.is_(None), OnboardingChecklist.deleted_at.is_(None),
                                OnboardingChecklist.closed_at.is_(None),
                                ChecklistItem.status.not_in([x.value for x in CHECKLIST_CLOSED]),
                                ChecklistItem.due_date.is_not(None), ChecklistItem.due_date <= window.until))
        return [AgendaLine("checklist_item", i.partner_id, name, i.title, i.due_date, i.owner_name, i.owner_side,
                           window.mine(i.owner_name, i.owner_side, lead), i.due_date < window.today,
                           AgendaTarget(i.partner_id, "Onboarding", i.id),
                           detail="evidence required" if i.evidence_required and not i.evidence_note else "")
                for i, name, lead in rows]


def milestones(window: AgendaWindow) -> list[AgendaLine]:
    """Success-plan milestones overdue, at risk (blocked, or due soon and not started) or due in the window."""
    with window.sessions() as s:
        rows = _partners(s, window, select(PlanMilestone, Partner.name, Partner.enablement_lead)
                         .join(SuccessPlan, SuccessPlan.id == PlanMilestone.plan_id)
                         .join(Partner, Partner.id == PlanMilestone.partner_id)
                         .where(PlanMilestone.deleted_at.is_(None), SuccessPlan.deleted_at.is_(None),
                                PlanMilestone.due_date.is_not(None)))
        out = []
        for m, name, lead in rows:
            overdue, at_risk = milestone_flags(m.status, m.due_date, window.today)
            in_window = m.status not in CHECKLIST_CLOSED and m.due_date <= window.until
            if overdue or at_risk or in_window:
                out.append(AgendaLine("milestone", m.partner_id, name, m.title, m.due_date, m.owner, None,
                                      window.mine(m.owner, None, lead), overdue,
                                      AgendaTarget(m.partner_id, "Success plan", m.id),
                                      detail="at risk" if at_risk else m.status.value.replace("_", " ")))
        return out


def planned_sessions(window: AgendaWindow) -> list[AgendaLine]:
    """Sessions planned (not yet run) from today to the window's end, and planned ones left in the past."""
    end = datetime.combine(window.until + timedelta(days=2), datetime.min.time())  # local-time slack, cut below
    with window.sessions() as s:
        rows = list(_partners(s, window, select(CoachingSession, Partner.name, Partner.enablement_lead)
                              .join(Partner, Partner.id == CoachingSession.partner_id)
                              .where(CoachingSession.deleted_at.is_(None),
                                     CoachingSession.status == SessionStatus.PLANNED,
                                     CoachingSession.scheduled_at < end)))
        ids = [c.id for c, _n, _l in rows]
        attendees: dict[str, list[str]] = {}
        if ids:
            for sid, who in s.execute(select(SessionAttendee.session_id, SessionAttendee.name).where(
                    SessionAttendee.session_id.in_(ids), SessionAttendee.deleted_at.is_(None))):
                attendees.setdefault(sid, []).append(who)
        out = []
        for c, name, lead in rows:
            at = local_time(c.scheduled_at)
            if at.date() > window.until:
                continue
            mine = (window.mine(c.facilitator, c.facilitator_side, lead)
                    or any(window.is_me(a) for a in attendees.get(c.id, ())))
            out.append(AgendaLine("session", c.partner_id, name, c.title or c.session_type.value, at.date(),
                                  c.facilitator, c.facilitator_side, mine, at.date() < window.today,
                                  AgendaTarget(c.partner_id, "Sessions", c.id),
                                  detail=at.strftime("%H:%M") + (f" · {c.location}" if c.location else ""), at=at))
        return out


def kpis_newly_red(window: AgendaWindow) -> list[AgendaLine]:
    """KPIs whose latest value crossed into red (the scorecard's red alerts), dated by their period."""
    from app.services.scorecards import AlertKind, ScorecardService

    svc = ScorecardService(window.sessions)
    if window.partner_id:
        alerts = svc.partner_scorecard(window.partner_id, window.today).alerts
    else:
        alerts = svc.portfolio(window.today).alerts
    with window.sessions() as s:
        leads = dict(s.execute(select(Partner.id, Partner.enablement_lead)).all())
    return [AgendaLine("kpi_red", a.partner_id, a.partner_name, f"{a.kpi_code} is red", window.today, "", None,
                       window.mine("", None, leads.get(a.partner_id, "")), False,
                       AgendaTarget(a.partner_id, "Scorecard", a.kpi_id), detail=a.reason)
            for a in alerts if a.kind is AlertKind.RED]


#: The agenda's sources, in the order their kinds are listed. Add a kind by adding one line.
SOURCES: list[AgendaSource] = [
    AgendaSource("action", "Action items", action_items, "Action item"),
    AgendaSource("pdca_check", "PDCA checks", pdca_checks, "PDCA check"),
    AgendaSource("checklist_item", "Checklist items", checklist_items, "Checklist item"),
    AgendaSource("milestone", "Milestones", milestones, "Milestone"),
    AgendaSource("session", "Sessions planned", planned_sessions, "Session"),
    AgendaSource("kpi_red", "KPIs newly red", kpis_newly_red, "KPI red"),
    AgendaSource("certification", "Certifications to renew", lazy("app.services.learning:agenda_lines"), "Renewal"),
]


def kind_label(kind: str, one: bool = False) -> str:
    """The heading of a kind ("Action items"), or with ``one`` the name of one line's kind ("Action item")."""
    src = next((x for x in SOURCES if x.kind == kind), None)
    if src is None:
        return kind.replace("_", " ").capitalize()
    return (src.one or src.label) if one else src.label


class AgendaService:
    """The week's agenda over one session factory; "me" is the local user (`IdentityService`)."""

    def __init__(self, sessions: sessionmaker, identity: IdentityService) -> None:
        self._sessions = sessions
        self._identity = identity

    def week(self, days: int = DEFAULT_DAYS, today: date | None = None, *, only_mine: bool = False,
             partner_id: str | None = None) -> Agenda:
        """Everything overdue plus what falls in the ``days`` days from ``today`` (default: today, 7 days),
        sorted by day, then kind (source order), then partner. Raises ValueError for fewer than 1 day."""
        if days < 1:
            raise ValueError("The agenda covers at least one day (today).")
        today = today or date.today()
        me = self._identity.get().display_name.strip().casefold()
        window = AgendaWindow(self._sessions, today, today + timedelta(days=days - 1), me, partner_id)
        order = {src.kind: i for i, src in enumerate(SOURCES)}
        lines = [line for src in SOURCES for line in src.fetch(window)]
        if only_mine:
            lines = [x for x in lines if x.mine]
        lines.sort(key=lambda x: (x.due, order.get(x.kind, len(order)), x.at or datetime.min,
                                  x.partner_name.casefold(), x.title.casefold()))
        return Agenda(today, window.until, me, tuple(lines), tuple((src.kind, src.label) for src in SOURCES))


__all__ = ["Agenda", "AgendaLine", "AgendaService", "AgendaSource", "AgendaTarget", "AgendaWindow",
           "DEFAULT_DAYS", "SOURCES", "kind_label", "lazy"]
