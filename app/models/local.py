"""Rows that stay on this laptop and never travel: settings, the clock, typing drafts; and known devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable


class LocalSetting(Base):
    """Key/value settings of this installation (device id, names, clock state, preferences)."""

    __tablename__ = "local_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Device(Syncable, Base):
    """A laptop that edits this data: its id (the one in every ``updated_by``) and the names shown for it."""

    __tablename__ = "devices"

    display_name: Mapped[str] = mapped_column(String(120), default="")
    device_name: Mapped[str] = mapped_column(String(120), default="")


class SessionDraft(Base):
    """Text being typed in a live session's capture box, saved continuously so a crash loses nothing."""

    __tablename__ = "session_drafts"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime | None] = mapped_column(DateTime)
