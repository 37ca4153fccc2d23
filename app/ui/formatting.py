"""One way to show dates and numbers on screen, from the system locale (QLocale).

Every view formats through these helpers so "1 Dec 2026" and "2,525,430" look the same everywhere and follow
the user's locale (a German laptop shows "01.12.2026" and "2.525.430"). Files (CSV, JSON, packages) keep ISO
dates and plain numbers: these helpers are for people, never for files.

`QLocale()` is the application's default locale, which Qt takes from the system; tests set it with
`QLocale.setDefault`.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtWidgets import QDateEdit

NONE = "—"  # what an empty value shows


def _locale() -> QLocale:
    loc = QLocale()
    if loc.language() == QLocale.Language.C:
        # No locale configured (LANG=C): the C locale shows "1 12 2026" and ungrouped numbers. Plain English
        # with month names reads the same to everyone.
        loc = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    return loc


def _is_c_locale() -> bool:
    return QLocale().language() == QLocale.Language.C


def format_date(value: date | datetime | None, *, long: bool = False) -> str:
    """A calendar date in the locale's short form ("01/12/2026", "12/1/26"…) or, with ``long``, its
    long form ("Tuesday, 1 December 2026"). None shows a dash."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = value.date()
    fmt = QLocale.FormatType.LongFormat if long else QLocale.FormatType.ShortFormat
    return _locale().toString(QDate(value.year, value.month, value.day), _date_format(fmt))


def _date_format(fmt: QLocale.FormatType) -> str:
    """The locale's date format with a four-digit year (some short formats give two, which reads ambiguously)."""
    if _is_c_locale():
        return "d MMM yyyy" if fmt == QLocale.FormatType.ShortFormat else "dddd d MMMM yyyy"
    pattern = _locale().dateFormat(fmt)
    if "yyyy" not in pattern and "yy" in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return pattern


def format_datetime(value: datetime | None, *, weekday: bool = False) -> str:
    """Date and time to the minute, in the locale's short forms ("01/12/2026 14:05"); with ``weekday`` the
    day's short name first ("Tue 01/12/2026 14:05"), where a meeting's day matters."""
    if value is None:
        return NONE
    qdt = QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))
    time_fmt = _locale().timeFormat(QLocale.FormatType.ShortFormat)
    text = _locale().toString(qdt, f"{_date_format(QLocale.FormatType.ShortFormat)} {time_fmt}")
    return f"{_locale().toString(qdt.date(), 'ddd')} {text}" if weekday else text


def format_time(value: datetime | None, *, seconds: bool = False) -> str:
    """The time of day in the locale's form ("14:05", "2:05 PM"), with seconds when asked (a log's entries)."""
    if value is None:
        return NONE
    loc = _locale()
    pattern = loc.timeFormat(QLocale.FormatType.ShortFormat)
    if seconds and "s" not in pattern:
        pattern = pattern.replace("mm", "mm:ss")
    return loc.toString(QTime(value.hour, value.minute, value.second), pattern)


def format_day_month(value: date) -> str:
    """A day and the month's short name, for axis ticks ("17 Nov", "17. Nov.")."""
    return _locale().toString(QDate(value.year, value.month, value.day), "d MMM")


def date_edit_format() -> str:
    """The display format for date fields (QDateEdit): the locale's short date, in digits and with a
    four-digit year, so a date is typed as it is read ("01/12/2026", "01.12.2026", "12/1/2026")."""
    pattern = _locale().dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern and "yy" in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return pattern


def localise_date_edit(edit: QDateEdit) -> QDateEdit:
    """Show ``edit`` in `date_edit_format` (Qt's own default for the C locale reads "1 12 2026")."""
    edit.setDisplayFormat(date_edit_format())
    return edit


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number with the locale's grouping and decimal separators. ``decimals`` None: integers show no
    decimals, other values up to two (trailing zeros dropped)."""
    if value is None:
        return NONE
    loc = _locale()
    if decimals is None:
        if float(value).is_integer():
            return loc.toString(int(round(value)))
        text = loc.toString(float(value), "f", 2)
        point = loc.decimalPoint()
        if point in text:  # drop trailing zeros in the locale's own digits
            text = text.rstrip(loc.zeroDigit()).rstrip(point)
        return text
    if decimals == 0:
        return loc.toString(int(round(value)))
    return loc.toString(float(value), "f", decimals)


def format_money(value: float | int | None, currency: str = "") -> str:
    """An amount with grouping and no decimals (annual spend, contract value), followed by the currency code
    when given: "2,525,430 EUR"."""
    if value is None:
        return NONE
    text = format_number(value, 0)
    return f"{text} {currency}".strip()


def format_percent(value: float | None, decimals: int = 0) -> str:
    """A fraction (0.42) as a percentage in the locale ("42%")."""
    if value is None:
        return NONE
    return f"{format_number(value * 100, decimals)}{_locale().percent()}"
