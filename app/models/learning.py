"""Learning: a shared library of modules grouped into versioned tracks, and per partner who is assigned which
track, who completed which module (with feedback), and the certifications granted when a track is complete.

Library (no ``partner_id``, travels to whoever uses it): modules, tracks, track versions, track items.
Partner-owned (``partner_id`` on every row, so a scoped package carries them): assignments, completions,
certifications. People are the partner's contacts on either side (``contact_id``); the name and side are
kept on each row as well, so a record stays readable when the contact is later removed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable, enum_type
from app.models.enums import PartnerKind, Side, TemplateStatus


class LearningModule(Syncable, Base):
    """A training module or certification of the shared library."""

    __tablename__ = "learning_modules"

    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="training")  # training | certification
    description: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(40), default="e-learning")  # e-learning | workshop | on the job…
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    assessment: Mapped[str] = mapped_column(String(200), default="")  # how it is assessed: quiz, observed…
    #: How long a completion counts (None: for good). A track's certification has its own validity.
    validity_months: Mapped[int | None] = mapped_column(Integer)


class LearningTrack(Syncable, Base):
    """A learning track: the identity its versions share. Shared library."""

    __tablename__ = "learning_tracks"

    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")


class LearningTrackVersion(Syncable, Base):
    """One version of a track. A published version is frozen: editing it makes a new draft version."""

    __tablename__ = "learning_track_versions"

    track_id: Mapped[str] = mapped_column(ForeignKey("learning_tracks.id"), index=True)
    #: The number the laptop that made the version gave it, kept as a hint: the number shown is the version's
    #: place in the history (app/services/library_versions.py), the same on every laptop.
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who the track is for: a partner kind (None: any kind) and a segment ("" : any segment).
    partner_kind: Mapped[PartnerKind | None] = mapped_column(enum_type(PartnerKind))
    segment: Mapped[str] = mapped_column(String(120), default="")
    #: How long a certification of this track is valid (None: it never expires).
    validity_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[TemplateStatus] = mapped_column(enum_type(TemplateStatus), default=TemplateStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    change_note: Mapped[str] = mapped_column(Text, default="")


class LearningTrackItem(Syncable, Base):
    """One module of one track version, in order."""

    __tablename__ = "learning_track_items"

    version_id: Mapped[str] = mapped_column(ForeignKey("learning_track_versions.id"), index=True)
    #: Lineage across versions, as for playbook steps: a copy keeps the key of the item it came from.
    key: Mapped[str] = mapped_column(String(36), default="")
    position: Mapped[int] = mapped_column(Integer)
    # Always set by the service. Declared optional so that a package scoped to a partner that completed a module
    # does not carry every track that contains the module (sync scope: a required foreign key makes its row a
    # part of the record it names; see app/services/sync/scope.py).
    module_id: Mapped[str | None] = mapped_column(ForeignKey("learning_modules.id"), index=True)


class LearningAssignment(Syncable, Base):
    """A track version assigned to one person of a partnership, on our side or the partner's."""

    __tablename__ = "learning_assignments"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    track_version_id: Mapped[str] = mapped_column(ForeignKey("learning_track_versions.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    person: Mapped[str] = mapped_column(String(120))
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)
    assigned_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)


class LearningCompletion(Syncable, Base):
    """One person completing (or failing) one module, with the evidence and their feedback on it."""

    __tablename__ = "learning_completions"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("learning_modules.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    person: Mapped[str] = mapped_column(String(120))
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)
    completed_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20), default="passed")  # passed | failed
    score: Mapped[float | None] = mapped_column(Float)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5: the person's rating of the module
    comment: Mapped[str] = mapped_column(Text, default="")


class LearningCertification(Syncable, Base):
    """A certification granted to one person when a track is complete; a renewal is a new row naming the old."""

    __tablename__ = "learning_certifications"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    track_version_id: Mapped[str] = mapped_column(ForeignKey("learning_track_versions.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    person: Mapped[str] = mapped_column(String(120))
    side: Mapped[Side] = mapped_column(enum_type(Side), default=Side.PARTNER)
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)  # the last day it is valid; None: never expires
    renewed_from: Mapped[str] = mapped_column(String(36), default="")  # the certification this one renews
