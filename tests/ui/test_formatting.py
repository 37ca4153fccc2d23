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


def test_date_fields_are_typed_as_the_locale_reads(qtbot, locale):
    """Date fields showed ISO in some views and Qt's C-locale "1 12 2026" in others; every one now takes the
    locale's short date with a four-digit year, and what it shows reads back as the same day."""
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QDateEdit

    from app.ui.formatting import localise_date_edit

    for name, shown in (("de_DE", "01.12.2026"), ("en_US", "12/1/2026"), ("C", "01/12/2026")):
        locale(name)
        edit = localise_date_edit(QDateEdit(QDate(2026, 12, 1)))
        qtbot.addWidget(edit)
        assert edit.text() == shown
        assert QLocale().toDate(edit.text(), edit.displayFormat()) == QDate(2026, 12, 1)


def test_the_field_views_show_dates_and_amounts_in_the_locale(qtbot, services, locale):
    """The success plan showed ISO dates and the directory "2,525,430 EUR" whatever the locale."""
    from PySide6.QtCore import Qt

    from app.services.partners import PartnerData
    from app.services.reference_data import stable_id
    from app.ui.bus import ChangeBus
    from app.ui.partners.table_model import PartnerTableModel
    from app.ui.plans.plan_tab import SuccessPlanTab

    locale("de_DE")
    p = services.partners.create(PartnerData(name="Lumenforge Materials B.V.", annual_spend=2525430,
                                             currency="EUR"))
    services.plans.create(p.id, date(2026, 11, 2), template_id=stable_id("plan_template", "default_30_60_90"))
    tab = SuccessPlanTab(services, ChangeBus(services.db.feed))
    qtbot.addWidget(tab)
    tab.set_partner(p.id)
    assert tab.phase_boxes[30].title() == "Day 30 · 02.11.2026 to 02.12.2026"
    assert tab.start.text() == "02.11.2026"
    model = PartnerTableModel(services.partners)
    model.reload()
    spend = next(c for c in range(model.columnCount())
                 if model.headerData(c, Qt.Orientation.Horizontal) == "Annual spend")
    assert model.index(0, spend).data() == "2.525.430 EUR"
