"""Revision stamps: a hybrid logical clock, and the one place that stamps every write.

A rev looks like ``0001763900000123.00004.<device-id>``: milliseconds of the hybrid clock, a counter
that breaks ties within one millisecond, and the device that made the edit. Compared as strings, revs
order edits across laptops even when their wall clocks disagree: `HybridClock.observe` moves this
laptop's clock past every rev it imports, so a later local edit always sorts after what it has seen.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session, sessionmaker

from app.models.base import Syncable
from app.models.local import LocalSetting

CLOCK_KEY = "hlc_last"
#: The rev of records shipped with Tandem (the default libraries): the same on every laptop, older than any
#: edit, so two laptops that each loaded the defaults hold identical records and merge them as unchanged.
SHIPPED_REV = "0000000000000000.00000.shipped"


def utcnow() -> datetime:
    """Naive UTC now (SQLite stores naive datetimes; every datetime in the database is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def format_rev(millis: int, counter: int, device_id: str) -> str:
    return f"{millis:016d}.{counter:05d}.{device_id}"


def parse_rev(rev: str) -> tuple[int, int, str]:
    millis, counter, device = rev.split(".", 2)
    return int(millis), int(counter), device


class HybridClock:
    """A hybrid logical clock for one device. Thread-safe."""

    def __init__(self, device_id: str, last: str = "", wall=lambda: int(time.time() * 1000)) -> None:
        self.device_id = device_id
        self._wall = wall
        self._lock = threading.Lock()
        self._millis, self._counter = (parse_rev(last)[:2] if last else (0, 0))

    def tick(self) -> str:
        """A new rev, greater than every rev this clock has issued or observed."""
        with self._lock:
            now = self._wall()
            if now > self._millis:
                self._millis, self._counter = now, 0
            else:
                self._counter += 1
            return format_rev(self._millis, self._counter, self.device_id)

    def observe(self, rev: str) -> None:
        """Move the clock past a rev seen from another device (an import), so later edits sort after it."""
        millis, counter, _ = parse_rev(rev)
        with self._lock:
            if (millis, counter) > (self._millis, self._counter):
                self._millis, self._counter = millis, counter

    @property
    def last(self) -> str:
        return format_rev(self._millis, self._counter, self.device_id)


def user_fields(obj_or_cls: Any) -> list[str]:
    """The column attributes of a syncable model that hold user data (everything but sync metadata)."""
    mapper = inspect(obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls))
    return [a.key for a in mapper.column_attrs if a.key not in Syncable.META_FIELDS]


def field_rev(field_revs: dict[str, str], rev: str, field: str) -> str:
    """The rev of one field's latest edit. ``field_revs`` lists only fields whose rev differs from the row's
    ``rev`` (so a row never edited since it was created carries an empty map)."""
    return field_revs.get(field, rev)


def rev_device(rev: str) -> str:
    """The device part of a rev (what follows ``millis.counter.``)."""
    return rev.split(".", 2)[2] if rev.count(".") >= 2 else rev


def row_versions(rev: str, field_revs: dict[str, str] | None, seen_revs: dict[str, str] | None) -> dict[str, str]:
    """A row's full version vector: for each device, the highest of its revs the row has taken in."""
    vv = dict(seen_revs or {})
    for r in (rev, *(field_revs or {}).values()):
        if r:
            d = rev_device(r)
            if r > vv.get(d, ""):
                vv[d] = r
    return vv


#: Appended to a delete's rev to make the rev of "kept despite a concurrent delete" (see sync/merge.py);
#: device ids are hexadecimal, so no real device ends with it.
RESTORE_SUFFIX = "r"


def compact_seen(versions: dict[str, str], rev: str, field_revs: dict[str, str]) -> dict[str, str]:
    """The ``seen_revs`` to store: the entries of ``versions`` that ``rev`` and ``field_revs`` do not show.

    Revs of kept-despite-delete are derived from the delete's rev, not edits: they are not remembered."""
    shown = row_versions(rev, field_revs, None)
    return {d: r for d, r in versions.items() if r > shown.get(d, "") and not d.endswith(RESTORE_SUFFIX)}


def stamp_new(values: dict[str, Any], clock: HybridClock, now: datetime | None = None) -> dict[str, Any]:
    """Stamp a plain row dict for a bulk insert (demo data, fixtures); returns it for chaining."""
    rev = clock.tick()
    values["rev"] = rev
    values["field_revs"] = {}
    values["seen_revs"] = {}
    values["base_revs"] = {}
    values["updated_at"] = now or utcnow()
    values["updated_by"] = clock.device_id
    return values


def install_stamping(factory: sessionmaker, clock: HybridClock) -> None:
    """Stamp rev, field_revs and updated_* on every syncable row a session of ``factory`` writes.

    Syncable rows are never deleted: ``session.delete()`` on one raises; set ``deleted_at`` instead.
    A session whose ``info["stamping"]`` is False (the package import, which must keep incoming revs)
    is left alone; one whose ``info["shipped"]`` is True (loading the shipped defaults) gives new rows
    `SHIPPED_REV`.
    """

    factory.kw.setdefault("info", {})["clock"] = clock

    @event.listens_for(factory, "before_flush")
    def _stamp(session: Session, _ctx, _instances) -> None:
        if session.info.get("stamping") is False:
            return
        for obj in session.deleted:
            if isinstance(obj, Syncable):
                raise ValueError(f"{type(obj).__name__} rows are tombstoned (deleted_at), never deleted")
        now = utcnow()
        last = None
        shipped = session.info.get("shipped") is True
        for obj in session.new:
            if isinstance(obj, Syncable):
                if shipped:
                    rev = SHIPPED_REV
                else:
                    last = rev = clock.tick()
                obj.rev = rev
                obj.field_revs = {}
                obj.seen_revs = {}
                obj.base_revs = {}
                obj.updated_at, obj.updated_by = now, clock.device_id
        for obj in session.dirty:
            if not isinstance(obj, Syncable):
                continue
            state = inspect(obj)
            changed = [k for k in user_fields(obj) if state.attrs[k].history.has_changes()]
            if not changed:
                continue
            old_rev, old_field_revs = obj.rev, obj.field_revs or {}
            versions = row_versions(old_rev, old_field_revs, obj.seen_revs)
            last = obj.rev = clock.tick()
            obj.field_revs = {k: old_field_revs.get(k, old_rev) for k in user_fields(obj) if k not in changed}
            # Revs this edit supersedes disappear from field_revs; keep them in the version vector.
            obj.seen_revs = compact_seen(versions, obj.rev, obj.field_revs)
            # What each changed field held before (the edit was made on top of it).
            bases = {k: v for k, v in (obj.base_revs or {}).items() if k not in changed}
            bases.update({k: old_field_revs.get(k, old_rev) for k in changed})
            obj.base_revs = bases
            obj.updated_at, obj.updated_by = now, clock.device_id
        if last is not None:
            session.connection().execute(
                update(LocalSetting).where(LocalSetting.key == CLOCK_KEY).values(value=last)
            )
