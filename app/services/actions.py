"""Action items agreed in coaching sessions (or outside them), tracked across sessions.

An action item has an owner on either side, a due date and, once done, the day it was done. It is *open*
until done, *overdue* when open past its due date. Every method opens its own transaction and returns
frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import ActionItem, CoachingSession, Partner
from app.models.enums import Side
from app.services.errors import NotFound, ValidationError
from app.services.records import get_live


class ActionStatus(StrEnum):
    """Which action items a list shows."""

    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True)
class ActionItemData:
    id: str
    partner_id: str
    partner_name: str
    session_id: str | None
    session_title: str
    session_date: datetime | None
    title: str
    owner: str
    owner_side: Side
    due_date: date | None
    done_on: date | None
    overdue: bool  # open and past its due date, on the day the list was made

    @property
    def status(self) -> str:
        """'done', 'overdue' or 'open'."""
        return "done" if self.done_on else "overdue" if self.overdue else "open"


@dataclass(frozen=True)
class ActionQuery:
    """Filters of an action item list; empty means any."""

    partner_id: str | None = None
    status: ActionStatus = ActionStatus.OPEN
    owner: str = ""
    side: Side | None = None
    session_id: str | None = None


def validate_action(title: str, due_date: date | None = None) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = "An action item needs a title: what is to be done."
    if due_date is not None and not isinstance(due_date, date):
        errors["due_date"] = "The due date is not a date."
    if errors:
        raise ValidationError(errors)


def new_action(s: Session, partner_id: str, title: str, owner: str = "", owner_side: Side = Side.OURS,
               due_date: date | None = None, session_id: str | None = None) -> ActionItem:
    """Add an action item in the caller's transaction (the live log adds one with its entry)."""
    validate_action(title, due_date)
    item = ActionItem(partner_id=partner_id, session_id=session_id, title=title.strip(), owner=owner.strip(),
                      owner_side=owner_side, due_date=due_date)
    s.add(item)
    s.flush()
    return item


class ActionService:
    """Action items across sessions: list with filters, create, edit, tick off."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def list(self, query: ActionQuery = ActionQuery(), today: date | None = None) -> list[ActionItemData]:
        """Action items matching ``query``, open ones by due date (undated last), done ones most recent first.

        ``today`` decides what is overdue (default: today). One read transaction.
        """
        today = today or date.today()
        status = ActionStatus(query.status)  # a plain string from a combo box works too
        stmt = (select(ActionItem, Partner.name, CoachingSession.title, CoachingSession.scheduled_at)
                .join(Partner, Partner.id == ActionItem.partner_id)
                .outerjoin(CoachingSession, CoachingSession.id == ActionItem.session_id)
                .where(ActionItem.deleted_at.is_(None), Partner.deleted_at.is_(None)))
        if query.partner_id:
            stmt = stmt.where(ActionItem.partner_id == query.partner_id)
        if query.session_id:
            stmt = stmt.where(ActionItem.session_id == query.session_id)
        if query.owner.strip():
            stmt = stmt.where(func.lower(ActionItem.owner) == query.owner.strip().lower())
        if query.side:
            stmt = stmt.where(ActionItem.owner_side == Side(query.side))
        if status is ActionStatus.OPEN:
            stmt = stmt.where(ActionItem.done_on.is_(None))
        elif status is ActionStatus.OVERDUE:
            stmt = stmt.where(ActionItem.done_on.is_(None), ActionItem.due_date < today)
        elif status is ActionStatus.DONE:
            stmt = stmt.where(ActionItem.done_on.is_not(None))
        if status is ActionStatus.DONE:
            stmt = stmt.order_by(ActionItem.done_on.desc(), ActionItem.title)
        else:
            stmt = stmt.order_by(ActionItem.done_on.is_not(None), ActionItem.due_date.is_(None),
                                 ActionItem.due_date, Partner.name, ActionItem.title)
        with self._sessions() as s:
            return [_to_data(a, pname, stitle, sdate, today) for a, pname, stitle, sdate in s.execute(stmt)]

    def get(self, action_id: str, today: date | None = None) -> ActionItemData:
        """One action item. Raises NotFound."""
        with self._sessions() as s:
            row = s.execute(
                select(ActionItem, Partner.name, CoachingSession.title, CoachingSession.scheduled_at)
                .join(Partner, Partner.id == ActionItem.partner_id)
                .outerjoin(CoachingSession, CoachingSession.id == ActionItem.session_id)
                .where(ActionItem.id == action_id, ActionItem.deleted_at.is_(None))).first()
            if row is None:
                raise NotFound(f"No action item with id {action_id}")
            return _to_data(*row, today or date.today())

    def counts(self, partner_id: str | None = None, today: date | None = None) -> dict[str, int]:
        """How many action items are open, overdue and done (for one partner or all)."""
        today = today or date.today()
        stmt = select(
            func.count().filter(ActionItem.done_on.is_(None)),
            func.count().filter(ActionItem.done_on.is_(None), ActionItem.due_date < today),
            func.count().filter(ActionItem.done_on.is_not(None)),
        ).where(ActionItem.deleted_at.is_(None))
        if partner_id:
            stmt = stmt.where(ActionItem.partner_id == partner_id)
        with self._sessions() as s:
            open_, overdue, done = s.execute(stmt).one()
        return {"open": open_, "overdue": overdue, "done": done}

    def owners(self, partner_id: str | None = None) -> list[str]:
        """Every owner named on an action item, sorted (for the owner filter)."""
        stmt = (select(ActionItem.owner).where(ActionItem.deleted_at.is_(None), ActionItem.owner != "")
                .distinct().order_by(ActionItem.owner))
        if partner_id:
            stmt = stmt.where(ActionItem.partner_id == partner_id)
        with self._sessions() as s:
            return list(s.scalars(stmt))

    def create(self, partner_id: str, title: str, owner: str = "", owner_side: Side = Side.OURS,
               due_date: date | None = None, session_id: str | None = None) -> ActionItemData:
        """Add an action item; returns it. Raises ValidationError for an empty title."""
        with self._sessions.begin() as s:
            item = new_action(s, partner_id, title, owner, owner_side, due_date, session_id)
        return self.get(item.id)

    def update(self, action_id: str, *, title: str | None = None, owner: str | None = None,
               owner_side: Side | None = None, due_date: date | None | object = ...) -> ActionItemData:
        """Change the given fields of an action item (``due_date=None`` clears it); one transaction."""
        if title is not None:
            validate_action(title)
        with self._sessions.begin() as s:
            item = _live(s, action_id)
            if title is not None:
                item.title = title.strip()
            if owner is not None:
                item.owner = owner.strip()
            if owner_side is not None:
                item.owner_side = owner_side
            if due_date is not ...:
                item.due_date = due_date
        return self.get(action_id)

    def set_done(self, action_id: str, done: bool = True, on: date | None = None) -> ActionItemData:
        """Tick an action item off (on ``on``, default today) or open it again."""
        with self._sessions.begin() as s:
            item = _live(s, action_id)
            item.done_on = (on or date.today()) if done else None
        return self.get(action_id)


def _live(s: Session, action_id: str) -> ActionItem:
    return get_live(s, ActionItem, action_id, "action item")


def _to_data(a: ActionItem, partner_name: str, session_title: str | None, session_date: datetime | None,
             today: date) -> ActionItemData:
    overdue = a.done_on is None and a.due_date is not None and a.due_date < today
    return ActionItemData(a.id, a.partner_id, partner_name, a.session_id, session_title or "", session_date,
                          a.title, a.owner, a.owner_side, a.due_date, a.done_on, overdue)


__all__ = ["ActionItemData", "ActionQuery", "ActionService", "ActionStatus", "new_action"]
