"""Partner selection: versioned criteria sets, per-candidate assessments, scores and the decision checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import AlignmentGroup, TemplateStatus


class CriteriaSet(Syncable, Base):
    """One version of a set of weighted selection criteria. Shared library; ``lineage`` groups versions."""

    __tablename__ = "criteria_sets"

    lineage: Mapped[str] = mapped_column(String(36), index=True)
    #: The number the laptop that made the version gave it, kept as a hint: the number shown is the version's
    #: place in the history (app/services/library_versions.py), the same on every laptop.
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TemplateStatus] = mapped_column(enum_type(TemplateStatus), default=TemplateStatus.DRAFT)


class Criterion(Syncable, Base):
    __tablename__ = "criteria"

    criteria_set_id: Mapped[str] = mapped_column(ForeignKey("criteria_sets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[AlignmentGroup] = mapped_column(enum_type(AlignmentGroup))
    weight: Mapped[float] = mapped_column(Float)


class SelectionAssessment(Syncable, Base):
    """A candidate's selection workspace against one criteria-set version, and the signing decision."""

    __tablename__ = "selection_assessments"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    criteria_set_id: Mapped[str] = mapped_column(ForeignKey("criteria_sets.id"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_by: Mapped[str] = mapped_column(String(120), default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    #: The checklist items still missing when the signature overrode the checklist (one per line).
    override_missing: Mapped[str] = mapped_column(Text, default="")


class SelectionScore(Syncable, Base):
    __tablename__ = "selection_scores"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("selection_assessments.id"), index=True)
    criterion_id: Mapped[str] = mapped_column(ForeignKey("criteria.id"))
    score: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")


class DecisionItem(Syncable, Base):
    """One item of the decision checklist that must be complete before signing."""

    __tablename__ = "decision_items"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("selection_assessments.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: Reference calls that must be logged before this item counts as done (2 for the references item).
    min_reference_calls: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by: Mapped[str] = mapped_column(String(120), default="")
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class ReferenceCall(Syncable, Base):
    """A reference call made for a candidate: who was called, by whom, when."""

    __tablename__ = "reference_calls"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("selection_assessments.id"), index=True)
    referee: Mapped[str] = mapped_column(String(160))
    organisation: Mapped[str] = mapped_column(String(160), default="")
    called_by: Mapped[str] = mapped_column(String(120), default="")
    called_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")
