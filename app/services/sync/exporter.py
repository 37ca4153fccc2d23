"""Writing a package: select the records in scope (and changed since a mark) — for a package scoped to some
partners, their records and only the library records they use (see scope.py) — stream them as canonical JSON
lines into the zip, sign the manifest, encrypt the whole file when a passphrase is given.

The package is written beside the target under a temporary name and renamed into place at the end, so a
failure never leaves a half-written package behind. The temporary names are noted in the database while the
export runs, so one left by a killed export is removed the next time the database is opened
(`remove_leftover_exports`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import __version__
from app.models.base import new_id
from app.models.local import LocalSetting
from app.services.clock import current_seq, utcnow
from app.services.database import known_revisions
from app.services.sync import crypto
from app.services.sync.errors import SyncError
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import FORMAT, FORMAT_VERSION, PackageWriter
from app.services.sync.scope import IN_IDS, ids_param, scoped_library
from app.services.sync.tables import PARTNER_COLUMN, Since, TableSpec, canonical_json, table_specs

FETCH = 2000


Library = dict[str, set[str]] | None  # for a scoped package: the library records it carries (see scope.py)


def _where(spec: TableSpec, partner_ids: list[str] | None, since: Since | None,
           library: Library) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if partner_ids is not None and not spec.partner_owned:
        # scoped_library already applied the since mark to library records
        return f" WHERE id {IN_IDS}", [ids_param((library or {}).get(spec.name, ()))]
    if partner_ids is not None and spec.partner_owned:
        clauses.append(f"{PARTNER_COLUMN} IN ({', '.join('?' * len(partner_ids))})")
        params += partner_ids
    if since:
        clauses.append(since.clause)
        params.append(since.param)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def check_scope(conn, partner_ids: list[str]) -> None:
    """Refuse a scoped export when an in-scope record refers to another partner's record."""
    specs = table_specs()
    marks = ", ".join("?" * len(partner_ids))
    for spec in specs.values():
        if not spec.partner_owned:
            continue
        for col, target in spec.foreign_keys:
            if target not in specs or not specs[target].partner_owned:
                continue
            sql = (f'SELECT c.id, t.{PARTNER_COLUMN} FROM "{spec.name}" c JOIN "{target}" t ON c."{col}" = t.id '
                   f'WHERE c.{PARTNER_COLUMN} IN ({marks}) AND t.{PARTNER_COLUMN} NOT IN ({marks}) LIMIT 1')
            bad = conn.exec_driver_sql(sql, tuple(partner_ids) * 2).first()
            if bad:
                raise SyncError(
                    f"Cannot export only these partners: a {spec.name} record ({bad[0]}) refers to a {target} "
                    f"record of another partner ({bad[1]}). Add that partner to the export, or export everything."
                )


def count_rows(conn, partner_ids: list[str] | None, since: Since | None, library: Library) -> dict[str, int]:
    counts = {}
    for spec in table_specs().values():
        where, params = _where(spec, partner_ids, since, library)
        counts[spec.name] = conn.exec_driver_sql(f'SELECT count(*) FROM "{spec.name}"{where}',
                                                 tuple(params)).scalar()
    return counts


def _lines(conn, spec: TableSpec, partner_ids, since, library: Library,
           tick: Callable[[int], None]) -> Iterator[bytes]:
    where, params = _where(spec, partner_ids, since, library)
    result = conn.exec_driver_sql(spec.select_sql + where + spec.order_sql, tuple(params))
    n = 0
    while rows := result.fetchmany(FETCH):
        for values in rows:
            yield canonical_json(spec.from_db(values)) + b"\n"
        n += len(rows)
        tick(len(rows))


#: LocalSetting holding the temporary files of exports under way (a JSON list of paths).
PENDING_KEY = "exports_under_way"


def _note_pending(db, path: Path, add: bool) -> None:
    with db.sessions.begin() as s:
        row = s.get(LocalSetting, PENDING_KEY)
        paths = set(json.loads(row.value)) if row is not None and row.value else set()
        (paths.add if add else paths.discard)(str(path))
        if row is None:
            s.add(LocalSetting(key=PENDING_KEY, value=json.dumps(sorted(paths))))
        else:
            row.value = json.dumps(sorted(paths))


def remove_leftover_exports(db) -> list[Path]:
    """Remove the temporary files of exports that never finished (the app was killed); returns them."""
    with db.sessions() as s:
        value = s.scalar(select(LocalSetting.value).where(LocalSetting.key == PENDING_KEY))
    if not value:
        return []
    removed = []
    for name in json.loads(value):
        path = Path(name)
        if path.name.startswith(".tandem-export-") and path.exists():
            path.unlink(missing_ok=True)
            removed.append(path)
        _note_pending(db, path, add=False)
    return removed


def _temp_beside(db, out: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".tandem-export-", suffix=suffix, dir=out.parent)
    os.close(fd)
    _note_pending(db, Path(name), add=True)
    return Path(name)


def _drop_temp(db, path: Path) -> None:
    path.unlink(missing_ok=True)
    _note_pending(db, path, add=False)


def write_package(db, out: Path, *, partner_ids: list[str] | None, partner_names: list[str],
                  since: Since | None, author: str, device_name: str, passphrase: str | None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, Any], int]:
    """Write the package to ``out``; returns the manifest and the change sequence its snapshot saw.

    Reads in one read transaction (a consistent snapshot). The mark is read inside that snapshot, so every
    edit the package does not hold was committed with a higher sequence number and goes into the next one."""
    out = Path(out)
    if not out.parent.is_dir():
        raise SyncError(f"The folder {out.parent} does not exist.")
    key = device_key(db.device_id)
    pub = public_key_b64(key)
    specs = table_specs()
    tmp = _temp_beside(db, out, ".part")
    try:
        with db.engine.connect() as conn, conn.begin():  # one snapshot for every table
            mark = current_seq(conn)
            library = None
            if partner_ids is not None:
                check_scope(conn, partner_ids)
                library = scoped_library(conn, partner_ids, since)
            counts = count_rows(conn, partner_ids, since, library)
            total, done = sum(counts.values()), 0

            def tick(n: int) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(done, total)

            writer = PackageWriter(tmp)
            try:
                tables = {}
                for spec in specs.values():
                    n = writer.write_lines(f"records/{spec.name}.jsonl",
                                           _lines(conn, spec, partner_ids, since, library, tick))
                    tables[spec.name] = {"count": n, "columns": list(spec.columns)}
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "schema_revision": known_revisions()[1], "app_version": __version__,
                    "package_id": new_id(), "created_at": utcnow().isoformat(timespec="seconds") + "Z",
                    "device": {"device_id": db.device_id, "name": author, "device_name": device_name,
                               "public_key": pub, "fingerprint": fingerprint(pub)},
                    "scope": ({"kind": "partners", "partner_ids": sorted(partner_ids),
                               "partner_names": partner_names} if partner_ids is not None
                              else {"kind": "everything"}),
                    "since": "" if since is None else str(since.param),
                    "tables": tables,
                    "blobs": [],
                }
                writer.finish(manifest, key.sign)
            except BaseException:
                writer.abort()
                raise
        if passphrase:
            enc = _temp_beside(db, out, ".enc")
            try:
                with open(tmp, "rb") as src, open(enc, "wb") as dst:
                    crypto.encrypt_stream(src, dst, passphrase)
                os.replace(enc, tmp)
            finally:
                _drop_temp(db, enc)
        os.replace(tmp, out)
        _note_pending(db, tmp, add=False)
        return manifest, mark
    except BaseException:
        _drop_temp(db, tmp)
        raise
