"""Coaching in the UI: the Sessions and Experiments sections, the partner's Sessions tab, the live session
screen, and the start-up offer to resume a session interrupted by a crash.

The factories here are what app/ui/sections.py and app/ui/partners/tabs.py list.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

from app.services import Services
from app.ui.bus import ChangeBus

#: Tables whose changes the coaching views show.
COACHING_TABLES = ("coaching_sessions", "session_attendees", "log_entries", "action_items", "experiments",
                   "experiment_events", "partners", "contacts")


def sessions_section(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.coaching.sessions_view import SessionsView

    return SessionsView(services, bus)


def experiments_section(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.coaching.experiments_view import ExperimentsSection

    return ExperimentsSection(services, bus)


def sessions_tab(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.coaching.sessions_view import PartnerSessionsTab

    return PartnerSessionsTab(services, bus)


def resume_interrupted(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    from app.ui.coaching.recovery import offer_to_resume

    offer_to_resume(window, services, bus)
