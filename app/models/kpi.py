"""The shared KPI library, per-partner overrides, and measurements."""

from __future__ import annotations

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


class Measurement(Syncable, Base):
    """One value of one KPI for one partner for one period. Append-only in sync (a union by id)."""

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
