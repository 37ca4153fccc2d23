"""Attachment files in packages: ``blobs/<sha256>`` entries, one per distinct file (see docs/sync.md).

Functions for the exporter and the importer to call; they hold the rules so those stay about records:

- export: `blobs_in_scope` says which files a package carries (those of the live attachment rows it
  carries: same partner scope, same since-mark), `write_blobs` adds them to a `PackageWriter` and returns the
  ones this laptop does not have (a row that arrived here without its file: the package says so in its
  manifest, ``blobs_missing``, instead of failing);
- import: `blob_names` lists a manifest's blob entries, `store_blob` stores one entry's bytes only if they
  hash to the name they came under (`BlobRejected` otherwise: the import must refuse the package), and
  `reconcile` reports, once the records are merged, files that came without a row (kept: content-addressed
  and harmless; their row may come in a later package) and rows still without their file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import Attachment
from app.services.attachments import MAX_BYTES, BlobMismatch, BlobStore
from app.services.sync.tables import Since

PREFIX = "blobs/"
_NAME = re.compile(r"^blobs/([0-9a-f]{64})$")
CHUNK = 1 << 20


class BlobRejected(ValueError):
    """A blob entry whose bytes do not match its sha256, or that is larger than any attachment may be."""


@dataclass(frozen=True)
class BlobReport:
    """What an import did with files: for the import report and the sync history."""

    stored: tuple[str, ...] = ()  # new on this laptop
    already_here: tuple[str, ...] = ()  # the same file was already stored (deduplicated)
    without_row: tuple[str, ...] = ()  # arrived with no attachment row naming it (kept for a later row)
    rows_without_blob: tuple[tuple[str, str], ...] = ()  # (attachment id, file name) whose file is missing

    def lines(self) -> list[str]:
        """The report in words (empty when there is nothing to say)."""
        out = []
        if self.stored or self.already_here:
            out.append(f"{len(self.stored)} new file{'s' if len(self.stored) != 1 else ''} stored, "
                       f"{len(self.already_here)} already here.")
        if self.without_row:
            out.append(f"{len(self.without_row)} file{'s' if len(self.without_row) != 1 else ''} came without "
                       "the record that names it; kept until that record arrives.")
        for _id, name in self.rows_without_blob:
            out.append(f"The file of attachment {name} is not in the package: ask for a package from the "
                       "laptop it was attached on.")
        return out


def entry_name(sha256: str) -> str:
    return f"{PREFIX}{sha256}"


# -- export -----------------------------------------------------------------------------------------------------

def blobs_in_scope(conn: Connection, partner_ids: Sequence[str] | None, since: Since | None = None) -> list[str]:
    """sha256 of every file the package carries: those of live attachment rows in scope (and, for an
    incremental package, changed since the mark), each once, sorted."""
    stmt = select(Attachment.sha256).where(Attachment.deleted_at.is_(None)).distinct().order_by(Attachment.sha256)
    if partner_ids is not None:
        stmt = stmt.where(Attachment.partner_id.in_(list(partner_ids)))
    if since is not None and since.seq is not None:
        stmt = stmt.where(Attachment.seq > since.seq)  # written here after the mark (see Since)
    elif since is not None and since.rev is not None:
        stmt = stmt.where(Attachment.rev >= since.rev)
    return list(conn.execute(stmt).scalars())


def blobs_of_records(rows: Iterable[dict]) -> list[str]:
    """sha256 of the live attachment records among ``rows`` (records as a package holds them), each once."""
    return sorted({r["sha256"] for r in rows if not r.get("deleted_at") and BlobStore.valid(str(r.get("sha256")))})


def write_blobs(writer, store: BlobStore, shas: Iterable[str]) -> list[str]:
    """Add ``blobs/<sha256>`` entries to a `PackageWriter`; returns the sha256 this laptop does not have."""
    missing = []
    for sha in shas:
        if not store.has(sha):
            missing.append(sha)
            continue
        with store.open(sha) as f:
            writer.write_lines(entry_name(sha), _chunks(f))
    return missing


def _chunks(f) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


# -- import -----------------------------------------------------------------------------------------------------

def blob_names(entries: Iterable[str]) -> list[str]:
    """sha256 of the blob entries among a manifest's entry names."""
    return sorted(m.group(1) for name in entries if (m := _NAME.match(name)))


def store_blob(store: BlobStore, sha256: str, chunks: Iterable[bytes]) -> bool:
    """Store one incoming blob after checking its bytes hash to ``sha256``. True: new here; False: already
    stored (the bytes are still checked). Raises BlobRejected for a mismatch or an oversized blob; nothing is
    stored then."""
    if not BlobStore.valid(sha256):
        raise BlobRejected(f"'{sha256}' is not a file name of the blob store.")
    had = store.has(sha256)
    try:
        store.put_chunks(chunks, expected=sha256, name=entry_name(sha256), limit=MAX_BYTES)
    except BlobMismatch as exc:
        raise BlobRejected(f"The package was tampered with: {exc}.") from exc
    except ValueError as exc:  # FileTooLarge is a ValidationError, a ValueError
        raise BlobRejected(f"The package is refused: {entry_name(sha256)} is larger than any attachment.") from exc
    return not had


def reconcile(conn: Connection, store: BlobStore, incoming: Iterable[str], stored: Iterable[str] = ()) -> BlobReport:
    """After an import's records are merged: which incoming files no live row names, and which live rows
    (of any partner this laptop holds) still have no file. ``stored``: the sha256 `store_blob` stored new."""
    incoming = sorted(set(incoming))
    stored_set = set(stored)
    rows = conn.execute(select(Attachment.id, Attachment.name, Attachment.sha256)
                        .where(Attachment.deleted_at.is_(None)).order_by(Attachment.name)).all()
    named = {r.sha256 for r in rows}
    return BlobReport(
        stored=tuple(s for s in incoming if s in stored_set),
        already_here=tuple(s for s in incoming if s not in stored_set),
        without_row=tuple(s for s in incoming if s not in named),
        rows_without_blob=tuple((r.id, r.name) for r in rows if not store.has(r.sha256)),
    )


__all__ = ["BlobRejected", "BlobReport", "blob_names", "blobs_in_scope", "blobs_of_records", "entry_name",
           "reconcile", "store_blob", "write_blobs"]
