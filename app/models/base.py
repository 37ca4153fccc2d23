"""Declarative base and the sync metadata every travelling record carries.

A *syncable* row is one that travels between laptops in export packages. It has:

- ``id``: a UUID (text) that is never reused;
- ``partner_id``: on every row that belongs to a partner, child rows included, so that scoping a package
  to some partners is a single ``WHERE partner_id IN (...)``;
- ``rev``: the revision stamp of the row's latest edit, a hybrid-logical-clock value followed by the device
  id (see app/services/clock.py); comparing two revs as strings orders edits across devices;
- ``field_revs``: the rev of the latest edit of each field whose rev differs from ``rev`` (a field not listed
  was last edited at ``rev``), so that edits of different fields on two laptops merge field by field while
  rows never edited since creation (most of them: measurements, log entries) carry only ``{}``;
- ``seen_revs``: the highest rev of each device whose edits this row has taken in, for devices whose latest
  rev no longer shows in ``rev``/``field_revs`` (an edit later superseded). With them the row's full version
  vector is known, so an import tells a concurrent edit (a conflict) from a sequential one; almost always ``{}``;
- ``base_revs``: for each field edited since creation, the rev its latest edit replaced (what the editor saw),
  so a value merged on a third laptop still shows whether its edit was made on top of another; ``{}`` until
  the row is edited;
- ``updated_at`` (UTC, for display) and ``updated_by`` (device id);
- ``deleted_at``: a tombstone. Syncable rows are never physically deleted;
- ``seq``: local only, never in a package: the database's change sequence when the row was last written here
  (an edit, or an import that changed it), so "changed since my last export" is ``seq > mark``.

Stamping happens in exactly one place, `app.services.clock.install_stamping`; models never set these.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Syncable:
    """Mixin for rows that travel in export packages (see the module docstring)."""

    #: Fields that are sync metadata, not user data: never merged field by field.
    META_FIELDS = frozenset({"id", "rev", "field_revs", "seen_revs", "base_revs", "updated_at", "updated_by", "seq"})
    #: Columns that stay on this laptop: never written to a package.
    LOCAL_FIELDS = frozenset({"seq"})

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    rev: Mapped[str] = mapped_column(String(80), default="")
    field_revs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seen_revs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    base_revs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(36), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(Integer, default=0)


def get_by_id(session, model: type, row_id: str | None):
    """``session.get`` by a record's id, also for a model keyed otherwise (a measurement: `key_of` its id)."""
    if not row_id:
        return None
    key_of = getattr(model, "key_of", None)
    if key_of is None:
        return session.get(model, row_id)
    try:
        return session.get(model, key_of(row_id))
    except ValueError:
        return None


def syncable_tables() -> list[str]:
    """Names of every table whose rows travel in packages, parents before children."""
    return [t.name for t in Base.metadata.sorted_tables if "rev" in t.c and "field_revs" in t.c]


def enum_type(enum_cls: type) -> Any:
    """Store a StrEnum as its value in a plain VARCHAR (portable; no native enum, no CHECK to migrate)."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
