"""Excel workbooks (.xlsx) in and out, with openpyxl in its streaming modes (read_only / write_only), so a
large sheet neither loads whole nor builds whole in memory.

Reading takes the first worksheet, stored values rather than formulas (a formula cell gives the value Excel
last computed), numbers as numbers and dates as ISO dates. Writing neutralises text cells that start like a
formula (see neutralise.py); numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path

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

_TICK = 2000
#: A sheet often claims a million rows it does not fill: stop after this many blank ones in a row.
_BLANK_RUN = 10_000


def read_xlsx_file(path: str | Path, *, decimal: str | None = None, progress: Progress | None = None,
                   cancelled: CancelCheck | None = None) -> SheetTable:
    """Read the first worksheet of an .xlsx file. Raises SpreadsheetError, `Cancelled` or OSError."""
    from openpyxl import load_workbook

    path = Path(path)
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise SpreadsheetError(f"The workbook is {size / 2**20:,.0f} MB; Tandem imports files up to "
                               f"{MAX_FILE_BYTES // 2**20} MB.")
    if not zipfile.is_zipfile(path):
        raise SpreadsheetError("This is not an Excel workbook (.xlsx). Old .xls files: save them as .xlsx first.")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise SpreadsheetError(f"This workbook cannot be read ({type(exc).__name__}: {exc}).") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise SpreadsheetError("The workbook has no worksheet.")
        total = sheet.max_row or 0
        rows: list[tuple[Cell, ...]] = []
        blank_run = 0
        try:
            for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = tuple(_cell(v, n) for v in values)
                if any(c != "" for c in row):
                    rows.extend([()] * blank_run)
                    blank_run = 0
                    rows.append(_trim(row))
                else:
                    blank_run += 1
                    if blank_run >= _BLANK_RUN:
                        break
                if n % _TICK == 0:
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if progress is not None:
                        progress(n, max(total, n))
                if n > MAX_ROWS + 1:
                    raise SpreadsheetError(f"The sheet has more than {MAX_ROWS:,} rows. Split it and import "
                                           f"the parts.")
        except (SpreadsheetError, Cancelled):
            raise
        except Exception as exc:
            raise SpreadsheetError(f"This workbook cannot be read ({type(exc).__name__}: {exc}).") from None
    finally:
        book.close()
    if progress is not None:
        progress(total, total)
    if not rows or not any(rows[0]):
        raise SpreadsheetError("The first sheet is empty or has no header row.")
    headers = tuple(str(h) for h in rows[0])
    columns = detect_columns(rows[1:], len(headers))
    guess = merge_guesses(columns)
    chosen = decimal is not None
    if decimal is None:
        decimal = guess.mark if guess.certain else None
    elif decimal not in (DOT, COMMA):
        raise SpreadsheetError(f"'{decimal}' is not a decimal mark (use . or ,).")
    return SheetTable(headers, tuple(rows[1:]), "", decimal, "", "xlsx", guess, columns, chosen)


def _cell(value, line: int) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        raise SpreadsheetError(f"Row {line} has a cell longer than {MAX_CELL_CHARS:,} characters; this is not "
                               f"a measurements sheet (or a cell is broken). Nothing was imported.")
    return unneutralise(text.strip())


def _trim(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def write_xlsx(path: str | Path, headers: Iterable[str], rows: Iterable[Iterable[Cell | None]], *,
               title: str = "Sheet1") -> int:
    """Write one worksheet: text neutralised, numbers as numbers, None as empty. Returns rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([neutralise(h) for h in headers])
    n = 0
    for row in rows:
        sheet.append([_out(c) for c in row])
        n += 1
    book.save(str(path))
    return n


def _out(value: Cell | None):
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return neutralise(str(value))
