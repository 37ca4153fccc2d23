"""Selection screens driven like a user: score, tick, log calls, sign (blocked, override), compare, print."""

from __future__ import annotations

from datetime import datetime

import pyqtgraph as pg
import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.models.enums import PartnerStatus
from app.services.partners import PartnerData
from app.services.selection import ReferenceCallData
from app.ui import printing
from app.ui.bus import ChangeBus
from app.ui.selection import workspace
from app.ui.selection.dialogs import PrintSettingsDialog
from app.ui.selection.section import SelectionSection
from app.ui.selection.workspace import SelectionTab


@pytest.fixture
def bus(services):
    return ChangeBus(services.db.feed)


@pytest.fixture
def candidate(services):
    return services.partners.create(PartnerData(name="Kestrelforge Precision GmbH", segment="Machined parts",
                                                status=PartnerStatus.CANDIDATE))


@pytest.fixture
def tab(qtbot, services, bus, candidate):
    services.identity.set_names("Mira Holm", "Field laptop")
    w = SelectionTab(services, bus)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.set_partner(candidate.id)
    return w


def test_start_then_score_updates_the_weighted_total(tab, services, candidate):
    assert tab.stack.currentIndex() == 0 and not tab.print_filled_action.isEnabled()
    tab.start_button.click()
    assert tab.stack.currentIndex() == 1
    a = services.selection.for_partner(candidate.id)
    tech = next(s.criterion for s in a.scores if s.criterion.code == "TECH")
    combo, evidence = tab.score_widgets[tech.id]
    evidence.setText("Five-axis CNC cell")
    combo.setCurrentIndex(combo.findData(4))
    a = services.selection.for_partner(candidate.id)
    line = next(s for s in a.scores if s.criterion.id == tech.id)
    assert line.score == 4 and line.evidence == "Five-axis CNC cell"
    assert "4.00 / 5" in tab.summary.text() and "9 of 10 criteria not scored" in tab.summary.text()


def test_sign_is_blocked_naming_missing_items_then_allowed(tab, services, candidate, monkeypatch):
    tab.start_button.click()
    assert not tab.sign_button.isEnabled()
    assert "Signing is blocked" in tab.sign_status.text() and "Contract reviewed by legal" in tab.sign_status.text()
    for name in ("Eva Lind", "Tom Berg"):
        call = ReferenceCallData(name, "Nordline AB", "Mira Holm", datetime(2026, 10, 1, 10))
        monkeypatch.setattr(workspace, "ReferenceCallDialog", _fake_dialog(call))
        tab.log_call()
    assert tab.calls.rowCount() == 2
    for box, _meta, _note in tab.item_widgets.values():
        box.click()
    a = services.selection.for_partner(candidate.id)
    assert a.is_complete and all(i.done_by == "Mira Holm" for i in a.checklist)
    assert tab.sign_button.isEnabled() and "Ready to sign" in tab.sign_status.text()
    _answer_signing(monkeypatch, QMessageBox.StandardButton.No)  # sign only
    tab.sign_button.click()
    assert services.selection.for_partner(candidate.id).signed_by == "Mira Holm"
    assert services.partners.get(candidate.id).status == PartnerStatus.CANDIDATE
    assert tab.reopen_button.isVisibleTo(tab) and not tab.sign_button.isVisibleTo(tab)
    assert "Signed" in tab.sign_status.text()


def _answer_signing(monkeypatch, button) -> list[str]:
    """Answer the signing question with ``button``; returns the questions asked (text, informative text)."""
    asked = []

    def exec_(box):
        asked.append(f"{box.text()} {box.informativeText()} [{', '.join(b.text() for b in box.buttons())}]")
        return button
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return asked


def test_signing_asks_first_and_can_move_the_candidate_to_onboarding(tab, bus, services, candidate, monkeypatch):
    tab.start_button.click()
    monkeypatch.setattr(workspace, "OverrideDialog", _fake_dialog("Sole source"))
    asked = _answer_signing(monkeypatch, QMessageBox.StandardButton.Cancel)
    changes = []
    bus.changed.connect(changes.append)
    tab.sign_with_override()
    assert "Sign the selection of Kestrelforge Precision GmbH as Mira Holm?" in asked[0]
    assert "still a candidate" in asked[0] and "Sign and move to &onboarding" in asked[0]
    assert not services.selection.for_partner(candidate.id).is_signed  # cancelled: nothing signed
    _answer_signing(monkeypatch, QMessageBox.StandardButton.Yes)
    tab.sign_with_override()
    assert services.selection.for_partner(candidate.id).is_signed
    assert services.partners.get(candidate.id).status == PartnerStatus.ONBOARDING
    assert changes[-1].touches("partners")  # the directory shows the new stage


def test_references_item_refuses_a_tick_without_calls(tab, services, candidate, monkeypatch):
    tab.start_button.click()
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    refs = next(i for i in services.selection.for_partner(candidate.id).checklist if i.code == "REFS")
    box = tab.item_widgets[refs.id][0]
    box.click()
    assert "reference calls" in warnings[0]
    assert not box.isChecked()  # back to what is stored
    assert not next(i for i in services.selection.for_partner(candidate.id).checklist if i.code == "REFS").done


def test_override_keeps_the_reason(tab, services, candidate, monkeypatch):
    tab.start_button.click()
    assert tab.override_button.isEnabled()
    monkeypatch.setattr(workspace, "OverrideDialog", _fake_dialog("Sole source; board approved"))
    _answer_signing(monkeypatch, QMessageBox.StandardButton.No)
    tab.sign_with_override()
    a = services.selection.for_partner(candidate.id)
    assert a.overridden and a.override_reason == "Sole source; board approved"
    assert "Sole source; board approved" in tab.sign_status.text()
    assert not tab.score_widgets[a.scores[0].criterion.id][0].isEnabled()  # signed: read-only


def test_override_dialog_needs_a_reason(qtbot):
    from app.ui.selection.dialogs import OverrideDialog

    d = OverrideDialog(("Contract reviewed by legal",))
    qtbot.addWidget(d)
    assert not d.sign_button.isEnabled()
    qtbot.keyClicks(d.reason, "Urgent")
    assert d.sign_button.isEnabled() and d.value() == "Urgent"


def test_print_from_the_tab_to_a_pdf_printer(tab, services, candidate, tmp_path, monkeypatch):
    tab.start_button.click()
    out = tmp_path / "printed.pdf"

    def to_pdf(_parent, printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(printing, "_ask_printer", to_pdf)
    assert tab.print_form(blank=False)
    assert len(PdfReader(str(out)).pages) >= 1
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "blank.pdf"), ""))
    path = tab.save_form(blank=True)
    text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
    assert "Kestrelforge Precision GmbH" in text and "field form" in text


def test_scorecard_and_checklist_stand_side_by_side_when_wide_and_stack_on_a_laptop(qtbot, tab):
    from tests.ui import layout_checks

    tab.resize(1500, 900)
    tab.show()
    qtbot.waitExposed(tab)
    tab.start_button.click()
    score, checklist = tab.scorecard_box, tab.checklist_box.parentWidget()  # the checklist, calls and decision
    qtbot.waitUntil(lambda: tab.columns.side_by_side and checklist.x() > score.geometry().right())
    assert checklist.y() == score.y()
    tab.resize(760, 700)  # a field laptop's page beside the partner directory
    qtbot.waitUntil(lambda: not tab.columns.side_by_side and checklist.y() > score.geometry().bottom())
    assert checklist.x() == score.x()
    assert layout_checks.sideways_scrolling(tab) == [] and layout_checks.cut_off_controls(tab) == []
    tab.resize(1500, 900)
    qtbot.waitUntil(lambda: tab.columns.side_by_side)  # and back when there is room again


def test_section_compares_candidates_and_prints_a_segment(qtbot, demo_services, bus, tmp_path, monkeypatch):
    section = SelectionSection(demo_services, bus)
    qtbot.addWidget(section)
    rows = demo_services.selection.candidates()
    unsigned = [r for r in rows if not (r.assessment_id and demo_services.selection.get(r.assessment_id).is_signed)]
    assert section.table.columnCount() == len(unsigned) > 1
    bars = [i for i in section.plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == sum(1 for r in unsigned if r.assessment_id)
    section.include_signed.setChecked(True)
    assert section.table.columnCount() == len(rows)

    segment = next(r.segment for r in rows if r.status is PartnerStatus.CANDIDATE)
    section.segment.setCurrentIndex(section.segment.findText(segment))
    assert all(r.segment == segment for r in section.rows)
    with qtbot.waitSignal(bus.open_partner_tab) as opened:
        section.table.horizontalHeader().sectionDoubleClicked.emit(0)
    assert opened.args == [section.rows[0].partner_id, "Selection"]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "batch.pdf"), ""))
    path = section.save_blank()
    text = " ".join(p.extract_text() for p in PdfReader(str(path)).pages)
    for r in demo_services.selection.candidates(segment, with_assessed=False):
        assert r.name in text


@pytest.mark.parametrize("where", ["cell", "name"])
def test_double_clicking_a_candidate_opens_its_selection_workspace(qtbot, demo_services, where):
    from PySide6.QtCore import QPoint, QRect, Qt

    from app.ui.main_window import MainWindow

    window = MainWindow(demo_services, ChangeBus(demo_services.db.feed), screen=QRect(0, 0, 1920, 1080))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    section = window.show_section("Selection")
    assert section.table.columnCount() > 1
    column = 1  # not the first: the partner the page happened to show must not pass for the one asked for
    wanted = section.rows[column].partner_id
    section.table.scrollToItem(section.table.item(0, column))
    if where == "cell":
        viewport = section.table.viewport()
        spot = section.table.visualItemRect(section.table.item(2, column)).center()
    else:
        viewport = section.table.horizontalHeader().viewport()
        header = section.table.horizontalHeader()
        spot = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=spot)  # a double-click's first press, as a hand makes it
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=spot)

    partners = window.section("Partners")
    qtbot.waitUntil(lambda: window.stack.currentIndex() == window.sidebar.currentRow()
                    and window.sidebar.currentItem().text() == "Partners")
    page = partners.page
    assert page.partner_id == wanted
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Selection"
    selection_tab = next(w for w in page.extra_tabs if isinstance(w, SelectionTab))
    assert selection_tab.partner_id == wanted and selection_tab.isVisible()


def test_section_table_shows_scores_and_missing_checklist(qtbot, demo_services, bus):
    section = SelectionSection(demo_services, bus)
    qtbot.addWidget(section)
    for col, r in enumerate(section.rows):
        a = demo_services.selection.for_partner(r.partner_id)
        item = section.table.item(3, col)
        if a is None:
            assert section.table.item(4, col).text() == "Not started"
        else:
            assert item.text() == f"{a.checklist_done} of {len(a.checklist)}"
            assert section.table.item(0, col).text() == ("—" if a.weighted_score is None else f"{a.weighted_score:.2f}")


def test_print_settings_dialog_stores_the_paper_size(qtbot, services):
    d = PrintSettingsDialog(services)
    qtbot.addWidget(d)
    d.paper.setCurrentIndex(d.paper.findData("letter"))
    d.accept()
    assert services.settings.paper_size() == "letter"


def _fake_dialog(value):
    class Fake:
        def __init__(self, *args, **kwargs):
            pass

        def exec(self):
            return True

        def value(self):
            return value

    return Fake
