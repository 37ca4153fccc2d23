"""Evidence files attached to a partner or to one of its records (a checklist item, a criterion score, ...).

The row holds what the file is and what it belongs to; the bytes live outside the database in a
content-addressed store named by ``sha256`` (app/services/attachments.py), so two attachments of the same
file share one copy and a package carries each file once (``blobs/<sha256>``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Syncable


class Attachment(Syncable, Base):
    """One file attached to ``target_kind``/``target_id`` (kind "partner": the partner itself)."""

    __tablename__ = "attachments"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(40), default="partner")
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(120), default="")
