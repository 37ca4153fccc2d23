"""Onboarding checklists: a playbook version made concrete for one partner, with dates, owners and evidence.

Starting onboarding copies every step of a *published* playbook version into a checklist: the due date is the
start date plus the step's day offset, the owner side comes from the step and the named owner from the
owners given per side. Items are ticked off (status to do, in progress, done, blocked, not applicable), with
evidence notes and who completed them when. A partner may have several checklists over time (re-onboarding).

Rules the views rely on:
- an item is *overdue* when it is neither done nor not applicable and its due date is before today;
- progress counts done items among the applicable ones (not-applicable items count for neither);
- a step that requires evidence cannot be marked done without an evidence note.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
``today`` parameters default to the current date and exist so that reports and tests can fix the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    ChecklistItem,
    Contact,
    OnboardingChecklist,
    Partner,
    PlaybookStep,
    PlaybookVersion,
)
from app.models.enums import ItemStatus, PartnerStatus, Side, TemplateStatus
from app.services.clock import utcnow
from app.services.errors import ValidationError
from app.services.identity import IdentityService
from app.services.playbooks import VERSIONS as PLAYBOOK_VERSIONS
from app.services.records import get_live

CLOSED_STATES = frozenset({ItemStatus.DONE, ItemStatus.NOT_APPLICABLE})
UNSET: Any = ...  # "leave this field as it is" in update_item
STATUS_LABELS = {ItemStatus.TODO: "To do", ItemStatus.IN_PROGRESS: "In progress", ItemStatus.DONE: "Done",
                 ItemStatus.BLOCKED: "Blocked", ItemStatus.NOT_APPLICABLE: "Not applicable"}


def status_label(status: ItemStatus | str) -> str:
    """How a checklist item's or milestone's status reads: 'To do', 'Not applicable'."""
    return STATUS_LABELS[ItemStatus(status)]


@dataclass(frozen=True)
class Progress:
    """Done items among the applicable ones (items marked not applicable count for neither)."""

    done: int = 0
    applicable: int = 0

    @property
    def fraction(self) -> float:
        return self.done / self.applicable if self.applicable else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.fraction)

    @property
    def complete(self) -> bool:
        return self.applicable > 0 and self.done == self.applicable

    def __str__(self) -> str:
        return f"{self.done}/{self.applicable} ({self.percent}%)"


@dataclass(frozen=True)
class ItemData:
    """One item of a checklist as the views show it; ``overdue`` is judged against the day asked for."""

    id: str
    checklist_id: str
    partner_id: str
    position: int
    title: str
    description: str
    owner_side: Side
    owner_name: str
    due_date: date | None
    status: ItemStatus
    evidence_required: bool
    evidence_note: str
    completed_on: date | None
    completed_by: str
    overdue: bool = False

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATES

    @property
    def evidence_missing(self) -> bool:
        return self.evidence_required and not self.evidence_note.strip()


@dataclass(frozen=True)
class ChecklistData:
    """A checklist with its items and the figures derived from them."""

    id: str
    partner_id: str
    partner_name: str
    title: str
    playbook_id: str
    playbook_version_id: str
    playbook_name: str
    playbook_version: int
    start_date: date
    closed_at: datetime | None
    items: tuple[ItemData, ...]
    today: date

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def progress(self) -> Progress:
        return progress_of(self.items)

    def progress_by_side(self) -> dict[Side, Progress]:
        """Progress of each side (ours, partner, joint), every side present even without items."""
        return {side: progress_of([i for i in self.items if i.owner_side is side]) for side in Side}

    @property
    def overdue_items(self) -> list[ItemData]:
        return [i for i in self.items if i.overdue]

    @property
    def next_due(self) -> ItemData | None:
        """The open item due first (overdue ones included), or None when all are closed."""
        return next_due(self.items)

    @property
    def label(self) -> str:
        state = "" if self.is_open else " (closed)"
        return f"{self.title or self.playbook_name} · started {self.start_date.isoformat()}{state}"


@dataclass(frozen=True)
class ChecklistSummary:
    """One checklist in a partner's list of onboardings."""

    id: str
    title: str
    playbook_name: str
    playbook_version: int
    start_date: date
    closed_at: datetime | None
    progress: Progress
    overdue: int


@dataclass(frozen=True)
class PortfolioRow:
    """One partner in onboarding: its open checklist's figures (``checklist_id`` None: none started yet)."""

    partner_id: str
    partner_name: str
    partner_status: PartnerStatus
    enablement_lead: str
    checklist_id: str | None
    checklist_title: str
    start_date: date | None
    progress: Progress
    overdue: int
    next_due_title: str
    next_due_date: date | None
    days_in_onboarding: int | None


def progress_of(items) -> Progress:
    applicable = [i for i in items if i.status is not ItemStatus.NOT_APPLICABLE]
    return Progress(sum(1 for i in applicable if i.status is ItemStatus.DONE), len(applicable))


def is_overdue(status: ItemStatus, due: date | None, today: date) -> bool:
    return status not in CLOSED_STATES and due is not None and due < today


def next_due(items) -> ItemData | None:
    pending = [i for i in items if not i.is_closed and i.due_date is not None]
    return min(pending, key=lambda i: (i.due_date, i.position)) if pending else None


class OnboardingService:
    """Onboarding checklists over one session factory; ``identity`` names who completes an item."""

    def __init__(self, sessions: sessionmaker, identity: IdentityService | None = None) -> None:
        self._sessions = sessions
        self._identity = identity

    # -- starting ------------------------------------------------------------------------------------------

    def suggested_playbook(self, partner_id: str, playbook_ids: list[str]) -> str | None:
        """Of ``playbook_ids``, the playbook to offer first for this partner: the one most often used for
        partners of the same kind here (a supplier gets what suppliers got), else one whose name names the kind
        ("Supplier onboarding"), else None (the caller keeps its own order)."""
        with self._sessions() as s:
            kind = s.scalar(select(Partner.kind).where(Partner.id == partner_id))
            if kind is None:
                return None
            used = s.execute(
                select(PlaybookVersion.playbook_id, func.count())
                .join(OnboardingChecklist, OnboardingChecklist.playbook_version_id == PlaybookVersion.id)
                .join(Partner, Partner.id == OnboardingChecklist.partner_id)
                .where(Partner.kind == kind, OnboardingChecklist.deleted_at.is_(None),
                       PlaybookVersion.playbook_id.in_(playbook_ids))
                .group_by(PlaybookVersion.playbook_id).order_by(func.count().desc())).first()
            if used is not None:
                return used[0]
            names = dict(s.execute(select(PlaybookVersion.playbook_id, PlaybookVersion.name)
                                   .where(PlaybookVersion.playbook_id.in_(playbook_ids))).all())
        word = str(kind.value).lower()
        return next((pid for pid in playbook_ids if word in names.get(pid, "").lower()), None)

    def default_owners(self, partner_id: str) -> dict[Side, str]:
        """Suggested owners: our enablement lead for our and joint steps, the partner's primary contact for
        theirs."""
        with self._sessions() as s:
            p = _partner(s, partner_id)
            contact = s.scalar(select(Contact.name).where(
                Contact.partner_id == partner_id, Contact.side == Side.PARTNER, Contact.deleted_at.is_(None))
                .order_by(Contact.is_primary.desc(), Contact.name).limit(1))
            return {Side.OURS: p.enablement_lead, Side.PARTNER: contact or "", Side.JOINT: p.enablement_lead}

    def start(self, partner_id: str, version_id: str, start_date: date, owners: dict[Side, str] | None = None,
              title: str = "") -> ChecklistData:
        """Start onboarding ``partner_id`` from a published playbook version; returns the new checklist.

        Each step becomes an item due on ``start_date + day_offset``, owned by ``owners[side]`` (default:
        `default_owners`). A partner that is still a candidate moves to onboarding. One transaction.
        """
        if not isinstance(start_date, date):
            raise ValidationError({"start_date": "Pick the day onboarding starts."})
        names = self.default_owners(partner_id)
        names.update({Side(k): v.strip() for k, v in (owners or {}).items() if v is not None})
        with self._sessions.begin() as s:
            partner = _partner(s, partner_id)
            v = get_live(s, PlaybookVersion, version_id, "playbook version")
            if v.status is not TemplateStatus.PUBLISHED:
                raise ValidationError({"version": (
                    f"Version {PLAYBOOK_VERSIONS.number_of(s, v)} of '{v.name}' is a draft: publish it before "
                    "starting onboarding.")})
            steps = list(s.scalars(select(PlaybookStep).where(PlaybookStep.version_id == v.id,
                                                             PlaybookStep.deleted_at.is_(None))
                                   .order_by(PlaybookStep.position)))
            if not steps:
                raise ValidationError({"version": f"'{v.name}' v{PLAYBOOK_VERSIONS.number_of(s, v)} has no steps."})
            checklist = OnboardingChecklist(partner_id=partner_id, playbook_version_id=v.id,
                                            title=title.strip() or v.name, start_date=start_date)
            s.add(checklist)
            s.flush()
            for position, step in enumerate(steps):
                s.add(ChecklistItem(
                    partner_id=partner_id, checklist_id=checklist.id, step_id=step.id, position=position,
                    title=step.title, description=step.description, owner_side=step.owner_side,
                    owner_name=names.get(step.owner_side, ""), due_date=start_date + timedelta(step.day_offset),
                    status=ItemStatus.TODO, evidence_required=step.evidence_required))
            if partner.status is PartnerStatus.CANDIDATE:
                partner.status = PartnerStatus.ONBOARDING
            checklist_id = checklist.id
        return self.get(checklist_id)

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, checklist_id: str, today: date | None = None) -> ChecklistData:
        """One checklist with its items in order. Raises NotFound."""
        today = today or date.today()
        with self._sessions() as s:
            c = _checklist(s, checklist_id)
            partner = s.get(Partner, c.partner_id)
            v = s.get(PlaybookVersion, c.playbook_version_id)
            items = tuple(_item_data(i, today) for i in s.scalars(
                select(ChecklistItem).where(ChecklistItem.checklist_id == c.id, ChecklistItem.deleted_at.is_(None))
                .order_by(ChecklistItem.position)))
            return ChecklistData(c.id, c.partner_id, partner.name if partner else "", c.title, v.playbook_id,
                                 v.id, v.name, PLAYBOOK_VERSIONS.number_of(s, v), c.start_date, c.closed_at, items,
                                 today)

    def checklists(self, partner_id: str, today: date | None = None) -> list[ChecklistSummary]:
        """A partner's checklists, open ones first, then newest start first."""
        today = today or date.today()
        with self._sessions() as s:
            rows = []
            for c in s.scalars(select(OnboardingChecklist).where(
                    OnboardingChecklist.partner_id == partner_id, OnboardingChecklist.deleted_at.is_(None))):
                v = s.get(PlaybookVersion, c.playbook_version_id)
                items = self._items(s, c.id, today)
                rows.append(ChecklistSummary(c.id, c.title, v.name, PLAYBOOK_VERSIONS.number_of(s, v), c.start_date,
                                             c.closed_at, progress_of(items), sum(i.overdue for i in items)))
        rows.sort(key=lambda r: (r.closed_at is not None, -r.start_date.toordinal()))
        return rows

    def current(self, partner_id: str, today: date | None = None) -> ChecklistData | None:
        """The partner's open checklist started last, else its latest closed one, else None."""
        rows = self.checklists(partner_id, today)
        return self.get(rows[0].id, today) if rows else None

    def overdue_items(self, partner_id: str | None = None, today: date | None = None) -> list[ItemData]:
        """Overdue items of open checklists (of one partner, or everyone), oldest due date first."""
        today = today or date.today()
        with self._sessions() as s:
            stmt = (select(ChecklistItem).join(OnboardingChecklist,
                                               OnboardingChecklist.id == ChecklistItem.checklist_id)
                    .join(Partner, Partner.id == ChecklistItem.partner_id)
                    .where(ChecklistItem.deleted_at.is_(None), OnboardingChecklist.deleted_at.is_(None),
                           OnboardingChecklist.closed_at.is_(None), Partner.deleted_at.is_(None),
                           ChecklistItem.due_date < today,
                           ChecklistItem.status.not_in([x.value for x in CLOSED_STATES]))
                    .order_by(ChecklistItem.due_date, ChecklistItem.position))
            if partner_id:
                stmt = stmt.where(ChecklistItem.partner_id == partner_id)
            return [_item_data(i, today) for i in s.scalars(stmt)]

    def portfolio(self, today: date | None = None) -> list[PortfolioRow]:
        """Every partner in onboarding: each open checklist of a live partner, plus partners whose status is
        onboarding but who have no open checklist yet. Sorted by partner name (the view re-sorts)."""
        today = today or date.today()
        rows: list[PortfolioRow] = []
        with self._sessions() as s:
            open_lists = list(s.execute(
                select(OnboardingChecklist, Partner)
                .join(Partner, Partner.id == OnboardingChecklist.partner_id)
                .where(OnboardingChecklist.deleted_at.is_(None), OnboardingChecklist.closed_at.is_(None),
                       Partner.deleted_at.is_(None))))
            items_by_list: dict[str, list[ItemData]] = {}
            if open_lists:
                ids = [c.id for c, _p in open_lists]
                for i in s.scalars(select(ChecklistItem).where(ChecklistItem.checklist_id.in_(ids),
                                                               ChecklistItem.deleted_at.is_(None))):
                    items_by_list.setdefault(i.checklist_id, []).append(_item_data(i, today))
            covered = set()
            for c, p in open_lists:
                items = items_by_list.get(c.id, [])
                nd = next_due(items)
                covered.add(p.id)
                rows.append(PortfolioRow(p.id, p.name, p.status, p.enablement_lead, c.id, c.title, c.start_date,
                                         progress_of(items), sum(i.overdue for i in items),
                                         nd.title if nd else "", nd.due_date if nd else None,
                                         (today - c.start_date).days))
            for p in s.scalars(select(Partner).where(Partner.deleted_at.is_(None),
                                                     Partner.status == PartnerStatus.ONBOARDING)):
                if p.id not in covered:
                    rows.append(PortfolioRow(p.id, p.name, p.status, p.enablement_lead, None, "", None,
                                             Progress(), 0, "", None, None))
        rows.sort(key=lambda r: (r.partner_name.lower(), r.start_date or date.min))
        return rows

    # -- ticking -------------------------------------------------------------------------------------------

    def set_status(self, item_id: str, status: ItemStatus, *, evidence_note: str | None = None,
                   completed_on: date | None = None, completed_by: str | None = None,
                   today: date | None = None) -> ItemData:
        """Set an item's status. Done records the completion day (default today) and who (default: this
        user's display name); leaving done clears both. Done is refused for a step that needs evidence and
        has none. One transaction; returns the item."""
        status = ItemStatus(status)
        today = today or date.today()
        who = completed_by if completed_by is not None else self._me()
        with self._sessions.begin() as s:
            item = _item(s, item_id)
            if evidence_note is not None and evidence_note.strip() != item.evidence_note:
                item.evidence_note = evidence_note.strip()
            if status is ItemStatus.DONE:
                if item.evidence_required and not item.evidence_note.strip():
                    raise ValidationError({"evidence_note": (
                        f"'{item.title}' needs evidence: write what shows it is done (a document, a test "
                        "transaction, minutes) before ticking it off.")})
                if completed_on is not None and completed_on > today:
                    raise ValidationError({"completed_on": "The completion date cannot be in the future."})
                if item.status is not ItemStatus.DONE or completed_on is not None:
                    item.completed_on = completed_on or item.completed_on or today
                if item.status is not ItemStatus.DONE or completed_by is not None:
                    item.completed_by = who.strip()
            else:
                if item.completed_on is not None:
                    item.completed_on = None
                if item.completed_by:
                    item.completed_by = ""
            if item.status is not status:
                item.status = status
            s.flush()
            return _item_data(item, today)

    def toggle_done(self, item_id: str, today: date | None = None) -> ItemData:
        """Tick an item off, or un-tick a done one (back to to do). The fast path for keyboard and mouse."""
        with self._sessions() as s:
            current = _item(s, item_id).status
        target = ItemStatus.TODO if current is ItemStatus.DONE else ItemStatus.DONE
        return self.set_status(item_id, target, today=today)

    def update_item(self, item_id: str, *, owner_name: str = UNSET, due_date: date | None = UNSET,
                    evidence_note: str = UNSET, description: str = UNSET, completed_on: date | None = UNSET,
                    completed_by: str = UNSET, today: date | None = None) -> ItemData:
        """Change an item's details (only the fields given). Completion fields only apply to done items."""
        today = today or date.today()
        with self._sessions.begin() as s:
            item = _item(s, item_id)
            if completed_on is not UNSET and completed_on is not None and completed_on > today:
                raise ValidationError({"completed_on": "The completion date cannot be in the future."})
            if (completed_on is not UNSET or completed_by is not UNSET) and item.status is not ItemStatus.DONE:
                raise ValidationError({"completed_on": "Only a done item has a completion date and author."})
            values = dict(owner_name=owner_name, due_date=due_date, evidence_note=evidence_note,
                          description=description, completed_on=completed_on, completed_by=completed_by)
            for k, v in values.items():
                if v is UNSET:
                    continue
                if isinstance(v, str):
                    v = v.strip()
                if getattr(item, k) != v:
                    setattr(item, k, v)
            s.flush()
            return _item_data(item, today)

    # -- the checklist as a whole --------------------------------------------------------------------------

    def move_start(self, checklist_id: str, start_date: date) -> ChecklistData:
        """Move the start date; every item's due date moves by the same number of days. One transaction."""
        with self._sessions.begin() as s:
            c = _checklist(s, checklist_id)
            delta = start_date - c.start_date
            if delta:
                c.start_date = start_date
                for item in s.scalars(select(ChecklistItem).where(ChecklistItem.checklist_id == c.id)):
                    if item.due_date is not None:
                        item.due_date = item.due_date + delta
        return self.get(checklist_id)

    def rename(self, checklist_id: str, title: str) -> ChecklistData:
        with self._sessions.begin() as s:
            c = _checklist(s, checklist_id)
            if c.title != title.strip():
                c.title = title.strip()
        return self.get(checklist_id)

    def close(self, checklist_id: str) -> ChecklistData:
        """Mark onboarding finished: the checklist leaves the portfolio and stays readable."""
        with self._sessions.begin() as s:
            c = _checklist(s, checklist_id)
            if c.closed_at is None:
                c.closed_at = utcnow()
        return self.get(checklist_id)

    def reopen(self, checklist_id: str) -> ChecklistData:
        with self._sessions.begin() as s:
            c = _checklist(s, checklist_id)
            if c.closed_at is not None:
                c.closed_at = None
        return self.get(checklist_id)

    def delete(self, checklist_id: str) -> None:
        """Tombstone a checklist and its items."""
        now = utcnow()
        with self._sessions.begin() as s:
            c = _checklist(s, checklist_id)
            c.deleted_at = now
            for item in s.scalars(select(ChecklistItem).where(ChecklistItem.checklist_id == c.id,
                                                              ChecklistItem.deleted_at.is_(None))):
                item.deleted_at = now

    def count_open(self) -> int:
        with self._sessions() as s:
            return s.scalar(select(func.count(OnboardingChecklist.id)).where(
                OnboardingChecklist.deleted_at.is_(None), OnboardingChecklist.closed_at.is_(None))) or 0

    # -- helpers -------------------------------------------------------------------------------------------

    def _me(self) -> str:
        return self._identity.get().display_name if self._identity else ""

    @staticmethod
    def _items(s: Session, checklist_id: str, today: date) -> list[ItemData]:
        return [_item_data(i, today) for i in s.scalars(
            select(ChecklistItem).where(ChecklistItem.checklist_id == checklist_id,
                                        ChecklistItem.deleted_at.is_(None)).order_by(ChecklistItem.position))]


def _partner(s: Session, partner_id: str) -> Partner:
    return get_live(s, Partner, partner_id, "partner")


def _checklist(s: Session, checklist_id: str) -> OnboardingChecklist:
    return get_live(s, OnboardingChecklist, checklist_id, "onboarding checklist")


def _item(s: Session, item_id: str) -> ChecklistItem:
    return get_live(s, ChecklistItem, item_id, "checklist item")


def _item_data(i: ChecklistItem, today: date) -> ItemData:
    return ItemData(i.id, i.checklist_id, i.partner_id, i.position, i.title, i.description, i.owner_side,
                    i.owner_name, i.due_date, i.status, i.evidence_required, i.evidence_note, i.completed_on,
                    i.completed_by, is_overdue(i.status, i.due_date, today))
