"""The certification status where a lead looks first, with real widgets: the dashboard's Certifications list
over demo data (partners needing attention first, reached and opened with the keyboard or a double-click,
refreshed when learning changes), and the Certification line of a partner's profile (its figures, its colour,
its link to the Learning tab, kept up to date without losing edits)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models.enums import PartnerStatus, Side
from app.services.partners import ContactData, PartnerData, PartnerQuery
from app.services.reference_data import stable_id
from app.ui.bus import ChangeBus
from app.ui.dashboard.section import DashboardSection
from app.ui.partners.page import PartnerPage
from app.ui.partners.tabs import PARTNER_TABS
from tests.conftest import AS_OF

ESCALATION = stable_id("learning_track", "escalation-path")
ONB, ESC = stable_id("learning", "ONB101"), stable_id("learning", "ESC101")


def _row(table, r: int) -> list[str]:
    return [table.item(r, c).text() for c in range(table.columnCount())]


def _rows(table) -> list[list[str]]:
    return [_row(table, r) for r in range(table.rowCount())]


@pytest.fixture
def dashboard(qtbot, demo_services):
    bus = ChangeBus(demo_services.db.feed)
    d = DashboardSection(demo_services, bus)
    qtbot.addWidget(d)
    d.resize(1200, 800)
    d.show()
    qtbot.waitExposed(d)
    qtbot.waitUntil(lambda: d.portfolio is not None, timeout=10_000)
    _load_certifications(qtbot, d)
    return d, bus, demo_services


def _load_certifications(qtbot, d) -> None:
    """Judge the demo's certifications on the day it was built around, and wait for them on screen."""
    d.today = AS_OF
    d.certification_rows = None
    d.reload_certifications()
    qtbot.waitUntil(lambda: d.certification_rows is not None, timeout=10_000)


def test_the_dashboard_lists_certifications_across_partners_needing_attention_first(dashboard):
    d, _bus, services = dashboard
    tabs, table = d.attention_tabs, d.certifications
    assert [tabs.tabText(i) for i in range(tabs.count())] == [f"KPI alerts ({d.attention.rowCount()})",
                                                              "Certifications (28 to act on)"]
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == [
        "Partner", "Certified", "Expiring", "Expired", "Overdue"]
    rows = _rows(table)
    assert len(rows) == 34  # every demo partner with people on a track
    assert d.certifications_note.text().startswith("43 of 129 people certified across 34 partners; those "
                                                   "needing attention first")
    # late people (expired or overdue) first, then certifications expiring, then people not certified yet
    assert rows[0] == ["Balticgate Group AB", "0 of 4", "–", "1", "2"]
    assert rows[3] == ["Heliofield Health Sp. z o.o.", "0 of 4", "–", "–", "3"]
    assert rows[6] == ["Cedartec Materials GmbH", "1 of 4", "1", "1", "1"]
    assert rows[27] == ["Quartzpoint Channel Partners GmbH", "2 of 3", "1", "–", "–"]  # only expiring
    assert rows[-1] == ["Summitstar Components GmbH", "3 of 4", "–", "–", "–"]  # nothing to act on
    late = [r for r in rows if r[3] != "–" or r[4] != "–"]
    assert rows[:len(late)] == late
    # the figures are the service's, and the tooltip says them in words
    first = services.learning.summary(table.item(0, 0).data(Qt.ItemDataRole.UserRole), AS_OF)
    assert first.partner_name == "Balticgate Group AB"
    assert table.item(0, 0).toolTip() == "0 of 4 certified, 1 expired, 2 overdue"
    assert table.horizontalHeaderItem(4).toolTip().startswith("People with a track past its due date")


def test_the_certification_list_is_reached_with_the_keyboard_and_enter_opens_the_partner(qtbot, dashboard):
    d, bus, _services = dashboard
    d.activateWindow()
    bar = d.attention_tabs.tabBar()
    bar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(bar.hasFocus)
    qtbot.keyClick(bar, Qt.Key.Key_Right)  # the Certifications tab
    assert d.attention_tabs.currentIndex() == 1 and d.certifications.isVisible()
    qtbot.keyClick(bar, Qt.Key.Key_Tab)
    table = d.certifications
    assert QApplication.focusWidget() is table
    table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    with qtbot.waitSignal(bus.open_partner) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [table.item(1, 0).data(Qt.ItemDataRole.UserRole)]
    assert table.item(1, 0).text() == "Balticgate Materials S.A."


def test_a_double_click_on_a_certification_line_opens_the_partner(qtbot, dashboard):
    d, bus, _services = dashboard
    d.attention_tabs.setCurrentIndex(1)
    table = d.certifications
    spot = table.visualItemRect(table.item(2, 3)).center()
    with qtbot.waitSignal(bus.open_partner) as opened:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=spot)  # a double-click's first press
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert opened.args == [table.item(2, 0).data(Qt.ItemDataRole.UserRole)]


def test_the_certification_list_follows_a_change_in_learning(qtbot, dashboard):
    d, bus, services = dashboard
    p = services.partners.create(PartnerData(name="Aaron Test Supply GmbH",
                                             contacts=(ContactData("Ana Lima", Side.PARTNER),)))
    services.learning.assign(p.id, services.learning.latest(ESCALATION).id, contact_id=p.contacts[0].id,
                             assigned_on=date(2026, 9, 1), due_on=date(2026, 11, 1))
    d.today = AS_OF
    d.certification_rows = None
    qtbot.waitUntil(lambda: d.certification_rows is not None, timeout=10_000)
    rows = _rows(d.certifications)
    assert ["Aaron Test Supply GmbH", "0 of 1", "–", "–", "1"] in rows
    assert d.attention_tabs.tabText(1) == "Certifications (29 to act on)"


# -- the profile ---------------------------------------------------------------------------------------------

@pytest.fixture
def page(qtbot, demo_services):
    p = PartnerPage(demo_services, ChangeBus(demo_services.db.feed))
    p.today = AS_OF
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def _first(services, status: PartnerStatus) -> str:
    return services.partners.page(PartnerQuery(statuses=(status,)), limit=1)[0].id


def test_the_profile_shows_the_partners_certification_status_and_opens_the_learning_tab(qtbot, page,
                                                                                       demo_services):
    page.show_partner(_first(demo_services, PartnerStatus.ACTIVE))
    line = page.profile.certification
    assert page.title.text() == "Apextec Channel Partners S.p.A."
    assert page.tabs.currentWidget() is page.profile and line.isVisible()
    assert "⚠ 2 of 4 certified, 1 expiring in 30 days, 1 overdue" in line.text()
    assert "color:#b71c1c" in line.text()  # red: someone is late
    assert "Open the Learning tab" in line.text()
    # one Tab from the field before it reaches the link, and Enter follows it
    page.activateWindow()
    page.profile.capabilities.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(page.profile.capabilities.hasFocus)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is line
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Learning"
    learning = page.extra_tabs[[title for title, _f in PARTNER_TABS].index("Learning")]
    assert page.tabs.currentWidget().isAncestorOf(learning) and learning.partner_id == page.partner_id


def test_a_partner_without_tracks_and_a_new_partner_say_so(page, demo_services):
    page.show_partner(_first(demo_services, PartnerStatus.CANDIDATE))
    assert "No learning tracks assigned" in page.profile.certification.text()
    assert "⚠" not in page.profile.certification.text()
    page.new_partner()
    assert "Tracks are assigned once the partner is saved" in page.profile.certification.text()
    assert "Learning tab" not in page.profile.certification.text()


def test_the_profile_line_follows_learning_and_keeps_what_is_being_typed(qtbot, services):
    p = services.partners.create(PartnerData(name="Acme Castings", contacts=(ContactData("Ana Lima", Side.PARTNER),)))
    ana = p.contacts[0].id
    services.learning.assign(p.id, services.learning.latest(ESCALATION).id, contact_id=ana,
                             assigned_on=date(2026, 9, 1), due_on=date(2026, 11, 1))
    bus = ChangeBus(services.db.feed)
    page = PartnerPage(services, bus)
    page.today = AS_OF
    qtbot.addWidget(page)
    page.show_partner(p.id)
    assert "0 of 1 certified, 1 overdue" in page.profile.certification.text()
    page.profile.country.setText("Portugal")  # an edit not saved yet
    for module in (ONB, ESC):
        services.learning.record_completion(p.id, module, contact_id=ana, completed_on=date(2026, 11, 20),
                                            today=AS_OF)
    text = page.profile.certification.text()
    assert "1 of 1 certified" in text and "overdue" not in text and "⚠" not in text
    assert page.profile.country.text() == "Portugal" and page.profile.is_dirty()
