"""The This week section: grouped lines, mine / everyone, days ahead, a line opens the partner at its tab;
File → Export calendar… writes the file."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from app.ui.agenda.calendar_dialog import CalendarExportDialog
from app.ui.agenda.section import AgendaSection
from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.sections import SECTIONS
from tests.services.week_data import TODAY, build_week


@pytest.fixture
def week(services):
    return build_week(services)


def _lines(section):
    out = {}
    for i in range(section.tree.topLevelItemCount()):
        group = section.tree.topLevelItem(i)
        for j in range(group.childCount()):
            out[group.child(j).text(2)] = group.text(0)
    return out


@pytest.fixture
def section(qtbot, services, week):
    bus = ChangeBus(services.db.feed)
    s = AgendaSection(services, bus, today=TODAY)
    qtbot.addWidget(s)
    s.resize(1176, 700)
    with qtbot.waitSignal(s.loaded, timeout=10_000):
        s.show()
    return s


def test_this_week_is_the_first_section():
    assert SECTIONS[0][0] == "This week"


def test_mine_by_day_with_overdue_first(section):
    lines = _lines(section)
    assert set(lines) == {"Send the audit plan", "First PPAP approved", "November review", "OTD is red"}
    assert lines["Send the audit plan"].startswith("Overdue")
    assert lines["November review"].startswith("Tomorrow")
    assert section.tree.topLevelItem(0).text(0).startswith("Overdue")


def test_everyone_and_group_by_kind(qtbot, section):
    section.who.setCurrentIndex(section.who.findData(False))
    lines = _lines(section)
    assert {"Call back about pallets", "Kick-off", "Share scrap data"} <= set(lines)
    section.group.setCurrentIndex(section.group.findData("kind"))
    lines = _lines(section)
    assert lines["Kick-off"].startswith("Checklist items") and lines["OTD is red"].startswith("KPIs newly red")


def test_days_ahead_reloads(qtbot, section):
    section.who.setCurrentIndex(section.who.findData(False))
    with qtbot.waitSignal(section.loaded, timeout=10_000):
        section.days.setValue(30)
    assert "Quarterly letter" in _lines(section)


def test_a_change_reloads_the_agenda(qtbot, section, services, week):
    with qtbot.waitSignal(section.loaded, timeout=10_000):
        services.actions.set_done(week.ids["overdue_mine"])  # from any view: the feed tells the agenda
    assert "Send the audit plan" not in _lines(section)


def test_nothing_due_says_so(qtbot, services):
    s = AgendaSection(services, ChangeBus(services.db.feed), today=TODAY)
    qtbot.addWidget(s)
    with qtbot.waitSignal(s.loaded, timeout=10_000):
        s.show()
    assert s.tree.isHidden() and "Nothing overdue or due" in s.empty.text()


def test_a_line_opens_the_partner_at_its_tab(qtbot, services, week):
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    agenda = window.show_section("This week")
    agenda._today = TODAY
    with qtbot.waitSignal(agenda.loaded, timeout=10_000):
        agenda.reload()
    agenda.who.setCurrentIndex(agenda.who.findData(False))
    group = next(agenda.tree.topLevelItem(i) for i in range(agenda.tree.topLevelItemCount())
                 if agenda.tree.topLevelItem(i).text(0).startswith("Overdue"))
    kickoff = next(group.child(j) for j in range(group.childCount()) if group.child(j).text(2) == "Kick-off")
    with qtbot.waitSignal(agenda.target_opened):
        agenda.tree.itemActivated.emit(kickoff, 0)
    partners = window.section("Partners")
    assert partners.page.partner_id == week.olands
    assert partners.page.tabs.tabText(partners.page.tabs.currentIndex()) == "Onboarding"
    assert window.stack.currentIndex() == [t for t, _f in SECTIONS].index("Partners")


def test_export_calendar_dialog_writes_one_partner(qtbot, services, week, tmp_path):
    dialog = CalendarExportDialog(services, ChangeBus(services.db.feed), partner_id=week.olands)
    qtbot.addWidget(dialog)
    assert dialog.one.isChecked() and dialog.partner.currentText() == "Ølands Fisk AB"
    dialog.path.setText(str(tmp_path / "olands.ics"))
    dialog.export()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    cal = Calendar.from_ical((tmp_path / "olands.ics").read_bytes())
    summaries = {str(c["summary"]) for c in cal.walk() if c.name in ("VEVENT", "VTODO")}
    assert summaries == {"Ølands Fisk AB: Ølands weekly", "Ølands Fisk AB: Call back about pallets"}
    assert "Wrote olands.ics" in dialog.message.text()


def test_export_calendar_refuses_a_missing_folder(qtbot, services, week, tmp_path):
    dialog = CalendarExportDialog(services, ChangeBus(services.db.feed))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "nowhere" / "x.ics"))
    dialog.export()
    assert "does not exist" in dialog.message.text()
    assert not (tmp_path / "nowhere").exists()


def test_prepare_visit_dialog_writes_the_folder_with_progress(qtbot, services, week, tmp_path):
    from app.ui.agenda.visit_dialog import PrepareVisitDialog

    dialog = PrepareVisitDialog(services, ChangeBus(services.db.feed), partner_id=week.olands)
    qtbot.addWidget(dialog)
    assert dialog.partner.currentText() == "Ølands Fisk AB" and dialog.name.text().startswith("Ølands Fisk AB visit")
    dialog.folder.setText(str(tmp_path))
    dialog.name.setText("site")
    dialog.prepare()
    qtbot.waitUntil(lambda: dialog.result_folder is not None, timeout=20_000)
    assert (tmp_path / "site" / "1 Pre-read.pdf").exists() and (tmp_path / "site" / "Ølands Fisk AB.tandem").exists()
    assert dialog.progress.value() == dialog.progress.maximum()
    dialog.prepare()  # the same folder again: refused, untouched
    assert "not an empty folder" in dialog.message.text()
