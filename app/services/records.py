"""Helpers every service uses on syncable rows: read a live (not tombstoned) row, replace a set of children."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.models.base import get_by_id
from app.services.clock import utcnow
from app.services.errors import NotFound

Row = TypeVar("Row")


def get_live(s: Session, model: type[Row], row_id: str | None, what: str) -> Row:
    """The row ``row_id`` of ``model``; NotFound ("No <what> with id …") when missing or tombstoned."""
    row = get_by_id(s, model, row_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No {what} with id {row_id}")
    return row


def replace_children(s: Session, existing: Iterable[Any], items: Iterable[tuple[str | None, dict[str, Any]]],
                     create: Callable[[dict[str, Any]], Any]) -> None:
    """Make a parent's live children exactly ``items`` ((id or None, values) pairs).

    Children are matched by id: a match gets only its changed values (so only those fields get a new rev) and
    is restored if it was tombstoned (an undo); an item without a match is made anew by ``create(values)``;
    live children not in ``items`` are tombstoned.
    """
    by_id = {row.id: row for row in existing}
    keep: set[str] = set()
    for item_id, values in items:
        row = by_id.get(item_id) if item_id else None
        if row is None:
            row = create(values)  # an id from elsewhere (another version's child) is not reused
            s.add(row)
            s.flush()
        else:
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
            if row.deleted_at is not None:
                row.deleted_at = None
        keep.add(row.id)
    now = utcnow()
    for row_id, row in by_id.items():
        if row_id not in keep and row.deleted_at is None:
            row.deleted_at = now
