"""KPI measurements: one value of one KPI for one partner for one period (a week, a month or a quarter).

- Periods: a measurement is stored under the first day of its period (Monday of an ISO week, the 1st of a
  month, the 1st of a quarter). `parse_period` reads what people type ("2026-03", "2026-Q1", "2026-W05",
  "2026-03-15", "03/2026") and `period_label` writes it back.
- The grid: `grid()` gives a partner's KPIs (rows) by periods (columns); `save_cells()` stores a batch of
  edited or pasted cells in one transaction (an empty cell removes the value); `snapshot()` reads cells as
  edits that restore them (the grid's undo).
- Spreadsheets (CSV and .xlsx, read and written by app/services/spreadsheets): `read_file` (or `read_csv`
  for text) + `suggest_mapping` for the preview and column mapping, `check_import` to see which rows would
  import and why the others are rejected, `import_csv` to apply it. A row either imports whole or is
  rejected with its reason (unknown partner or KPI, bad or ambiguous number, a value implausible for the
  KPI's unit, bad date, duplicate period); all accepted rows go in one transaction, so a failure imports
  nothing. `export_csv` / `export_file` write the same format back, skipping (with a warning naming table,
  row and field) any stored value an older version or a hand edit left unreadable.

Every public method opens its own transaction and returns frozen dataclasses; any thread may call it.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import NullType

from app.models import Kpi, Measurement, Partner
from app.models.kpi import measurement_id
from app.models.enums import PeriodKind
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.integrity import Problem, rules, show, skip_unreadable, value_problem
from app.services.spreadsheets import (
    COMMA,
    DOT,
    AmbiguousNumber,
    CancelCheck,
    Progress,
    SheetTable,
    number_text,
    read_csv_text,
    read_spreadsheet,
    write_csv,
    write_spreadsheet,
)
from app.services.spreadsheets import parse_number as parse_cell_number

log = logging.getLogger(__name__)
_RAW = NullType()

# -- periods ---------------------------------------------------------------------------------------------------

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def period_start(kind: PeriodKind, day: date) -> date:
    """The first day of the period of ``kind`` that contains ``day``."""
    if kind is PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind is PeriodKind.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def shift_period(kind: PeriodKind, start: date, n: int) -> date:
    """The start of the period ``n`` periods after (negative: before) the one starting at ``start``."""
    if kind is PeriodKind.WEEK:
        return start + timedelta(weeks=n)
    months = n * (3 if kind is PeriodKind.QUARTER else 1)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_label(kind: PeriodKind, start: date) -> str:
    """'2026-W05', '2026-03' or '2026-Q1'."""
    if kind is PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind is PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def period_title(kind: PeriodKind, start: date) -> str:
    """A label for people: 'Week 5, 2026', 'Mar 2026', 'Q1 2026'."""
    if kind is PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"Week {week}, {year}"
    if kind is PeriodKind.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{MONTHS[start.month - 1].capitalize()} {start.year}"


_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_QUARTER = re.compile(r"^(\d{4})[- ]?Q([1-4])$|^Q([1-4])[- /]?(\d{4})$", re.I)
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_EU = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_MONTH_NAME = re.compile(r"^([A-Za-z]{3})[a-z]*[- ]?(\d{4})$")


def parse_period(text: str, kind: PeriodKind | None = None) -> tuple[PeriodKind, date]:
    """Read a period: ISO week '2026-W05', quarter '2026-Q1' or 'Q1 2026', month '2026-03', '03/2026' or
    'Mar 2026', or a day '2026-03-15' / '15.03.2026' (the period of ``kind``, default month, containing it).

    ``kind`` (when given) must agree with a week/month/quarter written explicitly. Raises ValueError with a
    message for the user.
    """
    t = text.strip()
    if not t:
        raise ValueError("no period")
    try:
        if m := _WEEK.match(t):
            found, start = PeriodKind.WEEK, date.fromisocalendar(int(m[1]), int(m[2]), 1)
        elif m := _QUARTER.match(t):
            year, q = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            found, start = PeriodKind.QUARTER, date(year, 3 * (q - 1) + 1, 1)
        elif m := _MONTH.match(t):
            year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            found, start = PeriodKind.MONTH, date(year, month, 1)
        elif m := _MONTH_NAME.match(t):
            if m[1].lower() not in MONTHS:
                raise ValueError
            found, start = PeriodKind.MONTH, date(int(m[2]), MONTHS.index(m[1].lower()) + 1, 1)
        elif m := _DAY.match(t):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            found = kind or PeriodKind.MONTH
            return found, period_start(found, day)
        elif m := _DAY_EU.match(t):
            day = date(int(m[3]), int(m[2]), int(m[1]))
            found = kind or PeriodKind.MONTH
            return found, period_start(found, day)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"'{t}' is not a date or period (use 2026-03, 2026-Q1, 2026-W05 or 2026-03-15)") from None
    if kind is not None and kind is not found:
        raise ValueError(f"'{t}' is a {found.value} but the row says {kind.value}")
    return found, start


def parse_kind(text: str) -> PeriodKind:
    t = text.strip().lower()
    aliases = {"w": "week", "weekly": "week", "m": "month", "monthly": "month", "q": "quarter",
               "quarterly": "quarter"}
    try:
        return PeriodKind(aliases.get(t, t))
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a period kind (use week, month or quarter)") from None


def parse_number(text: str) -> float:
    """Read a number as people type it: '98.5', '98,5', '1 500', '1,500.25', '97 %'. Raises ValueError."""
    t = text.strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if "," in t and "." in t:
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        t = t.replace(",", ".") if t.count(",") == 1 and len(t.split(",")[1]) != 3 else t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text.strip()}' is not a number")
    return value


# -- the grid --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRef:
    id: str
    code: str
    name: str
    unit: str


@dataclass(frozen=True)
class MeasurementGrid:
    """A partner's measurements of one period kind: ``values[row][column]`` for ``kpis[row]`` and
    ``periods[column]`` (oldest first); None where nothing is recorded."""

    partner_id: str
    period_kind: PeriodKind
    kpis: tuple[KpiRef, ...]
    periods: tuple[date, ...]
    values: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class CellEdit:
    """One cell to store: ``value`` None removes what is recorded for that KPI and period. ``note`` None
    keeps the note already stored (a new measurement gets an empty one); a string replaces it."""

    kpi_id: str
    period_start: date
    value: float | None
    note: str | None = None


@dataclass(frozen=True)
class MeasurementRow:
    id: str
    partner_id: str
    kpi_id: str
    period_kind: PeriodKind
    period_start: date
    value: float
    note: str


# -- CSV -------------------------------------------------------------------------------------------------------

#: The columns a CSV file maps to, and which must be mapped.
CSV_FIELDS = ("partner", "kpi", "period", "value", "period_kind", "note")
REQUIRED_FIELDS = ("partner", "kpi", "period", "value")
FIELD_TITLES = {"partner": "Partner", "kpi": "KPI", "period": "Period", "value": "Value",
                "period_kind": "Period kind", "note": "Note"}
_SYNONYMS = {
    "partner": ("partner", "partner name", "supplier", "customer", "distributor", "company", "partner_id"),
    "kpi": ("kpi", "kpi code", "code", "indicator", "metric", "measure", "kpi_code"),
    "period": ("period", "month", "week", "quarter", "date", "period start", "period_start"),
    "value": ("value", "result", "actual", "score", "measurement"),
    "period_kind": ("period kind", "period_kind", "kind", "frequency", "granularity"),
    "note": ("note", "notes", "comment", "comments", "remark"),
}
MAX_REJECT_REASONS = 10_000


#: A spreadsheet as read (CSV or xlsx); see `SheetTable`.
CsvTable = SheetTable
EXPORT_HEADERS = ("partner", "kpi", "period_kind", "period", "value", "note")
_NON_NEGATIVE_UNITS = {"count": 1e9, "days": 1e6, "hours": 1e7, "minutes": 1e9, "weeks": 1e5, "ppm": 1e6}
_ANY_UNIT_LIMIT = 1e12


@dataclass(frozen=True)
class RejectedRow:
    line: int
    values: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ImportRow:
    """A row that will import: what it resolved to, and the value it replaces (None: a new measurement)."""

    line: int
    partner_id: str
    partner_name: str
    kpi_id: str
    kpi_code: str
    period_kind: PeriodKind
    period_start: date
    value: float
    note: str
    replaces: float | None = None


@dataclass(frozen=True)
class ImportCheck:
    """What an import does: rows to add or replace, rows equal to what is stored (skipped), rows rejected."""

    accepted: tuple[ImportRow, ...]
    rejected: tuple[RejectedRow, ...]
    unchanged: int = 0
    applied: bool = False

    @property
    def new(self) -> int:
        return sum(1 for r in self.accepted if r.replaces is None)

    @property
    def replaced(self) -> int:
        return len(self.accepted) - self.new

    def summary(self) -> str:
        verb = "imported" if self.applied else "will import"
        parts = [f"{len(self.accepted)} {verb} ({self.new} new, {self.replaced} replacing a value)"]
        if self.unchanged:
            parts.append(f"{self.unchanged} already recorded with the same value")
        parts.append(f"{len(self.rejected)} rejected")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: ``rows`` measurements, and the stored values it had to leave out."""

    rows: int
    skipped: tuple[Problem, ...] = ()


def read_csv(text: str, *, delimiter: str | None = None, decimal: str | None = None) -> CsvTable:
    """Parse CSV text (delimiter and decimal mark detected unless given; a BOM is ignored).
    Raises ValueError (a `SpreadsheetError`) when it is not a table."""
    return read_csv_text(text, delimiter=delimiter, decimal=decimal)


def read_file(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
              decimal: str | None = None, progress: Progress | None = None,
              cancelled: CancelCheck | None = None) -> CsvTable:
    """Read a CSV or .xlsx file for import, streaming (see app/services/spreadsheets). Raises
    `SpreadsheetError` (a ValueError) with a message for the user, or `Cancelled`. Any thread may call it."""
    return read_spreadsheet(path, encoding=encoding, delimiter=delimiter, decimal=decimal, progress=progress,
                            cancelled=cancelled)


def plausible_range(unit: str, *levels: float) -> tuple[float, float, str]:
    """The values a KPI measured in ``unit`` can take: (low, high, what the unit is called).

    A percentage is 0..100 unless the KPI's own target or thresholds (``levels``) lie outside, which widens
    the range to include them; one whose scale reaches 0 (a change against a baseline, such as cost
    reduction) may also fall to -100. Counts, durations and ppm are never negative; anything else is finite
    and within ±10^12, so a typo like 1e308 cannot reach a report."""
    u = unit.strip().lower()
    finite = [x for x in levels if isinstance(x, (int, float)) and math.isfinite(x)]
    if u in ("%", "percent", "pct"):
        low = -100.0 if finite and min(finite) <= 0 else 0.0
        return min([low] + finite), max([100.0] + finite), "a percentage"
    if u in _NON_NEGATIVE_UNITS:
        return 0.0, max([_NON_NEGATIVE_UNITS[u]] + finite), f"a value in {u}"
    return -_ANY_UNIT_LIMIT, _ANY_UNIT_LIMIT, "a value"


def suggest_mapping(headers: Iterable[str]) -> dict[str, str | None]:
    """A first guess of which column holds each field, from the header names (None: not found)."""
    normal = {h: re.sub(r"[\s_]+", " ", h.strip().lower()) for h in headers}
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for f in CSV_FIELDS:
        names = [s.replace("_", " ") for s in _SYNONYMS[f]]
        hit = next((h for h, n in normal.items() if n in names and h not in used), None)
        mapping[f] = hit
        if hit:
            used.add(hit)
    return mapping


def store_cells(s, partner_id: str, period_kind: PeriodKind, cells: Iterable[CellEdit]) -> int:
    """`MeasurementService.save_cells` in the caller's transaction ``s`` (a service that changes measurements
    together with its own records, such as accepting a dispute, writes both in one transaction)."""
    cells = [replace(c, period_start=period_start(period_kind, c.period_start)) for c in cells]
    bad = [c for c in cells if c.value is not None and not math.isfinite(c.value)]
    if bad:
        raise ValidationError({"value": "A measurement must be a finite number."})
    changed = 0
    if s.get(Partner, partner_id) is None:
        raise NotFound(f"No partner with id {partner_id}")
    keys = {(c.kpi_id, c.period_start) for c in cells}
    existing, cleared = {}, {}
    if keys:
        for m in s.scalars(select(Measurement).where(
                Measurement.partner_id == partner_id, Measurement.period_kind == period_kind,
                Measurement.kpi_id.in_({k for k, _ in keys}),
                Measurement.period_start.in_({p for _, p in keys}))):
            (cleared if m.deleted_at is not None else existing)[(m.kpi_id, m.period_start)] = m
    now = utcnow()
    for c in cells:
        m = existing.get((c.kpi_id, c.period_start))
        if c.value is None:
            if m is not None:
                m.deleted_at = now
                cleared[(c.kpi_id, c.period_start)] = existing.pop((c.kpi_id, c.period_start))
                changed += 1
        elif m is None and (c.kpi_id, c.period_start) in cleared:
            # The period had a value that was cleared: the same record comes back (its identity is
            # the partner, KPI and period, on every laptop).
            m = existing[(c.kpi_id, c.period_start)] = cleared.pop((c.kpi_id, c.period_start))
            m.deleted_at, m.value, m.note = None, float(c.value), c.note or ""
            changed += 1
        elif m is None:
            m = Measurement(partner_id=partner_id, kpi_id=c.kpi_id, period_kind=period_kind,
                            period_start=c.period_start, value=float(c.value), note=c.note or "")
            s.add(m)
            existing[(c.kpi_id, c.period_start)] = m
            changed += 1
        elif m.value != c.value or (c.note is not None and m.note != c.note):
            m.value = float(c.value)
            if c.note is not None:
                m.note = c.note
            changed += 1
    return changed


class MeasurementService:
    """Measurement entry, the grid, CSV import and export over one session factory."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # -- reading -------------------------------------------------------------------------------------------

    def series(self, partner_id: str, kpi_id: str) -> list[MeasurementRow]:
        """The live measurements of one KPI for one partner, oldest first. Read raw and checked: a row a hand
        edit or an older version left unreadable is skipped with a warning naming it (`tandem check`)."""
        raw = lambda c: type_coerce(c, String)  # no result conversion that could raise
        with self._sessions() as s:
            rows = s.execute(select(raw(Measurement.period_kind), raw(Measurement.period_start),
                                    type_coerce(Measurement.value, _RAW), raw(Measurement.note))
                             .where(Measurement.partner_id == partner_id, Measurement.kpi_id == kpi_id,
                                    Measurement.deleted_at.is_(None)).order_by(Measurement.period_start)).all()
        rows = skip_unreadable("measurements", rows, {"period_kind": 0, "period_start": 1, "value": 2, "note": 3},
                               lambda r: measurement_id(partner_id, kpi_id, r[0], r[1]))
        return [MeasurementRow(measurement_id(partner_id, kpi_id, kind, start), partner_id, kpi_id,
                               PeriodKind(kind), date.fromisoformat(start), float(value), note)
                for kind, start, value, note in rows]

    def count(self, partner_id: str | None = None) -> int:
        """How many live measurements there are (of one partner, or all)."""
        stmt = select(func.count(Measurement.id)).where(Measurement.deleted_at.is_(None))
        if partner_id:
            stmt = stmt.where(Measurement.partner_id == partner_id)
        with self._sessions() as s:
            return s.scalar(stmt) or 0

    def latest_period(self, partner_id: str, period_kind: PeriodKind) -> date | None:
        """The start of the partner's latest period of ``period_kind`` holding a value (dates that do not
        parse are skipped with a warning)."""
        with self._sessions() as s:
            starts = s.execute(select(Measurement.kpi_id, type_coerce(Measurement.period_start, String)).where(
                Measurement.partner_id == partner_id, Measurement.period_kind == period_kind,
                Measurement.deleted_at.is_(None))).all()
        rows = skip_unreadable("measurements", starts, {"period_start": 1},
                               lambda r: measurement_id(partner_id, r[0], period_kind, r[1]))
        return max((date.fromisoformat(start) for _, start in rows), default=None)

    def grid(self, partner_id: str, period_kind: PeriodKind = PeriodKind.MONTH, *, last: date | None = None,
             count: int = 12, today: date | None = None) -> MeasurementGrid:
        """The partner's grid: every library KPI (rows) by ``count`` periods ending with ``last`` (columns).

        ``last`` defaults to the current period (of ``today``), so the next value to enter is on the right.
        """
        last = period_start(period_kind, last or today or date.today())
        periods = tuple(shift_period(period_kind, last, i - count + 1) for i in range(count))
        with self._sessions() as s:
            if s.get(Partner, partner_id) is None:
                raise NotFound(f"No partner with id {partner_id}")
            kpis = s.execute(select(Kpi.id, Kpi.code, Kpi.name, Kpi.unit, Kpi.category)
                             .where(Kpi.deleted_at.is_(None))).all()
            cells = s.execute(select(Measurement.kpi_id, Measurement.period_start, Measurement.value).where(
                Measurement.partner_id == partner_id, Measurement.period_kind == period_kind,
                Measurement.deleted_at.is_(None), Measurement.period_start >= periods[0],
                Measurement.period_start <= periods[-1])).all()
        from app.models.enums import KpiCategory

        order = list(KpiCategory)
        kpis = sorted(kpis, key=lambda k: (order.index(k.category), k.code))
        row_of = {k.id: i for i, k in enumerate(kpis)}
        col_of = {p: j for j, p in enumerate(periods)}
        values = [[None] * len(periods) for _ in kpis]
        for kpi_id, start, value in cells:
            if kpi_id in row_of and start in col_of:
                values[row_of[kpi_id]][col_of[start]] = value
        return MeasurementGrid(partner_id, period_kind, tuple(KpiRef(k.id, k.code, k.name, k.unit) for k in kpis),
                               periods, tuple(tuple(r) for r in values))

    # -- writing -------------------------------------------------------------------------------------------

    def save_cells(self, partner_id: str, period_kind: PeriodKind, cells: Iterable[CellEdit]) -> int:
        """Store edited or pasted cells in one transaction; returns how many measurements changed.

        A value on a period that has one replaces it; None removes it (a tombstone). A cell's ``note``, when
        given, replaces the stored note. Periods are normalised to their first day. Raises ValidationError
        (nothing stored) if any value is not a finite number.
        """
        with self._sessions.begin() as s:
            return store_cells(s, partner_id, period_kind, cells)

    def snapshot(self, partner_id: str, period_kind: PeriodKind,
                 cells: Iterable[tuple[str, date]]) -> list[CellEdit]:
        """What is stored now in these cells (KPI id, period), as edits that put it back: the value and note,
        or value None where nothing is recorded. Give the list to `save_cells` to restore the cells exactly
        (this is how an edit in the grid is undone). Read-only transaction."""
        keys = list(dict.fromkeys((k, period_start(period_kind, p)) for k, p in cells))
        stored: dict[tuple[str, date], Measurement] = {}
        with self._sessions() as s:
            if keys:
                for m in s.scalars(select(Measurement).where(
                        Measurement.partner_id == partner_id, Measurement.period_kind == period_kind,
                        Measurement.deleted_at.is_(None),
                        Measurement.kpi_id.in_({k for k, _ in keys}),
                        Measurement.period_start.in_({p for _, p in keys}))):
                    stored[(m.kpi_id, m.period_start)] = m
            return [CellEdit(k, p, stored[(k, p)].value, stored[(k, p)].note) if (k, p) in stored
                    else CellEdit(k, p, None) for k, p in keys]

    def record(self, partner_id: str, kpi_id: str, period_kind: PeriodKind, period: date, value: float | None) -> int:
        """Store (or with None remove) one value; see `save_cells`."""
        return self.save_cells(partner_id, period_kind, [CellEdit(kpi_id, period, value)])

    # -- CSV import ------------------------------------------------------------------------------------------

    def check_import(self, table: CsvTable, mapping: dict[str, str | None], *,
                     default_kind: PeriodKind = PeriodKind.MONTH, replace_existing: bool = False,
                     today: date | None = None) -> ImportCheck:
        """What importing ``table`` with ``mapping`` (field -> column header) would do; writes nothing.

        Raises ValidationError when a required field is not mapped.
        """
        with self._sessions() as s:
            return self._check(s, table, mapping, default_kind, replace_existing, today or date.today())

    def import_csv(self, table: CsvTable, mapping: dict[str, str | None], *,
                   default_kind: PeriodKind = PeriodKind.MONTH, replace_existing: bool = False,
                   today: date | None = None) -> ImportCheck:
        """Check ``table`` again and store every accepted row in one transaction. Rejected rows are not
        imported at all; if storing fails, nothing is imported. Returns the check with ``applied`` True."""
        with self._sessions.begin() as s:
            check = self._check(s, table, mapping, default_kind, replace_existing, today or date.today())
            replacing = [r for r in check.accepted if r.replaces is not None]
            if replacing:
                stored = {}
                keys = {(r.partner_id, r.kpi_id, r.period_kind, r.period_start) for r in replacing}
                for m in s.scalars(select(Measurement).where(
                        Measurement.deleted_at.is_(None),
                        Measurement.partner_id.in_({k[0] for k in keys}))):
                    stored[(m.partner_id, m.kpi_id, m.period_kind, m.period_start)] = m
                for r in replacing:
                    m = stored[(r.partner_id, r.kpi_id, r.period_kind, r.period_start)]
                    m.value = r.value
                    if r.note:
                        m.note = r.note
            s.flush()
            new = [r for r in check.accepted if r.replaces is None]
            # Flushed in chunks and let go of, so a 100k-row file does not hold 100k ORM objects at once;
            # it is still one transaction: a failure rolls every chunk back.
            for i in range(0, len(new), 5000):
                chunk = {measurement_id(r.partner_id, r.kpi_id, r.period_kind, r.period_start): r
                         for r in new[i:i + 5000]}
                rows = chunk.values()
                for m in s.scalars(select(Measurement).where(
                        Measurement.partner_id.in_({r.partner_id for r in rows}),
                        Measurement.kpi_id.in_({r.kpi_id for r in rows}),
                        Measurement.period_start.between(min(r.period_start for r in rows),
                                                         max(r.period_start for r in rows)))):
                    r = chunk.pop(m.id, None)  # a cleared value of the same period: that record comes back
                    if r is None:
                        continue
                    m.deleted_at, m.value, m.note = None, r.value, r.note
                s.add_all(Measurement(partner_id=r.partner_id, kpi_id=r.kpi_id, period_kind=r.period_kind,
                                      period_start=r.period_start, value=r.value, note=r.note)
                          for r in chunk.values())
                s.flush()
                s.expunge_all()
        return ImportCheck(check.accepted, check.rejected, check.unchanged, applied=True)

    def _check(self, s, table: CsvTable, mapping: dict[str, str | None], default_kind: PeriodKind,
               replace_existing: bool, today: date) -> ImportCheck:
        missing = [FIELD_TITLES[f] for f in REQUIRED_FIELDS if not mapping.get(f)]
        if missing:
            raise ValidationError({"mapping": f"Choose the column that holds: {', '.join(missing)}."})
        col = {f: table.headers.index(h) for f, h in mapping.items() if h and h in table.headers}
        unknown = [h for f, h in mapping.items() if h and h not in table.headers]
        if unknown:
            raise ValidationError({"mapping": f"The file has no column '{unknown[0]}'."})

        partners_by_name: dict[str, list[tuple[str, str]]] = {}
        partners_by_id: dict[str, str] = {}
        for pid, name in s.execute(select(Partner.id, Partner.name).where(Partner.deleted_at.is_(None))):
            partners_by_name.setdefault(name.strip().lower(), []).append((pid, name))
            partners_by_id[pid] = name
        kpis: dict[str, tuple[str, str]] = {}
        ranges: dict[str, tuple[float, float, str]] = {}
        for kid, code, name, unit, target, amber, red in s.execute(
                select(Kpi.id, Kpi.code, Kpi.name, Kpi.unit, Kpi.target, Kpi.amber_threshold, Kpi.red_threshold)
                .where(Kpi.deleted_at.is_(None))):
            kpis[code.lower()] = (kid, code)
            kpis.setdefault(name.strip().lower(), (kid, code))
            ranges[kid] = plausible_range(unit or "", target, amber, red)
        decimal = table.decimal_of(col.get("value"))  # what the value column shows, or the user's choice

        def cell(row: tuple, f: str) -> str:
            i = col.get(f)
            return _text(row[i]).strip() if i is not None and i < len(row) else ""

        parsed: list[ImportRow] = []
        rejected: list[RejectedRow] = []
        for n, row in enumerate(table.rows, start=2):
            if not any(_text(v).strip() for v in row):
                continue  # a blank line is not data
            reasons = []
            p_text, k_text = cell(row, "partner"), cell(row, "kpi")
            partner = None
            if not p_text:
                reasons.append("no partner")
            elif p_text in partners_by_id:
                partner = (p_text, partners_by_id[p_text])
            else:
                hits = partners_by_name.get(p_text.lower(), [])
                if len(hits) == 1:
                    partner = hits[0]
                elif hits:
                    reasons.append(f"partner '{p_text}' is ambiguous ({len(hits)} partners have that name)")
                else:
                    reasons.append(f"unknown partner '{p_text}'")
            kpi = kpis.get(k_text.lower()) if k_text else None
            if not k_text:
                reasons.append("no KPI")
            elif kpi is None:
                reasons.append(f"unknown KPI '{k_text}'")
            kind = None
            if cell(row, "period_kind"):
                try:
                    kind = parse_kind(cell(row, "period_kind"))
                except ValueError as exc:
                    reasons.append(f"bad period kind: {exc}")
            period = None
            try:
                found, start = parse_period(cell(row, "period"), kind)
                if kind is None and not _explicit_kind(cell(row, "period")):
                    found, start = default_kind, period_start(default_kind, start)
                if start > today:
                    reasons.append(f"bad date: {period_label(found, start)} is in the future")
                else:
                    period = (found, start)
            except ValueError as exc:
                reasons.append(f"bad date: {exc}")
            value = None
            i = col.get("value")
            raw = row[i] if i is not None and i < len(row) else ""
            if isinstance(raw, float):  # a number cell of a workbook: nothing to interpret
                value = raw
            elif not raw.strip():
                reasons.append("no value")
            else:
                try:
                    value = parse_cell_number(raw, decimal)
                except AmbiguousNumber as exc:
                    reasons.append(f"ambiguous number: {exc}")
                except ValueError as exc:
                    reasons.append(f"bad number: {exc}")
            if value is not None and kpi is not None:
                low, high, what = ranges[kpi[0]]
                if not (math.isfinite(value) and low <= value <= high):
                    reasons.append(f"implausible value: {number_text(value) if math.isfinite(value) else value} "
                                   f"is outside {number_text(low)}..{number_text(high)} for {what} "
                                   f"(KPI {kpi[1]})")
                    value = None
            if reasons:
                rejected.append(RejectedRow(n, _texts(row), "; ".join(reasons)))
                continue
            parsed.append(ImportRow(n, partner[0], partner[1], kpi[0], kpi[1], period[0], period[1], value,
                                    cell(row, "note")))

        # Duplicates inside the file: which value was meant is unknowable, so every copy is rejected.
        lines_of: dict[tuple, list[int]] = {}
        for r in parsed:
            lines_of.setdefault((r.partner_id, r.kpi_id, r.period_kind, r.period_start), []).append(r.line)
        keep = []
        for r in parsed:
            lines = lines_of[(r.partner_id, r.kpi_id, r.period_kind, r.period_start)]
            if len(lines) > 1:
                others = ", ".join(str(x) for x in lines if x != r.line)
                rejected.append(RejectedRow(r.line, _texts(table.rows[r.line - 2]),
                                            f"duplicate period: {r.partner_name}, {r.kpi_code}, "
                                            f"{period_label(r.period_kind, r.period_start)} is also on line "
                                            f"{others}"))
            else:
                keep.append(r)

        # Against the database: same value = nothing to do; another value = replace only when asked.
        stored = self._stored_values(s, keep)
        accepted, unchanged = [], 0
        for r in keep:
            old = stored.get((r.partner_id, r.kpi_id, r.period_kind, r.period_start))
            if old is None:
                accepted.append(r)
            elif old == r.value:
                unchanged += 1
            elif replace_existing:
                accepted.append(replace(r, replaces=old))
            else:
                rejected.append(RejectedRow(r.line, _texts(table.rows[r.line - 2]),
                                            f"duplicate period: {r.partner_name}, {r.kpi_code}, "
                                            f"{period_label(r.period_kind, r.period_start)} already has the "
                                            f"value {number_text(old)} (tick 'Replace values already recorded' to overwrite)"))
        rejected.sort(key=lambda x: x.line)
        return ImportCheck(tuple(accepted), tuple(rejected), unchanged)

    @staticmethod
    def _stored_values(s, rows: list[ImportRow]) -> dict[tuple, float]:
        out: dict[tuple, float] = {}
        if not rows:
            return out
        partner_ids = sorted({r.partner_id for r in rows})
        first, last = min(r.period_start for r in rows), max(r.period_start for r in rows)
        for i in range(0, len(partner_ids), 500):  # stay under the bound-parameter limit
            chunk = partner_ids[i:i + 500]
            for pid, kid, kind, start, value in s.execute(
                    select(Measurement.partner_id, Measurement.kpi_id, Measurement.period_kind,
                           Measurement.period_start, Measurement.value)
                    .where(Measurement.deleted_at.is_(None), Measurement.partner_id.in_(chunk),
                           Measurement.period_start >= first, Measurement.period_start <= last)):
                out[(pid, kid, kind, start)] = value
        return out

    # -- export ----------------------------------------------------------------------------------------------

    def export_csv(self, out: TextIO, partner_ids: Iterable[str] | None = None,
                   skipped: list[Problem] | None = None) -> int:
        """Write live measurements (all, or of some partners) as CSV in the import format; returns rows written.

        Text cells that start like a formula are neutralised (see app/services/spreadsheets/neutralise.py).
        A stored value that cannot be read (a hand edit, an older version) is left empty and appended to
        ``skipped`` (logged as a warning when no list is given). Streams, so a million measurements keep memory flat.
        Read-only transaction.
        """
        return write_csv(out, EXPORT_HEADERS, self._export_rows(partner_ids, skipped))

    def export_file(self, path: str | Path, partner_ids: Iterable[str] | None = None) -> ExportResult:
        """Write measurements to ``path`` as .xlsx (by its suffix) or CSV; see `export_csv`."""
        skipped: list[Problem] = []
        n = write_spreadsheet(path, EXPORT_HEADERS, self._export_rows(partner_ids, skipped), title="Measurements")
        return ExportResult(n, tuple(skipped))

    def _export_rows(self, partner_ids: Iterable[str] | None, skipped: list[Problem] | None):
        """Rows for export, stored values read raw and checked, so one bad row cannot stop the export."""
        raw = lambda c: type_coerce(c, String)  # noqa: E731  (no result conversion that could raise)
        stmt = (select(Measurement.id, raw(Partner.name), raw(Kpi.code), raw(Measurement.period_kind),
                       raw(Measurement.period_start), type_coerce(Measurement.value, _RAW), raw(Measurement.note))
                .join(Partner, Partner.id == Measurement.partner_id).join(Kpi, Kpi.id == Measurement.kpi_id)
                .where(Measurement.deleted_at.is_(None), Partner.deleted_at.is_(None), Kpi.deleted_at.is_(None))
                .order_by(Partner.name, Kpi.code, Measurement.period_start))
        if partner_ids is not None:
            stmt = stmt.where(Measurement.partner_id.in_(list(partner_ids)))
        checks = (("partners", "name"), ("kpis", "code"), ("measurements", "period_kind"),
                  ("measurements", "period_start"), ("measurements", "value"), ("measurements", "note"))
        table_rules = [rules(t)[f] for t, f in checks]
        with self._sessions() as s:
            for mid, *values in s.execute(stmt).yield_per(5000):
                for k, ((table, field), rule) in enumerate(zip(checks, table_rules)):
                    reason = value_problem(rule, values[k])
                    if reason:
                        problem = Problem(table, mid if table == "measurements" else f"of measurement {mid}",
                                          field, show(values[k]), reason)
                        if skipped is not None:
                            skipped.append(problem)  # the caller reports it
                        else:
                            log.warning("Export skipped a value: %s", problem)
                        values[k] = None
                name, code, kind, start, value, note = values
                period = None
                if kind is not None and start is not None:
                    period = period_label(PeriodKind(kind), date.fromisoformat(start))
                yield [name, code, kind, period, None if value is None else float(value), note]


def _text(cell: str | float) -> str:
    """A cell as text (a workbook's number cells are floats)."""
    return cell if isinstance(cell, str) else number_text(cell)


def _texts(row: tuple) -> tuple[str, ...]:
    return tuple(_text(c) for c in row)


def _explicit_kind(text: str) -> bool:
    """True when the period text itself says week, month or quarter (not a plain day)."""
    t = text.strip()
    return bool(_WEEK.match(t) or _QUARTER.match(t) or _MONTH.match(t) or _MONTH_NAME.match(t))


__all__ = ["CSV_FIELDS", "COMMA", "CellEdit", "CsvTable", "DOT", "EXPORT_HEADERS", "ExportResult", "FIELD_TITLES",
           "ImportCheck", "ImportRow", "KpiRef", "MeasurementGrid", "MeasurementRow", "MeasurementService",
           "REQUIRED_FIELDS", "RejectedRow", "number_text", "parse_kind", "parse_number", "parse_period",
           "period_label", "period_start", "period_title", "plausible_range", "read_csv", "read_file",
           "shift_period", "suggest_mapping"]
