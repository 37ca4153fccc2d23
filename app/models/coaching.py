"""Coaching sessions with their live log, action items, and PDCA experiments that live across sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import EntryKind, ExperimentOutcome, PdcaStage, SessionStatus, SessionType, Side


class CoachingSession(Syncable, Base):
    """A structured meeting with a partner, planned and then run live."""

    __tablename__ = "coaching_sessions"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    session_type: Mapped[SessionType] = mapped_column(enum_type(SessionType))
    title: Mapped[str] = mapped_column(String(200), default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    scheduled_at: Mapped[datetime] = mapped_column(DateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    facilitator: Mapped[str] = mapped_column(String(120), default="")
    facilitator_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.OURS)
    agenda: Mapped[list] = mapped_column(JSON, default=list)
    current_agenda_index: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus), default=SessionStatus.PLANNED)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    summary: Mapped[str] = mapped_column(Text, default="")


class SessionAttendee(Syncable, Base):
    __tablename__ = "session_attendees"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("coaching_sessions.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    name: Mapped[str] = mapped_column(String(120))
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)


class LogEntry(Syncable, Base):
    """One timestamped entry of a session's live log. Append-only in sync (a union by id).

    ``position`` orders entries (a float so an entry can be moved between two others without renumbering).
    """

    __tablename__ = "log_entries"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("coaching_sessions.id"), index=True)
    position: Mapped[float] = mapped_column(Float)
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind), default=EntryKind.NOTE)
    text: Mapped[str] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(120), default="")
    action_item_id: Mapped[str | None] = mapped_column(ForeignKey("action_items.id"))
    experiment_id: Mapped[str | None] = mapped_column(ForeignKey("experiments.id"))


class ActionItem(Syncable, Base):
    __tablename__ = "action_items"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("coaching_sessions.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120), default="")
    owner_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.OURS)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class Experiment(Syncable, Base):
    """A PDCA improvement experiment agreed with a partner; it lives across sessions."""

    __tablename__ = "experiments"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    owner_side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)
    kpi_id: Mapped[str | None] = mapped_column(ForeignKey("kpis.id"))
    target_value: Mapped[float | None] = mapped_column(Float)
    check_date: Mapped[date | None] = mapped_column(Date)
    stage: Mapped[PdcaStage] = mapped_column(enum_type(PdcaStage), default=PdcaStage.PLAN)
    result: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[ExperimentOutcome | None] = mapped_column(enum_type(ExperimentOutcome))
    lessons: Mapped[str] = mapped_column(Text, default="")
    started_in_session_id: Mapped[str | None] = mapped_column(ForeignKey("coaching_sessions.id"))


class ExperimentEvent(Syncable, Base):
    """One step in an experiment's story: a stage change or an update, and the session it happened in."""

    __tablename__ = "experiment_events"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("coaching_sessions.id"))
    from_stage: Mapped[PdcaStage | None] = mapped_column(enum_type(PdcaStage))
    to_stage: Mapped[PdcaStage | None] = mapped_column(enum_type(PdcaStage))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(120), default="")
