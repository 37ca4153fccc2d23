"""The shared KPI library, per-partner overrides, and measurements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Computed, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import Direction, IndicatorKind, KpiCategory, PeriodKind, TemplateStatus


class Kpi(Syncable, Base):
    """A KPI definition of the shared library, in its current version.

    Shared: it belongs to no partner and travels in every package that uses it. Every change of
    definition or thresholds leaves a `KpiVersion` snapshot behind: the history, whose length is the version.
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
    #: Unused since the number comes from the history's length (app/services/kpis.py); kept for old files.
    version: Mapped[int] = mapped_column(Integer, default=1)


class KpiVersion(Syncable, Base):
    """One version of a KPI definition: the library's history. A published version is a frozen snapshot; a
    *draft* (``status`` draft) is an edit not yet in use, changed in place until it is published or discarded."""

    __tablename__ = "kpi_versions"

    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    #: The number the laptop that made the version gave it, kept as a hint: the number shown is the version's
    #: place in the history (app/services/library_versions.py), the same on every laptop.
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Published versions make the history; a draft waits for Publish. Every version made before drafts existed
    #: is published: so the database default, and the value of a record from an older laptop's package, which
    #: carries no status (``info["absent"]``, app/services/sync/tables.py).
    status: Mapped[TemplateStatus] = mapped_column(enum_type(TemplateStatus), default=TemplateStatus.PUBLISHED,
                                                   server_default=TemplateStatus.PUBLISHED.value,
                                                   info={"absent": TemplateStatus.PUBLISHED.value})


class KpiOverride(Syncable, Base):
    """A partner-specific target and thresholds (a segment benchmark) that replace the library's."""

    __tablename__ = "kpi_overrides"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    target: Mapped[float | None] = mapped_column(Float)
    amber_threshold: Mapped[float | None] = mapped_column(Float)
    red_threshold: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")


#: A measurement's id is its identity written out: ``partner:kpi:kind:start`` (`measurement_id`).
ID_SEPARATOR = ":"


def measurement_id(partner_id: str, kpi_id: str, period_kind: PeriodKind | str, period_start: date | str) -> str:
    """The id of the measurement of this partner, KPI and period, the same on every laptop: two laptops that
    record the same period hold one record, whose values merge (and conflict) like any field. The database
    computes the same text from the record's columns (`Measurement.id`), so it costs nothing to store."""
    kind = getattr(period_kind, "value", period_kind)
    start = period_start.isoformat() if isinstance(period_start, date) else str(period_start)
    return ID_SEPARATOR.join((partner_id, kpi_id, kind, start))


class Measurement(Syncable, Base):
    """One value of one KPI for one partner for one period, identified by them (`measurement_id`): clearing
    a value tombstones the record and entering one again brings the same record back.

    The most numerous record by far, so it is stored lean: the table is keyed by its identity (a WITHOUT
    ROWID table clustered by partner, KPI and period, which is also the order the grid and the scorecard read
    series in), and the id is a virtual column computed from the key, so neither a separate id nor an index
    is stored. Looking a measurement up by id goes through `key_of`."""

    __tablename__ = "measurements"
    __table_args__ = {"sqlite_with_rowid": False}

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), primary_key=True)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind), primary_key=True,
                                                    default=PeriodKind.MONTH)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    id: Mapped[str] = mapped_column(
        String(120), Computed(f"partner_id || '{ID_SEPARATOR}' || kpi_id || '{ID_SEPARATOR}' || period_kind || "
                              f"'{ID_SEPARATOR}' || period_start", persisted=False))

    def __init__(self, **kw) -> None:
        kw.setdefault("period_kind", PeriodKind.MONTH)
        kw.pop("id", None)  # computed from the key
        super().__init__(**kw)

    @staticmethod
    def key_of(measurement_id_: str) -> tuple[str, str, PeriodKind, date]:
        """The primary key (for ``Session.get``) of the measurement with this id."""
        partner_id, kpi_id, kind, start = measurement_id_.split(ID_SEPARATOR)
        return partner_id, kpi_id, PeriodKind(kind), date.fromisoformat(start)

