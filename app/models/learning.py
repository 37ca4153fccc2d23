"""Learning tracks: certifications and training modules, and who at a partner completed what."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable


class LearningModule(Syncable, Base):
    """A training module or certification of the shared library."""

    __tablename__ = "learning_modules"

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="training")  # training | certification
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int | None] = mapped_column(Integer)


class LearningCompletion(Syncable, Base):
    __tablename__ = "learning_completions"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("learning_modules.id"), index=True)
    person: Mapped[str] = mapped_column(String(120))
    completed_on: Mapped[date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
