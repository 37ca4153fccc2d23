"""Finding, repairing and quarantining stored values that the app cannot read (`tandem check`).

An older version, a hand edit in a SQLite browser or a broken disk can leave values the models refuse: a
word in a number column, a BLOB in a name, an unknown enum value, a date that does not parse, JSON that
does not parse. `IntegrityService.scan()` reads every table raw (no type conversion, so nothing can raise)
and checks each row with the rules of app/services/integrity.py.

- `repair(problems)` writes the column's default (or NULL) over each bad value, as a stamped edit of that
  field so the fix travels to other laptops like any edit. A value with neither (a partner's kind, a
  measurement's date) is left alone and reported: such a row can only be quarantined.
- `quarantine(problems)` appends each affected row's raw values to ``<database>.quarantine.jsonl`` beside
  the database (BLOBs as base64), and only then tombstones the row, so nothing is lost.

Each method runs in its own transaction; any thread may call it.
"""

from __future__ import annotations

import base64
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import flag_modified

from app.models.base import Base, Syncable
from app.services.clock import utcnow
from app.services.integrity import Problem, problems, repair_value, table_names


@dataclass(frozen=True)
class RepairResult:
    repaired: tuple[Problem, ...]
    left: tuple[Problem, ...]  # no default and not nullable: quarantine the row instead


@dataclass(frozen=True)
class QuarantineResult:
    rows: int
    path: Path
    left: tuple[Problem, ...] = ()  # rows of tables without tombstones (local tables): repair them instead


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _model(table: str) -> type | None:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and value != value:
        return {"$float": "nan"}
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return {"$float": str(value)}
    return value


class IntegrityService:
    """Scan, repair and quarantine over one open database."""

    def __init__(self, db) -> None:
        self._db = db
        self._sessions = db.sessions

    @property
    def quarantine_path(self) -> Path:
        path = Path(self._db.path)
        return path.with_name(path.name + ".quarantine.jsonl")

    def scan(self, tables: Iterable[str] | None = None, *, live_only: bool = True) -> list[Problem]:
        """Every bad value in ``tables`` (default: all), table by table in row order; rows already deleted
        (tombstones, quarantined rows among them) only when ``live_only`` is False. Read-only."""
        found: list[Problem] = []
        with self._db.engine.connect() as c:
            for table in tables or table_names():
                try:
                    result = c.exec_driver_sql(f"SELECT * FROM {_quote(table)}")
                except OperationalError:
                    continue  # a table this database does not have yet
                keys = list(result.keys())
                for values in result:
                    row = dict(zip(keys, values))
                    if live_only and row.get("deleted_at") is not None:
                        continue
                    found.extend(problems(table, row))
        return found

    def repair(self, found: Iterable[Problem]) -> RepairResult:
        """Set each bad value to its column's default or NULL, stamped as an edit. One transaction."""
        by_row: dict[tuple[str, str], list[Problem]] = defaultdict(list)
        for p in found:
            by_row[(p.table, p.row_id)].append(p)
        repaired, left = [], []
        with self._sessions.begin() as s:
            conn = s.connection()
            for (table, row_id), row_problems in by_row.items():
                fixes = {}
                for p in row_problems:
                    ok, value = repair_value(table, p.field)
                    if ok:
                        fixes[p.field] = value
                        repaired.append(p)
                    else:
                        left.append(p)
                if not fixes:
                    continue
                sets = ", ".join(f"{_quote(f)} = ?" for f in fixes)
                conn.exec_driver_sql(f"UPDATE {_quote(table)} SET {sets} WHERE id = ?",
                                     (*fixes.values(), row_id))
                model = _model(table)
                user = [f for f in fixes if model is not None and issubclass(model, Syncable)
                        and f not in Syncable.META_FIELDS]
                if user:
                    # Load with the values still bad left unloaded, and mark the repaired fields changed, so
                    # the one stamping hook gives them a new rev like any edit.
                    unread = [getattr(model, p.field) for p in row_problems if p.field not in fixes
                              and p.field in sa_inspect(model).columns]
                    obj = s.get(model, model.key_of(row_id) if hasattr(model, "key_of") else row_id,
                                options=[defer(a) for a in unread], populate_existing=True)
                    for f in user:
                        flag_modified(obj, f)
                    s.flush()
                    s.expunge(obj)
        return RepairResult(tuple(repaired), tuple(left))

    def quarantine(self, found: Iterable[Problem]) -> QuarantineResult:
        """Copy every row with a bad value to the quarantine file, then tombstone it (stamped)."""
        by_row: dict[tuple[str, str], list[Problem]] = defaultdict(list)
        for p in found:
            by_row[(p.table, p.row_id)].append(p)
        left: list[Problem] = []
        done = 0
        with self._sessions.begin() as s:
            conn = s.connection()
            records, tombstone = [], []
            for (table, row_id), row_problems in by_row.items():
                model = _model(table)
                if model is None or not issubclass(model, Syncable):
                    left.extend(row_problems)
                    continue
                result = conn.exec_driver_sql(f"SELECT * FROM {_quote(table)} WHERE id = ?", (row_id,))
                keys, values = list(result.keys()), result.first()
                if values is None:
                    continue
                records.append({"table": table, "id": row_id, "quarantined_at": utcnow().isoformat(),
                                "problems": [{"field": p.field, "reason": p.reason} for p in row_problems],
                                "values": {k: _jsonable(v) for k, v in zip(keys, values)}})
                tombstone.append((model, row_id, row_problems))
            if records:
                # Written and synced before the rows are tombstoned: if this fails, nothing changes.
                with open(self.quarantine_path, "a", encoding="utf-8") as fh:
                    for r in records:
                        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            now = utcnow()
            for model, row_id, row_problems in tombstone:
                columns = sa_inspect(model).columns
                if any(p.field in Syncable.META_FIELDS or p.field == "deleted_at" for p in row_problems):
                    conn.exec_driver_sql(f"UPDATE {_quote(model.__tablename__)} SET deleted_at = ? WHERE id = ?",
                                         (now.isoformat(sep=" "), row_id))
                else:
                    unread = [getattr(model, p.field) for p in row_problems if p.field in columns]
                    obj = s.get(model, model.key_of(row_id) if hasattr(model, "key_of") else row_id,
                                options=[defer(a) for a in unread], populate_existing=True)
                    obj.deleted_at = now
                    s.flush()
                    s.expunge(obj)
                done += 1
        return QuarantineResult(done, self.quarantine_path, tuple(left))
