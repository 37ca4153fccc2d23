"""The partner directory: search, filter and sort in SQL; read, create, edit and delete partners.

Every method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.types import NullType
from sqlalchemy.orm import Session, sessionmaker

from app.models import Contact, EscalationStep, Partner, new_id
from app.models.enums import (
    PartnerKind,
    PartnershipStage,
    PartnerStatus,
    Quadrant,
    Side,
    label,
)
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.integrity import Problem, rules, show, value_problem
from app.services.records import get_live, replace_children
from app.services.workspace import WorkspaceService

HIGH = 3  # a value or risk score of 3 or more counts as high in the value–risk matrix


def quadrant_of(value_score: int | None, risk_score: int | None) -> Quadrant | None:
    """Place a partner in the value–risk matrix; None ("not scored") until both scores are given."""
    if value_score is None or risk_score is None:
        return None
    high_value, high_risk = value_score >= HIGH, risk_score >= HIGH
    if high_value:
        return Quadrant.OPPORTUNISTIC if high_risk else Quadrant.STRATEGIC
    return Quadrant.AVOID if high_risk else Quadrant.OPERATIONAL


NOT_SCORED = "Not scored"


def quadrant_label(quadrant: Quadrant | None) -> str:
    """How a quadrant is shown and printed: its name, or "Not scored"."""
    return NOT_SCORED if quadrant is None else label(quadrant)


#: The same rule as `quadrant_of`, as a SQL expression, so the directory filters and sorts on it in SQL
#: (NULL when not scored).
QUADRANT_SQL = case(
    (or_(Partner.value_score.is_(None), Partner.risk_score.is_(None)), None),
    (and_(Partner.value_score >= HIGH, Partner.risk_score < HIGH), Quadrant.STRATEGIC.value),
    (and_(Partner.value_score >= HIGH, Partner.risk_score >= HIGH), Quadrant.OPPORTUNISTIC.value),
    (and_(Partner.value_score < HIGH, Partner.risk_score < HIGH), Quadrant.OPERATIONAL.value),
    else_=Quadrant.AVOID.value,
)


@dataclass(frozen=True)
class PartnerRow:
    """One line of the directory."""

    id: str
    name: str
    kind: PartnerKind
    segment: str
    tier: int
    quadrant: Quadrant | None  # None: not scored
    status: PartnerStatus
    annual_spend: int
    currency: str
    enablement_lead: str
    updated_at: datetime | None


@dataclass(frozen=True)
class ContactData:
    name: str
    side: Side = Side.PARTNER
    role: str = ""
    email: str = ""
    phone: str = ""
    is_primary: bool = False
    id: str | None = None


@dataclass(frozen=True)
class EscalationData:
    level: int
    name: str
    role: str = ""
    side: Side = Side.OURS
    contact_info: str = ""
    id: str | None = None


@dataclass(frozen=True)
class PartnerData:
    """Everything the partner detail view shows and edits. ``id`` is None for a partner not yet created."""

    name: str
    kind: PartnerKind = PartnerKind.SUPPLIER
    segment: str = ""
    tier: int = 3
    annual_spend: int = 0
    currency: str = "EUR"
    country: str = ""
    value_score: int | None = None  # None: not scored yet (scoring is an explicit act)
    risk_score: int | None = None
    partnership_stage: PartnershipStage = PartnershipStage.TRANSACTIONAL
    enablement_level: int = 1
    alignment_goals: int = 3
    alignment_values: int = 3
    alignment_capabilities: int = 3
    status: PartnerStatus = PartnerStatus.CANDIDATE
    enablement_lead: str = ""
    notes: str = ""
    contacts: tuple[ContactData, ...] = ()
    escalation: tuple[EscalationData, ...] = ()
    id: str | None = None
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def quadrant(self) -> Quadrant | None:
        return quadrant_of(self.value_score, self.risk_score)


#: PartnerData fields stored as Partner columns.
PARTNER_COLUMNS = tuple(
    f.name for f in fields(PartnerData) if f.name not in {"contacts", "escalation", "id", "updated_at", "updated_by"}
)
_DIRECTORY_FIELDS = ("id", "name", "kind", "segment", "tier", None, "status", "annual_spend", "currency",
                     "enablement_lead", "updated_at")


def _directory_columns() -> list:
    """The directory's columns read as stored (no conversion that could raise on a hand-edited value)."""
    return [QUADRANT_SQL if f is None else type_coerce(getattr(Partner, f), NullType()) for f in _DIRECTORY_FIELDS]


def _directory_row(r) -> PartnerRow:
    """A directory line; a stored value the model refuses (an older version, a hand edit) is shown empty and
    logged with table, row and field, so one bad row never breaks the list."""
    table_rules = rules("partners")
    values = []
    for f, raw in zip(_DIRECTORY_FIELDS, r):
        if f is not None and (reason := value_problem(table_rules[f], raw)):
            logging.getLogger(__name__).warning("Skipped a value: %s", Problem("partners", str(r[0]), f, show(raw),
                                                                               reason))
            raw = None
        values.append(raw)
    pid, name, kind, segment, tier, quadrant, status, spend, currency, lead, updated = values
    return PartnerRow(pid, name or "", PartnerKind(kind) if kind else None, segment or "", tier,
                      Quadrant(quadrant) if quadrant else None,
                      PartnerStatus(status) if status else None, spend, currency or "", lead or "",
                      datetime.fromisoformat(updated) if updated else None)


SORT_KEYS = {
    "name": func.lower(Partner.name),
    "kind": Partner.kind,
    "segment": func.lower(Partner.segment),
    "tier": Partner.tier,
    "quadrant": QUADRANT_SQL,
    "status": Partner.status,
    "annual_spend": Partner.annual_spend,
    "enablement_lead": func.lower(Partner.enablement_lead),
    "updated_at": Partner.updated_at,
}


@dataclass(frozen=True)
class PartnerQuery:
    """What the directory shows: a name search and filters (an empty tuple means any), and the order."""

    text: str = ""
    kinds: tuple[PartnerKind, ...] = ()
    tiers: tuple[int, ...] = ()
    quadrants: tuple[Quadrant | None, ...] = ()  # None: the partners not scored
    statuses: tuple[PartnerStatus, ...] = ()
    segments: tuple[str, ...] = ()
    sort: str = "name"
    descending: bool = False


def validate(data: PartnerData) -> None:
    """Raise ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "The partner needs a name."
    elif len(data.name) > 200:
        errors["name"] = "The name is too long (200 characters at most)."
    if data.tier not in (1, 2, 3):
        errors["tier"] = "Tier must be 1, 2 or 3."
    if data.annual_spend < 0:
        errors["annual_spend"] = "Annual spend cannot be negative."
    for name, what in (("value_score", "Value score"), ("risk_score", "Risk score")):
        if getattr(data, name) is not None and not 1 <= getattr(data, name) <= 5:
            errors[name] = f"{what} must be between 1 and 5, or not scored."
    for name, what in (("alignment_goals", "Goals alignment"), ("alignment_values", "Values alignment"),
                       ("alignment_capabilities", "Capabilities alignment")):
        if not 1 <= getattr(data, name) <= 5:
            errors[name] = f"{what} must be between 1 and 5."
    if not 1 <= data.enablement_level <= 4:
        errors["enablement_level"] = "Enablement level must be between 1 (ad hoc) and 4 (integrated)."
    if len(data.currency.strip()) != 3:
        errors["currency"] = "Currency is a three-letter code such as EUR or USD."
    for i, c in enumerate(data.contacts, 1):
        if not c.name.strip():
            errors[f"contacts.{i}"] = f"Contact {i} needs a name."
        elif c.email and "@" not in c.email:
            errors[f"contacts.{i}"] = f"Contact {c.name}: '{c.email}' is not an e-mail address."
    for i, e in enumerate(data.escalation, 1):
        if not e.name.strip():
            errors[f"escalation.{i}"] = f"Escalation level {i} needs a name."
    if errors:
        raise ValidationError(errors)


class PartnerService:
    """Partner directory use cases over one session factory."""

    def __init__(self, sessions: sessionmaker, workspace: WorkspaceService | None = None) -> None:
        self._sessions = sessions
        self._workspace = workspace  # a partner's workspace holds only its partner

    # -- reading -------------------------------------------------------------------------------------------

    @staticmethod
    def _filtered(stmt: Select, q: PartnerQuery) -> Select:
        stmt = stmt.where(Partner.deleted_at.is_(None))
        text = q.text.strip()
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Partner.name.ilike(f"%{escaped}%", escape="\\"))
        if q.kinds:
            stmt = stmt.where(Partner.kind.in_(q.kinds))
        if q.tiers:
            stmt = stmt.where(Partner.tier.in_(q.tiers))
        if q.statuses:
            stmt = stmt.where(Partner.status.in_(q.statuses))
        if q.segments:
            stmt = stmt.where(Partner.segment.in_(q.segments))
        if q.quadrants:
            scored = QUADRANT_SQL.in_([x.value for x in q.quadrants if x is not None])
            stmt = stmt.where(or_(scored, QUADRANT_SQL.is_(None)) if None in q.quadrants else scored)
        return stmt

    def count(self, query: PartnerQuery = PartnerQuery()) -> int:
        """How many partners match the query."""
        with self._sessions() as s:
            return s.scalar(self._filtered(select(func.count(Partner.id)), query)) or 0

    def page(self, query: PartnerQuery = PartnerQuery(), offset: int = 0, limit: int | None = None) -> list[PartnerRow]:
        """Rows ``offset`` to ``offset + limit`` of the matching partners in the query's order."""
        key = SORT_KEYS.get(query.sort)
        if key is None:
            raise ValueError(f"Cannot sort partners by {query.sort!r}")
        order = [key.desc() if query.descending else key.asc()]
        if query.sort == "quadrant":  # "not scored" comes last whichever way the column is sorted
            order.insert(0, QUADRANT_SQL.is_(None))
        stmt = self._filtered(
            select(*_directory_columns()),
            query,
        ).order_by(*order, func.lower(Partner.name), Partner.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._sessions() as s:
            return [_directory_row(r) for r in s.execute(stmt)]

    def list(self, query: PartnerQuery = PartnerQuery()) -> list[PartnerRow]:
        return self.page(query)

    def segments(self) -> list[str]:
        """Every segment in use, sorted, for filters and completion."""
        with self._sessions() as s:
            stmt = (select(Partner.segment).where(Partner.deleted_at.is_(None), Partner.segment != "")
                    .distinct().order_by(Partner.segment))
            return list(s.scalars(stmt))

    def get(self, partner_id: str) -> PartnerData:
        """The partner with its live contacts and escalation path. Raises NotFound."""
        with self._sessions() as s:
            return self._to_data(s, get_live(s, Partner, partner_id, "partner"))

    def find(self, name: str) -> PartnerRow:
        """The partner called ``name`` (case-insensitive exact match, else a unique partial match).

        Raises NotFound with the close matches when there is no single answer.
        """
        with self._sessions() as s:
            base = select(Partner.id).where(Partner.deleted_at.is_(None))
            exact = list(s.scalars(base.where(func.lower(Partner.name) == name.strip().lower())))
        if len(exact) == 1:
            return self._row(exact[0])
        if len(exact) > 1:
            raise NotFound(f"{len(exact)} partners are called '{name}'; rename one to tell them apart.")
        close = self.page(PartnerQuery(text=name), limit=6)
        if len(close) == 1:
            return close[0]
        hint = f" Did you mean: {', '.join(r.name for r in close[:5])}?" if close else ""
        raise NotFound(f"No partner called '{name}'.{hint}")

    def _row(self, partner_id: str) -> PartnerRow:
        with self._sessions() as s:
            stmt = self._filtered(
                select(*_directory_columns()), PartnerQuery()).where(Partner.id == partner_id)
            r = s.execute(stmt).one()
            return _directory_row(r)

    @staticmethod
    def _to_data(s: Session, p: Partner) -> PartnerData:
        contacts = s.scalars(select(Contact).where(Contact.partner_id == p.id, Contact.deleted_at.is_(None))
                             .order_by(Contact.side, Contact.is_primary.desc(), Contact.name))
        steps = s.scalars(select(EscalationStep).where(EscalationStep.partner_id == p.id,
                                                       EscalationStep.deleted_at.is_(None))
                          .order_by(EscalationStep.level))
        return PartnerData(
            **{k: getattr(p, k) for k in PARTNER_COLUMNS},
            contacts=tuple(ContactData(c.name, c.side, c.role, c.email, c.phone, c.is_primary, c.id)
                           for c in contacts),
            escalation=tuple(EscalationData(e.level, e.name, e.role, e.side, e.contact_info, e.id) for e in steps),
            id=p.id, updated_at=p.updated_at, updated_by=p.updated_by,
        )

    # -- writing -------------------------------------------------------------------------------------------

    def create(self, data: PartnerData) -> PartnerData:
        """Validate and create a partner with its contacts and escalation path; returns it as stored. Refused
        (`WorkspaceReadOnly`) in a partner's workspace: it holds only that partner."""
        if self._workspace is not None:
            self._workspace.check_new_partner()
        data = _clean(data)
        validate(data)
        with self._sessions.begin() as s:
            p = Partner(id=data.id or new_id(), **{k: getattr(data, k) for k in PARTNER_COLUMNS})
            p.partner_id = p.id
            s.add(p)
            s.flush()
            self._sync_children(s, p.id, data)
        return self.get(p.id)

    def update(self, data: PartnerData) -> PartnerData:
        """Validate and store ``data`` over the partner ``data.id``; only changed fields get a new revision.

        Contacts and escalation steps are matched by id: missing ones are deleted (tombstoned), ones without
        id are created, and a tombstoned one that comes back (undo) is restored.
        """
        if not data.id:
            raise ValueError("update() needs a partner id; use create() for a new partner")
        data = _clean(data)
        validate(data)
        with self._sessions.begin() as s:
            p = s.get(Partner, data.id)
            if p is None:
                raise NotFound(f"No partner with id {data.id}")
            for k in PARTNER_COLUMNS:
                if getattr(p, k) != getattr(data, k):
                    setattr(p, k, getattr(data, k))
            p.deleted_at = None
            self._sync_children(s, p.id, data)
        return self.get(data.id)

    def delete(self, partner_id: str) -> None:
        """Tombstone the partner (its records stay, hidden, so the delete can travel and be undone)."""
        with self._sessions.begin() as s:
            get_live(s, Partner, partner_id, "partner").deleted_at = utcnow()

    def restore(self, partner_id: str) -> PartnerData:
        """Undo a delete."""
        with self._sessions.begin() as s:
            p = s.get(Partner, partner_id)
            if p is None:
                raise NotFound(f"No partner with id {partner_id}")
            p.deleted_at = None
        return self.get(partner_id)

    @staticmethod
    def _sync_children(s: Session, partner_id: str, data: PartnerData) -> None:
        for model, items in ((Contact, data.contacts), (EscalationStep, data.escalation)):
            replace_children(
                s, s.scalars(select(model).where(model.partner_id == partner_id)),
                [(item.id, {k: v for k, v in vars(item).items() if k != "id"}) for item in items],
                lambda values, model=model: model(partner_id=partner_id, **values))


def _clean(data: PartnerData) -> PartnerData:
    """Trim surrounding spaces from free text so 'Acme ' and 'Acme' are one name."""
    return replace(
        data,
        name=data.name.strip(), segment=data.segment.strip(), country=data.country.strip(),
        enablement_lead=data.enablement_lead.strip(), currency=data.currency.strip().upper(),
        contacts=tuple(replace(c, name=c.name.strip(), email=c.email.strip()) for c in data.contacts),
        escalation=tuple(replace(e, name=e.name.strip()) for e in data.escalation),
    )
