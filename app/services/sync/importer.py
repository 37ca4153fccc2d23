"""Applying a verified package to the database: validate each record, merge, count, all in one transaction.

Memory is bounded by one batch of records: records stream from the package, and each batch fetches only
the local rows it needs. Incoming revs are written as they are (Core statements; the ORM stamping hook is
never involved). A failure anywhere rolls the whole import back.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from itertools import islice, repeat
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.models.enums import PeriodKind
from app.models.kpi import ID_SEPARATOR
from app.models.local import LocalSetting
from app.models.partner import Partner
from app.models.sync import SyncConflict, SyncHistory, SyncProposal, SyncSigner
from app.services.attachments import BlobStore
from app.services.clock import CLOCK_KEY, COUNTER_MAX, REV_RE, format_rev, next_seq, parse_rev, rev_millis, \
    row_versions, utcnow
from app.services.errors import Cancelled
from app.services.integrity import ColumnRule, column_sound, problems, rules
from app.services.sync.blobs import BlobRejected, BlobReport, Staging, reconcile, remove_leftover_staging
from app.services.sync.errors import PackageRefused
from app.services.sync.keys import key_path, public_key_b64, device_key
from app.services.sync.merge import DELETED, FieldConflict, knows, merge, restore_parent
from app.services.sync.package import PackageReader, read_ahead
from app.services.sync.roles import TEAM, Role, is_proposal, refusal
from app.services.sync.tables import PARTNER_COLUMN, TableSpec, child_refs, dumps_json, table_specs

BATCH = 2000
IN_CHUNK = 500  # ids per "WHERE id IN (...)"
MAX_REPORTED = 200  # rejection reasons and conflicts kept for the preview
COUNT_KEYS = ("new", "updated", "unchanged", "conflicts", "proposed", "rejected")


@dataclass(frozen=True)
class SignerInfo:
    device_id: str
    name: str
    device_name: str
    fingerprint: str
    public_key: str
    status: str  # "self", "trusted", "new" (never seen: the user decides), "mismatch" (known, other key),
    # "revoked" (its packages are refused)
    role: Role | None = None  # what its packages may change (roles.py); None for this laptop itself
    revoked_reason: str = ""

    @property
    def label(self) -> str:
        who = self.name or "(no name)"
        device = self.device_name or "an unnamed device"
        return f"{who} on {device} (device {self.device_id[:8]}…, key {self.fingerprint})"


@dataclass(frozen=True)
class ConflictPreview:
    table: str
    row_id: str
    field: str
    local_value: Any
    incoming_value: Any
    winner: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, for a preview, would do), per table and in total."""

    package_id: str
    tables: dict[str, dict[str, int]]
    total: dict[str, int]
    signer: SignerInfo
    scope: str
    created_at: str
    dry_run: bool
    applied: bool
    already_imported_at: datetime | None = None
    backup_path: Path | None = None
    rejections: tuple[str, ...] = ()
    conflicts: tuple[ConflictPreview, ...] = ()
    disputed: int = 0  # open measurement disputes this package brought or changed (app/models/dispute.py)
    files: BlobReport = field(default_factory=BlobReport)  # attachment files received, new here, without their row, rows missing one

    @property
    def no_op(self) -> bool:
        t = self.total
        return t["new"] + t["updated"] + t["conflicts"] + t["proposed"] == 0 and not self.files.stored

    def as_json(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "tables": self.tables, "total": self.total,
                "files": self.files.as_json()}


def signer_status(conn: Connection, signer: dict[str, Any], own_device: str) -> str:
    if signer["device_id"] == own_device:
        own = key_path(own_device)
        return "self" if own.exists() and public_key_b64(device_key(own_device)) == signer["public_key"] \
            else "mismatch"
    known = conn.execute(select(SyncSigner.public_key, SyncSigner.trusted, SyncSigner.revoked_at)
                         .where(SyncSigner.device_id == signer["device_id"])).first()
    if known is None:
        return "new"
    if known.public_key != signer["public_key"]:
        return "mismatch"
    if known.revoked_at is not None:
        return "revoked"
    return "trusted" if known.trusted else "new"


def scope_of(manifest: dict[str, Any]) -> tuple[frozenset[str] | None, str]:
    """(partner ids in scope, or None for everything; a description for people)."""
    scope = manifest.get("scope") or {}
    if scope.get("kind") == "partners":
        ids = frozenset(str(i) for i in scope.get("partner_ids") or [])
        names = scope.get("partner_names") or []
        return ids, "partners: " + ", ".join(str(n) for n in names) if names else f"{len(ids)} partners"
    return None, "everything"


def _batched(it: Iterator, n: int) -> Iterator[list]:
    while chunk := list(islice(it, n)):
        yield chunk


def _chunks(seq: list, n: int = IN_CHUNK) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


#: How far ahead of this laptop's wall clock an incoming rev may lie. A laptop whose clock runs fast would
#: otherwise pin every clock it syncs with into the future.
MAX_AHEAD_MS = 24 * 3600 * 1000


@dataclass
class _Run:
    conn: Connection
    scope: frozenset[str] | None
    package_id: str
    peer: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rejections: list[str] = field(default_factory=list)
    previews: list[ConflictPreview] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    open_conflicts: dict[tuple[str, str], list[Any]] = field(default_factory=lambda: defaultdict(list))
    resolved_ids: list[int] = field(default_factory=list)
    reported: set[tuple] = field(default_factory=set)
    max_rev: str = ""
    quiet_updates: int = 0  # rows whose sync metadata (not user data) changed: written, counted unchanged
    latest_allowed: str = ""  # the highest rev a record may carry (MAX_AHEAD_MS past the wall clock)
    signer_label: str = ""
    role: Role | None = None  # the signer's (roles.py); None: this laptop's own package
    signer_device: str = ""
    proposals: list[dict[str, Any]] = field(default_factory=list)
    disputed: int = 0
    #: parent table -> id -> (partner_id, deleted) of the rows its children's batches looked up (`_existing`)
    parents: dict[str, dict[str, tuple[str | None, bool]]] = field(default_factory=dict)
    #: table -> the highest id its batches carried, while it held only rows this import wrote (`_none_held`)
    highest_new: dict[str, str | None] = field(default_factory=dict)
    relay: bool = False  # a package from the team hub: its device records are taken (roles.refusal)
    _seq: int | None = None

    @property
    def seq(self) -> int:
        """The change sequence of this import's transaction (taken at its first write)."""
        if self._seq is None:
            self._seq = next_seq(self.conn)
        return self._seq

    def count(self, table: str, key: str, n: int = 1) -> None:
        self.counts.setdefault(table, dict.fromkeys(COUNT_KEYS, 0))[key] += n

    def reject(self, table: str, record_id: Any, reason: str) -> None:
        self.count(table, "rejected")
        if len(self.rejections) < MAX_REPORTED:
            rid = record_id if isinstance(record_id, str) else None
            self.rejections.append(f"{table} {rid or '(unreadable record)'}: {reason}")


_PERIOD_KINDS = frozenset(k.value for k in PeriodKind)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: A record as the importer handles it: its values in `TableSpec.columns` order (package.row_batches); anything
#: else a package line held (None, a dict of other fields, a list of another length) is rejected.
Values = list


def _well_formed(spec: TableSpec, rec: Any) -> bool:
    return type(rec) is list and len(rec) == len(spec.columns)


def _record_id(spec: TableSpec, rec: Any) -> Any:
    """The id a record claims (for messages), or None."""
    if _well_formed(spec, rec):
        return rec[spec.at["id"]]
    return rec.get("id") if type(rec) is dict else None


def _validate(spec: TableSpec, rec: Any, scope: frozenset[str] | None) -> str | None:
    """Why ``rec`` cannot be merged into ``spec``'s table, or None. Runs for every record of a package, so it is
    written for speed: exact types, one regex per rev, no per-record allocation on the common path."""
    if type(rec) is not list:
        return "its fields do not match this version of Tandem" if type(rec) is dict else "not a valid record"
    if len(rec) != len(spec.columns):
        return "its fields do not match this version of Tandem"
    i_id, i_rev, i_fr, i_seen, i_base = spec.meta_at
    rid = rec[i_id]
    if type(rid) is not str or not rid:
        return "no id"
    valid_rev = REV_RE.fullmatch
    rev = rec[i_rev]
    if type(rev) is not str or valid_rev(rev) is None:
        return "its revision stamps are not valid"
    fr, seen, base = rec[i_fr], rec[i_seen], rec[i_base]
    if type(fr) is not dict or type(seen) is not dict or type(base) is not dict:
        return "its revision stamps are not valid"
    if fr or seen or base:  # most records carry none
        for r in (*fr.values(), *seen.values(), *base.values()):
            if type(r) is not str or valid_rev(r) is None:
                return "its revision stamps are not valid"
    if spec.id_separator is not None and not _id_follows_key(spec, rec, rid):
        return "a measurement's id must follow from its partner, KPI and period"
    if spec.partner_owned and (scope is not None or spec.name == "partners"):
        pid = rec[spec.at[PARTNER_COLUMN]]
        if spec.name == "partners" and pid != rid:
            return "a partner must belong to itself"
        if scope is not None and pid not in scope:
            return "it belongs to a partner outside the package's scope"
    bad = problems(spec.name, spec.as_dict(rec), json_as_text=False)  # the rules the app's own writes keep
    if bad:
        return "; ".join(f"{p.field}: {p.reason}" for p in bad[:3]) + (" …" if len(bad) > 3 else "")
    return None


@lru_cache(maxsize=None)
def _value_rules(spec: TableSpec) -> tuple[tuple[int, ColumnRule], ...]:
    """(position, rule) of the columns whose values `_columns_if_valid` checks (the sync metadata apart)."""
    table_rules = rules(spec.name)
    return tuple((i, table_rules[c]) for i, c in enumerate(spec.columns) if c not in META and c in table_rules)


#: Every rev of a batch joined by newlines (`_columns_if_valid`): one regex pass over the batch.
_REV_LINES = re.compile(rf"(?:{REV_RE.pattern}\n)*{REV_RE.pattern}")


def _columns_if_valid(spec: TableSpec, batch: list[Any], scope: frozenset[str] | None) -> list[tuple] | None:
    """The batch's values a column at a time when every record passes `_validate`, no id appears twice and no
    record carries a revision map (the usual batch of a package), else None: then each record is looked at on
    its own. The same rules as `_validate`, checked with a few passes over whole columns instead of a Python
    loop per record; None says only "look closer", never that a record is bad."""
    n, width = len(batch), len(spec.columns)
    if not n or set(map(type, batch)) != {list} or set(map(len, batch)) != {width}:
        return None
    cols = list(zip(*batch))
    i_id, i_rev, i_fr, i_seen, i_base = spec.meta_at
    ids, revs = cols[i_id], cols[i_rev]
    try:
        if set(map(type, ids)) != {str} or not all(ids) or len(set(ids)) != n:
            return None
        if set(map(type, revs)) != {str}:
            return None
        joined = "\n".join(revs)
        if joined.count("\n") != n - 1 or _REV_LINES.fullmatch(joined) is None:
            return None
        if any(cols[i].count({}) != n for i in (i_fr, i_seen, i_base)):
            return None
        if spec.id_separator is not None:
            key = [cols[spec.at[c]] for c in spec.key]  # in the order measurement_id joins them
            if any(set(map(type, part)) != {str} for part in key):
                return None
            sep = spec.id_separator
            # Equal to the joined key with exactly one separator between parts: no part holds the separator.
            if tuple(map(sep.join, zip(*key))) != ids or sum(map(str.count, ids, repeat(sep))) != n * (len(key) - 1):
                return None
            if not set(key[2]) <= _PERIOD_KINDS or not all(map(_is_day, set(key[3]))):
                return None
        if spec.partner_owned and (scope is not None or spec.name == "partners"):
            partners = cols[spec.at[PARTNER_COLUMN]]
            if spec.name == "partners" and partners != ids:
                return None
            if scope is not None and not set(partners) <= scope:
                return None
        if not all(column_sound(rule, cols[i], json_as_text=False) for i, rule in _value_rules(spec)):
            return None
    except TypeError:  # an unhashable value where a key belongs
        return None
    return cols


def _id_follows_key(spec: TableSpec, rec: Values, rid: str) -> bool:
    """True when a measurement's id is its key written out (models/kpi.py: partner, KPI, period kind and start,
    joined by the separator), the key well formed."""
    key = spec.key_of(rec)  # in the order measurement_id joins them
    if tuple(rid.split(ID_SEPARATOR)) != key:  # so every part is text, and none holds the separator
        return False
    return key[2] in _PERIOD_KINDS and _is_day(key[3])


@lru_cache(maxsize=4096)  # a package's measurements share a few hundred period starts
def _is_day(text: str) -> bool:
    if _ISO_DAY.fullmatch(text) is None:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _existing(conn: Connection, table: str, ids: set[str], with_partner: bool,
              known: dict[str, tuple[str | None, bool]] | None = None) -> dict[str, tuple[str | None, bool]]:
    """id -> (partner_id or None, deleted) of the rows of ``table`` among ``ids``. ``known``: what earlier
    batches found in ``table`` (a parent table, written before its children: what is found stays found, and a
    parent the import brings back is restored only if it is still deleted), read first and added to."""
    if known is None:
        found: dict[str, tuple[str | None, bool]] = {}
    else:
        found = {i: known[i] for i in ids if i in known}
        ids = ids - found.keys() if found else ids
    cols = f"id, {PARTNER_COLUMN}" if with_partner else "id, NULL"
    for chunk in _chunks(sorted(ids)):
        sql = f'SELECT {cols}, deleted_at IS NOT NULL FROM "{table}" WHERE id IN ({", ".join("?" * len(chunk))})'
        for rid, pid, deleted in conn.exec_driver_sql(sql, tuple(chunk)).fetchall():
            found[rid] = (pid, bool(deleted))
    if known is not None:
        known.update(found)
    return found


#: What `_held` compares: a record whose revs and version vector this laptop holds already changes nothing.
META = ("id", "rev", "field_revs", "seen_revs", "base_revs")


def _held(run: _Run, spec: TableSpec, batch: list[Any], ids: tuple[str, ...] | None = None) -> dict[str, tuple]:
    """id -> (rev, field_revs, seen_revs, base_revs as stored[, partner_id]) of the batch's records this
    database holds; ``ids``: the batch's ids when known to be all well formed."""
    if ids is None:
        width, i = len(spec.columns), spec.at["id"]
        ids = [rec[i] for rec in batch if type(rec) is list and len(rec) == width and type(rec[i]) is str]
    if _none_held(run, spec.name, ids):
        return {}
    columns = META + ((PARTNER_COLUMN,) if spec.partner_owned else ())
    held: dict[str, tuple] = {}
    for chunk in _chunks(ids):
        for rid, *meta in run.conn.exec_driver_sql(*spec.select_by_ids(chunk, columns=columns)):
            held[rid] = tuple(meta)
    return held


def _none_held(run: _Run, table: str, ids: list[str] | tuple[str, ...]) -> bool:
    """True when no record with one of ``ids`` can be in ``table``, so looking them up is not needed (a full
    package into a new laptop): the table was empty when this import came to it, and the ids all sort after
    those of its earlier batches (an export lists records in key order), so no earlier batch wrote one. Any
    other case is looked up, from then on every batch of the table."""
    if table not in run.highest_new:
        empty = run.conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first() is None
        run.highest_new[table] = "" if empty else None
    highest = run.highest_new[table]
    if highest is None:
        return False
    if ids and min(ids) <= highest:
        run.highest_new[table] = None
        return False
    if ids:
        run.highest_new[table] = max(ids)
    return True


def _same_meta(spec: TableSpec, rec: Values, meta: tuple) -> bool:
    at = spec.at
    return rec[at["rev"]] == meta[0] and _same_json(rec[at["field_revs"]], meta[1]) \
        and _same_json(rec[at["seen_revs"]], meta[2]) and _same_json(rec[at["base_revs"]], meta[3]) \
        and (not spec.partner_owned or rec[at[PARTNER_COLUMN]] == meta[4])


def _same_json(value: Any, stored: str | None) -> bool:
    """True when ``value`` is what the stored JSON text says (most revision maps are empty)."""
    if value == {}:
        return stored == "{}"
    try:
        return value is not None and dumps_json(value) == stored
    except TypeError:
        return False


def _valid_records(run: _Run, spec: TableSpec, batch: list[Any], held: dict[str, tuple],
                   counts: dict[str, int]) -> list[Values]:
    """The records of ``batch`` to merge, looked at one by one: those held here exactly as they arrive are
    counted unchanged, the invalid ones rejected with their reason."""
    scope, at, owned, width = run.scope, spec.at, spec.partner_owned, len(spec.columns)
    i_id, i_partner = at["id"], at.get(PARTNER_COLUMN)
    valid: list[Values] = []
    ids_in_batch: set[str] = set()
    for rec in batch:
        # A record stored here exactly as it arrives (same revs, so valid, and its partner in scope) is unchanged.
        rid = rec[i_id] if type(rec) is list and len(rec) == width else None
        meta = held.get(rid) if held and type(rid) is str else None
        if meta is not None and _same_meta(spec, rec, meta) \
                and (scope is None or not owned or rec[i_partner] in scope) and rid not in ids_in_batch:
            ids_in_batch.add(rid)
            counts["unchanged"] += 1
            continue
        reason = _validate(spec, rec, scope)
        if reason is None and rid in ids_in_batch:
            reason = "it appears twice in the package"
        if reason:
            run.reject(spec.name, _record_id(spec, rec), reason)
            continue
        ids_in_batch.add(rid)
        valid.append(rec)
    return valid


def _process_batch(run: _Run, spec: TableSpec, batch: list[Any]) -> None:
    """Validate, merge and write one batch of records (values in ``spec.columns`` order: package.row_batches)."""
    table, conn, scope = spec.name, run.conn, run.scope
    counts = run.counts.setdefault(table, dict.fromkeys(COUNT_KEYS, 0))
    at = spec.at
    i_id = at["id"]
    cols = _columns_if_valid(spec, batch, scope)
    # Re-importing a package (or a package mostly of records this laptop has) costs a look at metadata: a
    # record held exactly as it arrives, revs and version vector alike, is unchanged and needs no merge.
    held = _held(run, spec, batch, cols[i_id] if cols is not None else None)
    if cols is not None and not held:
        valid: list[Values] = batch  # every record valid, none held here (`_columns_if_valid`)
    else:
        cols = None
        valid = _valid_records(run, spec, batch, held, counts)
    # References must point at records this database holds (or that this package brought earlier), and a
    # scoped package may not point at another partner's records.
    checks = list(spec.foreign_keys)
    if spec.partner_owned and table != "partners":
        checks.append((PARTNER_COLUMN, "partners"))
    specs = table_specs()
    looked_up: dict[str, dict[str, tuple[str | None, bool]]] = {}  # column -> what `_existing` found
    referred: dict[str, set[str]] = {}  # column -> the ids the batch's valid records refer to
    for col, target in checks:
        i = at[col]
        referred[col] = wanted = (set(cols[i]) if cols is not None else {r[i] for r in valid}) - {None}
        if not wanted:
            continue
        target_owned = target in specs and specs[target].partner_owned
        found = _existing(conn, target, wanted, target_owned,
                          run.parents.setdefault(target, {}) if target != table else None)
        if target != table:  # (this batch's writes cannot change them before `_keep_parents` reads them)
            looked_up[col] = found
        if scope is None and len(found) == len(wanted):
            continue  # the usual case: every reference resolves
        kept = []
        for r in valid:
            v = r[i]
            if v is None:
                kept.append(r)
            elif v not in found:
                run.reject(table, r[i_id], f"{col} refers to a {target} record this database does not have")
            elif scope is not None and target_owned and found[v][0] not in scope:
                run.reject(table, r[i_id], f"{col} refers to a record of a partner outside the package's scope")
            else:
                kept.append(r)
        valid, cols, referred = kept, None, {}

    # Only records held here with other metadata need their local row: the rest are new.
    locals_: dict[str, dict] = {}
    for chunk in _chunks([r[i_id] for r in valid if r[i_id] in held] if held else []):
        for values in conn.exec_driver_sql(*spec.select_by_ids(chunk)):
            row = spec.from_db(values)
            locals_[row["id"]] = row

    inserts, updates = [], []
    live_children: list[Values] = []  # records written live: each may bring its deleted parents back
    newly_deleted: list[str] = []  # records this batch deleted: their local children may bring them back
    now = utcnow()
    role, device = run.role, run.signer_device
    # A new record from this laptop or a colleague needs no role check (roles.refusal) but for devices.
    plain_new = (role is None or not role.is_partner) and table != "devices"
    insert_params, seq = spec.insert_params, run.seq if valid else 0
    i_rev, i_fr, i_seen, i_base, i_deleted = at["rev"], at["field_revs"], at["seen_revs"], at["base_revs"], at[DELETED]
    disputes = table == "measurement_disputes"
    top = run.max_rev  # the highest rev seen so far
    if cols is not None and plain_new and not disputes:
        # The usual batch of a full package: all valid, none held here, no revision maps (`_columns_if_valid`).
        inserts = spec.insert_rows(cols, seq)
        counts["new"] += len(valid)
        top = max(top, *cols[i_rev])
        live_children = valid if cols[i_deleted].count(None) == len(valid) \
            else [v for v in valid if v[i_deleted] is None]
        valid = []
    for values in valid:
        fr, seen, base = values[i_fr], values[i_seen], values[i_base]
        newest = max((values[i_rev], *fr.values(), *seen.values(), *base.values())) if fr or seen or base \
            else values[i_rev]  # the usual record: its maps are empty
        if newest > top:
            top = newest
        local = locals_.get(values[i_id]) if locals_ else None
        if local is None and plain_new:  # the usual record of a full package: no dict built for it
            inserts.append(insert_params(values, seq))
            counts["new"] += 1
            if values[i_deleted] is None:
                live_children.append(values)
            if disputes:
                run.disputed += _open_dispute(table, spec.as_dict(values))
            continue
        rec = spec.as_dict(values)
        m = merge(spec.user_fields, local, rec) if local is not None else None
        merged = rec if m is None else m.row if m.changed else None
        why = refusal(role, device, spec, local, rec, merged, run.relay)
        if why:
            run.reject(table, rec["id"], why)
            continue
        if is_proposal(role, spec) and merged is not None:
            _propose(run, spec, local, rec, merged)
            continue
        if local is None:
            inserts.append(insert_params(values, seq))
            counts["new"] += 1
            if rec[DELETED] is None:
                live_children.append(values)
            run.disputed += _open_dispute(table, rec)
            continue
        if m.row is not None and m.changed:
            run.disputed += _open_dispute(table, m.row)
            if m.row[DELETED] is None:
                live_children.append(spec.as_values(m.row))
            elif local[DELETED] is None:
                newly_deleted.append(rec["id"])
        if m.row is not None:
            updates.append(spec.update_params(m.row, seq))
            if not m.changed:
                run.quiet_updates += 1
        fresh = [c for c in m.conflicts if not _known_conflict(run, table, rec["id"], c)]
        if fresh:
            counts["conflicts"] += 1
            for c in fresh:
                _record_conflict(run, table, rec["id"], c, now)
        elif m.changed:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        if m.row is not None and m.changed:
            _supersede(run, table, m.row)
    if top > run.latest_allowed:
        _refuse_future(run, top)
    run.max_rev = top
    if inserts:
        conn.exec_driver_sql(spec.insert_sql, inserts)
    if updates:
        conn.exec_driver_sql(spec.update_sql, updates)
    _keep_parents(run, spec, checks, live_children, looked_up, referred if live_children is batch else {})
    if newly_deleted:
        _keep_parents_of_local_children(run, spec, newly_deleted)


def _open_dispute(table: str, row: dict) -> int:
    """1 for a live, open measurement dispute written by the import (counted as "disputed")."""
    return int(table == "measurement_disputes" and row["status"] == "open" and row[DELETED] is None)


def _propose(run: _Run, spec: TableSpec, local: dict | None, rec: dict, merged: dict) -> None:
    """Hold a library change from a partner's signer for review (roles.py): nothing changes until accepted.
    The same edit (same record and rev) proposed before is not asked again, whatever was decided."""
    for (record,) in run.conn.execute(select(SyncProposal.record).where(
            SyncProposal.table_name == spec.name, SyncProposal.row_id == rec["id"],
            SyncProposal.status != "superseded")):
        if isinstance(record, dict) and record.get("rev") == rec["rev"]:
            run.count(spec.name, "unchanged")
            return
    changes = {f: [None if local is None else local[f], merged[f]] for f in spec.user_fields
               if local is None or merged[f] != local[f]}
    run.count(spec.name, "proposed")
    run.proposals.append(dict(table_name=spec.name, row_id=rec["id"], changes=changes, record=rec,
                              is_new=local is None, peer=run.peer, signer_device=run.signer_device,
                              package_id=run.package_id, received_at=utcnow(), status="open"))


def _keep_parents(run: _Run, spec: TableSpec, checks: list[tuple[str, str]], children: list[Values],
                  looked_up: dict[str, dict[str, tuple[str | None, bool]]], referred: dict[str, set[str]]) -> None:
    """Bring back the deleted parents of ``children`` (records of ``spec``'s table just written live) that hold
    edits the parent's delete had not seen (merge.restore_parent). ``looked_up``: column -> parents already
    read (`_existing`); the others are read here. ``referred``: column -> the parents ``children`` refer to,
    when known."""
    at = spec.at
    i_rev, i_fr, i_seen = at["rev"], at["field_revs"], at["seen_revs"]
    for col, target in checks:
        i = at[col]
        parents = referred[col] if col in referred else {child[i] for child in children if child[i] is not None}
        known = looked_up.get(col, {})
        deleted = {p for p in parents if p in known and known[p][1]}
        for chunk in _chunks(sorted(p for p in parents if p not in known)):
            sql = f'SELECT id FROM "{target}" WHERE deleted_at IS NOT NULL AND id IN ({", ".join("?" * len(chunk))})'
            deleted.update(v for (v,) in run.conn.exec_driver_sql(sql, tuple(chunk)))
        if not deleted:
            continue  # the usual case: every parent is live
        wanted: dict[str, dict[str, str]] = defaultdict(dict)
        for child in children:
            if child[i] in deleted:
                _join(wanted[child[i]], row_versions(child[i_rev], child[i_fr], child[i_seen]))
        _restore(run, table_specs()[target], wanted)


def _keep_parents_of_local_children(run: _Run, spec: TableSpec, ids: list[str]) -> None:
    """Bring back records this import deleted when a live record under one of them holds edits the delete
    had not seen (the children of the package come later and go through `_keep_parents`)."""
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for child, col in child_refs(spec.name):
        for chunk in _chunks(ids):
            sql = (f'SELECT "{col}", rev, field_revs, seen_revs FROM "{child}" '
                   f'WHERE deleted_at IS NULL AND "{col}" IN ({", ".join("?" * len(chunk))})')
            for parent_id, rev, fr, seen in run.conn.exec_driver_sql(sql, tuple(chunk)):
                _join(wanted[parent_id], row_versions(rev, json.loads(fr or "{}"), json.loads(seen or "{}")))
    if wanted:
        _restore(run, spec, wanted)


def _join(into: dict[str, str], versions: dict[str, str]) -> None:
    for d, r in versions.items():
        if r > into.get(d, ""):
            into[d] = r


def _restore(run: _Run, spec: TableSpec, wanted: dict[str, dict[str, str]]) -> None:
    now = utcnow()
    updates = []
    for chunk in _chunks(sorted(wanted)):
        for values in run.conn.exec_driver_sql(*spec.select_by_ids(chunk, "deleted_at IS NOT NULL")):
            row = spec.from_db(values)
            kept = restore_parent(spec.user_fields, row, wanted[row["id"]])
            if kept is None:
                continue
            updates.append(spec.update_params(kept.row, run.seq))
            for c in kept.conflicts:
                if not _known_conflict(run, spec.name, row["id"], c):
                    run.count(spec.name, "conflicts")
                    _record_conflict(run, spec.name, row["id"], c, now)
    if updates:
        run.conn.exec_driver_sql(spec.update_sql, updates)


def _refuse_future(run: _Run, rev: str) -> None:
    ahead_ms = rev_millis(rev) - (rev_millis(run.latest_allowed) - MAX_AHEAD_MS)
    hours = ahead_ms / 3_600_000
    ahead = f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.0f} days"
    raise PackageRefused(
        f"The package is refused: it was made on {run.signer_label}, whose clock ran {ahead} ahead of this "
        "laptop's. Importing it would date every later edit on this laptop in the future. Check the date and "
        "time on both laptops. Nothing has been changed.", None)


def _known_conflict(run: _Run, table: str, row_id: str, c: FieldConflict) -> bool:
    """True when this laptop has already reported these two edits of this field (open or resolved)."""
    key = (table, row_id, c.field, *sorted((c.local_rev, c.incoming_rev)))
    if key in run.reported:
        return True
    run.reported.add(key)
    found = run.conn.execute(select(SyncConflict.id).where(
        SyncConflict.table_name == table, SyncConflict.row_id == row_id, SyncConflict.field == c.field,
        ((SyncConflict.local_rev == c.local_rev) & (SyncConflict.incoming_rev == c.incoming_rev))
        | ((SyncConflict.local_rev == c.incoming_rev) & (SyncConflict.incoming_rev == c.local_rev)))).first()
    return found is not None


def _record_conflict(run: _Run, table: str, row_id: str, c: FieldConflict, now: datetime) -> None:
    run.conflict_rows.append(dict(
        table_name=table, row_id=row_id, field=c.field, local_value=c.local_value,
        incoming_value=c.incoming_value, local_rev=c.local_rev, incoming_rev=c.incoming_rev, winner=c.winner,
        kept_rev=c.kept_rev, package_id=run.package_id, peer=run.peer, detected_at=now, status="open",
        resolution="", resolved_at=None))
    if len(run.previews) < MAX_REPORTED:
        run.previews.append(ConflictPreview(table, row_id, c.field, c.local_value, c.incoming_value, c.winner))


def _supersede(run: _Run, table: str, row: dict) -> None:
    """Close open conflicts of this record that a later edit (made knowing both values) has settled."""
    pending = run.open_conflicts.get((table, row["id"]))
    if not pending:
        return
    versions = row_versions(row["rev"], row["field_revs"], row["seen_revs"])
    for cid, fname, lrev, irev in pending:
        now_rev = row["field_revs"].get(fname, row["rev"])
        if now_rev not in (lrev, irev) and knows(versions, lrev) and knows(versions, irev) \
                and now_rev > max(lrev, irev):
            run.resolved_ids.append(cid)


def apply_package(db, reader: PackageReader, *, dry_run: bool, trust_new_signer: bool | str,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None,
                  backup: Callable[[], Path] | None = None, confine_to: str | None = None,
                  before_commit: Callable[[Connection, dict[str, Any]], None] | None = None,
                  relay: bool = False) -> ImportResult:
    """Merge the verified package into ``db`` in one transaction (rolled back when ``dry_run``).

    The signer must be this device, a trusted one, or new with ``trust_new_signer`` (a dry run only
    previews): True or "team" trusts it as a colleague's laptop, "partner:<partner id>" as that partner's own
    (sync/roles.py says what each may change). A known device with another key is always refused. ``backup`` (not for a dry run) is called
    before the write transaction begins, so copying never holds the write lock; when the import then changes
    nothing, the copy is removed again. Raises `PackageRefused` before writing anything; any other error
    rolls everything back. ``confine_to`` (a partner's workspace: app/services/workspace.py) takes only that
    partner's records, whatever the package's scope: the others are rejected. ``cancelled`` is asked after
    every batch; True stops the import with `Cancelled`, everything rolled back and its backup removed.
    ``before_commit(conn, counts)`` (not for a dry run) writes in the import's own transaction just before it
    commits, whether the package changed anything or not: the hub keeps the package and moves the laptop's
    acknowledgement with the merge, all or nothing (app/hub/service.py). ``relay``: the package is the team
    hub's (app/services/hub_sync.py), which passes on each device's record as that device sent it.
    """
    with db.engine.connect() as conn:
        signer = _check_signer(conn, reader.signer, db.device_id, trust_new_signer or dry_run, trust_new_signer)
        # A package applied whole before changes no record again (`_apply`): nothing to back up for it.
        again = _applied_whole(_imports_of(conn, reader.package_id))
    backup_path = backup() if backup and not dry_run and not again else None
    try:
        result = _apply(db, reader, signer, dry_run, progress, confine_to, cancelled, before_commit, relay)
    except BaseException:
        if backup_path:
            backup_path.unlink(missing_ok=True)
        raise
    if backup_path and not result.applied:
        backup_path.unlink(missing_ok=True)
        backup_path = None
    return replace(result, backup_path=backup_path)


def _check_signer(conn: Connection, signer_d: dict[str, Any], own_device: str, may_trust: bool | str,
                  trust_as: bool | str = False) -> SignerInfo:
    """The signer as this laptop knows it; refuses a forged, revoked or (without ``may_trust``) new one. A new
    signer trusted now gets the role ``trust_as`` ("team", or "partner:<partner id>")."""
    status = signer_status(conn, signer_d, own_device)
    known = conn.execute(select(SyncSigner.role, SyncSigner.partner_id, SyncSigner.revoked_reason)
                         .where(SyncSigner.device_id == signer_d["device_id"])).first()
    if status == "self":
        role = None
    elif status == "new":
        role = Role.parse(trust_as)
    else:
        role = Role(known.role or TEAM, known.partner_id) if known else Role(TEAM)
    signer = SignerInfo(signer_d["device_id"], signer_d["name"], signer_d["device_name"],
                        signer_d["fingerprint"], signer_d["public_key"], status, role,
                        known.revoked_reason if known else "")
    if status == "mismatch":
        raise PackageRefused(
            f"The package is refused: it claims to come from {signer.name or 'a known device'} "
            f"(device {signer.device_id[:8]}…) but is signed with a different key ({signer.fingerprint}). "
            "It may be forged.", signer)
    if status == "revoked":
        why = f" ({signer.revoked_reason})" if signer.revoked_reason else ""
        raise PackageRefused(
            f"The package is refused: its signer, {signer.label}, was revoked on this laptop{why}. "
            "Nothing has been changed.", signer)
    if status == "new" and not may_trust:
        raise PackageRefused(
            f"The package is signed by a signer you have not trusted yet: {signer.label}. Check the "
            "fingerprint with its author, then import again trusting it (--trust-new-signer).", signer)
    if role is not None and role.is_partner and conn.execute(
            select(Partner.id).where(Partner.id == role.partner_id)).first() is None:
        raise PackageRefused("The package is refused: the partner its signer is bound to is not in this "
                             "database.", signer)
    return signer


def _apply(db, reader: PackageReader, signer: SignerInfo, dry_run: bool,
           progress: Callable[[int, int], None] | None, confine_to: str | None = None,
           cancelled: Callable[[], bool] | None = None,
           before_commit: Callable[[Connection, dict[str, Any]], None] | None = None,
           relay: bool = False) -> ImportResult:
    manifest = reader.manifest
    scope, scope_text = scope_of(manifest)
    if confine_to is not None:
        scope = frozenset({confine_to}) & (scope if scope is not None else {confine_to})
    specs = table_specs()
    store = BlobStore.beside(db.path)
    incoming = reader.blobs()  # verified by the reader: each named by its sha256, its bytes hashed
    # BEGIN IMMEDIATE: the import reads before it writes, and must not find at its first write that another
    # writer has committed since its snapshot began (SQLite would refuse the upgrade at once).
    with db.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
        trans = conn.begin()  # one transaction from the first read to the commit
        # The signer may have been trusted or forgotten since the check above.
        status = signer_status(conn, reader.signer, db.device_id)
        if status != signer.status:
            signer = _check_signer(conn, reader.signer, db.device_id, dry_run or signer.status == "new",
                                   signer.role.text if signer.role else False)
        imports = _imports_of(conn, reader.package_id)
        earlier = imports[0].at if imports else None
        _check_continues(conn, manifest, signer)
        declared = reader.tables()
        total_records = sum(int(t.get("count", 0)) for t in declared.values() if isinstance(t, dict))
        run = _Run(conn, scope, reader.package_id, signer.name, signer_label=signer.label, role=signer.role,
                   signer_device=signer.device_id, relay=relay,
                   latest_allowed=format_rev(db.clock.wall_millis() + MAX_AHEAD_MS, COUNTER_MAX, "~"))
        for cid, table, row_id, fname, lrev, irev in conn.execute(
                select(SyncConflict.id, SyncConflict.table_name, SyncConflict.row_id, SyncConflict.field,
                       SyncConflict.local_rev, SyncConflict.incoming_rev).where(SyncConflict.status == "open")):
            run.open_conflicts[(table, row_id)].append((cid, fname, lrev, irev))

        staging = Staging(store)  # incoming files under temporary names until just before the commit
        try:
            done = 0
            order = [t for t in specs if t in declared] + sorted(t for t in declared if t not in specs)
            if _applied_whole(imports):
                # This very package (its id and contents signed) was applied before with nothing refused or held
                # for review: merging is idempotent and what this laptop did since only built on it, so
                # every record is unchanged without reading it.
                for table in order:
                    meta = declared[table] if isinstance(declared[table], dict) else {}
                    run.count(table, "unchanged", int(meta.get("count", 0)))
                order = []
            for table in order:
                run.counts.setdefault(table, dict.fromkeys(COUNT_KEYS, 0))
                spec = specs.get(table)
                columns = declared[table].get("columns") if isinstance(declared[table], dict) else None
                if spec is None or (columns is not None and not spec.reads(columns)):
                    why = "this version of Tandem has no such table" if spec is None \
                        else "its fields do not match this version of Tandem"
                    for rec in reader.iter_records(table):
                        run.reject(table, rec.get("id") if rec else None, why)
                    continue
                for batch in read_ahead(reader.row_batches(table, spec.columns, BATCH, spec.absent)):
                    _process_batch(run, spec, batch)
                    done += len(batch)
                    if progress:
                        progress(done, total_records)
                    if cancelled is not None and cancelled():
                        raise Cancelled()  # rolled back below: nothing of the package is kept
            result_counts = {t: c for t, c in run.counts.items()}
            total = {k: sum(c[k] for c in result_counts.values()) for k in COUNT_KEYS}
            changes = total["new"] + total["updated"] + total["conflicts"] + total["proposed"]
            # Files: reported from the merged records (a preview too, before its rollback); stored below.
            new_files = [sha for sha in incoming if not store.has(sha)]
            files = reconcile(conn, store, incoming, new_files,
                              rows=_attachment_ids(reader) if "attachments" in declared else ())
            if not dry_run and (changes or run.quiet_updates or signer.status == "new" or new_files):
                remove_leftover_staging(store)  # of imports killed earlier (we hold the write lock)
                for sha in new_files:  # checked again as they are copied: read since the reader verified them
                    try:
                        staging.add(sha, reader.blob_chunks(sha))
                    except BlobRejected as exc:
                        raise PackageRefused(str(exc), signer) from exc
                now = utcnow()
                if run.conflict_rows:
                    conn.execute(insert(SyncConflict), run.conflict_rows)
                if run.proposals:
                    _store_proposals(conn, run.proposals)
                if run.resolved_ids:
                    conn.execute(update(SyncConflict).where(SyncConflict.id.in_(run.resolved_ids))
                                 .values(status="resolved", resolution="superseded", resolved_at=now))
                _remember_signer(conn, signer, now)
                _record_import(conn, reader, signer, scope_text, now,
                               {"tables": result_counts, "total": total, "files": files.counts()},
                               "imported" if changes else "files received" if new_files else "no changes")
                if run.max_rev:
                    _persist_clock(conn, db, run.max_rev)
                # Files in place before the commit: a committed import never names a file it did not deliver
                # (a failed commit leaves verified, content-addressed files no row names: see blobs.py).
                published = set(staging.publish())
                files = replace(files, stored=tuple(s for s in incoming if s in published),
                                already_here=tuple(s for s in incoming if s not in published))
                if before_commit is not None:
                    before_commit(conn, {"tables": result_counts, "total": total})
                trans.commit()
                if run.max_rev:
                    db.clock.observe(run.max_rev)
                applied = True
            else:
                trans.rollback()
                applied = False
                if not dry_run:  # kept in the history all the same: a package continuing this one needs it
                    with conn.begin():
                        _record_import(conn, reader, signer, scope_text, utcnow(),
                                       {"tables": result_counts, "total": total}, "no changes")
                        if before_commit is not None:
                            before_commit(conn, {"tables": result_counts, "total": total})
        except BaseException:
            staging.discard()  # a refused or failed import leaves no new file
            if trans.is_active:
                trans.rollback()
            raise
    return ImportResult(
        package_id=reader.package_id, tables=result_counts, total=total, signer=signer, scope=scope_text,
        created_at=str(manifest.get("created_at", "")), dry_run=dry_run, applied=applied,
        already_imported_at=earlier, rejections=tuple(run.rejections), conflicts=tuple(run.previews),
        disputed=run.disputed, files=files)


def _record_import(conn: Connection, reader: PackageReader, signer: SignerInfo, scope_text: str, at: datetime,
                   counts: dict[str, Any], result: str) -> None:
    """The import's line in the sync history (which `_check_continues` and `_applied_whole` read back)."""
    conn.execute(insert(SyncHistory).values(
        package_id=reader.package_id, direction="import", peer=signer.name, peer_device=signer.device_id,
        at=at, scope=scope_text, counts=counts, result=result, file_name=reader.path.name))


def _attachment_ids(reader: PackageReader) -> list[str]:
    """The ids of the attachment records a package carries (to report those still without their file)."""
    return [r["id"] for r in reader.iter_records("attachments") if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _check_continues(conn: Connection, manifest: dict[str, Any], signer: SignerInfo) -> None:
    """Refuse an incremental package whose predecessor (the package it continues) was never imported here.

    Revision stamps order each laptop's edits, and a laptop holding one of another's edits is taken to hold
    all that laptop's earlier ones (merge.py's version vectors): a delete made here after the later package
    alone would hide the earlier package's edits for good. So the chain is taken in order."""
    prior = manifest.get("continues") or ""
    if not isinstance(prior, str):
        raise PackageRefused("The package is damaged: its manifest cannot be read.", signer)
    if not prior or signer.status == "self":
        return
    if conn.execute(select(SyncHistory.id).where(SyncHistory.package_id == prior,
                                                 SyncHistory.direction == "import")).first() is None:
        who = signer.name or "its author"
        raise PackageRefused(
            f"The package is refused: it holds only what changed since an earlier package from {who} "
            f"(package {prior[:8]}…), which has not been imported on this laptop. Import that package first, or "
            f"ask {who} for a package with everything. Nothing has been changed.", signer)


def _imports_of(conn: Connection, package_id: str) -> list:
    """(at, counts) of every earlier import of the package, oldest first."""
    return conn.execute(select(SyncHistory.at, SyncHistory.counts).where(
        SyncHistory.package_id == package_id, SyncHistory.direction == "import").order_by(SyncHistory.at)).all()


def _applied_whole(imports: list) -> bool:
    """True when an earlier import of the package applied every record (none rejected, none proposed)."""
    for _at, counts in imports:
        total = (counts or {}).get("total") or {}
        if total.get("rejected", 1) == 0 and total.get("proposed", 0) == 0:
            return True
    return False


def merge_records(db, records: dict[str, list[dict[str, Any]]], *, peer: str, package_id: str) -> dict[str, int]:
    """Merge records in storage form (table -> records, parents first) into ``db`` exactly as an import would,
    in one transaction: the shipped defaults of a newer release arrive this way (reference_data.py).
    Returns the totals (new, updated, unchanged, conflicts, rejected)."""
    specs = table_specs()
    with db.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        run = _Run(conn, None, package_id, peer, signer_label=peer,
                   latest_allowed=format_rev(db.clock.wall_millis() + MAX_AHEAD_MS, COUNTER_MAX, "~"))
        for table in (t for t in specs if t in records):
            spec = specs[table]
            rows = (spec.as_values(r) if type(r) is dict and r.keys() == spec.column_set else r
                    for r in records[table])
            for batch in _batched(rows, BATCH):
                _process_batch(run, spec, batch)
        if run.conflict_rows:
            conn.execute(insert(SyncConflict), run.conflict_rows)
    return {k: sum(c[k] for c in run.counts.values()) for k in COUNT_KEYS}


def _store_proposals(conn: Connection, proposals: list[dict[str, Any]]) -> None:
    """Keep the newest proposal per record: an open one for the same record is replaced by this package's."""
    for p in proposals:
        conn.execute(update(SyncProposal).where(
            SyncProposal.table_name == p["table_name"], SyncProposal.row_id == p["row_id"],
            SyncProposal.status == "open").values(status="superseded", decided_at=p["received_at"]))
    conn.execute(insert(SyncProposal), proposals)


def _remember_signer(conn: Connection, signer: SignerInfo, now: datetime) -> None:
    if signer.status == "self":
        return
    exists = conn.execute(select(SyncSigner.device_id).where(SyncSigner.device_id == signer.device_id)).first()
    if exists:
        values = dict(last_seen_at=now, trusted=True, name=signer.name, device_name=signer.device_name)
        if signer.status == "new" and signer.role is not None:  # trusted again now, with the role chosen now
            values.update(role=signer.role.kind, partner_id=signer.role.partner_id)
        conn.execute(update(SyncSigner).where(SyncSigner.device_id == signer.device_id).values(**values))
    else:
        role = signer.role or Role(TEAM)
        conn.execute(insert(SyncSigner).values(
            device_id=signer.device_id, name=signer.name, device_name=signer.device_name,
            fingerprint=signer.fingerprint, public_key=signer.public_key, trusted=True, first_seen_at=now,
            last_seen_at=now, role=role.kind, partner_id=role.partner_id))


def _persist_clock(conn: Connection, db, rev: str) -> None:
    """Store the clock moved past ``rev`` in the same transaction, so a restart keeps the order."""
    millis, counter, _ = parse_rev(rev)
    cur_millis, cur_counter, _ = parse_rev(db.clock.last)
    if (millis, counter) > (cur_millis, cur_counter):
        conn.execute(update(LocalSetting).where(LocalSetting.key == CLOCK_KEY)
                     .values(value=format_rev(millis, counter, db.device_id)))


def decode(value: Any) -> str:
    """A stored value as short text for people (conflict lists)."""
    if value is None:
        return "(empty)"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if len(text) == 26 and text[4] == "-" and text[10] == " " and text[19] == ".":
        return text[:16] + " UTC"  # a stored datetime: minutes are enough to tell two apart
    return text
