"""CSV files in and out.

Reading streams the file (bounded memory, progress, cancel), detects the encoding, delimiter and decimal mark
unless told, and refuses with a `SpreadsheetError` what is not a table: binary data, files over
`MAX_FILE_BYTES`, cells over `MAX_CELL_CHARS`, text that does not decode. Writing neutralises text cells that
start like a formula (see neutralise.py) and writes numbers as numbers.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from app.services.spreadsheets.detect import DELIMITERS, ENCODINGS, check_text, detect_delimiter, detect_encoding
from app.services.spreadsheets.neutralise import neutralise, unneutralise
from app.services.spreadsheets.numbers import COMMA, DOT, detect_columns, merge_guesses
from app.services.spreadsheets.table import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    CancelCheck,
    Cancelled,
    Cell,
    Progress,
    SheetTable,
    SpreadsheetError,
)

SAMPLE_BYTES = 64 * 1024
_TICK = 2000  # rows between progress reports and cancel checks


class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for progress)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.done = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.done += n or 0
        return n


def read_csv_file(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
                  decimal: str | None = None, progress: Progress | None = None,
                  cancelled: CancelCheck | None = None) -> SheetTable:
    """Read a CSV file. ``encoding``, ``delimiter`` and ``decimal`` override what is detected (``decimal``
    given means the user chose it). Raises SpreadsheetError, `Cancelled`, or OSError when unreadable."""
    path = Path(path)
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise SpreadsheetError(f"The file is {size / 2**20:,.0f} MB; Tandem imports files up to "
                               f"{MAX_FILE_BYTES // 2**20} MB. Split it and import the parts.")
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
        encoding = encoding or detect_encoding(head)
        fh.seek(0)
        counting = _Counting(fh)
        text = io.TextIOWrapper(io.BufferedReader(counting), encoding=_codec(encoding), newline="")
        try:
            return _read(text, encoding, delimiter, decimal, lambda: (counting.done, size), progress, cancelled)
        except UnicodeDecodeError:
            raise _undecodable(encoding, _first_bad_line(path, encoding)) from None


def read_csv_text(text: str, *, delimiter: str | None = None, decimal: str | None = None) -> SheetTable:
    """Read CSV from a string (pasted text, tests); see `read_csv_file`."""
    return _read(io.StringIO(text), "utf-8", delimiter, decimal, lambda: (0, 0), None, None)


def _codec(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise SpreadsheetError(f"Unknown encoding '{encoding}' (use one of {', '.join(ENCODINGS)}).")
    return encoding


def _read(stream: TextIO, encoding: str, delimiter: str | None, decimal: str | None, position,
          progress: Progress | None, cancelled: CancelCheck | None) -> SheetTable:
    sample = stream.read(SAMPLE_BYTES // 2)  # UnicodeDecodeError: the caller finds the line
    check_text(sample)
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise SpreadsheetError("The file is empty.")
    if delimiter is None:
        delimiter = detect_delimiter(sample)
    elif delimiter not in DELIMITERS:
        raise SpreadsheetError(f"'{delimiter}' is not a delimiter Tandem reads (use , ; tab or |).")
    rows: list[tuple[str, ...]] = []
    line = 1
    try:
        for n, row in enumerate(csv.reader(_chain(sample, stream), delimiter=delimiter), start=1):
            line = n
            for cell in row:
                if len(cell) > MAX_CELL_CHARS:
                    raise _too_long(n)
            rows.append(tuple(unneutralise(c.strip()) for c in row))
            if n % _TICK == 0:
                if cancelled is not None and cancelled():
                    raise Cancelled()
                if progress is not None:
                    progress(*position())
            if n > MAX_ROWS:
                raise SpreadsheetError(f"The file has more than {MAX_ROWS:,} rows. Split it and import the parts.")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long(line + 1) from None
        raise SpreadsheetError(f"Line {line + 1} is not valid CSV ({exc}).") from None
    if progress is not None:
        progress(*position())
    if not rows or not any(rows[0]):
        raise SpreadsheetError("The file has no header line.")
    headers = tuple(h.lstrip("\ufeff") for h in rows[0])
    # Blank rows stay (the import skips them) so that line numbers in reports match the file.
    default = COMMA if delimiter == ";" else DOT
    columns = detect_columns(rows[1:], len(headers), default=default)
    guess = merge_guesses(columns, default=default)
    chosen = decimal is not None
    if decimal is None:
        decimal = guess.mark if guess.certain else None
    elif decimal not in (DOT, COMMA):
        raise SpreadsheetError(f"'{decimal}' is not a decimal mark (use . or ,).")
    return SheetTable(headers, tuple(rows[1:]), delimiter, decimal, encoding, "csv", guess, columns, chosen)


def _chain(sample: str, rest: TextIO) -> Iterator[str]:
    """Lines of ``sample`` followed by the rest of the stream, as one text (the csv module wants lines)."""
    yield from io.StringIO(sample + rest.readline() if not sample.endswith(("\n", "\r")) else sample)
    yield from rest


def _too_long(line: int) -> SpreadsheetError:
    return SpreadsheetError(f"Line {line} has a cell longer than {MAX_CELL_CHARS:,} characters; this is not a "
                            f"measurements file (or a cell is broken). Nothing was imported.")


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The number of the first line of ``path`` that does not decode (None when lines cannot be told apart in
    bytes, as in UTF-16). Only run when reading failed, to say where."""
    if encoding.startswith("utf-16"):
        return None
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return n
    return None


def _undecodable(encoding: str, line: int) -> SpreadsheetError:
    where = f"Line {line} is" if line else "The file is"
    return SpreadsheetError(f"{where} not valid {ENCODINGS.get(encoding, encoding)} text. Choose the file's "
                            f"encoding (Excel's plain CSV is usually Windows-1252).")


def write_csv(out: TextIO, headers: Iterable[str], rows: Iterable[Iterable[Cell | None]]) -> int:
    """Write a table as CSV: text cells neutralised, numbers as numbers, None as empty. Returns rows written."""
    # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a lone CR, which "\n" would not
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    n = 0
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
        n += 1
    return n


def _csv_cell(value: Cell | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    return neutralise(str(value))


def number_text(value: float) -> str:
    """A number written back without loss and without a needless '.0'."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
