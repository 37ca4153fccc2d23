"""Versioned onboarding playbook templates and the per-partner checklists made from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import ItemStatus, Side, TemplateStatus


class Playbook(Syncable, Base):
    """A co-created onboarding playbook: the identity that its versions share. Shared library."""

    __tablename__ = "playbooks"

    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")


class PlaybookVersion(Syncable, Base):
    """One version of a playbook. A published version is frozen: editing it makes a new version."""

    __tablename__ = "playbook_versions"

    playbook_id: Mapped[str] = mapped_column(ForeignKey("playbooks.id"), index=True)
    #: The number the laptop that made the version gave it, kept as a hint: the number shown is the version's
    #: place in the history (app/services/library_versions.py), the same on every laptop.
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TemplateStatus] = mapped_column(enum_type(TemplateStatus), default=TemplateStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    change_note: Mapped[str] = mapped_column(Text, default="")


class PlaybookStep(Syncable, Base):
    """An ordered step of one playbook version."""

    __tablename__ = "playbook_steps"

    version_id: Mapped[str] = mapped_column(ForeignKey("playbook_versions.id"), index=True)
    #: The step's lineage across versions: a copy into a new version keeps the key of the step it came from,
    #: so two versions can be compared step by step. Empty means "this step's own id" (a step new in its version).
    key: Mapped[str] = mapped_column(String(36), default="")
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.JOINT)
    day_offset: Mapped[int] = mapped_column(Integer, default=0)
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    kpi_id: Mapped[str | None] = mapped_column(ForeignKey("kpis.id"))


class OnboardingChecklist(Syncable, Base):
    """One onboarding of one partner, instantiated from a playbook version (re-onboarding makes another)."""

    __tablename__ = "onboarding_checklists"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    playbook_version_id: Mapped[str] = mapped_column(ForeignKey("playbook_versions.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ChecklistItem(Syncable, Base):
    """One step of an onboarding checklist, with its due date, owner and evidence."""

    __tablename__ = "checklist_items"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    checklist_id: Mapped[str] = mapped_column(ForeignKey("onboarding_checklists.id"), index=True)
    step_id: Mapped[str | None] = mapped_column(ForeignKey("playbook_steps.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.JOINT)
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ItemStatus] = mapped_column(enum_type(ItemStatus), default=ItemStatus.TODO)
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_by: Mapped[str] = mapped_column(String(120), default="")
