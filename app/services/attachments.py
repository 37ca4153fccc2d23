"""Evidence files: attach photos, PDFs, spreadsheets (any file) to a partner or one of its records.

The bytes live in a content-addressed store beside the database, ``<db>.files/ab/cd/<sha256>`` (`BlobStore`;
why beside and not in the database: docs/ARCHITECTURE.md). A file is written to a temporary name in the
store and renamed once complete and hashed, so a crash never leaves a half file under a real name; a file
already there (same sha256) is not written twice. Files above `MAX_BYTES` are refused with a message that
says what to do. Removing an attachment tombstones its row like every record; the blob stays (another row,
on this laptop or one synced later, may name it).

`AttachmentService` methods are each one transaction and return frozen dataclasses; any thread may call them.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    ActionItem,
    Attachment,
    ChecklistItem,
    CoachingSession,
    DecisionItem,
    Experiment,
    LearningCompletion,
    LogEntry,
    MeasurementDispute,
    Partner,
    SelectionScore,
)
from app.services.clock import utcnow
from app.services.errors import NotFound, ValidationError
from app.services.identity import IdentityService
from app.services.records import get_live

MAX_BYTES = 25 * 1024 * 1024
CHUNK = 1 << 20
SHA256_HEX = frozenset("0123456789abcdef")

#: What a file can be attached to: kind -> (model, words for it). "partner": the partner itself.
TARGETS: dict[str, tuple[type, str]] = {
    "partner": (Partner, "partner"),
    "checklist_item": (ChecklistItem, "checklist item"),
    "criterion_score": (SelectionScore, "selection criterion score"),
    "decision_item": (DecisionItem, "decision-checklist item"),
    "log_entry": (LogEntry, "session log entry"),
    "session": (CoachingSession, "coaching session"),
    "experiment": (Experiment, "experiment"),
    "action_item": (ActionItem, "action item"),
    "measurement_dispute": (MeasurementDispute, "measurement dispute"),
    "learning_completion": (LearningCompletion, "learning completion"),
}


class FileTooLarge(ValidationError):
    def __init__(self, name: str, size: int) -> None:
        super().__init__({"file": f"{name} is {size / 1024 / 1024:.1f} MB; files up to "
                                  f"{MAX_BYTES // 1024 // 1024} MB can be attached. Make it smaller (a photo at a "
                                  "lower resolution, a PDF saved for the screen) or say where it is in the note."})


class BlobMismatch(ValueError):
    """Bytes whose sha256 is not the one they were announced with (a damaged or tampered file)."""


def target_words(kind: str) -> str:
    """What a file of ``target_kind`` ``kind`` is attached to, in words ("checklist item")."""
    return TARGETS[kind][1] if kind in TARGETS else kind.replace("_", " ")


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{max(1, round(size / 1024))} KB"


class BlobStore:
    """Files by content: ``root/ab/cd/<sha256>``. Safe to share between threads (writes are renames)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    @classmethod
    def beside(cls, db_path: str | os.PathLike) -> BlobStore:
        """The store of a database file: ``<db>.files`` next to it."""
        return cls(Path(f"{db_path}.files"))

    @staticmethod
    def valid(sha256: str) -> bool:
        return len(sha256) == 64 and set(sha256) <= SHA256_HEX

    def path(self, sha256: str) -> Path:
        if not self.valid(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.valid(sha256) and self.path(sha256).is_file()

    def put_chunks(self, chunks: Iterable[bytes], *, expected: str | None = None, name: str = "the file",
                   limit: int | None = MAX_BYTES) -> tuple[str, int]:
        """Store bytes; returns (sha256, size). Raises FileTooLarge past ``limit`` and BlobMismatch when
        ``expected`` is given and the bytes hash otherwise; in both cases nothing is stored."""
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=incoming, suffix=".part")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise FileTooLarge(name, size)
                    digest.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            sha = digest.hexdigest()
            if expected is not None and sha != expected:
                raise BlobMismatch(f"{name}: its content does not match its sha256 {expected[:12]}… "
                                   f"(it hashes to {sha[:12]}…)")
            final = self.path(sha)
            if final.is_file():
                os.unlink(tmp)  # the same content is already stored: keep one copy
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
            return sha, size
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, path: str | os.PathLike, limit: int | None = MAX_BYTES) -> tuple[str, int]:
        path = Path(path)
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise FileTooLarge(path.name, size)  # before reading a byte
        with path.open("rb") as f:
            return self.put_chunks(_chunks(f), name=path.name, limit=limit)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")


def _chunks(f: BinaryIO) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


@dataclass(frozen=True)
class AttachmentData:
    id: str
    partner_id: str
    target_kind: str
    target_id: str
    sha256: str
    name: str
    size: int
    mime: str
    note: str
    added_by: str
    added_at: datetime | None
    has_blob: bool  # False: the row arrived (by sync) without its file

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    def as_json(self) -> dict:
        return {"id": self.id, "sha256": self.sha256, "name": self.name, "size": self.size, "mime": self.mime,
                "note": self.note, "attached_to": {"kind": self.target_kind, "id": self.target_id},
                "added_by": self.added_by,
                "added_at": self.added_at.isoformat(timespec="seconds") if self.added_at else None,
                "file_present": self.has_blob}


@dataclass(frozen=True)
class ReportFile:
    """A file as a report lists it: the record it is attached to (``target_id``) and, for an image whose bytes
    are on this laptop, where they are (the report prints a thumbnail)."""

    name: str
    size: int
    target_kind: str
    target_id: str
    note: str
    image: Path | None


@dataclass(frozen=True)
class Extracted:
    written: tuple[Path, ...]
    missing: tuple[str, ...]  # names of attachments whose file is not on this laptop


def guess_mime(name: str, head: bytes = b"") -> str:
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def parse_target(text: str) -> tuple[str, str | None]:
    """``KIND:ID`` (or ``partner``) from the command line. Raises ValidationError for an unknown kind."""
    kind, _, record_id = text.partition(":")
    kind = kind.strip().lower().replace("-", "_")
    if kind not in TARGETS:
        raise ValidationError({"to": f"Cannot attach to '{kind}': choose one of {', '.join(TARGETS)}."})
    return kind, record_id.strip() or None


class AttachmentService:
    """Attachments over one session factory and the blob store beside the database."""

    def __init__(self, sessions: sessionmaker, store: BlobStore, identity: IdentityService | None = None) -> None:
        self._sessions = sessions
        self.store = store
        self._identity = identity

    # -- writing -------------------------------------------------------------------------------------------

    def attach(self, partner_id: str, file: str | os.PathLike, *, target_kind: str = "partner",
               target_id: str | None = None, note: str = "") -> AttachmentData:
        """Attach a file on disk. Raises NotFound (partner, record), ValidationError (not a file, too
        large, a record of another partner). The file is stored before the row is written."""
        path = Path(file).expanduser()
        if not path.is_file():
            raise ValidationError({"file": f"{path} is not a file that can be read."})
        self._check_target(partner_id, target_kind, target_id)
        sha, size = self.store.put_file(path)
        with path.open("rb") as f:
            head = f.read(16)
        return self._add(partner_id, target_kind, target_id, sha, size, path.name, guess_mime(path.name, head), note)

    def attach_bytes(self, partner_id: str, name: str, data: bytes, *, target_kind: str = "partner",
                     target_id: str | None = None, note: str = "") -> AttachmentData:
        """Attach bytes (a pasted image) under ``name``."""
        if len(data) > MAX_BYTES:
            raise FileTooLarge(name, len(data))
        self._check_target(partner_id, target_kind, target_id)
        sha, size = self.store.put_chunks([data], name=name)
        return self._add(partner_id, target_kind, target_id, sha, size, name, guess_mime(name, data[:16]), note)

    def set_note(self, attachment_id: str, note: str) -> AttachmentData:
        with self._sessions.begin() as s:
            row = get_live(s, Attachment, attachment_id, "attachment")
            if row.note != note.strip():
                row.note = note.strip()
        return self.get(attachment_id)

    def remove(self, attachment_id: str) -> None:
        """Tombstone the attachment (it disappears on every laptop it syncs to); the blob stays."""
        with self._sessions.begin() as s:
            get_live(s, Attachment, attachment_id, "attachment").deleted_at = utcnow()

    def restore(self, attachment_id: str) -> AttachmentData:
        with self._sessions.begin() as s:
            row = s.get(Attachment, attachment_id)
            if row is None:
                raise NotFound(f"No attachment with id {attachment_id}")
            row.deleted_at = None
        return self.get(attachment_id)

    # -- reading -------------------------------------------------------------------------------------------

    def get(self, attachment_id: str) -> AttachmentData:
        with self._sessions() as s:
            return self._data(get_live(s, Attachment, attachment_id, "attachment"))

    def list(self, partner_id: str, target_kind: str | None = None,
             target_id: str | None = None) -> list[AttachmentData]:
        """A partner's live attachments (or those of one record), oldest first."""
        stmt = select(Attachment).where(Attachment.partner_id == partner_id, Attachment.deleted_at.is_(None))
        if target_kind:
            stmt = stmt.where(Attachment.target_kind == target_kind)
        if target_id:
            stmt = stmt.where(Attachment.target_id == target_id)
        with self._sessions() as s:
            return [self._data(a) for a in s.scalars(stmt.order_by(Attachment.updated_at, Attachment.name))]

    def report_files(self, partner_id: str, kinds: tuple[str, ...],
                     target_ids: Collection[str] | None = None) -> tuple[ReportFile, ...]:
        """The files on a partner's records of ``kinds`` (only those of ``target_ids`` when given), for a report."""
        wanted = None if target_ids is None else set(target_ids)
        return tuple(
            ReportFile(a.name, a.size, a.target_kind, a.target_id, a.note,
                       self.store.path(a.sha256) if a.is_image and a.has_blob else None)
            for a in self.list(partner_id) if a.target_kind in kinds and (wanted is None or a.target_id in wanted))

    def session_files(self, minutes) -> tuple[ReportFile, ...]:
        """The files of a session and of its log entries (``minutes``: `coaching.SessionMinutes`)."""
        s = minutes.session
        return self.report_files(s.partner_id, ("session", "log_entry"), {s.id, *(e.id for e in minutes.entries)})

    def file_path(self, attachment: AttachmentData) -> Path:
        """Where the file is on disk (to open with the system viewer). Raises NotFound when it is missing."""
        if not self.store.has(attachment.sha256):
            raise NotFound(f"The file of {attachment.name} is not on this laptop yet: it arrives with a package "
                           "from the laptop it was attached on.")
        return self.store.path(attachment.sha256)

    def viewable_copy(self, attachment: AttachmentData) -> Path:
        """A copy of the file under its own name (the store's names have no extension, so a viewer could not
        tell the type), in a temporary folder; made once per file. Raises NotFound when the file is missing."""
        src = self.file_path(attachment)
        folder = Path(tempfile.gettempdir()) / "tandem-open" / attachment.sha256[:16]
        target = folder / _safe(attachment.name)
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as dst, src.open("rb") as f:
                for chunk in _chunks(f):
                    dst.write(chunk)
            os.replace(tmp, target)
        return target

    def extract(self, partner_id: str, out_dir: str | os.PathLike) -> Extracted:
        """Copy a partner's files into ``out_dir`` under their names; never overwrites (``name (2).pdf``)."""
        out = Path(out_dir).expanduser()
        out.mkdir(parents=True, exist_ok=True)
        written, missing = [], []
        for a in self.list(partner_id):
            if not a.has_blob:
                missing.append(a.name)
                continue
            target = _free_name(out, _safe(a.name))
            with self.store.open(a.sha256) as src, target.open("xb") as dst:
                for chunk in _chunks(src):
                    dst.write(chunk)
            written.append(target)
        return Extracted(tuple(written), tuple(missing))

    # -- helpers -------------------------------------------------------------------------------------------

    def _check_target(self, partner_id: str, kind: str, target_id: str | None) -> None:
        if kind not in TARGETS:
            raise ValidationError({"to": f"Cannot attach to '{kind}': choose one of {', '.join(TARGETS)}."})
        model, words = TARGETS[kind]
        with self._sessions() as s:
            get_live(s, Partner, partner_id, "partner")
            if kind == "partner":
                if target_id not in (None, partner_id):
                    raise ValidationError({"to": "A partner attachment belongs to that partner itself."})
                return
            if not target_id:
                raise ValidationError({"to": f"Name the {words} to attach to ({kind}:ID)."})
            row = get_live(s, model, target_id, words)
            if row.partner_id != partner_id:
                raise ValidationError({"to": f"That {words} belongs to another partner: nothing was attached."})

    def _add(self, partner_id: str, kind: str, target_id: str | None, sha: str, size: int, name: str, mime: str,
             note: str) -> AttachmentData:
        who = self._identity.get().display_name if self._identity else ""
        with self._sessions.begin() as s:
            row = Attachment(partner_id=partner_id, target_kind=kind, target_id=target_id or partner_id,
                             sha256=sha, name=name.strip() or "file", size=size, mime=mime, note=note.strip(),
                             added_by=who)
            s.add(row)
            s.flush()
            return self._data(row)

    def _data(self, a: Attachment) -> AttachmentData:
        return AttachmentData(a.id, a.partner_id, a.target_kind, a.target_id, a.sha256, a.name, a.size, a.mime,
                              a.note, a.added_by, a.updated_at, self.store.has(a.sha256))


def _safe(name: str) -> str:
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in Path(name).name).strip(" .")
    return cleaned or "file"


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def rows_without_blob(s: Session, store: BlobStore) -> list[Attachment]:
    """Live attachment rows whose file is not in the store (for reports after an import)."""
    return [a for a in s.scalars(select(Attachment).where(Attachment.deleted_at.is_(None)))
            if not store.has(a.sha256)]


__all__ = ["MAX_BYTES", "TARGETS", "AttachmentData", "AttachmentService", "BlobMismatch", "BlobStore", "Extracted",
           "FileTooLarge", "guess_mime", "megabytes", "parse_target", "rows_without_blob"]
