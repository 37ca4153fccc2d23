"""One pattern for every versioned shared library: KPIs, playbooks, criteria sets, plan templates, learning tracks.

A library *item* (a KPI, a playbook, a criteria-set lineage, a plan template, a learning track) has a history of
*version rows*, one row per version, each with its own uuid: nothing about a version's identity depends on its
content or on what other laptops did, so two laptops that each publish a version of the same item both keep
theirs, and after a sync both laptops hold both rows.

A version is *published* once it is frozen (a plan-template snapshot is published as it is written; a
playbook, criteria-set, track or KPI version when its status becomes published, at once for a KPI saved as a
new version). Its **published rev** is the rev the
stamping hook gave the field that published it (`Versioning.published_field`), so it records the moment and,
in its device part, the laptop that published it; the rev travels with the row and never changes afterwards.

The **version number** users see ("v3") is never stored: it is the version's position in the item's history
ordered by (published rev, id). Every laptop holding the same rows therefore shows the same numbers, and a
version published here is numbered after everything this laptop had seen (the hybrid logical clock sorts a new
rev after every rev seen). Two versions published concurrently on two laptops both keep their number after the
sync, in the same order everywhere (say v2 and v3). Drafts (not yet published) come after every published
version, in the order they were started; a draft's number can move up when a version published elsewhere
arrives.

The item's current content follows the ordinary merge rules (app/services/sync/merge.py): fields edited on
both laptops conflict there; the history only adds rows, so it always converges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import TemplateStatus
from app.services.clock import field_rev, rev_device


@dataclass(frozen=True)
class VersionStamp:
    """What numbering needs of one version row: its id, its published rev ("" for a draft) and, for drafts, the
    rev it was started at."""

    id: str
    published_rev: str
    started_rev: str = ""

    @property
    def is_published(self) -> bool:
        return bool(self.published_rev)

    @property
    def author_device(self) -> str:
        """The device that published the version ("" for a draft)."""
        return rev_device(self.published_rev) if self.published_rev else ""


def number_versions(stamps: Iterable[VersionStamp]) -> dict[str, int]:
    """Version id -> its number in one item's history: published versions by (published rev, id) from 1, then
    drafts by (started rev, id). The same set of versions gives the same numbers whatever order it came in."""
    stamps = list(stamps)
    published = sorted((v for v in stamps if v.is_published), key=lambda v: (v.published_rev, v.id))
    drafts = sorted((v for v in stamps if not v.is_published), key=lambda v: (v.started_rev, v.id))
    return {v.id: n for n, v in enumerate((*published, *drafts), 1)}


def _always(_row: Any) -> bool:
    return True


def _status_published(row: Any) -> bool:
    return row.status is TemplateStatus.PUBLISHED


@dataclass(frozen=True)
class Versioning:
    """How one library keeps its versions: the version model, the column naming the item, and the field whose
    write publishes a version (with the test that a row is published)."""

    model: type
    item_column: str
    published_field: str
    is_published: Callable[[Any], bool] = _always

    @classmethod
    def with_status(cls, model: type, item_column: str) -> Versioning:
        """A library with drafts: a version is published when its ``status`` is published."""
        return cls(model, item_column, "status", _status_published)

    def stamp(self, row: Any) -> VersionStamp:
        """The numbering stamp of one version row."""
        revs = row.field_revs or {}
        published = field_rev(revs, row.rev, self.published_field) if self.is_published(row) else ""
        # The item column never changes, so its rev is the rev the row was created at.
        return VersionStamp(row.id, published, field_rev(revs, row.rev, self.item_column))

    def rows(self, s: Session, item_ids: Iterable[str]) -> dict[str, list[Any]]:
        """item id -> its version rows in history order (oldest first): every published version, tombstoned
        ones included (a published version stays in the history, so numbers never shift), and live drafts."""
        ids = list(dict.fromkeys(item_ids))
        if not ids:
            return {}
        column = getattr(self.model, self.item_column)
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in s.scalars(select(self.model).where(column.in_(ids))):
            if self.is_published(row) or row.deleted_at is None:
                grouped[getattr(row, self.item_column)].append(row)
        out = {}
        for item_id, rows in grouped.items():
            numbers = number_versions(self.stamp(r) for r in rows)
            out[item_id] = sorted(rows, key=lambda r: numbers[r.id])
        return out

    def numbers(self, s: Session, item_ids: Iterable[str]) -> dict[str, int]:
        """version id -> its number, for every version of the items ``item_ids``."""
        return {r.id: n for rows in self.rows(s, item_ids).values() for n, r in enumerate(rows, 1)}

    def number_of(self, s: Session, row: Any) -> int:
        """The number of one version row in its item's history."""
        return self.numbers(s, [getattr(row, self.item_column)])[row.id]

    def live(self, s: Session, item_id: str, *, newest_first: bool = True) -> list[tuple[int, Any]]:
        """(number, row) of the item's live versions, newest first (or oldest first)."""
        numbered = [(n, r) for n, r in enumerate(self.rows(s, [item_id]).get(item_id, []), 1)
                    if r.deleted_at is None]
        return numbered[::-1] if newest_first else numbered


__all__ = ["VersionStamp", "Versioning", "number_versions"]
