"""Shared helpers for sync tests: database state snapshots and hand-built (signed) packages."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from app.models import CoachingSession, LogEntry, Measurement
from app.models.enums import PeriodKind, SessionType
from app.services.reference_data import stable_id
from app.services.sync.keys import device_key, fingerprint, public_key_b64
from app.services.sync.package import FORMAT, FORMAT_VERSION, PackageWriter, record_line
from app.services.sync.tables import canonical_json, table_specs

KPI_OTD = stable_id("kpi", "OTD")


def state(services, *, meta: bool = True) -> dict:
    """Every syncable record as (table, id) -> its user data (and revs when ``meta``)."""
    out = {}
    with services.db.engine.connect() as conn:
        for spec in table_specs().values():
            if spec.name == "devices":
                continue
            for values in conn.exec_driver_sql(spec.select_sql):
                row = spec.from_db(values)
                data = {f: row[f] for f in spec.user_fields}
                if meta:
                    data.update(rev=row["rev"], field_revs=row["field_revs"], seen_revs=row["seen_revs"])
                out[(spec.name, row["id"])] = data
    return out


def add_measurement(services, partner_id: str, month: int, value: float) -> str:
    """Record a month's value (a month recorded before on this laptop gets the new value)."""
    with services.db.sessions.begin() as s:
        key = (partner_id, KPI_OTD, PeriodKind.MONTH, date(2026, month, 1))
        m = s.get(Measurement, key)
        if m is None:
            m = Measurement(partner_id=partner_id, kpi_id=KPI_OTD, period_start=date(2026, month, 1), value=value)
            s.add(m)
        else:
            m.value, m.deleted_at = value, None
        s.flush()
        return m.id


def add_session(services, partner_id: str) -> str:
    with services.db.sessions.begin() as s:
        cs = CoachingSession(partner_id=partner_id, session_type=SessionType.WEEKLY_OPS, title="Weekly ops",
                             scheduled_at=datetime(2026, 11, 20, 9))
        s.add(cs)
    return cs.id


def add_log(services, partner_id: str, session_id: str, text: str, position: float) -> str:
    with services.db.sessions.begin() as s:
        e = LogEntry(partner_id=partner_id, session_id=session_id, position=position, text=text,
                     logged_at=datetime(2026, 11, 20, 9, 5))
        s.add(e)
    return e.id


def read_records(path: Path) -> dict[str, list[dict]]:
    """table -> its records as dicts, read straight from the zip (each line an array of values in the order of
    the manifest's columns)."""
    with zipfile.ZipFile(path) as zf:
        tables = json.loads(zf.read("manifest.json"))["tables"]
        out = {}
        for n in zf.namelist():
            if n.startswith("records/"):
                table = n[len("records/"):-len(".jsonl")]
                columns = tables[table]["columns"]
                out[table] = [dict(zip(columns, json.loads(line), strict=True))
                              for line in zf.read(n).splitlines() if line]
        return out


def read_manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def build_package(path: Path, services, records: dict[str, list[dict]], *, scope=None, manifest_extra=None,
                  key_device: str | None = None, arrays: Callable[[str, list[str]], list[str]] | None = None) -> Path:
    """A package signed by ``services``' own device key (or another device's key) holding ``records``: one
    JSON object per record (as format 1 wrote them), or with ``arrays`` one array per record, its values in the
    column order ``arrays(table, columns)`` returns (declared so in the manifest; a record given as a list is
    written as it is)."""
    device_id = key_device or services.db.device_id
    key = device_key(device_id)
    pub = public_key_b64(key)
    writer = PackageWriter(path)
    tables = {}
    specs = table_specs()
    for table, rows in records.items():
        cols = list(specs[table].columns) if table in specs else sorted(rows[0]) if rows else []
        if arrays is None:
            lines = [canonical_json(r) + b"\n" for r in rows]
        else:
            cols = arrays(table, cols)
            lines = [record_line(r if isinstance(r, list) else [r[c] for c in cols]) for r in rows]
        writer.write_lines(f"records/{table}.jsonl", iter(lines))
        tables[table] = {"count": len(rows), "columns": cols}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": "0001_initial",
                "app_version": "test",
                "package_id": "00000000-0000-4000-8000-" + path.stem.encode().hex()[:12].ljust(12, "0"),
                "created_at": "2026-11-23T10:00:00Z",
                "device": {"device_id": device_id, "name": "Mallory", "device_name": "x", "public_key": pub,
                           "fingerprint": fingerprint(pub)},
                "scope": scope or {"kind": "everything"}, "since_rev": "", "tables": tables, "blobs": []}
    manifest.update(manifest_extra or {})
    writer.finish(manifest, key.sign)
    return path
