"""30-60-90 day success plans: phases, goals and milestones; and reusable plan templates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import ItemStatus


class SuccessPlan(Syncable, Base):
    """A partner's 30-60-90 day success plan. Phase ends are start + 30, 60 and 90 days."""

    __tablename__ = "success_plans"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")


class PlanGoal(Syncable, Base):
    """What success looks like at the end of one phase, and how it is measured."""

    __tablename__ = "plan_goals"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("success_plans.id"), index=True)
    phase: Mapped[int] = mapped_column(Integer)  # 30, 60 or 90
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")


class PlanMilestone(Syncable, Base):
    """A milestone of one phase. Its due date follows the phase end unless ``due_date_manual``."""

    __tablename__ = "plan_milestones"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("success_plans.id"), index=True)
    phase: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    due_date_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ItemStatus] = mapped_column(enum_type(ItemStatus), default=ItemStatus.TODO)


class PlanTemplate(Syncable, Base):
    """A reusable plan outline (goals and milestones per phase) kept as JSON, in its current version. Shared
    library: every change leaves a `PlanTemplateVersion` snapshot behind, the template's history."""

    __tablename__ = "plan_templates"

    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON, default=dict)


class PlanTemplateVersion(Syncable, Base):
    """A frozen snapshot of one version of a plan template (name, description, outline): its history."""

    __tablename__ = "plan_template_versions"

    template_id: Mapped[str] = mapped_column(ForeignKey("plan_templates.id"), index=True)
    #: The number the laptop that made the version gave it, kept as a hint: the number shown is the version's
    #: place in the history (app/services/library_versions.py), the same on every laptop.
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)
