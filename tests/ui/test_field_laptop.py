"""The field laptop sweep: the main window over demo data at 1366×768 visits every section, every partner tab
(for a candidate, a partner in onboarding and an active one) and a live session, and fails on a control cut
off sideways, a page that scrolls sideways, a window larger than the screen, a wheel turn that edits a value
on a scrolling page, a field a screen reader cannot name, Tab moving against reading order and a date shown
in ISO form instead of the locale's. The dialogs
opened from those screens get the same checks. The checks live in tests/ui/layout_checks.py and name every
offending control.

Screens still being reworked are marked ``xfail`` (not strict) with the reason, so the sweep passes for the
others and each one is switched on by deleting its entry in `PENDING`.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from datetime import date

import pytest
from PySide6.QtCore import QRect
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.models.enums import PartnerStatus, SessionStatus
from app.services import build_services
from app.services.database import open_database
from app.services.partners import PartnerQuery
from app.ui.agenda.calendar_dialog import CalendarExportDialog
from app.ui.agenda.visit_dialog import PrepareVisitDialog
from app.ui.bus import ChangeBus
from app.ui.coaching.experiments_view import ExperimentDialog
from app.ui.coaching.plan_dialog import PlanSessionDialog
from app.ui.first_run import IdentityDialog
from app.ui.main_window import MainWindow
from app.ui.measurements.csv_import import CsvImportDialog
from app.ui.partners.tabs import PARTNER_TABS
from app.ui.plans.dialogs import GoalDialog, MilestoneDialog
from app.ui.sections import SECTIONS
from app.ui.selection.dialogs import OverrideDialog, PrintSettingsDialog, ReferenceCallDialog
from app.ui.sync.dialogs import ExportDialog
from app.ui.sync.hub import HubSyncDialog
from app.ui.wheel import install_wheel_guard
from tests.ui import layout_checks

LAPTOP = QRect(0, 0, 1366, 768)
PARTNER_TAB_TITLES = ["Profile"] + [title for title, _factory in PARTNER_TABS]
PARTNER_KINDS = {"candidate": PartnerStatus.CANDIDATE, "onboarding": PartnerStatus.ONBOARDING,
                 "active": PartnerStatus.ACTIVE}

#: Screens another part of the work is still fitting to 1366×768 (switch one on by deleting its line).
PENDING: dict[str, str] = {}


def _pending(name: str):
    reason = PENDING.get(name)
    return pytest.param(name, marks=pytest.mark.xfail(reason=reason, strict=False)) if reason else name


@contextmanager
def _app_style(qapp):
    """The look the app runs with (Fusion and Tandem's style sheet: paddings change what fits)."""
    from app.ui.style import STYLE_SHEET

    style, sheet = qapp.style().name(), qapp.styleSheet()
    qapp.setStyle("Fusion")
    qapp.setStyleSheet(STYLE_SHEET)
    try:
        yield
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setStyle(style)


@pytest.fixture(scope="module")
def app_style(qapp):
    """The app's look for the whole module, set once: changing the style sheet while the sweep's window is open
    re-polishes every widget of every section (seconds each time)."""
    with _app_style(qapp):
        yield


@pytest.fixture(scope="module")
def window(qapp, app_style, tmp_path_factory, _demo_template):
    """One main window over a copy of the demo database for the whole sweep: the checks only look and switch
    pages, and building a window per screen would spend most of the sweep's time in setting up."""
    path = tmp_path_factory.mktemp("laptop") / "demo.sqlite"
    shutil.copy(_demo_template, path)
    db = open_database(path)
    services = build_services(db)
    install_wheel_guard()
    w = MainWindow(services, ChangeBus(services.db.feed), screen=LAPTOP)
    w.showNormal()
    w.resize(LAPTOP.size())
    QTest.qWaitForWindowExposed(w)
    yield w
    w.close()
    w.deleteLater()
    QApplication.processEvents()
    db.close()


def _settle() -> None:
    """Let the screen's background loads finish and lay out, so a check never sees it half-filled (a label
    still sized for "Loading…")."""
    from PySide6.QtCore import QThreadPool

    for _ in range(2):
        QThreadPool.globalInstance().waitForDone(10_000)
        for _ in range(3):
            QApplication.processEvents()


def _check(window, root=None) -> list[str]:
    _settle()
    root = root or window
    findings = (layout_checks.larger_than(window, LAPTOP) + layout_checks.sideways_scrolling(root)
                + layout_checks.cut_off_controls(root) + layout_checks.wheel_edits(root)
                + layout_checks.unlabelled_fields(root) + layout_checks.tab_order_against_reading(root)
                + layout_checks.iso_dates(root))
    return [str(f) for f in findings]


def _partner_id(services, status: PartnerStatus) -> str:
    return services.partners.page(PartnerQuery(statuses=(status,)), limit=1)[0].id


@pytest.mark.parametrize("title", [_pending(f"section:{t}") for t, _f in SECTIONS])
def test_every_section_fits_a_field_laptop(window, title):
    window.show_section(title.split(":", 1)[1])
    findings = _check(window)
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("title", [t for t, _f in SECTIONS])
def test_every_section_has_a_heading(window, title):
    """Every section opens with its name in the page-title style, as users find their way by it."""
    from PySide6.QtWidgets import QLabel

    section = window.show_section(title)
    _settle()
    headings = [w.text() for w in section.findChildren(QLabel, "pageTitle") if w.isVisible() and w.text()]
    assert headings, f"the {title} section has no heading"


@pytest.mark.parametrize("kind", list(PARTNER_KINDS))
@pytest.mark.parametrize("tab", [_pending(f"tab:{t}") for t in PARTNER_TAB_TITLES])
def test_every_partner_tab_fits_a_field_laptop(window, tab, kind):
    section = window.show_section("Partners")
    window.open_partner(_partner_id(window.services, PARTNER_KINDS[kind]))
    tabs = section.page.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles == PARTNER_TAB_TITLES
    tabs.setCurrentIndex(titles.index(tab.split(":", 1)[1]))
    findings = _check(window)
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("screen", [QRect(0, 0, 1366, 768), QRect(0, 0, 1280, 720)])
def test_a_live_session_fits_the_screen(qtbot, demo_services, app_style, screen):
    from app.ui.coaching.live import LiveSessionWindow

    install_wheel_guard()
    session = demo_services.coaching.list(statuses=(SessionStatus.ENDED,), limit=1)[0]
    live = LiveSessionWindow(demo_services, ChangeBus(demo_services.db.feed), session.id, screen=screen)
    qtbot.addWidget(live)
    live.show()
    qtbot.waitExposed(live)
    _settle()
    assert live.width() <= screen.width() and live.height() <= screen.height()
    findings = (layout_checks.larger_than(live, screen) + layout_checks.cut_off_controls(live)
                + layout_checks.wheel_edits(live) + layout_checks.unlabelled_fields(live)
                + layout_checks.tab_order_against_reading(live) + layout_checks.iso_dates(live))
    assert not findings, "\n".join(map(str, findings))
    capture = live.widget.capture
    assert capture.isVisible() and capture.visibleRegion().boundingRect().height() == capture.height()


#: The dialogs the field screens open, each made from the sweep's window as its action makes it.
DIALOGS = {
    "Prepare visit": lambda w: PrepareVisitDialog(w.services, w.bus, w),
    "Export calendar": lambda w: CalendarExportDialog(w.services, w.bus, w),
    "New experiment": lambda w: ExperimentDialog(w.services, None, parent=w),
    "Plan a session": lambda w: PlanSessionDialog(w.services, parent=w),
    "Sync with the hub": lambda w: HubSyncDialog(w.services, w.bus, w),
    "Export package": lambda w: ExportDialog(w.services, w.bus, w),
    "Import measurements": lambda w: CsvImportDialog(w.services, w.bus, w),
    "Reference call": lambda w: ReferenceCallDialog("Anna Becker", w),
    "Sign with an override": lambda w: OverrideDialog(("Site visit",), w),
    "Print settings": lambda w: PrintSettingsDialog(w.services, w),
    "Add goal": lambda w: GoalDialog(30, parent=w),
    "Add milestone": lambda w: MilestoneDialog(date(2026, 12, 1), 30, parent=w),
    "Your name": lambda w: IdentityDialog(w.services.identity, w),
}


@pytest.mark.parametrize("name", list(DIALOGS))
def test_every_dialog_fits_and_names_its_fields(window, name):
    dialog = DIALOGS[name](window)
    try:
        dialog.show()
        _settle()
        findings = (layout_checks.larger_than(dialog, LAPTOP) + layout_checks.cut_off_controls(dialog)
                    + layout_checks.wheel_edits(dialog) + layout_checks.unlabelled_fields(dialog)
                    + layout_checks.tab_order_against_reading(dialog))
        assert not findings, "\n".join(map(str, findings))
    finally:
        dialog.close()
        dialog.deleteLater()
