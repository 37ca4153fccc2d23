"""Which stored values a table's rows may hold, derived from the models; pure (no database, no session).

`problems(table, row)` checks one row given as ``{column: storage value}``: the values SQLite holds (text for
dates, datetimes and enums, 0/1 for booleans, JSON as text), or, with ``json_as_text=False``, a package
record whose JSON columns are already JSON values. It returns a `Problem` for every value the model would
refuse or could not read back: text too long for its column or not text at all (a BLOB), an unknown enum
value, a number that is not a finite number, a date or datetime that does not parse, JSON that does not
parse, a required field missing or NULL. Unknown columns are reported too; an unknown table has no rules.

`column_sound(rule, values)` checks a whole column of a package's batch at once with the same rules.

`skip_unreadable(table, rows, fields, row_id)` keeps the rows a reader can use and logs a warning for each
value it leaves out (reports over stored measurements).

Rules come from the column types, so a new model or column is covered without touching this module. The
sync importer and `tandem check` share them.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Float, Integer, Numeric, String, Table, Text

log = logging.getLogger(__name__)

#: Longest text a Text column (notes, definitions) may hold.
MAX_TEXT = 1_000_000
#: SQLite integers are 64-bit.
_INT_RANGE = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is (table, row id, column), what it is (shortened) and why it is refused."""

    table: str
    row_id: str
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row_id}, field {self.field}: {self.reason} (found {self.value})"


@dataclass(frozen=True)
class ColumnRule:
    name: str
    kind: str  # text, enum, int, float, bool, date, datetime, json, other
    required: bool  # NOT NULL and no default: a record must carry a value
    nullable: bool
    max_length: int | None = None
    choices: frozenset[str] = frozenset()
    default: Any = None  # storage value a repair writes (None: NULL, or nothing when not nullable)
    has_default: bool = False


def show(value: Any, limit: int = 60) -> str:
    """A value shortened for a message: the start of long text, the size of a BLOB."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"binary data ({len(bytes(value)):,} bytes)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(str(value)):,} characters)"


@cache
def _tables() -> dict[str, Table]:
    import app.models  # noqa: F401  (registers every table)
    from app.models.base import Base

    return dict(Base.metadata.tables)


def table_names() -> list[str]:
    """Every table with rules, parents before children."""
    from app.models.base import Base

    _tables()
    return [t.name for t in Base.metadata.sorted_tables]


@cache
def rules(table: str) -> dict[str, ColumnRule]:
    """The rule of every column of ``table`` ({} for an unknown table)."""
    t = _tables().get(table)
    if t is None:
        return {}
    out = {}
    for c in t.columns:
        default, has_default = None, False
        if c.default is not None and getattr(c.default, "is_scalar", False):
            default, has_default = _storage(c.type, c.default.arg), True
        elif c.default is not None and getattr(c.default, "is_callable", False):
            try:
                first, second = c.default.arg(None), c.default.arg(None)
            except Exception:  # a default that needs a context: no fixed value
                first, second = None, object()
            if first == second:  # dict, list: a fixed value; new_id: a new one each time, not a default
                default, has_default = _storage(c.type, first), True
        kind, length, choices = _kind(c.type)
        required = c.primary_key or (not c.nullable and not has_default and c.server_default is None)
        out[c.name] = ColumnRule(c.name, kind, required, c.nullable and not c.primary_key, length, choices,
                                 default, has_default)
    return out


def _kind(t) -> tuple[str, int | None, frozenset[str]]:
    if isinstance(t, Enum):
        return "enum", None, frozenset(str(e) for e in t.enums)
    if isinstance(t, Boolean):
        return "bool", None, frozenset()
    if isinstance(t, Integer):
        return "int", None, frozenset()
    if isinstance(t, (Float, Numeric)):
        return "float", None, frozenset()
    if isinstance(t, DateTime):
        return "datetime", None, frozenset()
    if isinstance(t, Date):
        return "date", None, frozenset()
    if isinstance(t, JSON):
        return "json", None, frozenset()
    if isinstance(t, Text):
        return "text", MAX_TEXT, frozenset()
    if isinstance(t, String):
        return "text", t.length, frozenset()
    return "other", None, frozenset()


def _storage(t, value: Any) -> Any:
    """A Python default as SQLite stores it."""
    if isinstance(t, JSON):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "value") and isinstance(t, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def problems(table: str, row: dict[str, Any], *, json_as_text: bool = True) -> list[Problem]:
    """Every bad value of one row of ``table`` (see the module docstring); [] when the row is sound.

    Columns missing from ``row`` are only reported when required (a package record may leave out a field
    that has a default)."""
    table_rules = rules(table)
    if not table_rules:
        return []
    row_id = row.get("id")
    rid = row_id if isinstance(row_id, str) else show(row_id)
    found = []
    for name, value in row.items():
        rule = table_rules.get(name)
        reason = "no such field" if rule is None else value_problem(rule, value, json_as_text=json_as_text)
        if reason:
            found.append(Problem(table, rid, name, show(value), reason))
    for name, rule in table_rules.items():
        if name not in row and rule.required:
            found.append(Problem(table, rid, name, "nothing", "required field missing"))
    return found


def value_problem(rule: ColumnRule, value: Any, *, json_as_text: bool = True) -> str | None:
    """Why ``value`` cannot be stored in a column with ``rule`` (None: it can)."""
    if value is None:
        return None if rule.nullable else "required field is empty"
    if isinstance(value, (bytes, bytearray, memoryview)) and rule.kind != "other":
        return "binary data where a value is expected"
    kind = rule.kind
    if kind == "text":
        if not isinstance(value, str):
            return f"text expected, found {type(value).__name__}"
        if rule.max_length is not None and len(value) > rule.max_length:
            return f"longer than {rule.max_length:,} characters"
        if "\x00" in value:
            return "text holds a NUL character"
        return None
    if kind == "enum":
        if not isinstance(value, str) or value not in rule.choices:
            return f"not one of {', '.join(sorted(rule.choices))}"
        return None
    if kind == "bool":
        return None if value in (0, 1) and not isinstance(value, float) else "not a yes/no value (0 or 1)"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "not a whole number"
        return None if _INT_RANGE[0] <= value <= _INT_RANGE[1] else "number out of range"
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "not a number"
        return None if math.isfinite(value) else "not a finite number"
    if kind == "date":
        if not isinstance(value, str):
            return "not a date"
        try:
            date.fromisoformat(value)
        except ValueError:
            return "not a date (YYYY-MM-DD)"
        return None
    if kind == "datetime":
        if not isinstance(value, str):
            return "not a date and time"
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "not a date and time"
        return None
    if kind == "json":
        if not json_as_text:
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                return "not a JSON value"
            return None
        if not isinstance(value, str):
            return "JSON text expected"
        try:
            json.loads(value)
        except ValueError:
            return "JSON does not parse"
        return None
    return None


_NONE = type(None)


def column_sound(rule: ColumnRule, values: Sequence[Any], *, json_as_text: bool = True) -> bool:
    """True when every value of one column passes `value_problem`: the same rules checked over the whole column
    at once (a package's batch: a few passes in C instead of a call per value). False says only "look at each
    value", never which one is bad."""
    types = set(map(type, values))
    if _NONE in types:
        if not rule.nullable:
            return False
        types.discard(_NONE)
        values = [v for v in values if v is not None]
    if not types:
        return True
    kind = rule.kind
    try:
        if kind == "text":
            distinct = set(values)  # a batch's ids and names repeat: each is looked at once
            return types == {str} and (rule.max_length is None or max(map(len, distinct)) <= rule.max_length) \
                and "\x00" not in "".join(distinct)
        if kind == "enum":
            return types == {str} and set(values) <= rule.choices
        if kind == "int":
            return types == {int} and _INT_RANGE[0] <= min(values) and max(values) <= _INT_RANGE[1]
        if kind == "float":
            return types <= {int, float} and all(map(math.isfinite, values))
        if kind == "date":
            return types == {str} and all(map(date.fromisoformat, set(values)))
        if kind == "datetime":
            return types == {str} and all(map(datetime.fromisoformat, values))
    except ValueError:  # a date or datetime that does not parse
        return False
    return all(value_problem(rule, v, json_as_text=json_as_text) is None for v in values)


def skip_unreadable(table: str, rows: Iterable[Sequence], fields: dict[str, int],
                    row_id: Callable[[Sequence], str]) -> list[Sequence]:
    """The ``rows`` (read raw from ``table``) whose values at the positions ``fields`` ({column: index})
    can be read; every other row is left out with a warning naming table, row (``row_id(row)``) and field.
    For readers that must not fail on one bad row (a report): `tandem check` repairs what they skip."""
    checks = [(name, at, rules(table)[name]) for name, at in fields.items()]
    sound = []
    for row in rows:
        bad = [Problem(table, row_id(row), name, show(row[at]), reason) for name, at, rule in checks
               if (reason := value_problem(rule, row[at]))]
        if bad:
            for p in bad:
                log.warning("Skipped a stored value: %s", p)
        else:
            sound.append(row)
    return sound


def repair_value(table: str, field: str) -> tuple[bool, Any]:
    """The storage value a repair writes over a bad value of ``field``: (True, value), or (False, None) when
    the column has neither a default nor allows NULL (the row can only be quarantined)."""
    rule = rules(table).get(field)
    if rule is None:
        return False, None
    if rule.has_default:
        return True, rule.default
    if rule.nullable:
        return True, None
    return False, None
