"""30-60-90 day success plans: three phases from a start date, with goals and milestones; and plan templates.

Phase 30 runs from the start date to start + 30 days, phase 60 to start + 60, phase 90 to start + 90.
A milestone is due at its phase end unless its date was set by hand (``due_date_manual``): moving the start
date, or the milestone to another phase, moves every automatic date and leaves hand-set ones alone.

A milestone is *overdue* when it is not done (or not applicable) and its due date has passed; it is *at risk*
when it is blocked, or when it is due within `AT_RISK_DAYS` days and not even started.

Templates are plan outlines without dates (goals and milestones per phase) kept as JSON; Tandem ships one
(resources/plan_templates/default_30_60_90.json) and any plan can be saved as a new template or as a new version
of one. Like the KPI library, every version is published as it is written and leaves a snapshot in the template's
history; its number is its place in that history (app/services/library_versions.py), the same on every laptop.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    Contact,
    Partner,
    PlanGoal,
    PlanMilestone,
    PlanTemplate,
    PlanTemplateVersion,
    SuccessPlan,
)
from app.models.enums import ItemStatus, Side
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.identity import IdentityService
from app.services.library_versions import Versioning
from app.services.records import get_live
from app.services.workspace import TEMPLATE_LIBRARY, WorkspaceService, check_library

PHASES = (30, 60, 90)
AT_RISK_DAYS = 7
CLOSED_STATES = frozenset({ItemStatus.DONE, ItemStatus.NOT_APPLICABLE})
UNSET: Any = ...  # "leave as it is" in the update methods
ROLE_LEAD, ROLE_CONTACT = "Enablement lead", "Partner contact"  # owner roles templates name
AUTOMATIC: Any = "automatic"  # update_milestone(due_date=AUTOMATIC): follow the phase end again
#: A template's history: every snapshot is published as it is written.
VERSIONS = Versioning(PlanTemplateVersion, "template_id", "snapshot")


def phase_end(start: date, phase: int) -> date:
    """Last day of a phase: the start date plus 30, 60 or 90 days."""
    return start + timedelta(days=phase)


def phase_start(start: date, phase: int) -> date:
    """First day of a phase: the start date, or the day after the previous phase's end."""
    previous = PHASES[PHASES.index(phase) - 1] if phase != PHASES[0] else None
    return start if previous is None else phase_end(start, previous) + timedelta(days=1)


def milestone_flags(status: ItemStatus, due: date | None, today: date) -> tuple[bool, bool]:
    """(overdue, at risk) of a milestone on ``today``."""
    if status in CLOSED_STATES:
        return False, False
    overdue = due is not None and due < today
    at_risk = not overdue and (status is ItemStatus.BLOCKED or (
        status is ItemStatus.TODO and due is not None and (due - today).days <= AT_RISK_DAYS))
    return overdue, at_risk


@dataclass(frozen=True)
class GoalData:
    id: str
    phase: int
    position: int
    description: str
    measure: str


@dataclass(frozen=True)
class MilestoneData:
    id: str
    phase: int
    position: int
    title: str
    owner: str
    due_date: date | None
    due_date_manual: bool
    status: ItemStatus
    overdue: bool = False
    at_risk: bool = False


@dataclass(frozen=True)
class PhaseData:
    """One phase of a plan: its days and what belongs to it."""

    phase: int
    start: date
    end: date
    goals: tuple[GoalData, ...]
    milestones: tuple[MilestoneData, ...]

    @property
    def title(self) -> str:
        return f"Day {self.phase}"


@dataclass(frozen=True)
class PlanData:
    id: str
    partner_id: str
    partner_name: str
    title: str
    start_date: date
    notes: str
    goals: tuple[GoalData, ...]
    milestones: tuple[MilestoneData, ...]
    today: date

    def phase(self, phase: int) -> PhaseData:
        return PhaseData(phase, phase_start(self.start_date, phase), phase_end(self.start_date, phase),
                         tuple(g for g in self.goals if g.phase == phase),
                         tuple(m for m in self.milestones if m.phase == phase))

    @property
    def phases(self) -> list[PhaseData]:
        return [self.phase(p) for p in PHASES]

    @property
    def end_date(self) -> date:
        return phase_end(self.start_date, PHASES[-1])

    @property
    def done_count(self) -> int:
        return sum(1 for m in self.milestones if m.status is ItemStatus.DONE)

    @property
    def overdue(self) -> list[MilestoneData]:
        return [m for m in self.milestones if m.overdue]

    @property
    def at_risk(self) -> list[MilestoneData]:
        return [m for m in self.milestones if m.at_risk]

    @property
    def current_phase(self) -> int | None:
        """The phase ``today`` falls in (None before the start or after day 90)."""
        for p in PHASES:
            if phase_start(self.start_date, p) <= self.today <= phase_end(self.start_date, p):
                return p
        return None


@dataclass(frozen=True)
class PlanSummary:
    id: str
    title: str
    start_date: date


@dataclass(frozen=True)
class TemplateRow:
    id: str
    name: str
    description: str
    goal_count: int
    milestone_count: int
    version: int = 1  # the current version's number: the length of the template's history

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version} ({self.goal_count} goals, {self.milestone_count} milestones)"


@dataclass(frozen=True)
class TemplateVersionRow:
    """One version of a template's history: who made it, when, why, and what changed from the one before."""

    number: int
    changed_by: str
    changed_at: datetime | None
    change_note: str
    changes: tuple[str, ...]
    snapshot: dict


def _check_phase(phase: int) -> int:
    if phase not in PHASES:
        raise ValidationError({"phase": "The phase is day 30, 60 or 90."})
    return phase


def template_content(goals, milestones) -> dict:
    """The JSON outline of a plan: per phase, goals (description, measure) and milestones (title, owner)."""
    return {"phases": [{
        "phase": p,
        "goals": [{"description": g.description, "measure": g.measure} for g in goals if g.phase == p],
        "milestones": [{"title": m.title, "owner": m.owner} for m in milestones if m.phase == p],
    } for p in PHASES]}


def template_snapshot(name: str, description: str, content: dict) -> dict:
    """What a template version freezes: its name, description and outline."""
    return {"name": name, "description": description, "content": content}


def _outline(snapshot: dict, phase: int, kind: str) -> list[dict]:
    return next((ph.get(kind, []) for ph in (snapshot.get("content") or {}).get("phases", [])
                 if ph.get("phase") == phase), [])


def describe_template_changes(old: dict, new: dict) -> tuple[str, ...]:
    """What changed between two template snapshots, in words: ("renamed 'A' → 'B'", "day 30: goal added: …")."""
    out = []
    if old.get("name") != new.get("name"):
        out.append(f"renamed '{old.get('name', '')}' → '{new.get('name', '')}'")
    if old.get("description") != new.get("description"):
        out.append("description edited")
    for phase in PHASES:
        for kind, key, word in (("goals", "description", "goal"), ("milestones", "title", "milestone")):
            before, after = _outline(old, phase, kind), _outline(new, phase, kind)
            if before == after:
                continue
            was, now = [i.get(key, "") for i in before], [i.get(key, "") for i in after]
            added = [x for x in now if x not in was]
            removed = [x for x in was if x not in now]
            out += [f"day {phase}: {word} added: {x}" for x in added]
            out += [f"day {phase}: {word} removed: {x}" for x in removed]
            if not added and not removed:  # the same items, reworded measures or owners, or a new order
                out.append(f"day {phase}: {word}s edited")
    return tuple(out)


def validate_content(content: Any) -> dict:
    """Check a template outline; returns it. Raises ValidationError naming what is wrong."""
    if not isinstance(content, dict) or not isinstance(content.get("phases"), list):
        raise ValidationError({"content": "A plan template lists its phases (day 30, 60 and 90)."})
    errors = {}
    for i, ph in enumerate(content["phases"], 1):
        if not isinstance(ph, dict) or ph.get("phase") not in PHASES:
            errors[f"phases.{i}"] = f"Phase {i} must say which phase it is: 30, 60 or 90."
            continue
        for j, g in enumerate(ph.get("goals", []), 1):
            if not isinstance(g, dict) or not str(g.get("description", "")).strip():
                errors[f"phases.{i}.goals.{j}"] = f"Day {ph['phase']}, goal {j} needs a description."
        for j, m in enumerate(ph.get("milestones", []), 1):
            if not isinstance(m, dict) or not str(m.get("title", "")).strip():
                errors[f"phases.{i}.milestones.{j}"] = f"Day {ph['phase']}, milestone {j} needs a title."
    if errors:
        raise ValidationError(errors)
    return content


class PlanService:
    """Success plans and plan templates over one session factory."""

    def __init__(self, sessions: sessionmaker, workspace: WorkspaceService | None = None,
                 identity: IdentityService | None = None) -> None:
        self._sessions = sessions
        self._workspace = workspace  # in a partner's workspace the plan templates are read-only
        self._identity = identity  # names the author of a template version

    # -- plans ---------------------------------------------------------------------------------------------

    def create(self, partner_id: str, start_date: date, title: str = "", template_id: str | None = None,
               owners: dict[str, str] | None = None) -> PlanData:
        """A new plan for the partner starting ``start_date``, empty or filled from a template; returns it.

        ``owners`` maps an owner named in the template (a role such as "Enablement lead") to a person; by
        default "Enablement lead" is the partner's enablement lead and "Partner contact" its primary contact.
        One transaction.
        """
        if not isinstance(start_date, date):
            raise ValidationError({"start_date": "Pick the day the plan starts."})
        with self._sessions.begin() as s:
            partner = get_live(s, Partner, partner_id, "partner")
            contact = s.scalar(select(Contact.name).where(
                Contact.partner_id == partner_id, Contact.side == Side.PARTNER, Contact.deleted_at.is_(None))
                .order_by(Contact.is_primary.desc(), Contact.name).limit(1))
            owners = {ROLE_LEAD: partner.enablement_lead, ROLE_CONTACT: contact or "", **(owners or {})}
            owners = {k: v for k, v in owners.items() if v}
            content = {"phases": []}
            if template_id:
                content = validate_content(self._template(s, template_id).content)
            plan = SuccessPlan(partner_id=partner_id, title=title.strip() or "30-60-90 success plan",
                               start_date=start_date, notes="")
            s.add(plan)
            s.flush()
            for ph in content["phases"]:
                p = ph["phase"]
                for pos, g in enumerate(ph.get("goals", [])):
                    s.add(PlanGoal(partner_id=partner_id, plan_id=plan.id, phase=p, position=pos,
                                   description=g["description"].strip(), measure=g.get("measure", "").strip()))
                for pos, m in enumerate(ph.get("milestones", [])):
                    owner = m.get("owner", "").strip()
                    s.add(PlanMilestone(partner_id=partner_id, plan_id=plan.id, phase=p, position=pos,
                                        title=m["title"].strip(), owner=owners.get(owner, owner),
                                        due_date=phase_end(start_date, p), due_date_manual=False,
                                        status=ItemStatus.TODO))
            plan_id = plan.id
        return self.get(plan_id)

    def get(self, plan_id: str, today: date | None = None) -> PlanData:
        """A plan with its goals and milestones in order. Raises NotFound."""
        today = today or date.today()
        with self._sessions() as s:
            plan = self._plan(s, plan_id)
            partner = s.get(Partner, plan.partner_id)
            goals = s.scalars(select(PlanGoal).where(PlanGoal.plan_id == plan.id, PlanGoal.deleted_at.is_(None))
                              .order_by(PlanGoal.phase, PlanGoal.position))
            milestones = s.scalars(select(PlanMilestone).where(PlanMilestone.plan_id == plan.id,
                                                               PlanMilestone.deleted_at.is_(None))
                                   .order_by(PlanMilestone.phase, PlanMilestone.position))
            return PlanData(plan.id, plan.partner_id, partner.name if partner else "", plan.title, plan.start_date,
                            plan.notes, tuple(_goal(g) for g in goals),
                            tuple(_milestone(m, today) for m in milestones), today)

    def plans(self, partner_id: str) -> list[PlanSummary]:
        """A partner's plans, newest start first."""
        with self._sessions() as s:
            return [PlanSummary(p.id, p.title, p.start_date) for p in s.scalars(
                select(SuccessPlan).where(SuccessPlan.partner_id == partner_id, SuccessPlan.deleted_at.is_(None))
                .order_by(SuccessPlan.start_date.desc(), SuccessPlan.title))]

    def current(self, partner_id: str, today: date | None = None) -> PlanData | None:
        """The partner's plan with the latest start date, or None."""
        rows = self.plans(partner_id)
        return self.get(rows[0].id, today) if rows else None

    def update(self, plan_id: str, *, title: str = UNSET, start_date: date = UNSET, notes: str = UNSET) -> PlanData:
        """Change a plan's title, notes or start date. A new start date moves every milestone whose date
        follows its phase end; hand-set dates stay. One transaction."""
        with self._sessions.begin() as s:
            plan = self._plan(s, plan_id)
            if title is not UNSET:
                if not title.strip():
                    raise ValidationError({"title": "The plan needs a title."})
                if plan.title != title.strip():
                    plan.title = title.strip()
            if notes is not UNSET and plan.notes != notes.strip():
                plan.notes = notes.strip()
            if start_date is not UNSET and start_date != plan.start_date:
                if not isinstance(start_date, date):
                    raise ValidationError({"start_date": "Pick the day the plan starts."})
                plan.start_date = start_date
                for m in s.scalars(select(PlanMilestone).where(PlanMilestone.plan_id == plan.id)):
                    if not m.due_date_manual and m.due_date != phase_end(start_date, m.phase):
                        m.due_date = phase_end(start_date, m.phase)
        return self.get(plan_id)

    def delete(self, plan_id: str) -> None:
        """Tombstone a plan with its goals and milestones."""
        now = utcnow()
        with self._sessions.begin() as s:
            plan = self._plan(s, plan_id)
            plan.deleted_at = now
            for model in (PlanGoal, PlanMilestone):
                for row in s.scalars(select(model).where(model.plan_id == plan.id, model.deleted_at.is_(None))):
                    row.deleted_at = now

    # -- goals ---------------------------------------------------------------------------------------------

    def add_goal(self, plan_id: str, phase: int, description: str, measure: str = "") -> GoalData:
        """Append a goal to a phase. One transaction."""
        _check_phase(phase)
        if not description.strip():
            raise ValidationError({"description": "Say what success looks like."})
        with self._sessions.begin() as s:
            plan = self._plan(s, plan_id)
            pos = self._next_position(s, PlanGoal, plan.id, phase)
            g = PlanGoal(partner_id=plan.partner_id, plan_id=plan.id, phase=phase, position=pos,
                         description=description.strip(), measure=measure.strip())
            s.add(g)
            s.flush()
            return _goal(g)

    def update_goal(self, goal_id: str, *, description: str = UNSET, measure: str = UNSET,
                    phase: int = UNSET, position: int = UNSET) -> GoalData:
        """Change a goal (only the fields given); a new phase puts it last there unless ``position`` says
        where (undo puts a moved goal back in its place). One transaction; returns the goal."""
        with self._sessions.begin() as s:
            g = get_live(s, PlanGoal, goal_id, "goal")
            if description is not UNSET:
                if not description.strip():
                    raise ValidationError({"description": "Say what success looks like."})
                if g.description != description.strip():
                    g.description = description.strip()
            if measure is not UNSET and g.measure != measure.strip():
                g.measure = measure.strip()
            if phase is not UNSET and phase != g.phase:
                g.phase = _check_phase(phase)
                g.position = self._next_position(s, PlanGoal, g.plan_id, phase)
            if position is not UNSET and g.position != position:
                g.position = position
            s.flush()
            return _goal(g)

    def remove_goal(self, goal_id: str) -> None:
        """Tombstone a goal (`restore_goal` brings it back). One transaction."""
        with self._sessions.begin() as s:
            get_live(s, PlanGoal, goal_id, "goal").deleted_at = utcnow()

    def restore_goal(self, goal_id: str) -> GoalData:
        """Bring a removed goal back as it was, in its old place (the undo of a removal, or the redo of an
        addition). NotFound when the goal never existed or its plan is deleted. One transaction."""
        with self._sessions.begin() as s:
            g = s.get(PlanGoal, goal_id)
            if g is None:
                raise NotFound(f"No goal with id {goal_id}")
            self._plan(s, g.plan_id)
            if g.deleted_at is not None:
                g.deleted_at = None
            s.flush()
            return _goal(g)

    # -- milestones ----------------------------------------------------------------------------------------

    def add_milestone(self, plan_id: str, phase: int, title: str, owner: str = "", due_date: date | None = None,
                      status: ItemStatus = ItemStatus.TODO, today: date | None = None) -> MilestoneData:
        """Append a milestone to a phase; without ``due_date`` it is due at the phase end (and follows it)."""
        _check_phase(phase)
        if not title.strip():
            raise ValidationError({"title": "The milestone needs a title."})
        with self._sessions.begin() as s:
            plan = self._plan(s, plan_id)
            m = PlanMilestone(partner_id=plan.partner_id, plan_id=plan.id, phase=phase,
                              position=self._next_position(s, PlanMilestone, plan.id, phase), title=title.strip(),
                              owner=owner.strip(), due_date=due_date or phase_end(plan.start_date, phase),
                              due_date_manual=due_date is not None, status=ItemStatus(status))
            s.add(m)
            s.flush()
            return _milestone(m, today or date.today())

    def update_milestone(self, milestone_id: str, *, title: str = UNSET, owner: str = UNSET,
                         due_date: date | None = UNSET, status: ItemStatus = UNSET, phase: int = UNSET,
                         position: int = UNSET, today: date | None = None) -> MilestoneData:
        """Change a milestone (only the fields given). A date sets it by hand; ``AUTOMATIC`` (or None) makes
        it follow the phase end again. A new phase puts it last there unless ``position`` says where (undo
        puts a moved milestone back in its place). One transaction; returns the milestone."""
        with self._sessions.begin() as s:
            m = get_live(s, PlanMilestone, milestone_id, "milestone")
            plan = self._plan(s, m.plan_id)
            if title is not UNSET:
                if not title.strip():
                    raise ValidationError({"title": "The milestone needs a title."})
                if m.title != title.strip():
                    m.title = title.strip()
            if owner is not UNSET and m.owner != owner.strip():
                m.owner = owner.strip()
            if status is not UNSET and m.status is not ItemStatus(status):
                m.status = ItemStatus(status)
            if phase is not UNSET and phase != m.phase:
                m.phase = _check_phase(phase)
                m.position = self._next_position(s, PlanMilestone, plan.id, phase)
            if position is not UNSET and m.position != position:
                m.position = position
            if due_date is not UNSET:
                manual = due_date not in (None, AUTOMATIC)
                if m.due_date_manual != manual:
                    m.due_date_manual = manual
                if manual and m.due_date != due_date:
                    m.due_date = due_date
            if not m.due_date_manual and m.due_date != phase_end(plan.start_date, m.phase):
                m.due_date = phase_end(plan.start_date, m.phase)
            s.flush()
            return _milestone(m, today or date.today())

    def remove_milestone(self, milestone_id: str) -> None:
        """Tombstone a milestone (`restore_milestone` brings it back). One transaction."""
        with self._sessions.begin() as s:
            get_live(s, PlanMilestone, milestone_id, "milestone").deleted_at = utcnow()

    def restore_milestone(self, milestone_id: str, today: date | None = None) -> MilestoneData:
        """Bring a removed milestone back as it was, in its old place (the undo of a removal, or the redo of
        an addition); a date that follows its phase end follows the plan's current start. NotFound when the
        milestone never existed or its plan is deleted. One transaction."""
        with self._sessions.begin() as s:
            m = s.get(PlanMilestone, milestone_id)
            if m is None:
                raise NotFound(f"No milestone with id {milestone_id}")
            plan = self._plan(s, m.plan_id)
            if m.deleted_at is not None:
                m.deleted_at = None
            if not m.due_date_manual and m.due_date != phase_end(plan.start_date, m.phase):
                m.due_date = phase_end(plan.start_date, m.phase)
            s.flush()
            return _milestone(m, today or date.today())

    # -- templates -----------------------------------------------------------------------------------------

    def templates(self) -> list[TemplateRow]:
        """Every live plan template, by name, with its current version's number."""
        with self._sessions() as s:
            rows = list(s.scalars(select(PlanTemplate).where(PlanTemplate.deleted_at.is_(None))
                                  .order_by(func.lower(PlanTemplate.name))))
            counts = _version_counts(s, [t.id for t in rows])
            return [_template_row(t, counts[t.id]) for t in rows]

    def template(self, template_id: str) -> TemplateRow:
        """The live template ``template_id``. Raises NotFound."""
        with self._sessions() as s:
            t = self._template(s, template_id)
            return _template_row(t, _version_counts(s, [t.id])[t.id])

    def template_content(self, template_id: str) -> dict:
        with self._sessions() as s:
            return dict(self._template(s, template_id).content)

    def create_template(self, name: str, description: str, content: dict, note: str = "") -> TemplateRow:
        """Store a new plan template from an outline (see `template_content`) as version 1. One transaction."""
        check_library(self._workspace, TEMPLATE_LIBRARY)
        name, description, content = _clean_template(name, description, content)
        with self._sessions.begin() as s:
            t = PlanTemplate(name=name, description=description, content=content)
            s.add(t)
            s.flush()
            self._add_version(s, t, 1, note.strip() or "Created")
            template_id = t.id
        return self.template(template_id)

    def update_template(self, template_id: str, name: str, description: str, content: dict,
                        note: str = "") -> TemplateRow:
        """Store a new version of the template: its history gains a snapshot with the author and ``note`` (or
        what changed, in words). A save that changes nothing writes nothing. One transaction."""
        check_library(self._workspace, TEMPLATE_LIBRARY)
        name, description, content = _clean_template(name, description, content)
        with self._sessions.begin() as s:
            t = self._template(s, template_id)
            before = template_snapshot(t.name, t.description, t.content)
            after = template_snapshot(name, description, content)
            if after != before:
                t.name, t.description, t.content = name, description, content
                hint = len(VERSIONS.rows(s, [t.id]).get(t.id, ())) + 1  # stored as a hint only
                self._add_version(s, t, hint, note.strip() or "; ".join(describe_template_changes(before, after)))
        return self.template(template_id)

    def save_as_template(self, plan_id: str, name: str, description: str = "", *,
                         template_id: str | None = None, note: str = "") -> TemplateRow:
        """Keep a plan's goals and milestones (without dates, statuses) as a new template, or as the next version
        of the template ``template_id`` (keeping its description unless one is given)."""
        check_library(self._workspace, TEMPLATE_LIBRARY)
        plan = self.get(plan_id)
        content = template_content(plan.goals, plan.milestones)
        if template_id is None:
            return self.create_template(name, description, content, note)
        current = self.template(template_id)
        return self.update_template(template_id, name, description or current.description, content, note)

    def template_history(self, template_id: str) -> list[TemplateVersionRow]:
        """The template's versions, newest first, each with who, when, the note and what changed in words."""
        with self._sessions() as s:
            self._template(s, template_id)
            rows = VERSIONS.live(s, template_id, newest_first=False)
        out, previous = [], None
        for number, v in rows:
            changes = ("first version",) if previous is None else describe_template_changes(previous, v.snapshot)
            out.append(TemplateVersionRow(number, v.changed_by, v.changed_at, v.change_note, changes,
                                          dict(v.snapshot)))
            previous = v.snapshot
        return out[::-1]

    def delete_template(self, template_id: str) -> None:
        """Retire a template (a tombstone: its history stays; plans made from it keep their goals)."""
        check_library(self._workspace, TEMPLATE_LIBRARY)
        with self._sessions.begin() as s:
            self._template(s, template_id).deleted_at = utcnow()

    def _add_version(self, s: Session, t: PlanTemplate, hint: int, note: str) -> None:
        who = self._identity.get() if self._identity else None
        author = (who.display_name.strip() or who.device_name) if who else ""
        s.add(PlanTemplateVersion(template_id=t.id, version=hint,
                                  snapshot=template_snapshot(t.name, t.description, t.content),
                                  change_note=note, changed_by=author or "Unknown", changed_at=utcnow()))

    # -- helpers -------------------------------------------------------------------------------------------

    @staticmethod
    def _plan(s: Session, plan_id: str) -> SuccessPlan:
        return get_live(s, SuccessPlan, plan_id, "success plan")

    @staticmethod
    def _template(s: Session, template_id: str) -> PlanTemplate:
        return get_live(s, PlanTemplate, template_id, "plan template")

    @staticmethod
    def _next_position(s: Session, model, plan_id: str, phase: int) -> int:
        top = s.scalar(select(func.max(model.position)).where(model.plan_id == plan_id, model.phase == phase,
                                                              model.deleted_at.is_(None)))
        return 0 if top is None else top + 1


def _clean_template(name: str, description: str, content: dict) -> tuple[str, str, dict]:
    if not name.strip():
        raise ValidationError({"name": "The template needs a name."})
    return name.strip(), description.strip(), validate_content(content)


def _version_counts(s: Session, template_ids: list[str]) -> dict[str, int]:
    """template id -> its current version number: the length of its history (every snapshot is published)."""
    counts = dict(s.execute(select(PlanTemplateVersion.template_id, func.count(PlanTemplateVersion.id))
                            .where(PlanTemplateVersion.template_id.in_(template_ids))
                            .group_by(PlanTemplateVersion.template_id)).all())
    return {tid: counts.get(tid, 1) for tid in template_ids}


def _template_row(t: PlanTemplate, version: int) -> TemplateRow:
    phases = (t.content or {}).get("phases", [])
    return TemplateRow(t.id, t.name, t.description, sum(len(p.get("goals", [])) for p in phases),
                       sum(len(p.get("milestones", [])) for p in phases), version)


def _goal(g: PlanGoal) -> GoalData:
    return GoalData(g.id, g.phase, g.position, g.description, g.measure)


def _milestone(m: PlanMilestone, today: date) -> MilestoneData:
    overdue, at_risk = milestone_flags(m.status, m.due_date, today)
    return MilestoneData(m.id, m.phase, m.position, m.title, m.owner, m.due_date, m.due_date_manual, m.status,
                         overdue, at_risk)
