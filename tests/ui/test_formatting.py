"""Dates and numbers shown one way, from the locale; never "1 12 2026" or an ungrouped "2100000"."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QLocale

from app.ui.formatting import format_date, format_datetime, format_money, format_number


@pytest.fixture
def locale():
    def use(name: str):
        QLocale.setDefault(QLocale(name))
    yield use
    QLocale.setDefault(QLocale.system())


def test_follows_the_locale(locale):
    locale("de_DE")
    assert format_date(date(2026, 12, 1)) == "01.12.2026"
    assert format_number(2525430) == "2.525.430"
    locale("en_US")
    assert format_date(date(2026, 12, 1)) == "12/1/2026"  # a four-digit year, never "12/1/26"
    assert format_money(2100000, "EUR") == "2,100,000 EUR"
    assert format_datetime(datetime(2026, 12, 1, 14, 5)).replace("\u202f", " ") == "12/1/2026 2:05 PM"


def test_no_locale_configured_still_reads_well(locale):
    locale("C")
    assert format_date(date(2026, 12, 1)) == "1 Dec 2026"  # the C locale alone gives "1 12 2026"
    assert format_number(2100000) == "2,100,000"


@given(st.integers(min_value=-10**12, max_value=10**12), st.sampled_from(["en_US", "de_DE", "fr_FR", "ar_EG"]))
def test_grouped_numbers_read_back(value, name):
    loc = QLocale(name)
    QLocale.setDefault(loc)
    try:
        number, ok = loc.toLongLong(format_number(value))
        assert ok and number == value
    finally:
        QLocale.setDefault(QLocale.system())
