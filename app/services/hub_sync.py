"""`HubSync`: this laptop syncing with the team hub (app/hub) — push what changed here, pull what changed there.

A sync is two steps, each all or nothing:

1. **Push**: a signed package of what changed here since the hub's last acknowledgement (the hub says which
   push it last received; the laptop remembers the change sequence that push's snapshot saw), or of
   everything when they disagree. The hub merges it in one transaction and keeps it.
2. **Pull**: the hub's package of what changed there since this laptop's cursor (for a partner's laptop:
   that partner only), imported like any package (backup first, one transaction, conflicts listed), then
   acknowledged, so the hub's cursor moves only past what this laptop holds.

A partner's laptop whose key the hub enrolled before it holds that partner exchanges nothing until it does
(the hello says so: `HubSyncResult.waiting_for`).

Edits never wait for the network: a sync runs on the writer thread (the UI) or in the command, and a
failure leaves nothing half applied and says why in plain words (`HubSyncError.reason`: ``offline``,
``not_enrolled``, ``revoked``, ``hub_newer``, ``laptop_newer``, ``clock``, ``refused``, ``too_large``,
``error``).
The hub's URL and the minutes between automatic syncs are local settings (they never travel).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sqlalchemy import select

from app.models.sync import SyncConflict, SyncHistory
from app.services.changes import Changes
from app.services.clock import utcnow
from app.services.database import known_revisions
from app.services.identity import IdentityService
from app.services.settings import SettingsService
from app.services.sizes import size_text
from app.services.sync.errors import PackageRefused, SyncError
from app.services.sync.exporter import write_package
from app.services.sync.hub_auth import sign_request
from app.services.sync.importer import COUNT_KEYS, ImportResult
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import FORMAT_VERSION
from app.services.sync.tables import Since

HUB_URL, HUB_PUSHED, HUB_MINUTES = "hub_url", "hub_pushed", "hub_sync_minutes"
TIMEOUT = httpx.Timeout(30.0, read=600.0)
#: A pull is imported after a backup copy of the database when the newest copy is older than this: a laptop
#: syncing every few minutes copies its database once a day (each import is one transaction all the same).
BACKUP_EVERY = timedelta(hours=24)

Progress = Callable[[str, int, int], None]  # (what is happening, done, total)


class HubSyncError(SyncError):
    """A sync with the hub did not happen (or stopped between its two steps, each whole): ``reason`` is a code,
    the message says why in plain words and what to do."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class HubSyncResult:
    url: str
    pushed: dict[str, Any] | None  # the hub's answer to the push (tables, total, rejections), None: nothing to push
    pulled: ImportResult | None  # the import of the hub's package, None: nothing new there
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # what the pull changed here, per table
    #: A partner's laptop enrolled before the hub holds its partner: that partner's name (nothing was exchanged).
    waiting_for: str = ""

    @property
    def summary(self) -> str:
        if self.waiting_for:
            return (f"The hub does not hold {self.waiting_for} yet: nothing was sent or received. This laptop syncs "
                    f"with it once a team laptop has synced {self.waiting_for} to the hub; your edits stay here.")
        sent = (self.pushed or {}).get("total", {})
        got = self.pulled.total if self.pulled is not None else dict.fromkeys(COUNT_KEYS, 0)
        parts = [f"sent {sum(sent.get(k, 0) for k in ('new', 'updated', 'conflicts'))} changes"
                 if self.pushed else "nothing to send",
                 f"received {got['new']} new and {got['updated']} updated records" if self.pulled else
                 "nothing new on the hub"]
        if self.pulled is not None and got["conflicts"]:
            parts.append(f"{got['conflicts']} conflicts to look at (Sync → Conflicts)")
        return "Synced with the hub: " + ", ".join(parts) + "."


def write_key_file(db, identity: IdentityService, out: str | os.PathLike) -> str:
    """Write this laptop's public key for enrolment on a hub (``tandem hub enrol --public-key``); returns the
    key's fingerprint. The private key never leaves the user's data folder."""
    pub = public_key_b64(device_key(db.device_id))
    who = identity.get()
    data = {"format": "tandem-public-key", "device_id": db.device_id, "name": who.display_name,
            "device_name": who.device_name, "public_key": pub, "fingerprint": fingerprint(pub)}
    Path(out).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return fingerprint(pub)


class HubSync:
    """Sync with the hub. ``http`` (tests) makes the HTTP client for a base URL; by default httpx."""

    def __init__(self, db, sync, identity: IdentityService, settings: SettingsService,
                 http: Callable[[str], httpx.Client] | None = None) -> None:
        self._db, self._sync, self._identity, self._settings = db, sync, identity, settings
        self._http = http or (lambda url: httpx.Client(base_url=url, timeout=TIMEOUT))

    # -- settings ----------------------------------------------------------------------------------------------

    def url(self) -> str:
        return self._settings.get(HUB_URL, "")

    def set_url(self, url: str) -> str:
        url = url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HubSyncError("error", f"{url!r} is not a hub address: give one such as https://hub.example.org.")
        self._settings.set(HUB_URL, url)
        return url

    def interval_minutes(self) -> int:
        """Minutes between automatic syncs while the app is open (0: only when asked)."""
        try:
            return max(0, int(self._settings.get(HUB_MINUTES, "0")))
        except ValueError:
            return 0

    def set_interval_minutes(self, minutes: int) -> None:
        self._settings.set(HUB_MINUTES, str(max(0, int(minutes))))

    def own_fingerprint(self) -> str:
        return fingerprint(public_key_b64(device_key(self._db.device_id)))

    # -- sync --------------------------------------------------------------------------------------------------

    def sync(self, url: str | None = None, progress: Progress | None = None,
             cancelled: Callable[[], bool] | None = None) -> HubSyncResult:
        """Push, then pull (see the module doc). ``url`` is remembered for the next time."""
        url = self.set_url(url) if url else self.url()
        if not url:
            raise HubSyncError("error", "No hub is set for this laptop: give its address (--hub URL, or Sync → "
                                        "Sync with hub now).")
        say = progress or (lambda _what, _done, _total: None)
        with self._http(url) as client, tempfile.TemporaryDirectory(prefix="tandem-hub-") as tmp:
            say("Reaching the hub…", 0, 0)
            hello = self._call(client, url, "GET", "/v1/hello").json()
            self._check_versions(hello)
            if hello.get("waiting_for"):  # a partner's key, enrolled before the hub holds that partner
                return HubSyncResult(url, None, None, waiting_for=str(hello["waiting_for"]))
            pushed = self._push(client, url, hello, Path(tmp), say)
            say("Receiving the hub's changes…", 0, 0)
            pulled = self._pull(client, url, Path(tmp), say, cancelled)
        return HubSyncResult(url, pushed, pulled, dict(pulled.tables) if pulled else {})

    def _check_versions(self, hello: dict[str, Any]) -> None:
        known, head = known_revisions()
        if hello.get("schema_revision") not in known or int(hello.get("format_version", 0)) > FORMAT_VERSION:
            raise HubSyncError("hub_newer", f"The hub runs a newer Tandem ({hello.get('app_version', '?')}) than "
                                            "this laptop: install the newer Tandem here, then sync again. Your edits "
                                            "stay on this laptop meanwhile.")
        if head not in (hello.get("schema_revisions") or []):
            raise HubSyncError("laptop_newer", "This laptop runs a newer Tandem than the hub: ask whoever runs the "
                                               "hub to update it. Your edits stay on this laptop meanwhile.")

    def _push(self, client, url: str, hello: dict[str, Any], tmp: Path, say: Progress) -> dict[str, Any] | None:
        try:
            mark = json.loads(self._settings.get(HUB_PUSHED, "") or "{}")
        except ValueError:
            mark = {}
        since = None
        if mark.get("hub") == hello.get("hub_device") and mark.get("package_id") and \
                mark.get("package_id") == hello.get("last_push"):
            since = Since(seq=int(mark["seq"]), continues=mark["package_id"])
        for attempt in (since, None) if since is not None else (None,):
            out = tmp / "push.tandem"
            who = self._identity.get()
            say("Packing this laptop's changes…", 0, 0)
            manifest, seq, _skipped = write_package(
                self._db, out, partner_ids=None, partner_names=[], since=attempt, author=who.display_name,
                device_name=who.device_name, passphrase=None,
                progress=lambda done, total: say("Packing this laptop's changes…", done, total))
            records = sum(t["count"] for t in manifest["tables"].values())
            if attempt is not None and records == 0 and not manifest["blobs"]:
                return None  # nothing changed here since the hub's last acknowledgement
            size, limit = out.stat().st_size, int(hello.get("max_push") or 0)
            if limit and size > limit:
                raise HubSyncError("too_large", f"This laptop's changes make a package of {size_text(size)}; "
                                                f"the hub at {url} takes at most {size_text(limit)} in one push. "
                                                "Nothing was sent: ask whoever runs the hub to raise it (tandem hub "
                                                "serve --max-push, and the proxy's body limit).")
            say(f"Sending {records} records…", 0, 0)
            try:
                answer = self._call(client, url, "POST", "/v1/push", out.read_bytes()).json()
            except HubSyncError as exc:
                if exc.reason == "refused" and attempt is not None:
                    continue  # the hub lacks what this package continues: send everything instead
                raise
            self._settings.set(HUB_PUSHED, json.dumps({"hub": hello.get("hub_device"),
                                                       "package_id": manifest["package_id"], "seq": seq}))
            with self._db.sessions.begin() as s:
                self._keep_conflicts(s, answer.get("conflicts") or [], manifest["package_id"])
                s.add(SyncHistory(package_id=manifest["package_id"], direction="export", peer="hub",
                                  peer_device=str(hello.get("hub_device", "")), at=utcnow(),
                                  scope="everything" if attempt is None else "changes since the last sync",
                                  counts={"tables": {t: v["count"] for t, v in manifest["tables"].items()},
                                          "total": records}, result="sent to the hub", file_name=url))
            return answer
        return None

    @staticmethod
    def _keep_conflicts(s, conflicts: list[dict[str, Any]], package_id: str) -> None:
        """List here the conflicts the hub met that involve this laptop's values, as the hub sends them: seen from
        this laptop (its own value *local*, mine). One already listed (the same two revs) is not listed again."""
        now = utcnow()
        for c in conflicts:
            known = s.scalar(select(SyncConflict.id).where(
                SyncConflict.table_name == c["table_name"], SyncConflict.row_id == c["row_id"],
                SyncConflict.field == c["field"], SyncConflict.local_rev == c["local_rev"],
                SyncConflict.incoming_rev == c["incoming_rev"]))
            if known is not None:
                continue
            s.add(SyncConflict(table_name=c["table_name"], row_id=c["row_id"], field=c["field"],
                               local_value=c["local_value"], incoming_value=c["incoming_value"],
                               local_rev=c["local_rev"], incoming_rev=c["incoming_rev"], winner=c["winner"],
                               kept_rev=c["kept_rev"], package_id=package_id, peer="the hub", detected_at=now,
                               status="open"))

    def _pull(self, client, url: str, tmp: Path, say: Progress, cancelled) -> ImportResult | None:
        response = self._call(client, url, "POST", "/v1/pull")
        if response.status_code == 204:
            return None
        path = tmp / "pull.tandem"
        path.write_bytes(response.content)
        try:
            result = self._sync.import_package(
                path, trust_new_signer="team", cancelled=cancelled, relay=True, backup_within=BACKUP_EVERY,
                progress=lambda done, total: say("Merging the hub's changes…", done, total))
        except PackageRefused as exc:
            raise HubSyncError("refused", f"The hub's package was refused here: {exc}") from exc
        answer = self._call(client, url, "POST", "/v1/ack", json.dumps({"package_id": result.package_id}).encode())
        conflicts = answer.json().get("conflicts") or []
        if conflicts:
            with self._db.sessions.begin() as s:
                self._keep_conflicts(s, conflicts, result.package_id)
            self._db.feed.publish(Changes.of("sync_conflicts"))
        return result

    def _call(self, client, url: str, method: str, path: str, body: bytes = b"") -> httpx.Response:
        full = urlsplit(url).path.rstrip("/") + path
        headers = sign_request(device_key(self._db.device_id), self._db.device_id, method, full, body)
        try:
            try:
                response = client.request(method, path, content=body, headers=headers)
            except httpx.RemoteProtocolError:
                # a kept-alive connection the hub closed while this laptop was packing: once more on a new one
                # (every request is safe to repeat: a push is idempotent by package id, an ack by pull)
                headers = sign_request(device_key(self._db.device_id), self._db.device_id, method, full, body)
                response = client.request(method, path, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise HubSyncError("offline", f"The hub at {url} cannot be reached (offline, or the hub is down): "
                                          "nothing was sent or changed. Your edits stay here; sync again later."
                               ) from exc
        if response.status_code < 400:
            return response
        try:
            err = response.json()
            code, message = str(err.get("error", "")), str(err.get("message", ""))
        except ValueError:
            code, message = "", response.text[:200]
        if code == "not_enrolled":
            raise HubSyncError("not_enrolled", f"This laptop's key is not enrolled on the hub at {url}. Write it "
                                               f"with `tandem key --out FILE` (fingerprint {self.own_fingerprint()}) "
                                               "and ask whoever runs the hub to enrol it.")
        if code == "revoked":
            raise HubSyncError("revoked", f"{message} The hub takes nothing from this laptop and sends it nothing; "
                                          "ask whoever runs the hub.")
        if code == "clock":
            raise HubSyncError("clock", f"The hub refused the request: {message}.")
        if code == "too_large":
            raise HubSyncError("too_large", f"The hub refused the package: {message}")
        if code == "refused":
            raise HubSyncError("refused", f"The hub refused this laptop's package: {message}")
        raise HubSyncError("error", f"The hub could not do it (HTTP {response.status_code}"
                                    f"{': ' + message if message else ''}). Nothing was half applied; try again later.")
