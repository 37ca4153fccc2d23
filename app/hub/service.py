"""`HubService`: what the hub does for the commands and the web service.

- **Enrolment** (`enrol`, `revoke`, `reinstate`, `signers`): a laptop's public key (`tandem key --out FILE`)
  is registered with a role, *team* or *partner:NAME*. The key is also written to the hub's `sync_signers`
  with that role, so the laptop's own importer enforces on the hub what a partner's signer may change
  (app/services/sync/roles.py), exactly as on a lead's laptop. A partner's key may be enrolled before the hub
  holds that partner: it *waits* (`schema.WAITING`, bound to the name), its pulls are empty and its pushes
  refused, and the push that brings a partner of that name binds it to that partner's id in the same
  transaction (`_bind_waiting`), so from that commit on it pulls that partner's records and may change its
  side of them.
- **Authentication** (`key_of`, `refuse_revoked`, then `verify`): every request is signed by the laptop's key
  (app/services/sync/hub_auth.py). Its headers are judged before its body is read (no signature, an unknown
  or a revoked key); then the signature over the body, the time and the nonce (a replay).
- **Push** (`push`): a laptop's package is merged by `apply_package` in one transaction that also keeps the
  package (`hub_packages`: the audit trail); pushes take one advisory lock (app/hub/database.py), so they
  apply one after another. A package already received is answered from `hub_packages` (idempotent by package
  id); a hub killed mid-push has committed nothing of it, and the laptop's next push brings it again.
- **Pull** (`pull`, `ack`): the hub writes, with the laptop's own exporter, a package of what changed since
  the laptop's cursor, scoped to the partner for a partner's key; the cursor moves only when the laptop
  acknowledges having imported it, so a pull lost on the way is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from app import __version__
from app.hub.database import HubDatabase
from app.hub.schema import WAITING, HubCursor, HubKey, HubNonce, HubPackage, HubPull
from app.models import Partner
from app.models.sync import SyncConflict, SyncSigner
from app.services.clock import utcnow
from app.services.database import known_revisions
from app.services.sync.errors import PackageRefused
from app.services.sync.exporter import write_package
from app.services.sync.hub_auth import DEVICE, MAX_SKEW, NONCE, check_request, unsigned
from app.services.sync.importer import apply_package
from app.services.sync.keys import fingerprint
from app.services.sync.package import FORMAT_VERSION, PackageReader
from app.services.sync.roles import Role
from app.services.sync.tables import Since

HUB_NAME = "Team hub"


class HubError(Exception):
    """A request the hub refuses: an HTTP status, a code the laptop understands, and a message for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class KeyRow:
    device_id: str
    name: str
    device_name: str
    fingerprint: str
    role: str  # "team" or "partner:<partner id>"
    partner_name: str
    enrolled_at: datetime
    revoked_at: datetime | None
    revoked_reason: str
    waiting: bool = False  # a partner's key enrolled before the hub holds that partner
    candidates: int = 0  # while waiting: the partners of that name the hub holds (several: it cannot choose)

    @property
    def role_text(self) -> str:
        if self.revoked_at is not None:
            return "revoked" + (f": {self.revoked_reason}" if self.revoked_reason else "")
        if self.waiting:
            why = ("the hub holds several partners of that name: enrol it again with the partner's id"
                   if self.candidates > 1 else "the hub does not hold it yet")
            return f"partner: {self.partner_name} (waiting: {why})"
        return f"partner: {self.partner_name}" if self.role.startswith("partner:") else "team"


def read_key_file(path: str | os.PathLike) -> dict[str, str]:
    """The laptop's public key as `tandem key --out` writes it (JSON: device id, names, public key)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != "tandem-public-key" or not data.get("device_id") or not data.get("public_key"):
            raise ValueError
        return {k: str(data.get(k) or "") for k in ("device_id", "name", "device_name", "public_key")}
    except (OSError, ValueError, AttributeError) as exc:
        raise HubError(400, "bad_key", f"{path} is not a laptop's public key (write one with `tandem key --db "
                                       "DB --out FILE`).") from exc


_CONFLICT_COLUMNS = (SyncConflict.table_name, SyncConflict.row_id, SyncConflict.field, SyncConflict.local_value,
                     SyncConflict.incoming_value, SyncConflict.local_rev, SyncConflict.incoming_rev,
                     SyncConflict.winner, SyncConflict.kept_rev)


def _mine(row: dict[str, Any], device_id: str) -> dict[str, Any]:
    """A hub conflict seen from the laptop whose value it involves: its own value is *local* (mine)."""
    if row["local_rev"].endswith("." + device_id):
        return row
    return {**row, "local_value": row["incoming_value"], "incoming_value": row["local_value"],
            "local_rev": row["incoming_rev"], "incoming_rev": row["local_rev"],
            "winner": "local" if row["winner"] == "incoming" else "incoming"}


def _conflicts_of(conn, package_id: str) -> list[dict[str, Any]]:
    """The conflicts merging this package recorded on the hub, for the pushing laptop to list as its own: the
    value the hub held was replaced by the laptop's, or the laptop's lost to it (the winner is the same
    everywhere). A laptop lists a conflict for the values it replaced or that replaced its own, as a package
    exchanged with a colleague does."""
    rows = conn.execute(select(*_CONFLICT_COLUMNS).where(SyncConflict.package_id == package_id)).all()
    return [dict(r._mapping) for r in rows]


def _partners_named(conn, who: str) -> list:
    """The live partners whose id is ``who`` or whose name is ``who`` (any case)."""
    return conn.execute(select(Partner.id, Partner.name).where(Partner.deleted_at.is_(None))
                        .where((Partner.id == who) | (func.lower(Partner.name) == who.lower()))).all()


def _bind_waiting(conn, device_id: str | None = None) -> list[str]:
    """Bind the partners' keys that wait for a partner the hub now holds (exactly one of that name) to it, in
    the caller's transaction: their `hub_keys` role and their `sync_signers` partner. Only ``device_id``'s key
    when given. Returns the devices bound."""
    stmt = select(HubKey.device_id, HubKey.partner_name).where(HubKey.role == WAITING)
    if device_id is not None:
        stmt = stmt.where(HubKey.device_id == device_id)
    bound = []
    for device, name in conn.execute(stmt).all():
        rows = _partners_named(conn, name)
        if len(rows) != 1:
            continue
        conn.execute(update(HubKey).where(HubKey.device_id == device, HubKey.role == WAITING)
                     .values(role=Role("partner", rows[0].id).text, partner_name=rows[0].name))
        conn.execute(update(SyncSigner).where(SyncSigner.device_id == device)
                     .values(role="partner", partner_id=rows[0].id))
        bound.append(device)
    return bound


def _waiting_message(name: str) -> str:
    return (f"This laptop's key is enrolled for the partner {name!r}, which the hub does not hold yet: it takes "
            "nothing from this laptop and sends it nothing until a team laptop has synced that partner to the hub.")


class HubService:
    def __init__(self, db: HubDatabase) -> None:
        self.db = db
        self._sessions = db.sessions

    # -- enrolment ---------------------------------------------------------------------------------------------

    def _role(self, s, text: str) -> tuple[Role | None, str]:
        """("team" | "partner:NAME or id") -> (role, partner name); (None, NAME) for a partner the hub does not
        hold yet (the key waits for it)."""
        kind, _, who = text.partition(":")
        if text == "team":
            return Role("team"), ""
        if kind != "partner" or not who.strip():
            raise HubError(400, "bad_role", f"A role is 'team' or 'partner:NAME', not {text!r}.")
        who = who.strip()
        rows = _partners_named(s.connection(), who)
        if len(rows) > 1:
            raise HubError(409, "several_partners", f"The hub holds several partners named {who!r}: give the "
                                                    "partner's id instead (partner:ID).")
        if not rows:
            return None, who
        return Role("partner", rows[0].id), rows[0].name

    def enrol(self, key: dict[str, str], role: str) -> KeyRow:
        """Register a laptop's key with a role (again: a new role, and reinstated if it was revoked). A partner's
        key for a partner the hub does not hold yet waits for it (see the module doc)."""
        now = utcnow()
        with self._sessions.begin() as s:
            parsed, partner_name = self._role(s, role)
            other = s.scalar(select(HubKey).where(HubKey.public_key == key["public_key"],
                                                  HubKey.device_id != key["device_id"]))
            if other is not None:
                raise HubError(409, "key_in_use", "This key is enrolled for another laptop already.")
            row = s.get(HubKey, key["device_id"])
            if row is not None and row.public_key != key["public_key"]:
                raise HubError(409, "other_key", "This laptop is enrolled with another key: revoke it first "
                                                 "(`tandem hub revoke`), then enrol the new key.")
            if row is None:
                row = HubKey(device_id=key["device_id"], public_key=key["public_key"], enrolled_at=now)
                s.add(row)
            row.name, row.device_name = key["name"], key["device_name"]
            row.role, row.partner_name = (parsed.text if parsed is not None else WAITING), partner_name
            row.revoked_at, row.revoked_reason = None, ""
            signer = s.get(SyncSigner, key["device_id"])
            if signer is None:
                signer = SyncSigner(device_id=key["device_id"], public_key=key["public_key"], first_seen_at=now)
                s.add(signer)
            signer.name, signer.device_name, signer.fingerprint = key["name"], key["device_name"], \
                fingerprint(key["public_key"])
            # a waiting key's signer is a partner's bound to no partner: the importer would take nothing of it
            signer.trusted, signer.role = True, parsed.kind if parsed is not None else "partner"
            signer.partner_id = parsed.partner_id if parsed is not None else None
            signer.revoked_at, signer.revoked_reason, signer.last_seen_at = None, "", now
        return self._key_row(key["device_id"])

    def _find(self, s, device: str) -> HubKey:
        rows = s.scalars(select(HubKey).where(HubKey.device_id.startswith(device))).all() if device else []
        if len(rows) != 1:
            raise HubError(404, "no_key", f"{'No' if not rows else 'More than one'} enrolled laptop has a device "
                                          f"id starting {device!r} (`tandem hub signers` lists them).")
        return rows[0]

    def revoke(self, device: str, reason: str = "") -> KeyRow:
        """Refuse this laptop's requests (and its packages) from now on, saying why."""
        now = utcnow()
        with self._sessions.begin() as s:
            row = self._find(s, device)
            row.revoked_at, row.revoked_reason = now, reason.strip()
            signer = s.get(SyncSigner, row.device_id)
            if signer is not None:
                signer.revoked_at, signer.revoked_reason = now, reason.strip()
            device_id = row.device_id
        return self._key_row(device_id)

    def signers(self) -> list[KeyRow]:
        with self._sessions() as s:
            ids = s.scalars(select(HubKey.device_id).order_by(HubKey.name, HubKey.device_id)).all()
        return [self._key_row(i) for i in ids]

    def _key_row(self, device_id: str) -> KeyRow:
        with self._sessions() as s:
            k = s.get(HubKey, device_id)
            if k.role == WAITING:
                found = len(_partners_named(s.connection(), k.partner_name))
                return KeyRow(k.device_id, k.name, k.device_name, fingerprint(k.public_key), k.role, k.partner_name,
                              k.enrolled_at, k.revoked_at, k.revoked_reason, waiting=True, candidates=found)
            role = Role.parse(k.role)
            name = s.scalar(select(Partner.name).where(Partner.id == role.partner_id)) if role.is_partner else ""
            return KeyRow(k.device_id, k.name, k.device_name, fingerprint(k.public_key), k.role, name or "",
                          k.enrolled_at, k.revoked_at, k.revoked_reason)

    def _bound(self, key: HubKey) -> HubKey:
        """A waiting key, bound to its partner if the hub holds it now (a push brought it while the key was being
        enrolled); any other key as it is."""
        if key.role != WAITING:
            return key
        try:
            with self._sessions.begin() as s:
                _bind_waiting(s.connection(), key.device_id)
        except DBAPIError:
            pass  # a push bound it at the same moment (a serialization failure): read what it wrote
        with self._sessions() as s:
            return s.get(HubKey, key.device_id)

    # -- requests ----------------------------------------------------------------------------------------------

    def key_of(self, headers) -> HubKey:
        """The enrolled key a request's headers name, judged before its body is read: `HubError` 401 when the
        headers carry no signature or name no enrolled laptop. A revoked key is returned: `refuse_revoked`."""
        why = unsigned(headers)
        if why:
            raise HubError(401, "bad_request_signature", why)
        with self._sessions() as s:
            key = s.get(HubKey, headers.get(DEVICE, ""))
        if key is None:
            raise HubError(401, "not_enrolled", "This laptop's key is not enrolled on the hub.")
        return key

    @staticmethod
    def refuse_revoked(key: HubKey, signed: bool) -> None:
        """`HubError` 403 for a revoked key. The reason is told only to a request whose signature checked (one
        without a body, such as the hello every sync begins with): a push is refused before its body is read,
        so before anything proves who sent it."""
        if key.revoked_at is not None:
            raise HubError(403, "revoked", "This laptop's key was revoked on the hub"
                           + (f": {key.revoked_reason}" if signed and key.revoked_reason else "") + ".")

    def verify(self, key: HubKey, headers, method: str, path: str, body: bytes) -> HubKey:
        """Check the request's signature over its body and time, and that its nonce is new (`HubError` 401)."""
        why = check_request(key.public_key, headers, method, path, body)
        if why:
            raise HubError(401, "bad_request_signature" if "clock" not in why else "clock", why)
        now = utcnow()
        with self._sessions.begin() as s:
            seen = s.execute(pg_insert(HubNonce).values(nonce=headers[NONCE], device_id=key.device_id, seen_at=now)
                             .on_conflict_do_nothing(index_elements=["nonce"]).returning(HubNonce.nonce)).first()
            if seen is None:
                raise HubError(401, "replayed", "This request was sent before (a replay): it is refused.")
            s.execute(delete(HubNonce).where(HubNonce.seen_at < now - timedelta(seconds=3 * MAX_SKEW)))
        return key

    def authenticate(self, headers, method: str, path: str, body: bytes) -> HubKey:
        """The enrolled, unrevoked key that signed this request (body in hand), or `HubError` saying why not."""
        key = self.verify(self.key_of(headers), headers, method, path, body)
        self.refuse_revoked(key, signed=True)
        return key

    def hello(self, key: HubKey) -> dict[str, Any]:
        """What a laptop needs before it syncs: the hub's versions, its role here, its last push received."""
        known, head = known_revisions()
        key = self._bound(key)
        with self._sessions() as s:
            last = s.scalar(select(HubPackage.package_id).where(HubPackage.device_id == key.device_id)
                            .order_by(HubPackage.seq.desc()).limit(1))
        return {"app_version": __version__, "schema_revision": head, "schema_revisions": sorted(known),
                "format_version": FORMAT_VERSION, "hub_device": self.db.device_id, "role": key.role,
                "last_push": last or "", "waiting_for": key.partner_name if key.role == WAITING else ""}

    def push(self, key: HubKey, body: bytes) -> dict[str, Any]:
        """Merge a laptop's package (one transaction, kept in the audit trail); what it did, per table."""
        key = self._bound(key)
        if key.role == WAITING:
            raise HubError(409, "waiting_for_partner", _waiting_message(key.partner_name))
        package_id = None
        with tempfile.TemporaryDirectory(prefix="tandem-push-") as tmp:
            path = Path(tmp) / "push.tandem"
            path.write_bytes(body)
            try:
                with PackageReader(path) as reader:
                    package_id = reader.package_id
                    signer = reader.signer
                    if signer.get("device_id") != key.device_id or signer.get("public_key") != key.public_key:
                        raise HubError(403, "not_own_package",
                                       "The package is signed by another laptop than the one sending it.")
                    with self._sessions() as s:
                        done = s.get(HubPackage, package_id)
                        if done is not None:
                            return {**done.result, "package_id": package_id, "already_received": True,
                                    "conflicts": [_mine(c, key.device_id) for c in done.result.get("conflicts", [])]}
                    digest = hashlib.sha256(body).hexdigest()

                    answer: dict[str, Any] = {}

                    def keep(conn, counts: dict[str, Any]) -> None:
                        answer.update(counts, conflicts=_conflicts_of(conn, package_id))
                        _bind_waiting(conn)  # partners' keys waiting for a partner this push brought
                        seq = conn.execute(select(func.coalesce(func.max(HubPackage.seq), 0))).scalar() + 1
                        conn.execute(pg_insert(HubPackage).values(
                            package_id=package_id, device_id=key.device_id, received_at=utcnow(), sha256=digest,
                            size=len(body), body=body, result=answer, seq=seq)
                            .on_conflict_do_nothing(index_elements=["package_id"]))

                    result = apply_package(self.db, reader, dry_run=False, trust_new_signer=False,
                                           before_commit=keep)
            except PackageRefused as exc:
                raise HubError(422, "refused", str(exc)) from exc
        return {"package_id": package_id, "tables": result.tables, "total": result.total,
                "rejections": list(result.rejections),
                "conflicts": [_mine(c, key.device_id) for c in answer.get("conflicts", [])],
                "already_received": False}

    def pull(self, key: HubKey, out: Path) -> dict[str, Any] | None:
        """Write to ``out`` a package of what changed since the laptop's cursor (its partner only, for a
        partner's key); None when nothing changed since the laptop's last acknowledged pull."""
        key = self._bound(key)
        if key.role == WAITING:
            return None  # nothing of a partner the hub does not hold, and nothing else
        role = Role.parse(key.role)
        with self._sessions() as s:
            cursor = s.get(HubCursor, key.device_id)
            names = [s.scalar(select(Partner.name).where(Partner.id == role.partner_id)) or ""] \
                if role.is_partner else []
        since = Since(seq=cursor.seq, continues=cursor.package_id) if cursor is not None else None
        with self._sessions() as s:  # before the export's snapshot: every conflict up to it is in the package
            conflict_id = s.scalar(select(func.coalesce(func.max(SyncConflict.id), 0)))
        manifest, seq, _skipped = write_package(
            self.db, out, partner_ids=[role.partner_id] if role.is_partner else None, partner_names=names,
            since=since, author=HUB_NAME, device_name="hub", passphrase=None)
        records = sum(t["count"] for t in manifest["tables"].values())
        if cursor is not None and records == 0 and not manifest["blobs"]:
            out.unlink(missing_ok=True)
            return None
        with self._sessions.begin() as s:
            s.add(HubPull(package_id=manifest["package_id"], device_id=key.device_id, made_at=utcnow(), seq=seq,
                          records=records, conflict_id=conflict_id))
        return {"package_id": manifest["package_id"], "records": records}

    def ack(self, key: HubKey, package_id: str) -> list[dict[str, Any]]:
        """The laptop imported this pull: its next pull carries only what changed after it. Returns the conflicts
        the hub met since the laptop's last pull that involve one of its own values (as it sees them): the pull
        brought the merged record, which knows both values, so the laptop's merge alone would not list them."""
        with self._sessions.begin() as s:
            pull = s.get(HubPull, package_id)
            if pull is None or pull.device_id != key.device_id:
                raise HubError(404, "no_pull", "The hub made no such package for this laptop.")
            cursor = s.get(HubCursor, key.device_id)
            after = cursor.conflict_id if cursor is not None else pull.conflict_id  # a first pull: none before
            if cursor is None:
                s.add(HubCursor(device_id=key.device_id, seq=pull.seq, package_id=package_id, acked_at=utcnow(),
                                conflict_id=pull.conflict_id))
            elif pull.seq >= cursor.seq:
                cursor.seq, cursor.package_id, cursor.acked_at = pull.seq, package_id, utcnow()
                cursor.conflict_id = max(cursor.conflict_id, pull.conflict_id)
            suffix = "." + key.device_id
            rows = s.execute(select(*_CONFLICT_COLUMNS).where(
                SyncConflict.id > after, SyncConflict.id <= pull.conflict_id,
                SyncConflict.local_rev.endswith(suffix) | SyncConflict.incoming_rev.endswith(suffix))).all()
            return [_mine(dict(r._mapping), key.device_id) for r in rows]

    def received(self, device_id: str | None = None) -> list[dict[str, Any]]:
        """The audit trail: every package received (newest first), without its bytes."""
        with self._sessions() as s:
            stmt = select(HubPackage.package_id, HubPackage.device_id, HubPackage.received_at, HubPackage.size,
                          HubPackage.sha256, HubPackage.result).order_by(HubPackage.seq.desc())
            if device_id:
                stmt = stmt.where(HubPackage.device_id == device_id)
            return [dict(r._mapping) for r in s.execute(stmt)]
