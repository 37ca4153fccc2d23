"""`SyncService`: export packages, preview and import them, list and resolve conflicts, show the history.

Every method may run on a worker thread (the UI runs exports and imports off the UI thread); each opens
its own connection or session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, func, select
from sqlalchemy.orm.attributes import flag_modified

from app.models import Base, Partner
from app.models.base import get_by_id
from app.models.sync import SyncConflict, SyncHistory, SyncMark, SyncProposal, SyncSigner
from app.services.changes import Changes
from app.services.clock import utcnow
from app.services.database import backup_database
from app.services.integrity import Problem
from app.services.errors import NotFound, ValidationError
from app.services.identity import IdentityService
from app.services.records import get_live
from app.services.sync import crypto
from app.services.sync.errors import SyncError
from app.services.sync.exporter import label_of as _label_of, package_contents, write_package
from app.services.sync.importer import ImportResult, apply_package, decode
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import PackageReader
from app.services.sync.roles import Role
from app.services.sync.tables import Since, table_specs

LAST = "LAST"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: str
    counts: dict[str, int]
    total: int
    scope: str
    since: str  # "" for a full package
    encrypted: bool
    note: str = ""
    #: Stored values that could not be read back (a hand edit, an older version): their rows were left out.
    #: `tandem check` repairs or quarantines them.
    skipped: tuple[Problem, ...] = ()

    @property
    def skipped_text(self) -> str:
        """What was left out, for people ("" when nothing was)."""
        if not self.skipped:
            return ""
        rows = len({(p.table, p.row_id) for p in self.skipped})
        first = "; ".join(str(p) for p in self.skipped[:3])
        return (f"{rows} record{'s' if rows != 1 else ''} could not be read and {'were' if rows != 1 else 'was'} "
                f"left out: {first}{' …' if len(self.skipped) > 3 else ''}. Run `tandem check` to repair them.")


@dataclass(frozen=True)
class ConflictRow:
    id: int
    table: str
    row_id: str
    field: str
    local_value: Any
    incoming_value: Any
    local_text: str
    incoming_text: str
    winner: str  # "local" / "incoming"
    record_label: str
    peer: str
    detected_at: datetime
    status: str
    resolution: str


@dataclass(frozen=True)
class HistoryRow:
    id: int
    package_id: str
    direction: str
    peer: str
    at: datetime
    scope: str
    total: dict[str, int]
    result: str
    file_name: str


@dataclass(frozen=True)
class SignerRow:
    device_id: str
    name: str
    device_name: str
    fingerprint: str
    trusted: bool
    first_seen_at: datetime | None
    role: str = "team"  # "team" or "partner"
    partner_id: str | None = None
    partner_name: str = ""
    revoked_at: datetime | None = None
    revoked_reason: str = ""

    @property
    def role_text(self) -> str:
        """What its packages may change, in words."""
        if self.revoked_at is not None:
            return "revoked" + (f": {self.revoked_reason}" if self.revoked_reason else "")
        return f"partner: {self.partner_name or self.partner_id}" if self.role == "partner" else "team"


@dataclass(frozen=True)
class ProposalRow:
    """A library change a partner's signer proposed (sync/roles.py), waiting for the lead or decided."""

    id: int
    table: str
    row_id: str
    record_label: str
    changes: dict[str, list[Any]]  # field -> [value here when it arrived, proposed value]
    is_new: bool
    peer: str
    received_at: datetime
    status: str
    signer_device: str = ""  # the device of the signer that proposed it (a row of `signers()`)


def _model_for(table: str):
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper.class_
    raise NotFound(f"No table {table}")


def from_storage(column, value: Any) -> Any:
    """A value in storage form (as packages and conflicts hold it) as the model attribute expects it."""
    if value is None:
        return None
    t = column.type
    if isinstance(t, Enum):
        return t.enum_class(value) if t.enum_class else value
    if isinstance(t, DateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if isinstance(t, Date):
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if isinstance(t, Boolean):
        return bool(value)
    if isinstance(t, JSON):
        return value
    try:
        py = t.python_type
    except NotImplementedError:
        return value
    return py(value) if py in (int, float, str) else value


def parse_text(column, text: str) -> Any:
    """A value typed by the user (resolving a conflict by editing) converted for the column; raises ValueError."""
    import json

    t = column.type
    text = text.strip()
    if text == "" and column.nullable:
        return None
    if isinstance(t, JSON):
        return json.loads(text)
    if isinstance(t, Boolean):
        if text.lower() in ("1", "true", "yes"):
            return True
        if text.lower() in ("0", "false", "no"):
            return False
        raise ValueError("expected yes or no")
    if isinstance(t, Enum):
        allowed = [m.value for m in t.enum_class] if t.enum_class else []
        if text not in allowed:
            raise ValueError(f"expected one of: {', '.join(allowed)}")
        return t.enum_class(text)
    return from_storage(column, text)


class SyncService:
    def __init__(self, db, identity: IdentityService, workspace=None) -> None:
        self._db = db
        self._sessions = db.sessions
        self._identity = identity
        self._workspace = workspace  # app/services/workspace.py: a first scoped import may make one

    # -- keys --------------------------------------------------------------------------------------------------

    def own_fingerprint(self) -> str:
        """This device's signing-key fingerprint (the key is generated on first use)."""
        return fingerprint(public_key_b64(device_key(self._db.device_id)))

    # -- export ------------------------------------------------------------------------------------------------

    def since_mark(self, since: str | date | None, recipient: str,
                   partner_ids: list[str] | None) -> tuple[Since | None, str]:
        """(which records to carry, note for the user) for ``--since``: LAST (everything written here since the
        last export to ``recipient`` for the same scope, imports included), a date, or None (all)."""
        if since is None or since == "":
            return None, ""
        if isinstance(since, str) and since.upper() != LAST:
            try:
                since = date.fromisoformat(since)
            except ValueError as exc:
                raise ValidationError({"since": "Give LAST or a date as YYYY-MM-DD."}) from exc
        if isinstance(since, date):
            millis = int((datetime.combine(since, time()) - datetime(1970, 1, 1)).total_seconds() * 1000)
            return Since(rev=f"{millis:016d}"), f"changes since {since.isoformat()}"
        with self._sessions() as s:
            mark = s.get(SyncMark, (recipient, _scope_key(partner_ids)))
        if mark is None:
            who = recipient or "this recipient"
            return None, f"no earlier export to {who} for this scope: the package holds everything"
        return Since(seq=mark.seq, continues=mark.package_id), f"changes since the export of {mark.exported_at:%Y-%m-%d %H:%M} UTC"

    def export(self, out: str | os.PathLike, *, partner_ids: list[str] | None = None, since: str | date | None = None,
               recipient: str = "", passphrase: str | None = None, progress=None) -> ExportResult:
        """Write a package to ``out`` (see docs/sync.md). ``partner_ids`` None exports everything. Records
        the export (history, and the mark for `--since LAST` to ``recipient``). Raises SyncError/NotFound."""
        names: list[str] = []
        if partner_ids is not None:
            partner_ids = sorted(set(partner_ids))
            if not partner_ids:
                raise ValidationError({"partners": "Choose at least one partner, or export everything."})
            with self._sessions() as s:
                found = dict(s.execute(select(Partner.id, Partner.name).where(Partner.id.in_(partner_ids))).all())
            missing = [p for p in partner_ids if p not in found]
            if missing:
                raise NotFound(f"No partner with id {missing[0]}")
            names = [found[p] for p in partner_ids]
        since_mark, note = self.since_mark(since, recipient, partner_ids)
        who = self._identity.get()
        manifest, seq, skipped = write_package(self._db, Path(out), partner_ids=partner_ids, partner_names=names,
                                      since=since_mark, author=who.display_name, device_name=who.device_name,
                                      passphrase=passphrase or None, progress=progress)
        counts = {t: v["count"] for t, v in manifest["tables"].items()}
        scope = "everything" if partner_ids is None else "partners: " + ", ".join(names)
        now = utcnow()
        with self._sessions.begin() as s:
            s.add(SyncHistory(package_id=manifest["package_id"], direction="export", peer=recipient,
                              peer_device="", at=now, scope=scope,
                              counts={"tables": counts, "total": sum(counts.values())},
                              result="exported" + (" (encrypted)" if passphrase else ""),
                              file_name=Path(out).name))
            key = (recipient, _scope_key(partner_ids))
            mark = s.get(SyncMark, key)
            if mark is None:
                s.add(SyncMark(recipient=key[0], scope_key=key[1], exported_at=now, seq=seq,
                               package_id=manifest["package_id"]))
            else:
                mark.exported_at, mark.seq, mark.package_id = now, seq, manifest["package_id"]
        return ExportResult(Path(out), manifest["package_id"], counts, sum(counts.values()), scope,
                            manifest["since"], bool(passphrase), note, tuple(skipped))

    def export_contents(self, *, partner_ids: list[str] | None = None, since: str | date | None = None,
                        recipient: str = "") -> dict[str, list[str]]:
        """What `export` with these arguments would carry, table by table, one readable line per record: what
        the recipient (a partner, for a scoped package) will see. Writes nothing."""
        since_mark, _note = self.since_mark(since, recipient, sorted(set(partner_ids)) if partner_ids else None)
        return package_contents(self._db, partner_ids=sorted(set(partner_ids)) if partner_ids is not None else None,
                                since=since_mark)

    # -- import ------------------------------------------------------------------------------------------------

    @staticmethod
    def is_encrypted(path: str | os.PathLike) -> bool:
        p = Path(path)
        return p.is_file() and crypto.is_encrypted(p)

    def preview(self, path: str | os.PathLike, passphrase: str | None = None, progress=None, *,
                trust_new_signer: bool | str = False, cancelled=None) -> ImportResult:
        """What importing the package would do, per table; changes nothing (the merge runs in a transaction
        that is rolled back). Raises `PackageRefused` for a package that would be refused. A signer seen for
        the first time is previewed with the role ``trust_new_signer`` would give it (as `import_package`;
        False: as a colleague's laptop)."""
        with PackageReader(path, passphrase) as reader:
            return apply_package(self._db, reader, dry_run=True, trust_new_signer=trust_new_signer,
                                 progress=progress, cancelled=cancelled, confine_to=self._confined_to())

    def package_labels(self, path: str | os.PathLike, passphrase: str | None,
                       records: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """A readable name for each (table, row id) as the package carries the record ("Fake Lead (Acme)"),
        for records this database does not hold (a rejected new contact). Records not in the package are
        left out. Reads the package only; any thread."""
        wanted: dict[str, set[str]] = {}
        for table, row_id in records:
            wanted.setdefault(table, set()).add(row_id)
        found: dict[tuple[str, str], tuple[str, str | None]] = {}
        with PackageReader(path, passphrase) as reader:
            for table, ids in wanted.items():
                for rec in reader.iter_records(table):
                    if isinstance(rec, dict) and rec.get("id") in ids:
                        found[(table, rec["id"])] = (_label_of(rec) or str(rec["id"])[:8], rec.get("partner_id"))
        with self._sessions() as s:
            names = dict(s.execute(select(Partner.id, Partner.name).where(
                Partner.id.in_({p for _l, p in found.values() if isinstance(p, str)}))).all())
        return {key: f"{label} ({names[pid]})" if pid in names and key[0] != "partners" else label
                for key, (label, pid) in found.items()}

    def _confined_to(self) -> str | None:
        """The partner a workspace holds (packages bring only its records), or None."""
        current = self._workspace.current() if self._workspace is not None else None
        return current.partner_id if current else None

    def import_package(self, path: str | os.PathLike, passphrase: str | None = None, *,
                       trust_new_signer: bool | str = False, progress=None, cancelled=None,
                       relay: bool = False, backup_within: timedelta | None = None) -> ImportResult:
        """Verify, back up and merge the package in one transaction. Raises `PackageRefused` (nothing written),
        `Cancelled` when ``cancelled()`` turns True (asked after every batch; everything rolled back, the backup
        removed) or another error (everything rolled back). ``trust_new_signer``: trust a signer seen for the first time,
        True or "team" as a colleague's laptop, "partner:<partner id>" as that partner's own (sync/roles.py).
        ``relay``: the package is the team hub's pull (app/services/hub_sync.py). ``backup_within``: no backup
        copy when one beside the database is younger than that (a sync every few minutes copies the database
        once a day, not every time)."""
        with PackageReader(path, passphrase) as reader:
            first = self._workspace is not None and self._workspace.may_begin()
            result = apply_package(self._db, reader, dry_run=False, trust_new_signer=trust_new_signer,
                                   progress=progress, cancelled=cancelled,
                                   backup=None if _recent_backup(self._db.path, backup_within)
                                   else lambda: backup_database(self._db.path),
                                   confine_to=self._confined_to(), relay=relay)
            if first:  # a lead's package scoped to one partner makes a fresh laptop that partner's workspace
                self._workspace.begin_from_import(result, reader.manifest)
        # The merge writes through a bare connection the change log does not see: after an applied import
        # every view reloads; a no-op one only added its line to the history.
        self._db.feed.publish(Changes.all() if result.applied else Changes.of("sync_history"))
        return result

    # -- conflicts ---------------------------------------------------------------------------------------------

    def conflicts(self, include_resolved: bool = False) -> list[ConflictRow]:
        """Conflicts, newest first; open ones only unless ``include_resolved``."""
        with self._sessions() as s:
            stmt = select(SyncConflict).order_by(SyncConflict.detected_at.desc(), SyncConflict.id.desc())
            if not include_resolved:
                stmt = stmt.where(SyncConflict.status == "open")
            rows = s.scalars(stmt).all()
            return [self._conflict_row(s, c) for c in rows]

    def open_conflict_count(self) -> int:
        with self._sessions() as s:
            return s.scalar(select(func.count()).select_from(SyncConflict).where(SyncConflict.status == "open"))

    @staticmethod
    def _conflict_row(s, c: SyncConflict) -> ConflictRow:
        return ConflictRow(c.id, c.table_name, c.row_id, c.field, c.local_value, c.incoming_value,
                           decode(c.local_value), decode(c.incoming_value), c.winner,
                           _record_label(s, c.table_name, c.row_id), c.peer, c.detected_at, c.status,
                           c.resolution)

    def resolve(self, conflict_id: int, choice: str, text: str | None = None) -> ConflictRow:
        """Resolve a conflict: ``"mine"`` (the value this laptop had), ``"theirs"`` (the incoming value) or
        ``"edit"`` (``text``, typed by the user). A value other than the one the record holds is written as an
        ordinary edit (stamped, so it travels in the next package). One transaction."""
        if choice not in ("mine", "theirs", "edit"):
            raise ValueError(f"unknown choice {choice}")
        with self._sessions.begin() as s:
            c = s.get(SyncConflict, conflict_id)
            if c is None:
                raise NotFound(f"No conflict {conflict_id}")
            if c.status != "open":
                raise ValidationError({"conflict": "This conflict is already resolved."})
            model = _model_for(c.table_name)
            column = model.__table__.c[c.field]
            obj = get_by_id(s, model, c.row_id)
            if obj is None:
                raise NotFound(f"The {c.table_name} record {c.row_id} no longer exists")
            if choice == "edit":
                try:
                    value = parse_text(column, text or "")
                except (ValueError, TypeError) as exc:
                    raise ValidationError({c.field: f"Not a valid value: {exc}"}) from exc
            else:
                value = from_storage(column, c.local_value if choice == "mine" else c.incoming_value)
            setattr(obj, c.field, value)
            # Even keeping the value the record holds is an edit: it is made knowing both values, so it
            # travels and closes the same conflict on the other laptops.
            flag_modified(obj, c.field)
            c.status, c.resolution, c.resolved_at = "resolved", {"mine": "mine", "theirs": "theirs"}.get(
                choice, "edited"), utcnow()
            s.flush()
            return self._conflict_row(s, c)

    # -- history and signers -----------------------------------------------------------------------------------

    def history(self, limit: int = 500) -> list[HistoryRow]:
        """Packages exported and imported, newest first."""
        with self._sessions() as s:
            rows = s.scalars(select(SyncHistory).order_by(SyncHistory.at.desc(), SyncHistory.id.desc())
                             .limit(limit)).all()
            out = []
            for h in rows:
                total = h.counts.get("total", {}) if isinstance(h.counts, dict) else {}
                if isinstance(total, int):
                    total = {"records": total}
                out.append(HistoryRow(h.id, h.package_id, h.direction, h.peer, h.at, h.scope, total, h.result,
                                      h.file_name))
            return out

    def signers(self) -> list[SignerRow]:
        with self._sessions() as s:
            names = dict(s.execute(select(Partner.id, Partner.name)).all())
            return [SignerRow(r.device_id, r.name, r.device_name, r.fingerprint, r.trusted, r.first_seen_at,
                              r.role or "team", r.partner_id, names.get(r.partner_id, ""), r.revoked_at,
                              r.revoked_reason)
                    for r in s.scalars(select(SyncSigner).order_by(SyncSigner.name))]

    def set_signer_role(self, device_id: str, role: str) -> None:
        """Give a known signer another role: "team", or "partner:<partner id>" (sync/roles.py)."""
        parsed = Role.parse(role)
        with self._sessions.begin() as s:
            row = s.get(SyncSigner, device_id)
            if row is None:
                raise NotFound(f"No signer {device_id}")
            if parsed.is_partner:
                get_live(s, Partner, parsed.partner_id, "partner")
            row.role, row.partner_id = parsed.kind, parsed.partner_id

    def revoke_signer(self, device_id: str, reason: str = "") -> None:
        """Refuse this signer's packages from now on, saying why (undo with `reinstate_signer`)."""
        with self._sessions.begin() as s:
            row = s.get(SyncSigner, device_id)
            if row is None:
                raise NotFound(f"No signer {device_id}")
            row.revoked_at, row.revoked_reason = utcnow(), reason.strip()

    def reinstate_signer(self, device_id: str) -> None:
        with self._sessions.begin() as s:
            row = s.get(SyncSigner, device_id)
            if row is None:
                raise NotFound(f"No signer {device_id}")
            row.revoked_at, row.revoked_reason = None, ""

    # -- proposals from partners ---------------------------------------------------------------------------

    def proposals(self, include_decided: bool = False) -> list[ProposalRow]:
        """Library changes proposed by partners' signers, newest first."""
        with self._sessions() as s:
            stmt = select(SyncProposal).order_by(SyncProposal.received_at.desc(), SyncProposal.id.desc())
            if not include_decided:
                stmt = stmt.where(SyncProposal.status == "open")
            out = []
            for p in s.scalars(stmt):
                label = _record_label(s, p.table_name, p.row_id)
                if p.is_new:
                    label = _label_of(p.record) or label
                out.append(ProposalRow(p.id, p.table_name, p.row_id, label, dict(p.changes), p.is_new, p.peer,
                                       p.received_at, p.status, p.signer_device))
            return out

    def accept_proposal(self, proposal_id: int) -> None:
        """Apply a partner's proposal as this laptop's own edit (stamped: it travels in the next package to
        everyone). A field changed here since the proposal arrived keeps the proposal's value all the same:
        accepting is a decision on the values shown."""
        with self._sessions.begin() as s:
            p = self._open_proposal(s, proposal_id)
            model = _model_for(p.table_name)
            obj = get_by_id(s, model, p.row_id)
            values = {f: from_storage(model.__table__.c[f], new) for f, (_old, new) in p.changes.items()}
            if obj is None:
                obj = model(id=p.row_id, **values)
                s.add(obj)
            else:
                for f, v in values.items():
                    setattr(obj, f, v)
            p.status, p.decided_at = "accepted", utcnow()

    def decline_proposal(self, proposal_id: int) -> None:
        with self._sessions.begin() as s:
            p = self._open_proposal(s, proposal_id)
            p.status, p.decided_at = "declined", utcnow()

    @staticmethod
    def _open_proposal(s, proposal_id: int) -> SyncProposal:
        p = s.get(SyncProposal, proposal_id)
        if p is None:
            raise NotFound(f"No proposal {proposal_id}")
        if p.status != "open":
            raise ValidationError({"proposal": f"This proposal is already {p.status}."})
        return p

    def known_recipients(self) -> list[str]:
        """Names to offer as an export's recipient: recipients of earlier exports (most recent first), then
        signers of imported packages as "name (device)". Read-only; any thread."""
        with self._sessions() as s:
            past = s.execute(select(SyncHistory.peer, func.max(SyncHistory.at))
                             .where(SyncHistory.direction == "export", SyncHistory.peer != "")
                             .group_by(SyncHistory.peer).order_by(func.max(SyncHistory.at).desc())).all()
            signers = s.execute(select(SyncSigner.name, SyncSigner.device_name).order_by(SyncSigner.name)).all()
        names = [peer for peer, _ in past]
        for name, device in signers:
            label = f"{name} ({device})" if name and device else (name or device)
            if label and label not in names:
                names.append(label)
        return names

    def record_labels(self, records: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """A readable name for each (table, row id): its name or title, followed by its partner's name in
        brackets when it belongs to a partner ("Jane Doe (Acme)"). Records not found get their short id.
        Read-only; any thread."""
        out = {}
        with self._sessions() as s:
            for table, row_id in records:
                label = _record_label(s, table, row_id)
                if table != "partners":
                    try:
                        obj = get_by_id(s, _model_for(table), row_id)
                    except NotFound:
                        obj = None
                    partner = s.get(Partner, getattr(obj, "partner_id", None) or "") if obj is not None else None
                    if partner is not None:
                        label = f"{label} ({partner.name})"
                out[(table, row_id)] = label
        return out

    def forget_signer(self, device_id: str) -> None:
        """Stop trusting a signer: its next package asks again."""
        with self._sessions.begin() as s:
            row = s.get(SyncSigner, device_id)
            if row is None:
                raise NotFound(f"No signer {device_id}")
            row.trusted = False


def _recent_backup(db_path: Path, within: timedelta | None) -> bool:
    """True when a backup of this database (backups/ beside it) is younger than ``within``."""
    if within is None:
        return False
    folder = Path(db_path).parent / "backups"
    cutoff = datetime.now().timestamp() - within.total_seconds()
    return any(p.stat().st_mtime >= cutoff for p in folder.glob(f"{Path(db_path).stem}-*.sqlite"))


def _scope_key(partner_ids: list[str] | None) -> str:
    if partner_ids is None:
        return "everything"
    import hashlib

    return hashlib.sha256(",".join(sorted(partner_ids)).encode()).hexdigest()[:32]


def _record_label(s, table: str, row_id: str) -> str:
    """A short name for a record in a conflict list: its name or title when it has one."""
    try:
        model = _model_for(table)
    except NotFound:
        return row_id
    obj = get_by_id(s, model, row_id)
    if obj is None:
        return row_id
    for attr in ("name", "title", "code", "text", "description"):
        v = getattr(obj, attr, None)
        if isinstance(v, str) and v.strip():
            v = v.strip()
            return v if len(v) <= 60 else v[:57] + "…"
    return row_id[:8]


__all__ = ["ConflictRow", "ExportResult", "HistoryRow", "ProposalRow", "SignerRow", "SyncError", "SyncService", "table_specs"]
