"""Writing a package: select the records in scope (and changed since a mark) — for a package scoped to some
partners, their records and only the library records they use (see scope.py) — stream them into the zip as
JSON lines (one array of values per record, see package.py), add the files of the attachment rows it carries
(``blobs/<sha256>``, each once: see blobs.py), sign the manifest, encrypt the whole file when a passphrase is
given.

The package is written beside the target under a temporary name and renamed into place at the end, so a
failure never leaves a half-written package behind. The temporary names are noted beside the database while the
export runs, so one left by a killed export is removed the next time the database is opened
(`remove_leftover_exports`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app import __version__
from app.models.base import new_id
from app.services.attachments import BlobStore
from app.services.clock import current_seq, utcnow
from app.services.database import known_revisions
from app.services.integrity import Problem, column_sound, problems, rules, show
from app.services.sync import crypto
from app.services.sync.blobs import BlobRejected, blobs_in_scope, write_blobs
from app.services.sync.errors import SyncError
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import FORMAT, FORMAT_VERSION, MAX_ENTRIES, PackageWriter, record_line
from app.services.sync.scope import IN_IDS, ids_param, scoped_library
from app.services.sync.tables import PARTNER_COLUMN, Since, TableSpec, loads_json, table_specs

FETCH = 2000
log = logging.getLogger(__name__)


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
        if partner_ids is not None and spec.name in SCOPED_WITHOUT_TABLES:
            counts[spec.name] = 0
            continue
        where, params = _where(spec, partner_ids, since, library)
        counts[spec.name] = conn.exec_driver_sql(f'SELECT count(*) FROM "{spec.name}"{where}',
                                                 tuple(params)).scalar()
    return counts


#: What a package scoped to some partners leaves out of the shared libraries: their history, whose notes
#: ("raised for Acme after the audit") could name other partners. Libraries travel as their current versions:
#: the KPI history not at all, and the change notes of playbook and learning-track versions blank.
SCOPED_WITHOUT_TABLES = frozenset({"kpi_versions"})
SCOPED_BLANK_FIELDS = {"playbook_versions": ("change_note",), "learning_track_versions": ("change_note",)}


def _values(conn, spec: TableSpec, partner_ids, since, library: Library,
            tick: Callable[[int], None], skipped: list[Problem] | None = None) -> Iterator[list]:
    """The records the package carries of one table, each its values in ``spec.columns`` order (the order the
    manifest declares), JSON columns as values. A stored row that cannot be read back (a hand edit, an older
    version: JSON that does not parse, a BLOB where text belongs) is left out with a warning and added to
    ``skipped``; every other row still travels (`tandem check` repairs what was left out)."""
    if partner_ids is not None and spec.name in SCOPED_WITHOUT_TABLES:
        return
    where, params = _where(spec, partner_ids, since, library)
    result = conn.exec_driver_sql(spec.select_sql + where + spec.order_sql, tuple(params))
    blank = [spec.at[f] for f in SCOPED_BLANK_FIELDS.get(spec.name, ())] if partner_ids is not None else []
    json_at = spec.json_at
    while rows := result.fetchmany(FETCH):
        for row in rows if _readable(spec, rows) else _sound_rows(spec, rows, skipped):
            values = list(row)
            try:
                for i in json_at:
                    if values[i] is not None:
                        values[i] = loads_json(values[i])
            except ValueError:
                _skip(spec, row, [Problem(spec.name, str(row[spec.at["id"]]), spec.columns[i], show(values[i]),
                                          "JSON does not parse")], skipped)
                continue
            for i in blank:
                values[i] = ""
            yield values
        tick(len(rows))


def _readable(spec: TableSpec, rows: list) -> bool:
    """True when every stored value of ``rows`` but the JSON ones passes the model's rules (app/services/
    integrity.py), checked a column at a time; the JSON ones are checked as they are parsed."""
    table_rules = rules(spec.name)
    columns = list(zip(*rows))
    return all(column_sound(table_rules[c], columns[i]) for i, c in enumerate(spec.columns)
               if c in table_rules and c not in spec.json_columns and c not in spec.generated)


def _sound_rows(spec: TableSpec, rows: list, skipped: list[Problem] | None) -> Iterator[tuple]:
    """The rows of ``rows`` whose values (but the JSON ones) can be read; each other row is skipped."""
    for row in rows:
        bad = [p for p in problems(spec.name, dict(zip(spec.columns, row))) if p.field not in spec.json_columns]
        if bad:
            _skip(spec, row, bad, skipped)
        else:
            yield row


def _skip(spec: TableSpec, row, found: list[Problem], skipped: list[Problem] | None) -> None:
    for p in found:
        log.warning("Left out of the package, unreadable: %s", p)
    if skipped is not None:
        skipped.extend(found)


def label_of(values: dict[str, Any]) -> str:
    """A record's name, title, code or text, when it has one (for listings of records)."""
    for attr in ("name", "title", "code", "text", "description"):
        v = values.get(attr)
        if isinstance(v, str) and v.strip():
            return v.strip()[:60]
    return ""


def package_contents(db, *, partner_ids: list[str] | None, since: Since | None) -> dict[str, list[str]]:
    """What a package would carry, without writing one: table -> a readable line per record (its name, title
    or code, else its id), read exactly as `write_package` reads them (scope, history left out, notes blank)."""
    out: dict[str, list[str]] = {}
    with db.engine.connect() as conn, conn.begin():
        library = scoped_library(conn, partner_ids, since) if partner_ids is not None else None
        for spec in table_specs().values():
            lines = []
            for values in _values(conn, spec, partner_ids, since, library, lambda _n: None):
                row = spec.as_dict(values)
                label = label_of(row) or row["id"]
                lines.append(label + (" (deleted)" if row.get("deleted_at") else ""))
            if lines:
                out[spec.name] = lines
    return out


def _pending_file(db) -> Path:
    """Beside the database: the temporary files of exports under way (a JSON list), kept out of the database
    itself so an export never waits for the write lock."""
    return Path(f"{db.path}.exports")


#: Exports running at once in one process (the hub's pulls) take turns at the note of their temporary files.
_PENDING_LOCK = threading.Lock()


def _note_pending(db, path: Path, add: bool) -> None:
    with _PENDING_LOCK:
        _write_pending(db, path, add)


def _write_pending(db, path: Path, add: bool) -> None:
    note = _pending_file(db)
    try:
        paths = set(json.loads(note.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        paths = set()
    (paths.add if add else paths.discard)(str(path))
    if paths:
        tmp = note.with_name(note.name + ".tmp")
        tmp.write_text(json.dumps(sorted(paths)), encoding="utf-8")
        os.replace(tmp, note)
    else:
        note.unlink(missing_ok=True)


def remove_leftover_exports(db) -> list[Path]:
    """Remove the temporary files of exports that never finished (the app was killed); returns them."""
    try:
        names = json.loads(_pending_file(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    removed = []
    for name in names:
        path = Path(name)
        if path.name.startswith(".tandem-export-") and path.exists():
            path.unlink(missing_ok=True)
            removed.append(path)
    _pending_file(db).unlink(missing_ok=True)
    return removed


def _temp_beside(db, out: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".tandem-export-", suffix=suffix, dir=out.parent)
    os.close(fd)
    _note_pending(db, Path(name), add=True)
    return Path(name)


def _drop_temp(db, path: Path) -> None:
    path.unlink(missing_ok=True)
    _note_pending(db, path, add=False)


def _write_files(db, conn, writer: PackageWriter, partner_ids: list[str] | None, since: Since | None,
                 other_entries: int) -> tuple[list[str], list[str]]:
    """Add the files of the live attachment rows the package carries (read in the same snapshot as the
    records, so a package never holds another partner's file nor a file without its row); returns (sha256
    carried, sha256 of rows carried whose file is not on this laptop or is damaged here)."""
    shas = blobs_in_scope(conn, partner_ids, since)
    if other_entries + len(shas) + 2 > MAX_ENTRIES:
        raise SyncError(f"The package would hold {len(shas)} files, more than one package may carry "
                        f"({MAX_ENTRIES - other_entries - 2}). Export fewer partners at a time, or only what "
                        "changed since the last export.")
    try:
        missing = write_blobs(writer, BlobStore.beside(db.path), shas)
    except BlobRejected as exc:
        raise SyncError(str(exc)) from exc
    gone = set(missing)
    return [s for s in shas if s not in gone], missing


def write_package(db, out: Path, *, partner_ids: list[str] | None, partner_names: list[str],
                  since: Since | None, author: str, device_name: str, passphrase: str | None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, Any], int, list[Problem]]:
    """Write the package to ``out``; returns the manifest, the change sequence its snapshot saw and the stored
    values it could not read (their rows left out: `_values`).

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
            skipped: list[Problem] = []
            try:
                tables = {}
                for spec in specs.values():
                    rows = _values(conn, spec, partner_ids, since, library, tick, skipped)
                    n = writer.write_lines(f"records/{spec.name}.jsonl", map(record_line, rows))
                    tables[spec.name] = {"count": n, "columns": list(spec.columns)}
                carried, missing = _write_files(db, conn, writer, partner_ids, since, len(tables))
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
                    "continues": since.continues if since else "",
                    "tables": tables,
                    "blobs": carried,
                    "blobs_missing": missing,  # rows carried whose file this laptop does not have (intact)
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
        return manifest, mark, skipped
    except BaseException:
        _drop_temp(db, tmp)
        raise
