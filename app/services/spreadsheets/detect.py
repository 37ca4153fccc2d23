"""Telling what a text file is before reading it: its encoding, whether it is text at all, and its delimiter.

Encodings met in practice: UTF-8 with or without a byte-order mark (Excel writes one for "CSV UTF-8"),
UTF-16 with a mark (Excel's "Unicode text", tab separated), and Windows-1252 (Excel's plain "CSV" on Western
European and American Windows). Without a mark, text that decodes as UTF-8 is UTF-8: Windows-1252 text with
accents almost never does.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

from app.services.spreadsheets.table import SpreadsheetError

#: Encodings the user can choose, with their names for people.
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16-le": "UTF-16 LE (Excel Unicode text)",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252 (Western Europe, Americas)",
}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Vertical bar"}

_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or another zip archive (save it as .xlsx and choose that)",
    b"%PDF": "a PDF document",
    b"SQLite format 3\x00": "a database file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Office file (save it as .xlsx or CSV)",
    b"\x89PNG": "an image",
    b"\xff\xd8\xff": "an image",
}


def detect_encoding(head: bytes) -> str:
    """The encoding of a file starting with ``head``; raises SpreadsheetError when it is not text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    for magic, what in _SIGNATURES.items():
        if head.startswith(magic):
            raise SpreadsheetError(f"This is not a text file: it looks like {what}.")
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        # UTF-16 without a mark: ASCII text has a zero in every other byte
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
        raise SpreadsheetError("This is not a text file (it holds binary data). Choose a CSV or .xlsx file.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a cut last character is fine
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def check_text(sample: str) -> None:
    """Raise SpreadsheetError when decoded text is full of control characters (binary data)."""
    if not sample:
        return
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise SpreadsheetError("This is not a text file (it holds binary data). Choose a CSV or .xlsx file.")


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines of ``sample`` into the same number (more than one) of
    fields most consistently; a comma when none does."""
    lines = sample.splitlines()[:60]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end in the middle of a line
    text = "\n".join(lines)
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text), delimiter=d) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (hits / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best
