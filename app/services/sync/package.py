"""The package file: writing it, and reading it safely.

A package is a zip holding ``manifest.json``, ``manifest.sig`` (the Ed25519 signature of the manifest's
bytes), one ``records/<table>.jsonl`` per table and attachments under ``blobs/<sha256>``. The manifest names
every other entry with its size and sha256, so one signature covers everything.

Records (format 2): one JSON array per line, the record's values in the order of the table's ``columns`` in
the manifest (`record_line`), so a record is parsed without a key per value and reaches the database without
a dict built for it. Format 1 (one JSON object per line, keyed by column) is still read: `row_batches` hands
either as values in the order the importer asks for.

`PackageReader` validates everything before a single record is parsed: entry names (no absolute paths,
no ``..``, no duplicates, no links, nothing the manifest does not name), entry count, sizes and compression
ratio (checked on the declared sizes and again while streaming, so a zip bomb is refused quickly and in
bounded memory), the signature, the format version, and then the sha256 of every entry. A blob entry is
named by its own sha256, so the manifest must declare exactly that hash for it (and a size no attachment
exceeds): checked with the listing, before a byte of it is read, and then by the hash check like every entry.
Blobs are written stored, not deflated (`PackageWriter.write_chunks`): attachments are mostly photos and PDFs,
compressed already, and a stored entry cannot expand, so the compression-ratio rule holds for every entry.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from queue import Queue
from typing import Any

import orjson

from app.services.attachments import MAX_BYTES as MAX_BLOB
from app.services.sync import crypto
from app.services.sync.errors import PackageRefused
from app.services.sync.keys import fingerprint, verify

FORMAT = "tandem-package"
FORMAT_VERSION = 2  # 2: records are arrays in the manifest's column order; 1: objects (still read)
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"

MAX_ENTRIES = 10_000
MAX_MANIFEST = 16 << 20
MAX_ENTRY = 8 << 30
MAX_TOTAL = 32 << 30
MAX_RATIO = 100  # deflated JSON lines compress ~10x; a bomb compresses 1000x
RATIO_FLOOR = 1 << 20  # tiny entries may compress better than MAX_RATIO
MAX_LINE = 16 << 20
READ_CHUNK = 1 << 20

_ENTRY_NAME = re.compile(r"^(records/[a-z_][a-z0-9_]{0,79}\.jsonl|blobs/[0-9a-f]{64})$")
BLOB_PREFIX = "blobs/"


class PackageWriter:
    """Writes a package zip entry by entry (streaming), then the manifest and its signature."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.entries: dict[str, dict[str, Any]] = {}

    def write_lines(self, name: str, lines: Iterator[bytes]) -> int:
        """Write one entry from an iterator of lines; returns the line count."""
        digest, size, count = hashlib.sha256(), 0, 0
        with self._zip.open(name, "w", force_zip64=True) as fh:
            buf: list[bytes] = []
            for line in lines:
                buf.append(line)
                count += 1
                if len(buf) >= 1000:
                    data = b"".join(buf)
                    digest.update(data)
                    size += len(data)
                    fh.write(data)
                    buf.clear()
            data = b"".join(buf)
            digest.update(data)
            size += len(data)
            fh.write(data)
        self.entries[name] = {"sha256": digest.hexdigest(), "size": size}
        return count

    def write_chunks(self, name: str, chunks: Iterator[bytes], *, stored: bool = True) -> dict[str, Any]:
        """Write one entry from an iterator of byte chunks, each written as it comes (a file of any size in
        bounded memory); ``stored``: not deflated (for files compressed already). Returns its size and sha256."""
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        digest, size = hashlib.sha256(), 0
        with self._zip.open(info, "w", force_zip64=True) as fh:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                fh.write(chunk)
        self.entries[name] = meta = {"sha256": digest.hexdigest(), "size": size}
        return meta

    def finish(self, manifest: dict[str, Any], sign) -> bytes:
        """Add the entries to ``manifest``, write it and its signature (``sign(bytes) -> bytes``)."""
        manifest = dict(manifest, entries=self.entries)
        data = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")
        self._zip.writestr(MANIFEST, data)
        self._zip.writestr(SIGNATURE, sign(data))
        self._zip.close()
        return data

    def abort(self) -> None:
        self._zip.close()


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name:
        raise PackageRefused(f"The package is refused: entry '{name}' has an absolute path.")
    if ".." in name.split("/"):
        raise PackageRefused(f"The package is refused: entry '{name}' points outside the package ('..').")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackageRefused(f"The package is refused: entry '{name}' is a link.")
    if info.is_dir():
        raise PackageRefused(f"The package is refused: it holds a folder entry '{name}'.")


class PackageReader:
    """A package opened and fully verified (see the module docstring); then records can be streamed.

    Use as a context manager: an encrypted package is decrypted into a private temporary folder that is
    removed on exit. Raises `PackageRefused` for anything that is not a sound package from its signer.
    """

    def __init__(self, path: str | Path, passphrase: str | None = None) -> None:
        self.path = Path(path)
        self._passphrase = passphrase
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._zip: zipfile.ZipFile | None = None
        self.manifest: dict[str, Any] = {}
        self.encrypted = False

    def __enter__(self) -> PackageReader:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- opening and verifying -------------------------------------------------------------------------------

    def _open(self) -> None:
        path = self.path
        if not path.is_file():
            raise PackageRefused(f"{path} does not exist or is not a file.")
        with open(path, "rb") as fh:
            head = fh.read(len(crypto.MAGIC))
        if head == crypto.MAGIC:
            self.encrypted = True
            self._tmp = tempfile.TemporaryDirectory(prefix="tandem-import-")
            plain = Path(self._tmp.name) / "package.zip"
            crypto.decrypt_file(path, plain, self._passphrase)
            path = plain
        elif not head.startswith(b"PK\x03\x04"):
            raise PackageRefused(f"{self.path.name} is not a Tandem package.")
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise PackageRefused(f"The package is damaged or truncated ({exc}).") from exc
        self._check_entries(infos)
        raw = self._read_entry(MANIFEST, MAX_MANIFEST)
        signature = self._read_entry(SIGNATURE, 1024)
        try:
            manifest = json.loads(raw)
            signer = manifest["device"]
            public_key = signer["public_key"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PackageRefused("The package is damaged: its manifest cannot be read.") from exc
        if not verify(public_key, signature, raw):
            raise PackageRefused("The package was tampered with: its signature does not match its contents.")
        if manifest.get("format") != FORMAT:
            raise PackageRefused("This file is not a Tandem package.")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise PackageRefused(
                f"This package was made by a newer Tandem (package format {version}; this version reads up "
                f"to {FORMAT_VERSION}). Install the newer Tandem to import it."
            )
        self.manifest = manifest
        self._check_listing(infos)
        self._verify_hashes()

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise PackageRefused(f"The package is refused: it holds {len(infos)} entries (at most {MAX_ENTRIES}).")
        seen: set[str] = set()
        total = 0
        for info in infos:
            _check_name(info)
            if info.filename in seen:
                raise PackageRefused(f"The package is refused: entry '{info.filename}' appears twice.")
            seen.add(info.filename)
            if info.file_size > MAX_ENTRY:
                raise PackageRefused(f"The package is refused: entry '{info.filename}' is too large.")
            total += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
                ratio = info.file_size // max(1, info.compress_size)
                raise PackageRefused(
                    f"The package is refused: entry '{info.filename}' expands {ratio}-fold (a zip bomb?)."
                )
        if total > MAX_TOTAL:
            raise PackageRefused("The package is refused: its contents are too large.")
        for required in (MANIFEST, SIGNATURE):
            if required not in seen:
                raise PackageRefused(f"{self.path.name} is not a Tandem package (no {required}).")

    def _check_listing(self, infos: list[zipfile.ZipInfo]) -> None:
        entries = self.manifest.get("entries")
        if not isinstance(entries, dict):
            raise PackageRefused("The package is damaged: its manifest lists no entries.")
        names = {i.filename for i in infos} - {MANIFEST, SIGNATURE}
        for name, meta in entries.items():
            if not _ENTRY_NAME.match(name) or not isinstance(meta, dict):
                raise PackageRefused(f"The package is refused: the manifest names an invalid entry '{name}'.")
        if names != set(entries):
            extra, missing = sorted(names - set(entries)), sorted(set(entries) - names)
            what = f"entries the manifest does not name: {', '.join(extra)}" if extra else \
                f"missing entries: {', '.join(missing)}"
            raise PackageRefused(f"The package is refused: {what}.")
        for name, meta in entries.items():
            if name.startswith(BLOB_PREFIX):
                if meta.get("sha256") != name[len(BLOB_PREFIX):]:
                    raise PackageRefused(f"The package was tampered with: the file '{name}' is not named by its "
                                         "own hash.")
                if not isinstance(meta.get("size"), int) or meta["size"] > MAX_BLOB:
                    raise PackageRefused(f"The package is refused: the file '{name}' is larger than any "
                                         "attachment may be.")
        for info in infos:
            meta = entries.get(info.filename)
            if meta is not None and info.file_size != meta.get("size"):
                raise PackageRefused(f"The package was tampered with: entry '{info.filename}' has the wrong size.")

    def _stream(self, name: str, limit: int) -> Iterator[bytes]:
        """Decompressed chunks of one entry, never more than ``limit`` bytes in all."""
        assert self._zip is not None
        read = 0
        try:
            with self._zip.open(name) as fh:
                while chunk := fh.read(READ_CHUNK):
                    read += len(chunk)
                    if read > limit:
                        raise PackageRefused(f"The package is refused: entry '{name}' is larger than declared.")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise PackageRefused(f"The package is damaged or truncated (entry '{name}': {exc}).") from exc

    def _read_entry(self, name: str, limit: int) -> bytes:
        return b"".join(self._stream(name, limit))

    def _verify_hashes(self) -> None:
        for name, meta in self.manifest["entries"].items():
            digest = hashlib.sha256()
            for chunk in self._stream(name, int(meta.get("size", 0))):
                digest.update(chunk)
            if digest.hexdigest() != meta.get("sha256"):
                raise PackageRefused(f"The package was tampered with: entry '{name}' does not match its hash.")

    # -- what the package says --------------------------------------------------------------------------------

    @property
    def package_id(self) -> str:
        return str(self.manifest.get("package_id", ""))

    @property
    def signer(self) -> dict[str, Any]:
        d = self.manifest["device"]
        return {"device_id": str(d.get("device_id", "")), "name": str(d.get("name", "")),
                "device_name": str(d.get("device_name", "")), "public_key": d["public_key"],
                "fingerprint": fingerprint(d["public_key"])}

    def tables(self) -> dict[str, dict[str, Any]]:
        return dict(self.manifest.get("tables") or {})

    def blobs(self) -> list[str]:
        """sha256 of the files the package carries (its ``blobs/<sha256>`` entries, verified on opening)."""
        prefix = len(BLOB_PREFIX)
        return sorted(name[prefix:] for name in self.manifest["entries"] if name.startswith(BLOB_PREFIX))

    def blob_chunks(self, sha256: str) -> Iterator[bytes]:
        """The bytes of one carried file, streamed in chunks (never more than its declared size)."""
        name = f"{BLOB_PREFIX}{sha256}"
        meta = self.manifest["entries"].get(name)
        if meta is None:
            raise KeyError(name)
        return self._stream(name, int(meta["size"]))

    def declared_columns(self, table: str) -> list[str] | None:
        """The columns the manifest declares for ``table`` (the order of its records' values), or None."""
        meta = self.tables().get(table)
        columns = meta.get("columns") if isinstance(meta, dict) else None
        if isinstance(columns, list) and all(type(c) is str for c in columns) and len(set(columns)) == len(columns):
            return columns
        return None

    def row_batches(self, table: str, columns: tuple[str, ...], size: int,
                    absent: tuple[tuple[str, Any], ...] = ()) -> Iterator[list[Any]]:
        """The records of one table in lists of ``size`` (the last one shorter), each record a list of its
        values in ``columns``' order, read from either format. A line that is not JSON, or an array when the
        manifest declares no order of these columns, is None; a record of other fields (an array of another
        length, an object with other keys) comes as parsed, for the importer to reject."""
        declared = self.declared_columns(table)
        wanted = list(columns)
        absent = dict(absent)
        if declared is not None and set(declared) < set(wanted) and set(wanted) - set(declared) <= absent.keys():
            # An older laptop's package, without the columns added since (`TableSpec.absent`): their values
            # are those the columns' records take when absent, and the records are read in ``columns`` order.
            yield from self._filled_batches(table, declared, wanted, absent, size)
            return
        readable = declared is not None and set(declared) == set(wanted)
        pick = itemgetter(*(declared.index(c) for c in wanted)) if readable and declared != wanted else None
        width, names = len(wanted), frozenset(wanted)

        def as_row(value: Any) -> Any:  # for all but an array already in ``columns`` order
            kind = type(value)
            if kind is list:
                return None if not readable else list(pick(value)) if pick and len(value) == width else value
            if kind is dict and value.keys() == names:
                return [value[c] for c in wanted]
            if kind is dict and absent and value.keys() < names and names - value.keys() <= absent.keys():
                return [value[c] if c in value else absent[c] for c in wanted]  # format 1, an older laptop's
            return value

        as_is = readable and pick is None
        batch: list[Any] = []
        for values in self._parsed_chunks(table):
            if as_is and set(map(type, values)) == {list}:  # the usual chunk: arrays in ``columns`` order
                batch += values
            else:
                batch += [v if as_is and type(v) is list else as_row(v) for v in values]
            while len(batch) >= size:
                yield batch[:size]
                del batch[:size]
        if batch:
            yield batch

    def _filled_batches(self, table: str, declared: list[str], wanted: list[str], absent: dict[str, Any],
                        size: int) -> Iterator[list[Any]]:
        """`row_batches` of a package whose records lack the ``absent`` columns: each record's values in
        ``wanted`` order, the missing ones filled in. A record of another shape comes as parsed (rejected)."""
        width, at = len(declared), {c: i for i, c in enumerate(declared)}
        given = frozenset(declared)

        def as_row(value: Any) -> Any:
            if type(value) is list and len(value) == width:
                return [value[at[c]] if c in at else absent[c] for c in wanted]
            if type(value) is dict and value.keys() == given:
                return [value[c] if c in given else absent[c] for c in wanted]
            return None if type(value) is list else value

        batch: list[Any] = []
        for values in self._parsed_chunks(table):
            batch += [as_row(v) for v in values]
            while len(batch) >= size:
                yield batch[:size]
                del batch[:size]
        if batch:
            yield batch

    def iter_records(self, table: str) -> Iterator[dict[str, Any] | None]:
        """The records of one table as dicts (None for a line that is not a record), in either format."""
        declared = self.declared_columns(table)
        for values in self._parsed_chunks(table):
            for value in values:
                if type(value) is list:
                    yield dict(zip(declared, value)) if declared is not None and len(value) == len(declared) \
                        else None
                else:
                    yield value if type(value) is dict else None

    def _parsed_chunks(self, table: str) -> Iterator[list[Any]]:
        """The lines of one table's entry parsed as JSON (None for a line that is not JSON), a list for each
        chunk read."""
        name = f"records/{table}.jsonl"
        meta = self.manifest["entries"].get(name)
        if meta is None:
            return
        pending = b""
        for chunk in self._stream(name, int(meta["size"])):
            pending += chunk
            lines = pending.split(b"\n")
            pending = lines.pop()
            if len(pending) > MAX_LINE:
                raise PackageRefused(f"The package is refused: a record of {table} is too large.")
            yield _parse_lines(lines)
        if pending:
            yield _parse_lines([pending])


def read_ahead(batches: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """``batches``, produced on a thread of their own up to ``depth`` ahead of the caller: an import inflates
    and parses the next batch while SQLite writes this one (it releases the GIL as it steps). An exception in
    the producer is raised here; closing this generator early (the caller's exception, a cancel) stops the
    producer before it returns, so nothing reads the package behind the caller's back."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                queue.put((batch, None))
            queue.put((done, None))
        except BaseException as exc:  # handed to the caller, which raises it
            queue.put((done, exc))

    producer = threading.Thread(target=produce, name="tandem-package-read", daemon=True)
    producer.start()
    try:
        while True:
            batch, error = queue.get()
            if batch is done:
                if error is not None:
                    raise error
                return
            yield batch
    finally:
        stop.set()
        while producer.is_alive():  # let a producer blocked on a full queue see the stop
            while not queue.empty():
                queue.get_nowait()
            producer.join(0.05)


def _parse_lines(lines: list[bytes]) -> list[Any]:
    """Each non-empty line parsed (None for one that is not JSON)."""
    if lines and not lines[-1]:
        lines = lines[:-1]
    try:
        return list(map(orjson.loads, lines)) if all(lines) else [orjson.loads(line) for line in lines if line]
    except ValueError:  # a damaged line: parse them one by one
        return [_parse(line) for line in lines if line]


def _parse(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except ValueError:
        return None


def record_line(values: list) -> bytes:
    """One record as a line of a package: a JSON array of its values (maps with sorted keys), no spaces, UTF-8."""
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
