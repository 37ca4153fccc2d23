"""How syncable tables look to the package code: generic over every table with the `Syncable` columns.

Records travel in their *storage form*: the values SQLite holds (text for dates and datetimes, 0/1 for
booleans, enum values as text), except JSON columns, which travel as JSON values, not as text. So an
import writes exactly what the exporting laptop stored, and no model needs to know about packages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON

from app.models import Base, Syncable, syncable_tables

#: Tables of the shared libraries have no partner_id: every package may carry them.
PARTNER_COLUMN = "partner_id"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    json_columns: frozenset[str]
    user_fields: tuple[str, ...]  # merged field by field (everything but the sync metadata)
    partner_owned: bool
    foreign_keys: tuple[tuple[str, str], ...]  # (column, referenced table), partner_id excluded
    column_set: frozenset[str] = frozenset()

    def from_db(self, values: tuple) -> dict[str, Any]:
        row = dict(zip(self.columns, values))
        for c in self.json_columns:
            if row[c] is not None:
                row[c] = json.loads(row[c])
        return row

    def to_db(self, row: dict[str, Any]) -> tuple:
        json_cols = self.json_columns
        return tuple(json.dumps(row[c]) if c in json_cols and row[c] is not None else row[c]
                     for c in self.columns)

    @property
    def select_sql(self) -> str:
        return f"SELECT {', '.join(_q(c) for c in self.columns)} FROM {_q(self.name)}"

    @property
    def insert_sql(self) -> str:
        """Insert one record; parameters: `insert_params`."""
        return (f"INSERT INTO {_q(self.name)} ({', '.join(_q(c) for c in self.columns)}, seq) "
                f"VALUES ({', '.join('?' * (len(self.columns) + 1))})")

    def insert_params(self, row: dict[str, Any], seq: int) -> tuple:
        return self.to_db(row) + (seq,)

    @property
    def update_sql(self) -> str:
        """Replace one record's values; parameters: `update_params`."""
        sets = ", ".join(f"{_q(c)} = ?" for c in self.columns if c != "id")
        return f"UPDATE {_q(self.name)} SET {sets}, seq = ? WHERE id = ?"

    def update_params(self, row: dict[str, Any], seq: int) -> tuple:
        values = self.to_db(row)
        return tuple(v for c, v in zip(self.columns, values) if c != "id") + (seq, row["id"])


@dataclass(frozen=True)
class Since:
    """Which records an incremental package carries: those written here (edited, or changed by an import) after
    change sequence ``seq`` (see app/services/clock.py), or, for "since a date", those whose rev is at or after
    ``rev``."""

    seq: int | None = None
    rev: str | None = None

    @property
    def clause(self) -> str:
        return "seq > ?" if self.seq is not None else "rev >= ?"

    @property
    def param(self) -> int | str:
        return self.seq if self.seq is not None else self.rev


def _q(name: str) -> str:
    return f'"{name}"'


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every syncable table, parents before children (the order an import applies them in)."""
    specs = {}
    for name in syncable_tables():
        table = Base.metadata.tables[name]
        cols = tuple(c.name for c in table.columns if c.name not in Syncable.LOCAL_FIELDS)
        fks = tuple((c.name, next(iter(c.foreign_keys)).column.table.name)
                    for c in table.columns if c.foreign_keys and c.name != PARTNER_COLUMN)
        specs[name] = TableSpec(
            name=name,
            columns=cols,
            json_columns=frozenset(c.name for c in table.columns if isinstance(c.type, JSON)),
            user_fields=tuple(c for c in cols if c not in Syncable.META_FIELDS),
            partner_owned=PARTNER_COLUMN in table.c,
            foreign_keys=fks,
            column_set=frozenset(cols),
        )
    return specs


def canonical_json(value: Any) -> bytes:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
