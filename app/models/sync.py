"""What this laptop remembers about syncing: signers it trusts, packages it exchanged, conflicts to resolve,
and where the last export to each recipient stopped. Local tables: they never travel in a package."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SyncSigner(Base):
    """A device whose packages this laptop has seen: its name, its Ed25519 public key, and the user's choice."""

    __tablename__ = "sync_signers"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    device_name: Mapped[str] = mapped_column(String(120), default="")
    fingerprint: Mapped[str] = mapped_column(String(80))
    public_key: Mapped[str] = mapped_column(String(120))  # base64 of the raw 32-byte key
    trusted: Mapped[bool] = mapped_column(Boolean, default=True)
    #: What its packages may change (app/services/sync/roles.py): "team", or "partner" bound to `partner_id`.
    role: Mapped[str] = mapped_column(String(12), default="team")
    partner_id: Mapped[str | None] = mapped_column(String(36))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)  # its packages are refused from then on
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)


class SyncHistory(Base):
    """One package exported or imported: from or to whom, when, and the counts of what happened."""

    __tablename__ = "sync_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(String(36), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "export" or "import"
    peer: Mapped[str] = mapped_column(String(200), default="")  # recipient, or the signer's name
    peer_device: Mapped[str] = mapped_column(String(36), default="")
    at: Mapped[datetime] = mapped_column(DateTime)
    scope: Mapped[str] = mapped_column(Text, default="")  # "everything" or the partner names
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # {"total": {...}, "tables": {...}}
    result: Mapped[str] = mapped_column(String(200), default="")
    file_name: Mapped[str] = mapped_column(Text, default="")


class SyncConflict(Base):
    """The same field changed on two laptops (or a delete met an edit): the value kept and the other one."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(80))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(80))
    local_value: Mapped[object] = mapped_column(JSON, nullable=True)
    incoming_value: Mapped[object] = mapped_column(JSON, nullable=True)
    local_rev: Mapped[str] = mapped_column(String(80), default="")
    incoming_rev: Mapped[str] = mapped_column(String(80), default="")
    winner: Mapped[str] = mapped_column(String(8))  # "local" or "incoming": whose value the record now holds
    kept_rev: Mapped[str] = mapped_column(String(80), default="")  # the field's rev right after the import
    package_id: Mapped[str] = mapped_column(String(36), default="")
    peer: Mapped[str] = mapped_column(String(200), default="")
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open / resolved
    resolution: Mapped[str] = mapped_column(String(20), default="")  # mine / theirs / edited / superseded
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class SyncMark(Base):
    """Where the last export to one recipient (for one scope) stopped: `--since LAST` starts there."""

    __tablename__ = "sync_marks"

    recipient: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    exported_at: Mapped[datetime] = mapped_column(DateTime)
    #: The change sequence the export's snapshot saw: the next incremental export carries ``seq > this``.
    seq: Mapped[int] = mapped_column(Integer)
    package_id: Mapped[str] = mapped_column(String(36))


class SyncProposal(Base):
    """A change to a shared library (a KPI definition, a playbook step…) that arrived from a partner's signer:
    held for review and applied only when accepted, then as this laptop's own edit."""

    __tablename__ = "sync_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(80))
    row_id: Mapped[str] = mapped_column(String(120), index=True)
    #: field -> [value here when it arrived (None for a new record), proposed value], in storage form
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    record: Mapped[dict] = mapped_column(JSON, default=dict)  # the incoming record, in storage form
    is_new: Mapped[bool] = mapped_column(Boolean, default=False)
    peer: Mapped[str] = mapped_column(String(200), default="")
    signer_device: Mapped[str] = mapped_column(String(36), default="")
    package_id: Mapped[str] = mapped_column(String(36), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open / accepted / declined
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
