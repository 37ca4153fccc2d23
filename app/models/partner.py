"""The partner directory: partners, their contacts on both sides and their escalation path."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import PartnerKind, PartnershipStage, PartnerStatus, Side


class Partner(Syncable, Base):
    """A supplier, customer or distributor we enable.

    The value–risk quadrant is derived from ``value_score`` and ``risk_score``
    (see app/services/partners.py), never stored, so a field-by-field merge can never leave it stale; a
    partner with either score empty is "not scored" and has no quadrant.
    ``partner_id`` equals ``id``: a partner belongs to itself, so scoping is one WHERE on every table.
    """

    __tablename__ = "partners"

    partner_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[PartnerKind] = mapped_column(enum_type(PartnerKind))
    segment: Mapped[str] = mapped_column(String(120), default="")
    tier: Mapped[int] = mapped_column(Integer, default=3)
    annual_spend: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    country: Mapped[str] = mapped_column(String(80), default="")
    # 1–5, or None until someone scores the partner ("not scored": no quadrant, left out of the matrix).
    value_score: Mapped[int | None] = mapped_column(Integer)
    risk_score: Mapped[int | None] = mapped_column(Integer)
    partnership_stage: Mapped[PartnershipStage] = mapped_column(
        enum_type(PartnershipStage), default=PartnershipStage.TRANSACTIONAL
    )
    enablement_level: Mapped[int] = mapped_column(Integer, default=1)
    alignment_goals: Mapped[int] = mapped_column(Integer, default=3)
    alignment_values: Mapped[int] = mapped_column(Integer, default=3)
    alignment_capabilities: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[PartnerStatus] = mapped_column(enum_type(PartnerStatus), default=PartnerStatus.CANDIDATE)
    enablement_lead: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class Contact(Syncable, Base):
    """A person on our side or the partner's side of one partnership."""

    __tablename__ = "contacts"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class EscalationStep(Syncable, Base):
    """One level of a partner's escalation path, in order (level 1 is tried first)."""

    __tablename__ = "escalation_steps"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.OURS)
    contact_info: Mapped[str] = mapped_column(String(200), default="")
