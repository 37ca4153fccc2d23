"""At start-up: offer to resume a coaching session that was still live when Tandem closed or crashed.

The session's entries are all saved (each was committed as it was typed); the draft holds what was being
typed. "Open live screen" opens it with the draft back in the capture box; "Later" leaves it live (it stays
in the Sessions list, marked live). "End session…" asks first, saying when the session will end (at its last
entry, not now: the meeting is long over) and that the text being typed will not be logged; the user can
still open the live screen instead to log it. The buttons carry the names the Sessions list and the live
screen use for the same actions.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMessageBox

from app.services import Services
from app.services.coaching import InterruptedSession, local_time, type_name
from app.ui.bus import ChangeBus
from app.ui.formatting import format_datetime

#: What `confirm_end` answers.
END, RESUME, CANCEL = "end", "resume", "cancel"


def offer_to_resume(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """Ask about each interrupted session, newest first (usually there is one)."""
    from app.ui.coaching.live import open_live_session

    for found in services.coaching.interrupted():
        s = found.session
        started = local_time(s.started_at or s.scheduled_at)
        text = (f"The {type_name(s.session_type).lower()} with {s.partner_name} "
                f"(started {format_datetime(started, weekday=True)}) was still running when Tandem closed.\n\n"
                "Every logged entry is saved.")
        if found.draft:
            text += f"\n\nYou were typing:\n“{found.draft}”"
        box = QMessageBox(QMessageBox.Icon.Question, "Resume the session?", text, parent=window)
        resume = box.addButton("Open live screen", QMessageBox.ButtonRole.AcceptRole)
        end = box.addButton("End session…", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(resume)
        box.exec()
        choice = box.clickedButton()
        if choice is end:
            answer = confirm_end(window, services, found)
            if answer == END:
                services.coaching.end(s.id, at_last_entry=True)
                services.coaching.save_draft(s.id, "")  # the user was told it is not logged
                continue
            if answer == RESUME:
                choice = resume
        if choice is resume:
            open_live_session(window, services, bus, s.id)


def confirm_end(window: QMainWindow, services: Services, found: InterruptedSession) -> str:
    """Ask before ending an interrupted session: END, RESUME (to log the draft first) or CANCEL."""
    s = found.session
    entries = services.coaching.entries(s.id)
    if entries:
        when = f"at {local_time(entries[-1].logged_at):%H:%M}, when its last entry was logged"
    else:
        when = f"at {local_time(s.started_at or s.scheduled_at):%H:%M}, when it started (nothing was logged)"
    text = f"End the session with {s.partner_name} {when}?"
    if found.draft:
        text += f"\n\nWhat you were typing is not logged:\n“{found.draft}”\n\nOpen the live screen to log it."
    box = QMessageBox(QMessageBox.Icon.Question, "End the session?", text, parent=window)
    end = box.addButton("End session", QMessageBox.ButtonRole.DestructiveRole)
    resume = box.addButton("Open live screen instead", QMessageBox.ButtonRole.AcceptRole) if found.draft else None
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(resume or cancel)
    box.exec()
    clicked = box.clickedButton()
    return END if clicked is end else RESUME if resume is not None and clicked is resume else CANCEL
