"""Attachment files in packages: ``blobs/<sha256>`` entries, one per distinct file (see docs/sync.md).

Functions for the exporter and the importer to call; they hold the rules so those stay about records:

- export: `blobs_in_scope` says which files a package carries (those of the live attachment rows it
  carries: same partner scope, same since-mark), `write_blobs` adds them to a `PackageWriter` and returns the
  ones this laptop does not have (a row that arrived here without its file, or a file damaged here: the
  package says so in its manifest, ``blobs_missing``, instead of failing or carrying wrong bytes);
- import: `blob_names` lists a manifest's blob entries; `Staging` writes incoming files under temporary names
  in the store, each checked against the hash it came under (`BlobRejected` otherwise: the import refuses
  the package and the temporary files go), and `publish` renames them into place just before the import
  commits; `store_blob` is the same for one file. `reconcile` reports, once the records are merged, files that
  came without a row (kept: content-addressed and harmless; their row may come in a later package) and the
  package's rows still without their file.

Why stage, then publish before the commit: a package refused while its files are read (bytes changed since
they were verified) leaves no file behind, and a committed import never names a file it failed to deliver.
The one case that can leave files is a commit that fails after the rename (a full disk, a kill at that very
moment): those files are verified content under their own hash, named by no row, never exported (exports go
by rows) — harmless, and reused if their row arrives later. Deleting them instead could take a file from
under an attachment of the same content being added at that moment.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.models import Attachment
from app.services.attachments import MAX_BYTES, BlobStore
from app.services.sync.tables import Since

PREFIX = "blobs/"
_NAME = re.compile(r"^blobs/([0-9a-f]{64})$")
CHUNK = 1 << 20
STAGING_PREFIX = "import-"  # temporary files of imports under way, in the store's .incoming folder


class BlobRejected(ValueError):
    """A blob entry whose bytes do not match its sha256, or that is larger than any attachment may be."""


@dataclass(frozen=True)
class BlobReport:
    """What an import did with files: for the import report and the sync history."""

    stored: tuple[str, ...] = ()  # new on this laptop
    already_here: tuple[str, ...] = ()  # the same file was already stored (deduplicated)
    without_row: tuple[str, ...] = ()  # arrived with no attachment row naming it (kept for a later row)
    rows_without_blob: tuple[tuple[str, str], ...] = ()  # (attachment id, file name) whose file is missing

    @property
    def received(self) -> int:
        return len(self.stored) + len(self.already_here)

    def counts(self) -> dict[str, int]:
        """The counts (for the sync history)."""
        return {"received": self.received, "new": len(self.stored), "already_here": len(self.already_here),
                "without_row": len(self.without_row), "missing": len(self.rows_without_blob)}

    def as_json(self) -> dict:
        """The counts and the attachments still without their file (for ``--json``)."""
        return dict(self.counts(), missing_attachments=[{"id": i, "name": n} for i, n in self.rows_without_blob])

    def lines(self, dry_run: bool = False) -> list[str]:
        """The report in words (empty when there is nothing to say); ``dry_run``: as a preview says it."""
        out = []
        if self.stored or self.already_here:
            n = len(self.stored)
            out.append(f"{self.received} file{'s' if self.received != 1 else ''} in the package: {n} new "
                       f"{'would be ' if dry_run else ''}stored, {len(self.already_here)} already here.")
        if self.without_row:
            n = len(self.without_row)
            out.append(f"{n} file{'s' if n != 1 else ''} came without the record that names "
                       f"{'them' if n != 1 else 'it'}; kept until that record arrives.")
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
    """Add ``blobs/<sha256>`` entries to a `PackageWriter` (stored, streamed: bounded memory); returns the
    sha256 this laptop does not have, or holds damaged (its bytes no longer hash to its name: carrying them
    would have the recipient refuse the whole package)."""
    missing = []
    for sha in shas:
        if not store.has(sha) or not intact(store, sha):
            missing.append(sha)
            continue
        with store.open(sha) as f:
            meta = writer.write_chunks(entry_name(sha), _chunks(f))
        if meta["sha256"] != sha:  # changed between the check and the copy: no package with wrong bytes
            raise BlobRejected(f"The stored file {sha[:12]}… changed while it was being exported; export again.")
    return missing


def intact(store: BlobStore, sha256: str) -> bool:
    """True when the stored file still hashes to its name."""
    digest = hashlib.sha256()
    with store.open(sha256) as f:
        for chunk in _chunks(f):
            digest.update(chunk)
    return digest.hexdigest() == sha256


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
    with Staging(store) as staging:
        staging.add(sha256, chunks)
        return bool(staging.publish())


class Staging:
    """Incoming files written under temporary names in the store (``.incoming/import-*.part``), each checked
    against its sha256 as it is written; `publish` renames them into place. Leaving the ``with`` block removes
    whatever was not published, so a refused or failed import leaves no new file."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._files: dict[str, Path] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    @property
    def shas(self) -> list[str]:
        return sorted(self._files)

    def add(self, sha256: str, chunks: Iterable[bytes]) -> None:
        """Write one file's bytes to a temporary name. Raises BlobRejected (nothing kept) for a sha256 that is
        not one, bytes that hash otherwise, or more bytes than any attachment may have."""
        if not BlobStore.valid(sha256):
            raise BlobRejected(f"'{sha256}' is not a file name of the blob store.")
        if sha256 in self._files:
            return
        incoming = self.store.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix=STAGING_PREFIX, suffix=".part")
        tmp = Path(name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise BlobRejected(f"The package is refused: {entry_name(sha256)} is larger than any "
                                           "attachment.")
                    digest.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            got = digest.hexdigest()
            if got != sha256:
                raise BlobRejected(f"The package was tampered with: the file {entry_name(sha256)} does not match "
                                   f"its sha256 (it hashes to {got[:12]}…).")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._files[sha256] = tmp

    def publish(self) -> list[str]:
        """Rename every staged file into place (one already there is kept, the copy dropped); returns the
        sha256 of those new in the store."""
        new = []
        for sha, tmp in sorted(self._files.items()):
            final = self.store.path(sha)
            if final.is_file():
                tmp.unlink(missing_ok=True)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                new.append(sha)
        self._files.clear()
        return new

    def discard(self) -> None:
        for tmp in self._files.values():
            tmp.unlink(missing_ok=True)
        self._files.clear()


def remove_leftover_staging(store: BlobStore) -> list[Path]:
    """Remove temporary files of imports that never finished (killed). Call only while holding the
    database's write lock: imports stage files only while they hold it, so any found then are left over."""
    folder = store.root / ".incoming"
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.glob(f"{STAGING_PREFIX}*.part"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def reconcile(conn: Connection, store: BlobStore, incoming: Iterable[str], stored: Iterable[str] = (), *,
              rows: Iterable[str] | None = None) -> BlobReport:
    """After an import's records are merged: which incoming files no live row names, and which live rows
    still have no file: those among the attachment ids ``rows`` (the package's), or every live row of any
    partner this laptop holds when None. ``stored``: the sha256 stored new (or, for a preview, that would be).
    Every incoming file counts as here (it was verified: a preview stores nothing but would)."""
    incoming = sorted(set(incoming))
    stored_set, arriving = set(stored), set(incoming)
    named: set[str] = set()
    for i in range(0, len(incoming), 500):
        named.update(conn.execute(select(Attachment.sha256).where(
            Attachment.deleted_at.is_(None), Attachment.sha256.in_(incoming[i:i + 500]))).scalars())
    stmt = select(Attachment.id, Attachment.name, Attachment.sha256).where(Attachment.deleted_at.is_(None))
    if rows is None:
        found = conn.execute(stmt).all()
    else:
        ids, found = sorted(set(rows)), []
        for i in range(0, len(ids), 500):
            found += conn.execute(stmt.where(Attachment.id.in_(ids[i:i + 500]))).all()
    missing = sorted(((r.id, r.name) for r in found if r.sha256 not in arriving and not store.has(r.sha256)),
                     key=lambda r: (r[1], r[0]))
    return BlobReport(
        stored=tuple(s for s in incoming if s in stored_set),
        already_here=tuple(s for s in incoming if s not in stored_set),
        without_row=tuple(s for s in incoming if s not in named),
        rows_without_blob=tuple(missing),
    )


__all__ = ["BlobRejected", "BlobReport", "Staging", "blob_names", "blobs_in_scope", "blobs_of_records", "entry_name",
           "intact", "reconcile", "remove_leftover_staging", "store_blob", "write_blobs"]
