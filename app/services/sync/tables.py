"""How syncable tables look to the package code: generic over every table with the `Syncable` columns.

Records travel in their *storage form*: the values SQLite holds (text for dates and datetimes, 0/1 for
booleans, enum values as text), except JSON columns, which travel as JSON values, not as text. So an
import writes exactly what the exporting laptop stored, and no model needs to know about packages.

The import handles a record as a list of values in `TableSpec.columns` order (``values[spec.at["rev"]]``):
most records are new, and a list goes to SQLite without a dict built per record. Merging works on dicts
(`as_dict`), for the few records this laptop holds already.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import repeat
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON

from app.models import Base, Syncable, syncable_tables
from app.models.kpi import ID_SEPARATOR

#: Tables of the shared libraries have no partner_id: every package may carry them.
PARTNER_COLUMN = "partner_id"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]  # every travelling column, in the order records are read (`select_sql`), generated last
    json_columns: frozenset[str]
    user_fields: tuple[str, ...]  # merged field by field (everything but the sync metadata)
    partner_owned: bool
    foreign_keys: tuple[tuple[str, str], ...]  # (column, referenced table), partner_id excluded
    column_set: frozenset[str] = frozenset()
    #: The table's primary key. ``("id",)`` but for measurements, keyed by their identity, whose id is a
    #: computed column (app/models/kpi.py): the key is read back out of the id at `id_separator`.
    key: tuple[str, ...] = ("id",)
    generated: frozenset[str] = frozenset()  # computed by the database: read, never written
    id_separator: str | None = None
    #: Columns added after packages were first made, with the value (storage form) a record of an older
    #: laptop's package, which lacks the column, takes (the column's ``info["absent"]``): such a package is read
    #: as if it carried that value, so old laptops' packages keep importing.
    absent: tuple[tuple[str, Any], ...] = ()

    def reads(self, declared: list[str] | tuple[str, ...] | None) -> bool:
        """True when records with the ``declared`` columns can be read into this table: the same columns, or
        the same but for some of the `absent` ones."""
        if declared is None:
            return False
        have, missing = set(declared), self.column_set - set(declared)
        return have <= self.column_set and missing <= {c for c, _v in self.absent}

    @cached_property
    def at(self) -> dict[str, int]:
        """column -> its position in a record's values (`columns` order)."""
        return {c: i for i, c in enumerate(self.columns)}

    @cached_property
    def json_at(self) -> tuple[int, ...]:
        """The positions of the JSON columns in a record's values."""
        return self._json_positions(self.columns)

    @cached_property
    def meta_at(self) -> tuple[int, int, int, int, int]:
        """The positions of id, rev, field_revs, seen_revs and base_revs in a record's values."""
        return tuple(self.at[c] for c in ("id", "rev", "field_revs", "seen_revs", "base_revs"))

    @cached_property
    def key_of(self) -> Callable[[list], tuple]:
        """A record's key (a tuple of its `key` values) from its values."""
        pick = itemgetter(*(self.at[c] for c in self.key))
        return pick if len(self.key) > 1 else lambda values: (pick(values),)

    def as_dict(self, values: list) -> dict[str, Any]:
        return dict(zip(self.columns, values))

    def as_values(self, row: dict[str, Any]) -> list:
        return [row[c] for c in self.columns]

    def from_db(self, values: tuple) -> dict[str, Any]:
        row = dict(zip(self.columns, values))
        for c in self.json_columns:
            if row[c] is not None:
                row[c] = loads_json(row[c])
        return row

    def _stored(self, row: dict[str, Any], columns: tuple[str, ...], json_positions: tuple[int, ...]) -> list:
        """``row``'s values of ``columns`` as SQLite stores them (the JSON ones, at ``json_positions``, as text)."""
        values = [row[c] for c in columns]
        for i in json_positions:
            if values[i] is not None:
                values[i] = dumps_json(values[i])
        return values

    def _json_positions(self, columns: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(columns) if c in self.json_columns)

    @cached_property
    def _written_json(self) -> tuple[int, ...]:
        return self._json_positions(self._written)

    @cached_property
    def _updated_json(self) -> tuple[int, ...]:
        return self._json_positions(self._updated)

    @cached_property
    def select_sql(self) -> str:
        return f"SELECT {', '.join(_q(c) for c in self.columns)} FROM {_q(self.name)}"

    @cached_property
    def order_sql(self) -> str:
        """Records in key order (for measurements the table's own order: no sorting)."""
        return " ORDER BY " + ", ".join(_q(c) for c in self.key)

    def select_by_ids(self, ids: list[str], where: str = "", columns: tuple[str, ...] = ()) -> tuple[str, tuple]:
        """A SELECT of the records with these ids (``columns``, or those of `select_sql`) and its parameters;
        ``where`` adds a condition on the records' columns. Uses the table's key: for measurements the id is
        taken apart and each key looked up (a row-value ``IN`` would scan the table)."""
        columns = columns or self.columns
        cond = f" AND {where}" if where else ""
        if self.key == ("id",):
            return (f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(self.name)} "
                    f"WHERE id IN ({', '.join('?' * len(ids))}){cond}", tuple(ids))
        params = []
        for rid in ids:
            parts = rid.split(self.id_separator)
            params += parts if len(parts) == len(self.key) else [None] * len(self.key)
        names = [f"k{i}" for i in range(len(self.key))]
        row = f"({', '.join('?' * len(self.key))})"
        on = " AND ".join(f"m.{_q(c)} = k.{n}" for c, n in zip(self.key, names))
        return (f"WITH k({', '.join(names)}) AS (VALUES {', '.join([row] * len(ids))}) "
                f"SELECT {', '.join('m.' + _q(c) for c in columns)} FROM k CROSS JOIN {_q(self.name)} m "
                f"ON {on}{cond}", tuple(params))

    @cached_property
    def _written(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.generated)

    @cached_property
    def insert_sql(self) -> str:
        """Insert one record; parameters: `insert_params`."""
        cols = self._written
        return (f"INSERT INTO {_q(self.name)} ({', '.join(_q(c) for c in cols)}, seq) "
                f"VALUES ({', '.join('?' * (len(cols) + 1))})")

    def insert_params(self, values: list, seq: int) -> tuple:
        """The parameters of `insert_sql` for a record given as its values in `columns` order."""
        params = values[:len(self._written)]  # the generated columns come last (`table_specs`)
        for i in self._written_json:
            v = params[i]
            if v is not None:
                params[i] = "{}" if v == {} else dumps_json(v)  # most revision maps are empty
        params.append(seq)
        return tuple(params)

    def insert_rows(self, columns: list[tuple], seq: int) -> list[tuple]:
        """The parameters of `insert_sql` for records given a column at a time (``columns`` in `columns`
        order), the revision maps all empty (importer._columns_if_valid)."""
        n = len(columns[0])
        written = columns[:len(self._written)]
        maps = {self.at[c] for c in ("field_revs", "seen_revs", "base_revs")}
        for i in self._written_json:
            written[i] = repeat("{}", n) if i in maps else map(_stored_json, written[i])
        return list(zip(*written, repeat(seq, n)))

    @cached_property
    def _updated(self) -> tuple[str, ...]:
        return tuple(c for c in self._written if c not in self.key)

    @cached_property
    def update_sql(self) -> str:
        """Replace one record's values; parameters: `update_params`."""
        sets = ", ".join(f"{_q(c)} = ?" for c in self._updated)
        where = " AND ".join(f"{_q(c)} = ?" for c in self.key)
        return f"UPDATE {_q(self.name)} SET {sets}, seq = ? WHERE {where}"

    def update_params(self, row: dict[str, Any], seq: int) -> tuple:
        return (*self._stored(row, self._updated, self._updated_json), seq, *(row[c] for c in self.key))


@dataclass(frozen=True)
class Since:
    """Which records an incremental package carries: those written here (edited, or changed by an import) after
    change sequence ``seq`` (see app/services/clock.py), or, for "since a date", those whose rev is at or after
    ``rev``."""

    seq: int | None = None
    rev: str | None = None
    #: For ``seq``: the package (to the same recipient and scope) whose snapshot ended at ``seq``. The package
    #: says it continues that one, so a laptop that has not imported it refuses this one (importer.py).
    continues: str = ""

    @property
    def clause(self) -> str:
        return "seq > ?" if self.seq is not None else "rev >= ?"

    @property
    def param(self) -> int | str:
        return self.seq if self.seq is not None else self.rev


def dumps_json(value: Any) -> str:
    """A JSON column's stored text. The database engine writes JSON columns with it too (database.py), so
    one value has one spelling whoever wrote it and an import can compare stored text."""
    return "{}" if value == {} else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()  # most records carry empty maps


def _stored_json(value: Any) -> str | None:
    return None if value is None else dumps_json(value)


def loads_json(text: str | bytes | float) -> Any:
    """A JSON column's value. SQLite hands back a number stored in a JSON column as a number."""
    if isinstance(text, int | float):
        return text
    return {} if text == "{}" else orjson.loads(text)


def _q(name: str) -> str:
    return f'"{name}"'


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every syncable table, parents before children (the order an import applies them in)."""
    specs = {}
    for name in syncable_tables():
        table = Base.metadata.tables[name]
        # Generated columns (a measurement's id) last: the written ones are then a record's first values.
        cols = tuple(c.name for c in sorted(table.columns, key=lambda c: c.computed is not None)
                     if c.name not in Syncable.LOCAL_FIELDS)
        fks = tuple((c.name, next(iter(c.foreign_keys)).column.table.name)
                    for c in table.columns if c.foreign_keys and c.name != PARTNER_COLUMN)
        key = tuple(c.name for c in table.primary_key.columns)
        specs[name] = TableSpec(
            name=name,
            columns=cols,
            key=key,
            generated=frozenset(c.name for c in table.columns if c.computed is not None),
            id_separator=None if key == ("id",) else ID_SEPARATOR,
            json_columns=frozenset(c.name for c in table.columns if isinstance(c.type, JSON)),
            user_fields=tuple(c for c in cols if c not in Syncable.META_FIELDS),
            partner_owned=PARTNER_COLUMN in table.c,
            foreign_keys=fks,
            column_set=frozenset(cols),
            absent=tuple((c.name, c.info["absent"]) for c in table.columns if "absent" in c.info),
        )
    return specs


@cache
def child_refs(table: str) -> tuple[tuple[str, str], ...]:
    """(child table, column) pairs of the records that hang under a record of ``table``: those referring to
    it, and for a partner every record it owns."""
    refs = []
    for spec in table_specs().values():
        refs += [(spec.name, col) for col, target in spec.foreign_keys if target == table]
        if table == "partners" and spec.partner_owned and spec.name != "partners":
            refs.append((spec.name, PARTNER_COLUMN))
    return tuple(refs)


def canonical_json(value: Any) -> bytes:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
