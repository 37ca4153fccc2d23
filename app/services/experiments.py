"""PDCA experiments agreed with partners, living across coaching sessions.

An experiment moves Plan → Do → Check → Act. Every change (created, edited, a stage change, a note, the
outcome) is an `ExperimentEvent` that names the session it happened in, so an experiment's history reads
as a story. After Check or Act it can start a new cycle at Plan (an *adapt*). It is *open* until it has an
outcome (adopt, adapt, abandon). The experiment log lists them per partner or across all partners; an open
experiment with no update for N weeks is *stagnating* (the coaching guide: revisit experiments before
escalating), and one still in Plan or Do after its check date is *overdue*.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
The module-level helpers taking a `Session` let the live session log record an experiment update in the
same transaction as its log entry.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    CoachingSession,
    Experiment,
    ExperimentEvent,
    Kpi,
    LocalSetting,
    Partner,
)
from app.models.enums import ExperimentOutcome, PdcaStage, Side, label
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.identity import DISPLAY_NAME
from app.services.records import get_live

STAGES = (PdcaStage.PLAN, PdcaStage.DO, PdcaStage.CHECK, PdcaStage.ACT)
NEXT_STAGE = {PdcaStage.PLAN: PdcaStage.DO, PdcaStage.DO: PdcaStage.CHECK, PdcaStage.CHECK: PdcaStage.ACT}
STAGNATING_WEEKS = 4  # the default N of "no update for N weeks"


@dataclass(frozen=True)
class ExperimentInput:
    """What a user enters for an experiment (create or edit)."""

    partner_id: str
    title: str
    problem: str = ""
    hypothesis: str = ""
    plan: str = ""
    owner: str = ""
    owner_side: Side = Side.PARTNER
    kpi_id: str | None = None
    target_value: float | None = None
    check_date: date | None = None


EDITABLE = tuple(f.name for f in fields(ExperimentInput) if f.name != "partner_id")


@dataclass(frozen=True)
class ExperimentData:
    id: str
    partner_id: str
    partner_name: str
    title: str
    problem: str
    hypothesis: str
    plan: str
    owner: str
    owner_side: Side
    kpi_id: str | None
    kpi_code: str
    kpi_name: str
    kpi_unit: str
    target_value: float | None
    check_date: date | None
    stage: PdcaStage
    result: str
    outcome: ExperimentOutcome | None
    lessons: str
    started_in_session_id: str | None
    last_update: datetime | None
    stagnating: bool
    check_overdue: bool

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def success_criterion(self) -> str:
        """'OTD ≥ 97 % by 2026-12-15' style text ('' when no KPI is set)."""
        if not self.kpi_code:
            return ""
        target = "" if self.target_value is None else f" → {self.target_value:g}{(' ' + self.kpi_unit) if self.kpi_unit else ''}"
        when = f" by {self.check_date.isoformat()}" if self.check_date else ""
        return f"{self.kpi_code} ({self.kpi_name}){target}{when}"


@dataclass(frozen=True)
class ExperimentEventData:
    id: str
    experiment_id: str
    experiment_title: str
    session_id: str | None
    session_title: str
    session_date: datetime | None
    from_stage: PdcaStage | None
    to_stage: PdcaStage | None
    note: str
    happened_at: datetime
    author: str

    @property
    def what(self) -> str:
        """The event in words: 'Planned', 'Plan → Do', 'Update'."""
        if self.to_stage and self.from_stage is None:
            return "Planned" if self.to_stage is PdcaStage.PLAN else f"Started at {label(self.to_stage)}"
        if self.to_stage and self.from_stage != self.to_stage:
            return f"{label(self.from_stage)} → {label(self.to_stage)}"
        return "Update"


@dataclass(frozen=True)
class KpiChoice:
    id: str
    code: str
    name: str
    unit: str
    target: float


@dataclass(frozen=True)
class ExperimentQuery:
    """Filters of the experiment log; empty means any."""

    partner_id: str | None = None
    stages: tuple[PdcaStage, ...] = ()
    owner: str = ""
    open_only: bool = False
    overdue_only: bool = False
    stagnating_only: bool = False


# -- helpers in the caller's transaction -----------------------------------------------------------------

def author_name(s: Session) -> str:
    """The display name of this laptop's user (the author of every log entry and event)."""
    return s.scalar(select(LocalSetting.value).where(LocalSetting.key == DISPLAY_NAME)) or "Unknown author"


def record_event(s: Session, exp: Experiment, *, session_id: str | None, note: str = "",
                 from_stage: PdcaStage | None = None, to_stage: PdcaStage | None = None,
                 at: datetime | None = None) -> ExperimentEvent:
    event = ExperimentEvent(partner_id=exp.partner_id, experiment_id=exp.id, session_id=session_id,
                            from_stage=from_stage, to_stage=to_stage, note=note.strip(),
                            happened_at=at or utcnow(), author=author_name(s))
    s.add(event)
    return event


def validate_input(data: ExperimentInput) -> None:
    errors = {}
    if data.owner_side not in tuple(Side):
        errors["owner_side"] = f"'{data.owner_side}' is not a side."
    if not data.title.strip():
        errors["title"] = "The experiment needs a title."
    elif len(data.title) > 200:
        errors["title"] = "The title is too long (200 characters at most)."
    if data.target_value is not None and data.kpi_id is None:
        errors["kpi_id"] = "A target needs a KPI to measure it: choose one from the library."
    if errors:
        raise ValidationError(errors)


def create_experiment(s: Session, data: ExperimentInput, session_id: str | None = None,
                      note: str = "") -> Experiment:
    """Add an experiment in Plan (with its first event) in the caller's transaction."""
    validate_input(data)
    if s.get(Partner, data.partner_id) is None:
        raise NotFound(f"No partner with id {data.partner_id}")
    data = replace(data, owner_side=Side(data.owner_side))
    exp = Experiment(partner_id=data.partner_id, stage=PdcaStage.PLAN, started_in_session_id=session_id,
                     **{k: (getattr(data, k).strip() if isinstance(getattr(data, k), str) else getattr(data, k))
                        for k in EDITABLE})
    s.add(exp)
    s.flush()
    record_event(s, exp, session_id=session_id, to_stage=PdcaStage.PLAN, note=note or data.problem)
    return exp


def move_experiment(s: Session, exp: Experiment, to_stage: PdcaStage, *, session_id: str | None,
                    note: str = "") -> ExperimentEvent:
    """Move to ``to_stage`` (the next stage, or back to Plan after Check or Act for a new cycle)."""
    to_stage = PdcaStage(to_stage)
    allowed = {NEXT_STAGE.get(exp.stage)}
    if exp.stage in (PdcaStage.CHECK, PdcaStage.ACT):
        allowed.add(PdcaStage.PLAN)
    allowed.discard(None)
    if exp.outcome is not None and to_stage is not PdcaStage.PLAN:
        raise ValidationError({"stage": f"'{exp.title}' is concluded ({label(exp.outcome)}); start a new cycle "
                                        "at Plan to work on it again."})
    if to_stage not in allowed:
        options = " or ".join(label(x) for x in STAGES if x in allowed) or "nowhere (it is at Act)"
        raise ValidationError({"stage": f"An experiment moves Plan → Do → Check → Act. From {label(exp.stage)} "
                                        f"'{exp.title}' can go to {options}, not {label(to_stage)}."})
    event = record_event(s, exp, session_id=session_id, from_stage=exp.stage, to_stage=to_stage, note=note)
    if to_stage is PdcaStage.PLAN:
        exp.outcome = None  # a new cycle: the previous outcome stays in the history
    exp.stage = to_stage
    return event


def conclude_experiment(s: Session, exp: Experiment, outcome: ExperimentOutcome, *, session_id: str | None,
                        result: str = "", lessons: str = "", note: str = "") -> ExperimentEvent:
    """Record the outcome (adopt, adapt, abandon): the experiment goes to Act (from Check) and closes."""
    outcome = ExperimentOutcome(outcome)
    if exp.stage not in (PdcaStage.CHECK, PdcaStage.ACT) and outcome is not ExperimentOutcome.ABANDON:
        raise ValidationError({"outcome": f"'{exp.title}' is at {label(exp.stage)}: check its result before "
                                          f"deciding to {outcome.value} it (only abandoning is possible earlier)."})
    text = note or f"Outcome: {label(outcome)}" + (f". {result.strip()}" if result.strip() else "")
    event = record_event(s, exp, session_id=session_id, from_stage=exp.stage, to_stage=PdcaStage.ACT, note=text)
    exp.stage, exp.outcome = PdcaStage.ACT, outcome
    if result.strip():
        exp.result = result.strip()
    if lessons.strip():
        exp.lessons = lessons.strip()
    return event


def live_experiment(s: Session, experiment_id: str) -> Experiment:
    return get_live(s, Experiment, experiment_id, "experiment")


# -- the service ------------------------------------------------------------------------------------------

class ExperimentService:
    """PDCA experiments: create, edit, move through the stages, conclude; the log and each one's story."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # reading

    def log(self, query: ExperimentQuery = ExperimentQuery(), today: date | None = None,
            stagnating_weeks: int = STAGNATING_WEEKS) -> list[ExperimentData]:
        """The experiment log: open experiments first (stagnating ones first among them), then concluded.

        ``today`` decides what is overdue and stagnating (default: today). One read transaction; the
        filters run in SQL.
        """
        today = today or date.today()
        stale_before = datetime.combine(today, time()) - timedelta(weeks=stagnating_weeks)
        last = (select(ExperimentEvent.experiment_id, func.max(ExperimentEvent.happened_at).label("last"))
                .where(ExperimentEvent.deleted_at.is_(None)).group_by(ExperimentEvent.experiment_id).subquery())
        stagnating = Experiment.outcome.is_(None) & or_(last.c.last.is_(None), last.c.last < stale_before)
        overdue = (Experiment.outcome.is_(None) & Experiment.stage.in_([PdcaStage.PLAN, PdcaStage.DO])
                   & (Experiment.check_date < today))
        stmt = (select(Experiment, Partner.name, Kpi.code, Kpi.name, Kpi.unit, last.c.last)
                .join(Partner, Partner.id == Experiment.partner_id)
                .outerjoin(Kpi, Kpi.id == Experiment.kpi_id)
                .outerjoin(last, last.c.experiment_id == Experiment.id)
                .where(Experiment.deleted_at.is_(None), Partner.deleted_at.is_(None)))
        if query.partner_id:
            stmt = stmt.where(Experiment.partner_id == query.partner_id)
        if query.stages:
            stmt = stmt.where(Experiment.stage.in_(query.stages))
        if query.owner.strip():
            stmt = stmt.where(func.lower(Experiment.owner) == query.owner.strip().lower())
        if query.open_only:
            stmt = stmt.where(Experiment.outcome.is_(None))
        if query.overdue_only:
            stmt = stmt.where(overdue)
        if query.stagnating_only:
            stmt = stmt.where(stagnating)
        stmt = stmt.order_by(Experiment.outcome.is_not(None), last.c.last.asc(), Partner.name, Experiment.title)
        with self._sessions() as s:
            rows = s.execute(stmt).all()
        return [_to_data(*r, today=today, stale_before=stale_before) for r in rows]

    def get(self, experiment_id: str, today: date | None = None,
            stagnating_weeks: int = STAGNATING_WEEKS) -> ExperimentData:
        """One experiment with its stagnation and overdue flags. Raises NotFound."""
        today = today or date.today()
        with self._sessions() as s:
            row = s.execute(
                select(Experiment, Partner.name, Kpi.code, Kpi.name, Kpi.unit)
                .join(Partner, Partner.id == Experiment.partner_id).outerjoin(Kpi, Kpi.id == Experiment.kpi_id)
                .where(Experiment.id == experiment_id, Experiment.deleted_at.is_(None))).first()
            if row is None:
                raise NotFound(f"No experiment with id {experiment_id}")
            last = s.scalar(select(func.max(ExperimentEvent.happened_at))
                            .where(ExperimentEvent.experiment_id == experiment_id,
                                   ExperimentEvent.deleted_at.is_(None)))
        stale_before = datetime.combine(today, time()) - timedelta(weeks=stagnating_weeks)
        return _to_data(*row, last, today=today, stale_before=stale_before)

    def history(self, experiment_id: str) -> list[ExperimentEventData]:
        """The experiment's story, oldest first, each step with the session it happened in."""
        with self._sessions() as s:
            return _events(s, ExperimentEvent.experiment_id == experiment_id)

    def session_updates(self, session_id: str) -> list[ExperimentEventData]:
        """Every experiment event recorded in one coaching session, in order."""
        with self._sessions() as s:
            return _events(s, ExperimentEvent.session_id == session_id)

    def owners(self, partner_id: str | None = None) -> list[str]:
        """Every owner named on an experiment, sorted (for the owner filter)."""
        stmt = (select(Experiment.owner).where(Experiment.deleted_at.is_(None), Experiment.owner != "")
                .distinct().order_by(Experiment.owner))
        if partner_id:
            stmt = stmt.where(Experiment.partner_id == partner_id)
        with self._sessions() as s:
            return list(s.scalars(stmt))

    def kpi_choices(self) -> list[KpiChoice]:
        """The KPI library's live KPIs by code, for an experiment's success criterion."""
        with self._sessions() as s:
            return [KpiChoice(*r) for r in s.execute(
                select(Kpi.id, Kpi.code, Kpi.name, Kpi.unit, Kpi.target).where(Kpi.deleted_at.is_(None))
                .order_by(Kpi.code))]

    # writing

    def create(self, data: ExperimentInput, session_id: str | None = None) -> ExperimentData:
        """Add an experiment in Plan; its first event names ``session_id`` (None: outside a session)."""
        with self._sessions.begin() as s:
            exp = create_experiment(s, data, session_id)
        return self.get(exp.id)

    def update(self, experiment_id: str, data: ExperimentInput, session_id: str | None = None,
               note: str = "") -> ExperimentData:
        """Store changed fields; records an event naming what changed (nothing when nothing did)."""
        validate_input(data)
        data = replace(data, owner_side=Side(data.owner_side))
        with self._sessions.begin() as s:
            exp = live_experiment(s, experiment_id)
            changed = []
            for k in EDITABLE:
                value = getattr(data, k)
                value = value.strip() if isinstance(value, str) else value
                if getattr(exp, k) != value:
                    setattr(exp, k, value)
                    changed.append(k.replace("_", " "))
            if changed or note.strip():
                text = note.strip() or f"Edited {', '.join(changed)}"
                record_event(s, exp, session_id=session_id, note=text)
        return self.get(experiment_id)

    def move(self, experiment_id: str, to_stage: PdcaStage, session_id: str | None = None,
             note: str = "") -> ExperimentData:
        """Move to the next stage (or back to Plan after Check/Act); raises ValidationError otherwise."""
        with self._sessions.begin() as s:
            move_experiment(s, live_experiment(s, experiment_id), to_stage, session_id=session_id, note=note)
        return self.get(experiment_id)

    def advance(self, experiment_id: str, session_id: str | None = None, note: str = "") -> ExperimentData:
        """Move to the next stage Plan → Do → Check → Act."""
        with self._sessions.begin() as s:
            exp = live_experiment(s, experiment_id)
            nxt = NEXT_STAGE.get(exp.stage)
            if nxt is None:
                raise ValidationError({"stage": f"'{exp.title}' is at Act: record its outcome or start a new "
                                                "cycle at Plan."})
            move_experiment(s, exp, nxt, session_id=session_id, note=note)
        return self.get(experiment_id)

    def note(self, experiment_id: str, note: str, session_id: str | None = None) -> ExperimentData:
        """Record an update without a stage change."""
        if not note.strip():
            raise ValidationError({"note": "An update needs some text."})
        with self._sessions.begin() as s:
            record_event(s, live_experiment(s, experiment_id), session_id=session_id, note=note)
        return self.get(experiment_id)

    def conclude(self, experiment_id: str, outcome: ExperimentOutcome, result: str = "", lessons: str = "",
                 session_id: str | None = None) -> ExperimentData:
        """Record the outcome, result and lessons learned; the experiment goes to Act and closes."""
        with self._sessions.begin() as s:
            conclude_experiment(s, live_experiment(s, experiment_id), outcome, session_id=session_id,
                                result=result, lessons=lessons)
        return self.get(experiment_id)

    def delete(self, experiment_id: str) -> None:
        """Tombstone an experiment (an experiment entered by mistake)."""
        with self._sessions.begin() as s:
            live_experiment(s, experiment_id).deleted_at = utcnow()


def _events(s: Session, where) -> list[ExperimentEventData]:
    stmt = (select(ExperimentEvent, Experiment.title, CoachingSession.title, CoachingSession.scheduled_at)
            .join(Experiment, Experiment.id == ExperimentEvent.experiment_id)
            .outerjoin(CoachingSession, CoachingSession.id == ExperimentEvent.session_id)
            .where(where, ExperimentEvent.deleted_at.is_(None))
            .order_by(ExperimentEvent.happened_at, ExperimentEvent.rev))
    return [ExperimentEventData(e.id, e.experiment_id, title, e.session_id, stitle or "", sdate, e.from_stage,
                                e.to_stage, e.note, e.happened_at, e.author)
            for e, title, stitle, sdate in s.execute(stmt)]


def _to_data(e: Experiment, partner_name: str, kpi_code: str | None, kpi_name: str | None, kpi_unit: str | None,
             last: datetime | None, *, today: date, stale_before: datetime) -> ExperimentData:
    is_open = e.outcome is None
    stagnating = is_open and (last is None or last < stale_before)
    overdue = (is_open and e.stage in (PdcaStage.PLAN, PdcaStage.DO) and e.check_date is not None
               and e.check_date < today)
    return ExperimentData(
        e.id, e.partner_id, partner_name, e.title, e.problem, e.hypothesis, e.plan, e.owner, e.owner_side,
        e.kpi_id, kpi_code or "", kpi_name or "", kpi_unit or "", e.target_value, e.check_date, e.stage, e.result,
        e.outcome, e.lessons, e.started_in_session_id, last, stagnating, overdue)
