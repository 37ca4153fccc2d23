"""Spreadsheets in and out: CSV and Excel (.xlsx) files read into a `SheetTable` and tables written back.

- `read_spreadsheet(path, ...)` picks the reader by content (.xlsx or text) and returns a `SheetTable`;
  CSV detection of encoding, delimiter and decimal mark is in detect.py and numbers.py.
- `write_spreadsheet(path, headers, rows)` writes .xlsx or CSV by the file's suffix, neutralising text cells
  that start like a formula (neutralise.py).
- Everything that cannot be read as a table raises `SpreadsheetError` with a message for the user; a read
  stopped through ``cancelled`` raises `Cancelled`.

No database and no Qt here: the measurement service maps the table's columns and checks its values.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.services.spreadsheets.csv_file import number_text, read_csv_file, read_csv_text, write_csv
from app.services.spreadsheets.detect import DELIMITERS, ENCODINGS
from app.services.spreadsheets.neutralise import neutralise, unneutralise
from app.services.spreadsheets.numbers import COMMA, DOT, AmbiguousNumber, DecimalGuess, parse_number
from app.services.spreadsheets.table import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    CancelCheck,
    Cancelled,
    Cell,
    Progress,
    SheetTable,
    SpreadsheetError,
)
from app.services.spreadsheets.xlsx_file import read_xlsx_file, write_xlsx

XLSX_SUFFIXES = (".xlsx", ".xlsm")


def is_xlsx(path: str | Path) -> bool:
    """True when the file is an Excel workbook (by its first bytes, else by its name)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return Path(path).suffix.lower() in XLSX_SUFFIXES


def read_spreadsheet(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
                     decimal: str | None = None, progress: Progress | None = None,
                     cancelled: CancelCheck | None = None) -> SheetTable:
    """Read a CSV or .xlsx file (see `read_csv_file` and `read_xlsx_file`). A missing or unreadable file is
    a SpreadsheetError too, so callers show one kind of message."""
    try:
        if is_xlsx(path):
            return read_xlsx_file(path, decimal=decimal, progress=progress, cancelled=cancelled)
        return read_csv_file(path, encoding=encoding, delimiter=delimiter, decimal=decimal, progress=progress,
                             cancelled=cancelled)
    except OSError as exc:
        raise SpreadsheetError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def write_spreadsheet(path: str | Path, headers: Iterable[str], rows: Iterable[Iterable[Cell | None]], *,
                      title: str = "Sheet1") -> int:
    """Write .xlsx when ``path`` ends in .xlsx, else CSV (UTF-8 with a BOM, which Excel needs to see UTF-8)."""
    if Path(path).suffix.lower() in XLSX_SUFFIXES:
        return write_xlsx(path, headers, rows, title=title)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        return write_csv(fh, headers, rows)


__all__ = ["AmbiguousNumber", "COMMA", "CancelCheck", "Cancelled", "Cell", "DELIMITERS", "DOT", "DecimalGuess",
           "ENCODINGS", "MAX_CELL_CHARS", "MAX_FILE_BYTES", "Progress", "SheetTable", "SpreadsheetError",
           "is_xlsx", "neutralise", "number_text", "parse_number", "read_csv_file", "read_csv_text",
           "read_spreadsheet", "read_xlsx_file", "unneutralise", "write_csv", "write_spreadsheet", "write_xlsx"]
