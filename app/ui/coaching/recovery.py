"""At start-up: offer to resume a coaching session that was still live when Tandem closed or crashed.

The session's entries are all saved (each was committed as it was typed); the draft holds what was being
typed. Resuming opens the live screen with the draft back in the capture box; "End it" ends the session as
it stands; "Later" leaves it live (it stays in the Sessions list, marked live).
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMessageBox

from app.services import Services
from app.services.coaching import local_time, type_name
from app.ui.bus import Change, ChangeBus


def offer_to_resume(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """Ask about each interrupted session, newest first (usually there is one)."""
    from app.ui.coaching.live import open_live_session

    for found in services.coaching.interrupted():
        s = found.session
        started = local_time(s.started_at or s.scheduled_at)
        text = (f"The {type_name(s.session_type).lower()} with {s.partner_name} (started {started:%a %d %b %H:%M}) "
                "was still running when Tandem closed.\n\nEvery logged entry is saved.")
        if found.draft:
            text += f"\n\nYou were typing:\n“{found.draft}”"
        box = QMessageBox(QMessageBox.Icon.Question, "Resume the session?", text, parent=window)
        resume = box.addButton("Resume session", QMessageBox.ButtonRole.AcceptRole)
        end = box.addButton("End it", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(resume)
        box.exec()
        if box.clickedButton() is resume:
            open_live_session(window, services, bus, s.id)
        elif box.clickedButton() is end:
            services.coaching.end(s.id)
            bus.changed.emit(Change.of("coaching_sessions", partner_id=s.partner_id))
