"""Keeping text cells from running as formulas when an exported file is opened in a spreadsheet.

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and tab and
carriage return can smuggle one in; a formula can run commands or send data away (CSV injection). As OWASP
recommends, such text cells are written with a single quote in front, which spreadsheets show as text. Only
text is touched: a number written as a number (``-5``) stays a number.

Reading a file back, `unneutralise` takes the quote away again, so an export imports as it was.
"""

from __future__ import annotations

#: What starts a formula (OWASP's list).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a leading single quote when it starts like a formula; otherwise unchanged."""
    return "'" + text if text.startswith(TRIGGERS) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise`: a quote followed by a formula character is dropped."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1:].startswith(TRIGGERS) else text
