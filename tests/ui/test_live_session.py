"""Run a coaching session with real widgets: type entries, make a decision and an action item, reorder and
edit, kill the screen mid-typing, build a new one and find the draft; end the session; resume after a crash."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from app.models.enums import EntryKind, SessionStatus, SessionType, Side
from app.services.coaching import Attendee, SessionPlan
from app.services.partners import ContactData, PartnerData
from app.ui.bus import ChangeBus
from app.ui.coaching.live import LiveSessionWidget, _open_windows
from app.ui.formatting import format_date


@pytest.fixture
def session(services):
    services.identity.set_names("Mira Holm", "Field laptop")
    partner = services.partners.create(PartnerData(
        name="Atlasforge Machining GmbH", contacts=(ContactData("Anna Becker", Side.PARTNER, "Quality manager",
                                                                is_primary=True),)))
    return services.coaching.plan(SessionPlan(
        partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 9), location="Plant 2",
        attendees=(Attendee("Anna Becker", Side.PARTNER), Attendee("Mira Holm", Side.OURS))))


def _live(qtbot, services, session_id) -> LiveSessionWidget:
    widget = LiveSessionWidget(services, ChangeBus(services.db.feed), session_id)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    return widget


def _type_line(qtbot, widget: LiveSessionWidget, text: str) -> None:
    qtbot.keyClicks(widget.capture, text)
    qtbot.keyClick(widget.capture, Qt.Key.Key_Return)


def test_typing_and_enter_logs_entries_decisions_and_action_items(qtbot, services, session):
    widget = _live(qtbot, services, session.id)
    _type_line(qtbot, widget, "Anna shows the October scrap Pareto")
    assert widget.capture.text() == ""
    assert widget.session.status is SessionStatus.LIVE  # the first entry starts the clock

    widget.capture.set_kind(EntryKind.DECISION)  # what Ctrl+2 does
    assert widget.capture.text() == "d: "
    _type_line(qtbot, widget, "Keep the second inspection until January")
    _type_line(qtbot, widget, "a: Send the inspection plan @Anna Becker due 2026-12-04")

    stored = services.coaching.entries(session.id)
    assert [(e.kind, e.text) for e in stored] == [
        (EntryKind.NOTE, "Anna shows the October scrap Pareto"),
        (EntryKind.DECISION, "Keep the second inspection until January"),
        (EntryKind.ACTION, "Send the inspection plan")]
    assert all(e.author == "Mira Holm" for e in stored)
    [item] = services.actions.list()
    assert (item.owner, item.owner_side, item.due_date) == ("Anna Becker", Side.PARTNER, date(2026, 12, 4))
    # the screen shows what was stored
    assert widget.model.rowCount() == 3
    assert widget.model.index(2, 3).data() == f"Anna Becker · due {format_date(date(2026, 12, 4))}"
    assert widget.model.index(1, 1).data() == "Decision"


def test_a_refused_line_stays_in_the_box_with_the_reason(qtbot, services, session):
    widget = _live(qtbot, services, session.id)
    _type_line(qtbot, widget, "a: order samples due 31.02.2027")
    assert widget.capture.text() == "a: order samples due 31.02.2027"
    assert widget.error_label.isVisibleTo(widget) and "not a date" in widget.error_label.text()
    assert services.coaching.entries(session.id) == []


def test_entries_are_edited_and_reordered_on_screen_and_in_the_log(qtbot, services, session):
    widget = _live(qtbot, services, session.id)
    for text in ("first", "second", "third"):
        _type_line(qtbot, widget, text)
    widget.select_row(2)
    qtbot.mouseClick(widget.up_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.up_button, Qt.MouseButton.LeftButton)
    assert [e.text for e in services.coaching.entries(session.id)] == ["third", "first", "second"]
    assert [widget.model.entry(i).text for i in range(3)] == ["third", "first", "second"]

    widget.model.setData(widget.model.index(1, 2), "first, corrected")
    assert services.coaching.entries(session.id)[1].text == "first, corrected"
    assert widget.model.index(1, 2).data() == "first, corrected"
    assert widget.model.index(1, 4).data().endswith("✎")


def test_killed_mid_typing_the_new_screen_finds_the_draft(qtbot, services, session):
    widget = LiveSessionWidget(services, ChangeBus(services.db.feed), session.id)  # not handed to qtbot: it will be killed
    widget.show()
    _type_line(qtbot, widget, "Logged before the crash")
    qtbot.keyClicks(widget.capture, "Partner proposes a second shi")
    # the draft is saved by its timer, without Enter and without closing
    qtbot.waitUntil(lambda: (services.coaching.draft(session.id) or None) is not None
                    and services.coaching.draft(session.id).text == "Partner proposes a second shi", timeout=3000)
    widget.clock.stop()
    shiboken6.delete(widget)  # gone without a close event, as in a crash

    again = _live(qtbot, services, session.id)
    assert again.capture.text() == "Partner proposes a second shi"
    assert "Recovered" in again.saved_label.text()
    assert [again.model.entry(i).text for i in range(again.model.rowCount())] == ["Logged before the crash"]
    qtbot.keyClicks(again.capture, "ft")
    qtbot.keyClick(again.capture, Qt.Key.Key_Return)
    assert services.coaching.entries(session.id)[-1].text == "Partner proposes a second shift"
    assert services.coaching.draft(session.id) is None


def test_closing_mid_typing_saves_the_draft_at_once(qtbot, services, session):
    widget = _live(qtbot, services, session.id)
    qtbot.keyClicks(widget.capture, "r: tooling budget")
    widget.close()  # before the draft timer fired
    assert services.coaching.draft(session.id).text == "r: tooling budget"


def test_end_session_shows_the_summary_and_ends_it(qtbot, services, session):
    from app.ui.coaching.end_dialog import EndSessionDialog

    widget = _live(qtbot, services, session.id)
    _type_line(qtbot, widget, "d: Move the PPM target to 400")
    _type_line(qtbot, widget, "a: Update the control plan @Anna Becker due +1w")
    dialog = EndSessionDialog(services, session.id, widget)
    qtbot.addWidget(dialog)
    html = dialog.summary_view.toPlainText()
    assert "Move the PPM target to 400" in html and "Update the control plan" in html
    dialog.note_edit.setPlainText("Good session.")
    with qtbot.waitSignal(dialog.ended):
        qtbot.mouseClick(dialog.end_button, Qt.MouseButton.LeftButton)
    data = services.coaching.get(session.id)
    assert data.status is SessionStatus.ENDED and data.summary == "Good session."
    assert not dialog.end_button.isVisibleTo(dialog)


def test_start_up_offers_to_resume_an_interrupted_session_with_its_draft(qtbot, services, session):
    from app.ui.coaching.recovery import offer_to_resume

    services.coaching.start(session.id)
    services.coaching.save_draft(session.id, "what I was typing")
    window = QMainWindow()
    qtbot.addWidget(window)
    seen = {}

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["text"] = box.text()
        next(b for b in box.buttons() if b.text() == "Open live screen").click()

    QTimer.singleShot(0, answer)
    offer_to_resume(window, services, ChangeBus(services.db.feed))
    assert "what I was typing" in seen["text"] and "Atlasforge" in seen["text"]
    live_window = _open_windows[session.id]
    qtbot.addWidget(live_window)
    assert live_window.widget.capture.text() == "what I was typing"
    live_window.close()
    assert session.id not in _open_windows


def test_experiment_log_puts_stagnating_experiments_first_and_filters(qtbot, demo_services):
    from app.ui.coaching.experiments_view import ExperimentsSection

    section = ExperimentsSection(demo_services, ChangeBus(demo_services.db.feed))
    qtbot.addWidget(section)
    rows = section.log.model.rows()
    assert rows and all(e.is_open for e in rows)  # "Open only" is on
    flags = [e.stagnating for e in rows]
    assert any(flags) and flags == sorted(flags, reverse=True)  # stagnating ones stand out at the top
    assert section.log.model.index(0, 7).data().startswith("stagnating")
    section.log.stagnating_check.setChecked(True)
    assert all(e.stagnating for e in section.log.model.rows())
    section.log.table.selectRow(0)
    assert "Story" in section.log.story.toPlainText()
    section.tabs.setCurrentIndex(1)
    section.actions.status_combo.setCurrentIndex(1)  # overdue
    assert all(a.overdue for a in section.actions.model.rows())


# -- the window on a field laptop ---------------------------------------------------------------------------

def _outside_scroll_areas(widget) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea):
            return False
        w = w.parentWidget()
    return True


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080)])
def test_the_live_window_fits_the_screen_with_the_capture_box_on_it(qtbot, services, session, size):
    from PySide6.QtCore import QPoint, QRect

    from app.ui.coaching.live import LiveSessionWindow

    screen = QRect(0, 0, *size)
    window = LiveSessionWindow(services, ChangeBus(services.db.feed), session.id, screen=screen)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= size[0] and window.height() <= size[1]
    capture = window.widget.capture
    top_left = capture.mapTo(window, QPoint(0, 0))
    assert top_left.y() + capture.height() <= window.height()  # not off the bottom edge
    assert capture.visibleRegion().boundingRect().size() == capture.size()
    assert _outside_scroll_areas(capture)  # nothing scrolls it away
    assert QApplication.focusWidget() in (capture, None) or capture.hasFocus()


def test_the_live_window_remembers_its_size_and_position(qtbot, services, session):
    from PySide6.QtCore import QRect

    from app.ui.coaching.live import LiveSessionWindow

    screen = QRect(0, 0, 1920, 1080)
    first = LiveSessionWindow(services, ChangeBus(services.db.feed), session.id, screen=screen)
    first.show()
    first.setGeometry(100, 80, 1100, 700)
    geometry = first.geometry()
    first.close()
    again = LiveSessionWindow(services, ChangeBus(services.db.feed), session.id, screen=screen)
    qtbot.addWidget(again)
    assert again.geometry() == geometry
    # on a smaller screen the remembered size no longer fits: the window fits the screen instead
    small = LiveSessionWindow(services, ChangeBus(services.db.feed), session.id, screen=QRect(0, 0, 1024, 600))
    qtbot.addWidget(small)
    assert small.width() <= 1024 and small.height() <= 600


def _answer_boxes(*buttons: str) -> list[str]:
    """Click the button called ``buttons[i]`` in the i-th message box shown; returns the boxes' texts."""
    texts: list[str] = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.text() in texts:
            QTimer.singleShot(10, answer)
            return
        texts.append(box.text())
        next(b for b in box.buttons() if b.text() == buttons[len(texts) - 1]).click()
        if len(texts) < len(buttons):
            QTimer.singleShot(10, answer)

    QTimer.singleShot(0, answer)
    return texts


def _crashed_session(services, session, monkeypatch):
    """A session run from 10:00 to 10:42 whose laptop crashed; Tandem restarts at 14:00."""
    import app.services.coaching as coaching_service

    clock = {"now": datetime(2026, 11, 24, 10, 0)}
    monkeypatch.setattr(coaching_service, "utcnow", lambda: clock["now"])
    services.coaching.start(session.id)
    services.coaching.log(session.id, "Anna shows the scrap Pareto")
    clock["now"] = datetime(2026, 11, 24, 10, 42)
    services.coaching.log(session.id, "d: Keep the second inspection")
    services.coaching.save_draft(session.id, "a: send the plan @Anna")
    clock["now"] = datetime(2026, 11, 24, 14, 0)


def test_ending_an_interrupted_session_asks_and_ends_at_its_last_entry(qtbot, services, session, monkeypatch):
    from app.ui.coaching.recovery import offer_to_resume

    _crashed_session(services, session, monkeypatch)
    window = QMainWindow()
    qtbot.addWidget(window)
    texts = _answer_boxes("End session…", "End session")
    offer_to_resume(window, services, ChangeBus(services.db.feed))
    assert len(texts) == 2
    assert "last entry" in texts[1] and "a: send the plan @Anna" in texts[1] and "not logged" in texts[1]
    data = services.coaching.get(session.id)
    assert data.status is SessionStatus.ENDED
    assert data.ended_at == datetime(2026, 11, 24, 10, 42)  # not 14:00, when Tandem was restarted


def test_ending_an_interrupted_session_can_still_turn_into_resuming(qtbot, services, session, monkeypatch):
    from app.ui.coaching.recovery import offer_to_resume

    _crashed_session(services, session, monkeypatch)
    window = QMainWindow()
    qtbot.addWidget(window)
    texts = _answer_boxes("End session…", "Open live screen instead")
    offer_to_resume(window, services, ChangeBus(services.db.feed))
    assert len(texts) == 2
    assert services.coaching.get(session.id).status is SessionStatus.LIVE
    live_window = _open_windows[session.id]
    qtbot.addWidget(live_window)
    assert live_window.widget.capture.text() == "a: send the plan @Anna"  # nothing lost
    live_window.close()


def test_each_coaching_action_has_one_name_whatever_the_status(qtbot, services, session):
    """“Open live screen” only opens the screen (it used to read “Start session” on a planned session, and
    starting was then a second, differently named step); “Start session” starts the clock, “End session…” ends
    it, in the list, on the live screen and after a crash alike."""
    from app.ui.coaching.sessions_view import SessionsView

    view = SessionsView(services, ChangeBus(services.db.feed))
    qtbot.addWidget(view)
    view.filter_combo.setCurrentIndex(2)  # all sessions, ended ones too
    texts = []
    for status in (SessionStatus.PLANNED, SessionStatus.LIVE, SessionStatus.ENDED):
        assert services.coaching.get(session.id).status is status
        view.table.selectRow(0)
        texts.append(view.open_button.text())
        if status is SessionStatus.PLANNED:
            view.open_button.click()
            live_window = _open_windows[session.id]
            qtbot.addWidget(live_window)
            assert services.coaching.get(session.id).status is SessionStatus.PLANNED  # opening starts nothing
            assert live_window.widget.start_button.text() == "Start session"
            live_window.widget.start_button.click()
            live_window.close()
        elif status is SessionStatus.LIVE:
            services.coaching.end(session.id)
    assert texts == ["Open live screen"] * 3
