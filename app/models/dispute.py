"""A partner's challenge of one measurement: "that month was 97.2, not 92.1, because …".

A dispute names the measurement by its identity (partner, KPI, period kind, period start), not by a foreign key
to the measurement row: the id of a measurement is that identity written out (`measurement_id`), and a dispute
must be valid while the measurement has not reached one laptop yet (the partner disputes a month the lead
recorded, or a value the lead has not entered at all). It proposes a value and says why; an evidence file hangs
under it as an attachment (``target_kind`` "measurement_dispute"). The team accepts it (the proposed value
becomes the measurement) or rejects it with a reason. It travels like any partner record; what a partner's
package may do with it is in app/services/sync/roles.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import DisputeStatus, PeriodKind
from app.models.kpi import measurement_id


class MeasurementDispute(Syncable, Base):
    """One challenge of the measurement of ``partner_id``, ``kpi_id`` and the period, with its outcome."""

    __tablename__ = "measurement_disputes"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    kpi_id: Mapped[str] = mapped_column(ForeignKey("kpis.id"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind), default=PeriodKind.MONTH)
    period_start: Mapped[date] = mapped_column(Date)
    proposed_value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DisputeStatus] = mapped_column(enum_type(DisputeStatus), default=DisputeStatus.OPEN)
    resolution_reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected (or a note on accepting)
    raised_by: Mapped[str] = mapped_column(String(120), default="")  # display name
    raised_device: Mapped[str] = mapped_column(String(36), default="")  # the laptop it was raised on
    raised_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def measurement_id(self) -> str:
        """The id of the measurement disputed (which may not exist on this laptop)."""
        return measurement_id(self.partner_id, self.kpi_id, self.period_kind, self.period_start)
