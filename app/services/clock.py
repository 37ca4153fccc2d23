"""Revision stamps: a hybrid logical clock, the local change sequence, and the one place that stamps writes.

A rev looks like ``0001763900000123.00004.<device-id>``: milliseconds of the hybrid clock (16 digits), a
counter that breaks ties within one millisecond (5 digits), and the device that made the edit. Both numbers
are fixed-width, so comparing revs as strings compares them as numbers; the counter never overflows its
width: at 99,999 the clock moves on to the next millisecond instead. Compared as strings, revs order edits
across laptops even when their wall clocks disagree: `HybridClock.observe` moves this laptop's clock past
every rev it imports, so a later local edit always sorts after what it has seen.

Every syncable row also carries ``seq``, a local integer (it never travels) that each committing write
transaction raises by one (`next_seq`): the database's *change sequence*. It grows in commit order because it
is taken under SQLite's write lock, so "everything committed after the export whose snapshot saw sequence N"
is exactly ``seq > N`` (see sync/exporter.py).
"""

from __future__ import annotations

import json
import re
import threading
import time
from functools import cache
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, event, func, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models.base import Syncable
from app.models.local import LocalSetting
from app.services.changes import note

CLOCK_KEY = "hlc_last"
SEQ_KEY = "change_seq"
#: The device part of the revs of records shipped with Tandem (the default libraries).
SHIPPED_DEVICE = "shipped"
COUNTER_MAX = 99_999
MILLIS_MAX = 10**16 - 1
#: A rev exactly as this version writes them: 16 ASCII digits, 5 ASCII digits, a device id (32 hex digits, or the shipped
#: libraries' name), and the "kept despite a concurrent delete" suffixes (sync/merge.py).
REV_RE = re.compile(r"[0-9]{16}\.[0-9]{5}\.(?:[0-9a-f]{32}|shipped)r*")


def utcnow() -> datetime:
    """Naive UTC now (SQLite stores naive datetimes; every datetime in the database is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def format_rev(millis: int, counter: int, device_id: str) -> str:
    if not (0 <= millis <= MILLIS_MAX and 0 <= counter <= COUNTER_MAX):
        raise ValueError(f"a rev's time {millis} or counter {counter} is out of range")
    return f"{millis:016d}.{counter:05d}.{device_id}"


def parse_rev(rev: str) -> tuple[int, int, str]:
    millis, counter, device = rev.split(".", 2)
    return int(millis), int(counter), device


def is_valid_rev(value: object) -> bool:
    """True for a rev in exactly the format this version writes (anything else is refused on import)."""
    return isinstance(value, str) and REV_RE.fullmatch(value) is not None


def rev_millis(rev: str) -> int:
    return int(rev[:16])


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
            elif self._counter < COUNTER_MAX:
                self._counter += 1
            else:  # the counter's width is full: borrow the next millisecond rather than overflow
                self._millis, self._counter = self._millis + 1, 0
            return format_rev(self._millis, self._counter, self.device_id)

    def observe(self, rev: str) -> None:
        """Move the clock past a rev seen from another device (an import), so later edits sort after it."""
        millis, counter, _ = parse_rev(rev)
        with self._lock:
            if (millis, counter) > (self._millis, self._counter):
                self._millis, self._counter = millis, counter

    def wall_millis(self) -> int:
        """This laptop's wall clock, in the revs' unit."""
        return self._wall()

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


#: ``base_revs`` keys under which a delete stores the version vector its author had (``~knew:<device>``).
KNEW_PREFIX = "~knew:"

#: Appended to a delete's rev to make the rev of "kept despite a concurrent delete" (see sync/merge.py);
#: device ids are hexadecimal, so no real device ends with it.
RESTORE_SUFFIX = "r"


def children_versions(conn, table: str, row_id: str) -> dict[str, str]:
    """For each device, the highest rev among the records under ``table``/``row_id`` (sync.tables.child_refs):
    what the laptop knew of them when it deleted the record, so an edit of one it had not seen brings the
    record back (sync/merge.py, `restore_parent`)."""
    from app.services.sync.tables import child_refs

    versions: dict[str, str] = {}
    for child, col in child_refs(table):
        for rev, field_revs, seen_revs in conn.exec_driver_sql(
                f'SELECT rev, field_revs, seen_revs FROM "{child}" WHERE "{col}" = ?', (row_id,)):
            fr, seen = (json.loads(m) if m and m != "{}" else None for m in (field_revs, seen_revs))
            for d, r in row_versions(rev, fr, seen).items():
                if r > versions.get(d, ""):
                    versions[d] = r
    return versions


def compact_seen(versions: dict[str, str], rev: str, field_revs: dict[str, str]) -> dict[str, str]:
    """The ``seen_revs`` to store: the entries of ``versions`` that ``rev`` and ``field_revs`` do not show.

    Revs of kept-despite-delete are derived from the delete's rev, not edits: they are not remembered."""
    shown = row_versions(rev, field_revs, None)
    return {d: r for d, r in versions.items() if r > shown.get(d, "") and not d.endswith(RESTORE_SUFFIX)}


def stamp_new(values: dict[str, Any], clock: HybridClock, now: datetime | None = None,
              seq: int = 0) -> dict[str, Any]:
    """Stamp a plain row dict for a bulk insert (demo data, fixtures); returns it for chaining. ``seq`` is the
    change sequence of the inserting transaction (`next_seq`)."""
    rev = clock.tick()
    values["rev"] = rev
    values["field_revs"] = {}
    values["seen_revs"] = {}
    values["base_revs"] = {}
    values["updated_at"] = now or utcnow()
    values["updated_by"] = clock.device_id
    values["seq"] = seq
    return values


def next_seq(conn) -> int:
    """Raise the change sequence and return it, in the caller's (write) transaction.

    The statement takes SQLite's write lock, held until commit, so no other transaction can take a sequence
    number until this one has committed: sequence numbers are handed out in commit order."""
    raised = func.cast(func.cast(LocalSetting.value, Integer) + 1, String)
    value = conn.execute(update(LocalSetting).where(LocalSetting.key == SEQ_KEY).values(value=raised)
                         .returning(LocalSetting.value)).scalar_one()
    return int(value)


def current_seq(conn) -> int:
    """The change sequence as this connection's snapshot sees it."""
    value = conn.execute(select(LocalSetting.value).where(LocalSetting.key == SEQ_KEY)).scalar()
    return int(value or 0)


def _session_seq(session: Session) -> int:
    """The change sequence of the session's current transaction, taken at its first syncable write."""
    trans = session.get_transaction()
    if session.info.get("seq_for") is not trans:
        session.info["seq"] = next_seq(session.connection())
        session.info["seq_for"] = trans
    return session.info["seq"]


def install_stamping(factory: sessionmaker, clock: HybridClock) -> None:
    """Stamp rev, field_revs, seq and updated_* on every syncable row a session of ``factory`` writes.

    Syncable rows are never deleted: ``session.delete()`` on one raises; set ``deleted_at`` instead.
    A session whose ``info["stamping"]`` is False (the package import, which must keep incoming revs)
    is left alone. A local edit of a field closes the open conflicts of that field: it is made knowing both
    values (sync/importer.py closes them likewise when such an edit arrives from another laptop).
    """

    factory.kw.setdefault("info", {})["clock"] = clock

    @event.listens_for(factory, "before_flush")
    def _stamp(session: Session, _ctx, _instances) -> None:
        if session.info.get("stamping") is False:
            return
        for obj in session.deleted:
            if isinstance(obj, Syncable):
                raise ValueError(f"{type(obj).__name__} rows are tombstoned (deleted_at), never deleted")
        _keep_parents_of_written_children(session)
        now = utcnow()
        last = None
        edited: list[tuple[str, str, list[str]]] = []
        for obj in session.new:
            if isinstance(obj, Syncable):
                last = obj.rev = clock.tick()
                obj.field_revs = {}
                obj.seen_revs = {}
                obj.base_revs = {}
                obj.updated_at, obj.updated_by = now, clock.device_id
                obj.seq = _session_seq(session)
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
            if obj.deleted_at is not None and "deleted_at" not in changed:
                # An edit of a record this laptop holds deleted is made knowing the delete: it must not
                # undo the delete elsewhere (sync/merge.py).
                bases[KNEW_PREFIX + clock.device_id] = obj.rev
            if "deleted_at" in changed:
                # A delete remembers what its author had seen: it is undone only by edits it did not know
                # of (sync/merge.py).
                bases = {k: v for k, v in bases.items() if not k.startswith(KNEW_PREFIX)}
                if obj.deleted_at is not None:
                    seen = row_versions(obj.rev, obj.field_revs, obj.seen_revs)
                    for d, r in children_versions(session.connection(), obj.__table__.name, obj.id).items():
                        if r > seen.get(d, ""):
                            seen[d] = r
                    bases.update({KNEW_PREFIX + d: r for d, r in seen.items()})
            obj.base_revs = bases
            obj.updated_at, obj.updated_by = now, clock.device_id
            obj.seq = _session_seq(session)
            edited.append((obj.__table__.name, obj.id, changed))
        if last is not None:
            conn = session.connection()
            conn.execute(update(LocalSetting).where(LocalSetting.key == CLOCK_KEY).values(value=last))
            if edited and _close_reedited_conflicts(conn, edited, now):
                note(session, "sync_conflicts")


def _keep_parents_of_written_children(session: Session) -> None:
    """A record written live under a deleted parent brings the parent back (as an edit of it), as a package
    bringing such a record does on every other laptop (sync/importer.py)."""
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Syncable) or obj.deleted_at is not None:
            continue
        if obj in session.dirty:
            state = inspect(obj)
            if not any(state.attrs[k].history.has_changes() for k in user_fields(obj)):
                continue
        for col, model in _parents(type(obj)):
            parent_id = getattr(obj, col)
            parent = session.get(model, parent_id) if parent_id else None
            if parent is not None and parent.deleted_at is not None:
                parent.deleted_at = None


@cache
def _parents(cls: type) -> tuple[tuple[str, type], ...]:
    """(column, model) of the syncable records a record of ``cls`` hangs under (its foreign keys)."""
    models = {m.local_table.name: m.class_ for m in cls.registry.mappers if m.local_table is not None}
    out = []
    for fk in cls.__table__.foreign_keys:
        target = models.get(fk.column.table.name)
        if target is not None and issubclass(target, Syncable) and fk.parent.name != "id":
            out.append((fk.parent.name, target))
    return tuple(out)


def _close_reedited_conflicts(conn, edited: list[tuple[str, str, list[str]]], now: datetime) -> bool:
    """Close the open conflicts of the edited fields; whether any was closed."""
    from app.models.sync import SyncConflict

    if conn.execute(select(SyncConflict.id).where(SyncConflict.status == "open").limit(1)).first() is None:
        return False
    closed = 0
    for table, row_id, fields in edited:
        closed += conn.execute(update(SyncConflict).where(
            SyncConflict.status == "open", SyncConflict.table_name == table, SyncConflict.row_id == row_id,
            SyncConflict.field.in_(fields)).values(status="resolved", resolution="superseded",
                                                   resolved_at=now)).rowcount
    return closed > 0
