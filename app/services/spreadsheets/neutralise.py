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
    """``text`` with a leading single quote when it starts like a formula, or like a neutralised one (so
    that `unneutralise` gives back a text that really began with a quote); otherwise unchanged."""
    return "'" + text if text.startswith(TRIGGERS) or _quoted(text) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise`: the quote in front of a formula character (or of such a quote) is dropped."""
    return text[1:] if _quoted(text) else text


def _quoted(text: str) -> bool:
    """True for a quote followed by a formula character, or by quotes and then one ("'=1", "''=1")."""
    rest = text.lstrip("'")
    return rest != text and rest.startswith(TRIGGERS)
