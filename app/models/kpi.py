"""The shared KPI library, per-partner overrides, and measurements."""

from __future__ import annotations

import uuid

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import Direction, IndicatorKind, KpiCategory, PeriodKind


class Kpi(Syncable, Base):
    """A KPI definition of the shared library, in its current version.

    Shared: it belongs to no partner and travels in every package that uses it. Every change of
    definition or thresholds bumps ``version`` and leaves a `KpiVersion` snapshot behind.
    """

    __tablename__ = "kpis"

    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[KpiCategory] = mapped_column(enum_type(KpiCategory))
    unit: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[Direction] = mapped_column(enum_type(Direction))
    indicator: Mapped[IndicatorKind] = mapped_column(enum_type(IndicatorKind), default=IndicatorKind.LAGGING)
    target: Mapped[float] = mapped_column(Float)
    amber_threshold: Mapped[float] = mapped_column(Float)
    red_threshold: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    definition: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class KpiVersion(Syncable, Base):
    """A frozen snapshot of one version of a KPI definition: the library's history."""

    __tablename__ = "kpi_versions"

    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)


class KpiOverride(Syncable, Base):
    """A partner-specific target and thresholds (a segment benchmark) that replace the library's."""

    __tablename__ = "kpi_overrides"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    target: Mapped[float | None] = mapped_column(Float)
    amber_threshold: Mapped[float | None] = mapped_column(Float)
    red_threshold: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")


def measurement_id(partner_id: str, kpi_id: str, period_kind: PeriodKind | str, period_start: date | str) -> str:
    """The id of the measurement of this partner, KPI and period, the same on every laptop: two laptops that
    record the same period hold one record, whose values merge (and conflict) like any field."""
    kind = getattr(period_kind, "value", period_kind)
    start = period_start.isoformat() if isinstance(period_start, date) else str(period_start)[:10]
    return str(uuid.uuid5(MEASUREMENT_NAMESPACE, f"{partner_id}/{kpi_id}/{kind}/{start}"))


MEASUREMENT_NAMESPACE = uuid.UUID("5d0f7a3e-8c61-4f0b-9e0a-6a1c2b3d4e5f")


class Measurement(Syncable, Base):
    """One value of one KPI for one partner for one period, identified by them (`measurement_id`): clearing
    a value tombstones the record and entering one again brings the same record back."""

    __tablename__ = "measurements"
    __table_args__ = (
        Index("ix_measurements_partner_id", "partner_id"),  # scoping a package to partners
        # Covers the scorecard's "last N live values of each series" without touching the table rows. It is
        # the only index led by (partner_id, kpi_id), so the planner cannot pick a non-covering one instead.
        Index("ix_measurements_live_series", "partner_id", "kpi_id", "period_start", "value", "period_kind",
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind), default=PeriodKind.MONTH)
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")

    def __init__(self, **kw) -> None:
        kw.setdefault("period_kind", PeriodKind.MONTH)
        if "id" not in kw:
            kw["id"] = measurement_id(kw["partner_id"], kw["kpi_id"], kw["period_kind"], kw["period_start"])
        super().__init__(**kw)
