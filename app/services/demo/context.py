"""What every part of the demo generator shares: the random source, the anchor date, the partners made so
far, and fast bulk inserts that go through the one stamping rule (`app.services.clock.stamp_new`)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Table

from app.models import Base
from app.models.enums import PartnerKind, PartnerStatus
from app.services.clock import stamp_new, utcnow
from app.services.database import Database


@dataclass(frozen=True)
class DemoOptions:
    partners: int = 200
    months: int = 24
    seed: int = 1
    as_of: date | None = None


@dataclass(frozen=True)
class DemoPartner:
    id: str
    name: str
    kind: PartnerKind
    status: PartnerStatus
    segment: str
    tier: int
    since: date  # first day of the relationship (measurements start here)
    lead: str
    partner_contacts: tuple[str, ...]
    our_contacts: tuple[str, ...]


@dataclass
class DemoContext:
    db: Database
    options: DemoOptions
    rng: random.Random
    today: date
    progress: Callable[[str], None] = lambda _msg: None
    partners: list[DemoPartner] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def new_id(self) -> str:
        """A UUID drawn from the seeded random source, so the same seed gives the same ids."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute))

    def insert(self, table_name: str, rows: Iterable[dict], batch: int = 50_000) -> int:
        """Stamp and insert rows (dicts of column values) in batches of one transaction each.

        Demo data reaches millions of rows, so values are converted to what SQLAlchemy would store
        (`_to_storage`) and handed to the driver's executemany directly.
        """
        table = Base.metadata.tables[table_name]
        to_tuple = _to_storage(table)
        written = [c for c in table.columns if c.computed is None]
        columns = ", ".join(c.name for c in written)
        sql = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(written))})"
        clock, now, n = self.db.clock, utcnow(), 0
        iterator = iter(rows)
        while chunk := [to_tuple(stamp_new(row, clock, now)) for row in islice(iterator, batch)]:
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql(sql, chunk)
            n += len(chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n


def _to_storage(table: Table) -> Callable[[dict], tuple]:
    """A function turning a row dict into the tuple SQLAlchemy would bind for ``table`` (defaults filled in)."""

    def storage(col) -> Callable[[Any], Any]:
        kind = type(col.type)
        if isinstance(col.type, Enum):
            return lambda v: None if v is None else getattr(v, "value", v)
        if kind is DateTime:
            return lambda v: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if kind is Date:
            return lambda v: None if v is None else v.isoformat()
        if kind is JSON:
            return lambda v: json.dumps(v)
        if kind is Boolean:
            return lambda v: None if v is None else int(v)
        return lambda v: v

    specs = []
    for col in table.columns:
        if col.computed is not None:
            continue
        default = None
        if col.default is not None and col.name != "id":
            default = col.default.arg(None) if col.default.is_callable else col.default.arg
        specs.append((col.name, default, storage(col)))

    def to_tuple(row: dict) -> tuple:
        return tuple(conv(row.get(name, default)) for name, default, conv in specs)

    return to_tuple
