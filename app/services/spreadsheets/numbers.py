"""Numbers as spreadsheets from every locale write them, and which decimal mark a file uses.

`parse_number(text, decimal)` reads '98.5', '98,5', '1 500', '1.234,5', '1,234.5', "1'234.5", '97 %',
'−3' and '1,5E+03'. Most texts can only mean one number whatever the locale: '12,5' (a thousands group has
three digits), '0,125' (no thousands group starts with 0), '1.234.567' (a decimal mark appears once),
'1.234,5' (both marks: the last one is the decimal). One shape cannot: a single mark followed by exactly three
digits after one to three digits, '1,500' or '12.750', which is 1.5 or 1500. For those the caller says which
mark is the decimal one; without it `AmbiguousNumber` is raised, so the question goes to the user instead of
being guessed.

`detect_decimal(texts)` looks at many cells and says which mark their unambiguous numbers use;
`detect_columns` does it column by column (a value column is read by its own numbers, not by dates such as
'08.2026' in another column) and `merge_guesses` sums columns up for the whole file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

DOT, COMMA = ".", ","
#: Characters people put between thousands groups besides '.' and ',' (no-break and narrow spaces, the Swiss
#: apostrophe, an ordinary space).
_GROUP_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'’")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_SHAPE = re.compile(r"^[+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}([.,])\d{3}$")


class AmbiguousNumber(ValueError):
    """The text is a number in both conventions, with different values (``as_dot`` and ``as_comma``)."""

    def __init__(self, text: str, as_dot: float, as_comma: float) -> None:
        super().__init__(f"'{text}' is {_short(as_dot)} with a decimal point but {_short(as_comma)} with a "
                         f"decimal comma: choose the file's decimal mark")
        self.text, self.as_dot, self.as_comma = text, as_dot, as_comma


def _short(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _grouped(integer: str, mark: str) -> str | None:
    """``integer`` with thousands marks removed, or None when the marks are not in groups of three."""
    if mark not in integer:
        return integer
    head, *groups = integer.split(mark)
    if not head.lstrip("+-") or len(head.lstrip("+-")) > 3 or any(len(g) != 3 for g in groups):
        return None
    return head + "".join(groups)


def is_ambiguous(text: str) -> bool:
    """True when ``text`` reads as two different numbers depending on the decimal mark ('1,500')."""
    t = text.strip().translate(_GROUP_SPACES).translate(_MINUS).rstrip("%")
    return bool(_AMBIGUOUS.match(t))


def parse_number(text: str, decimal: str | None = None) -> float:
    """The finite number written in ``text``; ``decimal`` is the file's decimal mark ('.' or ',') or None
    when it is not known. Raises `AmbiguousNumber` (only when ``decimal`` is None) or ValueError."""
    original = text.strip()
    t = original.translate(_MINUS)
    if t.endswith("%"):
        t = t[:-1]
    t = t.translate(_GROUP_SPACES)
    if not _SHAPE.match(t):
        raise ValueError(f"'{original}' is not a number")
    mantissa, _, exp = t.lower().partition("e")
    exp = "e" + exp if exp else ""
    value = _mantissa(original, mantissa, decimal)
    try:
        number = float(value + exp)
    except ValueError:
        raise ValueError(f"'{original}' is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"'{original}' is too large a number")
    return number


def _mantissa(original: str, m: str, decimal: str | None) -> str:
    """The mantissa in Python's notation (dot decimal, no grouping)."""
    commas, dots = m.count(COMMA), m.count(DOT)
    bad = ValueError(f"'{original}' is not a number")
    if commas and dots:
        dec = COMMA if m.rfind(COMMA) > m.rfind(DOT) else DOT
        group = DOT if dec == COMMA else COMMA
        integer, _, fraction = m.rpartition(dec)
        if m.count(dec) > 1 or group in fraction:
            raise bad
        plain = _grouped(integer, group)
        if plain is None:
            raise bad
        return f"{plain}.{fraction}"
    if not commas and not dots:
        return m
    mark = COMMA if commas else DOT
    if m.count(mark) > 1:  # only thousands marks repeat
        plain = _grouped(m, mark)
        if plain is None:
            raise bad
        return plain
    if _AMBIGUOUS.match(m):
        as_decimal, as_group = m.replace(mark, "."), m.replace(mark, "")
        if decimal is None:
            dot, comma = (as_decimal, as_group) if mark == DOT else (as_group, as_decimal)
            raise AmbiguousNumber(original, float(dot), float(comma))
        return as_decimal if decimal == mark else as_group
    integer, _, fraction = m.partition(mark)
    return f"{integer}.{fraction}"  # '12,5', '0,125', '1234,567', even '12,' and ',5': only a decimal


def format_number(value: float, decimal: str = DOT, group: str = "") -> str:
    """``value`` written the way a locale writes it: decimal mark ``decimal``, thousands mark ``group``."""
    sign = "-" if value < 0 else ""
    text = repr(abs(float(value)))
    if "e" in text or "inf" in text or "nan" in text:
        return sign + text.replace(".", decimal)
    integer, _, fraction = text.partition(".")
    if fraction == "0":
        fraction = ""
    if group:
        head = len(integer) % 3 or 3
        integer = group.join([integer[:head]] + [integer[i:i + 3] for i in range(head, len(integer), 3)])
    return sign + integer + (decimal + fraction if fraction else "")


@dataclass(frozen=True)
class DecimalGuess:
    """Which decimal mark the numbers of a file use.

    ``mark`` is the best guess; ``certain`` is True when the file's own numbers show it (some read only one
    way and none contradicts them). ``ambiguous`` counts the cells that read two ways ('1,500') and
    ``examples`` shows a few of them to the user.
    """

    mark: str
    certain: bool
    ambiguous: int = 0
    examples: tuple[str, ...] = ()
    dot_evidence: int = 0
    comma_evidence: int = 0


def detect_decimal(texts: Iterable[str], *, default: str = DOT) -> DecimalGuess:
    """Look at cells (any, not only numbers) and guess the decimal mark; ``default`` when nothing shows it
    (a ';'-separated file comes from a decimal-comma locale, so callers pass ',' for those)."""
    dot = comma = ambiguous = 0
    examples: list[str] = []
    for text in texts:
        t = text.strip().translate(_GROUP_SPACES).translate(_MINUS).rstrip("%")
        if not (COMMA in t or DOT in t) or not _SHAPE.match(t):
            continue
        try:
            parse_number(text)
        except AmbiguousNumber:
            ambiguous += 1
            if len(examples) < 3 and text.strip() not in examples:
                examples.append(text.strip())
            continue
        except ValueError:
            continue  # not a number at all ('17.03.2026')
        if t.count(COMMA) > 1 and DOT not in t:
            dot += 1  # 1,234,567: commas group thousands, so the decimal is a dot
        elif t.count(DOT) > 1 and COMMA not in t:
            comma += 1
        elif COMMA in t and DOT in t:
            if t.rfind(COMMA) > t.rfind(DOT):
                comma += 1
            else:
                dot += 1
        elif COMMA in t:
            comma += 1
        else:
            dot += 1
    return _decide(dot, comma, ambiguous, tuple(examples), default)


def _decide(dot: int, comma: int, ambiguous: int, examples: tuple[str, ...], default: str) -> DecimalGuess:
    if comma and not dot:
        return DecimalGuess(COMMA, True, ambiguous, examples, dot, comma)
    if dot and not comma:
        return DecimalGuess(DOT, True, ambiguous, examples, dot, comma)
    if dot or comma:  # both: the majority, but the user must look
        return DecimalGuess(COMMA if comma > dot else DOT, False, ambiguous, examples, dot, comma)
    return DecimalGuess(default, ambiguous == 0, ambiguous, examples, dot, comma)


def detect_columns(rows: Iterable[tuple], width: int, *, default: str = DOT) -> tuple[DecimalGuess, ...]:
    """`detect_decimal` for each of the first ``width`` columns of ``rows`` (text cells only)."""
    rows = rows if isinstance(rows, (list, tuple)) else list(rows)
    return tuple(detect_decimal((r[j] for r in rows if j < len(r) and isinstance(r[j], str)), default=default)
                 for j in range(width))


def merge_guesses(guesses: Iterable[DecimalGuess], *, default: str = DOT) -> DecimalGuess:
    """What the numbers of several columns show together (the whole file's guess)."""
    dot = comma = ambiguous = 0
    examples: list[str] = []
    for g in guesses:
        dot, comma, ambiguous = dot + g.dot_evidence, comma + g.comma_evidence, ambiguous + g.ambiguous
        examples.extend(e for e in g.examples if e not in examples)
    return _decide(dot, comma, ambiguous, tuple(examples[:3]), default)
