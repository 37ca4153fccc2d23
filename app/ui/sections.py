"""What capabilities plug into the main window: sidebar sections, menu actions and start-up checks.

- `SECTIONS`: (title, factory) in sidebar order. A factory takes the `Services` and the `ChangeBus` and
  returns the section's widget.
- `MENU_INSTALLERS`: functions (window, services, bus) that add actions to ``window.file_menu``,
  ``window.tools_menu`` or their own menus.
- `STARTUP_CHECKS`: functions (window, services, bus) run once the main window is shown (for example:
  offer to resume a coaching session interrupted by a crash).

A capability plugs in by adding one line to a list here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMainWindow, QWidget

from app.services import Services
from app.ui import agenda, coaching
from app.ui.bus import ChangeBus

SectionFactory = Callable[[Services, ChangeBus], QWidget]


def _dashboard(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.dashboard.section import DashboardSection

    return DashboardSection(services, bus)


def _kpi_library(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.kpis.section import KpiLibrarySection

    return KpiLibrarySection(services, bus)


def _partners(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.partners.section import PartnersSection

    return PartnersSection(services, bus)


def _selection(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.selection.section import SelectionSection

    return SelectionSection(services, bus)


def _playbooks(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.playbooks.section import PlaybooksSection

    return PlaybooksSection(services, bus)


def _onboarding(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.onboarding.portfolio import OnboardingPortfolioSection

    return OnboardingPortfolioSection(services, bus)


def _learning(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.learning.section import LearningSection

    return LearningSection(services, bus)


def _sync(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.sync import sync_section

    return sync_section(services, bus)


def _sync_menu(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    from app.ui.sync import install_menu

    install_menu(window, services, bus)


def _print_settings(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    from app.ui.selection.dialogs import install_print_settings

    install_print_settings(window, services, bus)


SECTIONS: list[tuple[str, SectionFactory]] = [
    ("This week", agenda.agenda_section),
    ("Dashboard", _dashboard),
    ("Partners", _partners),
    ("Selection", _selection),
    ("Onboarding", _onboarding),
    ("Playbooks", _playbooks),
    ("KPI library", _kpi_library),
    ("Sessions", coaching.sessions_section),
    ("Experiments", coaching.experiments_section),
    ("Learning", _learning),
    ("Sync", _sync),
]


WindowHook = Callable[[QMainWindow, Services, ChangeBus], None]
MENU_INSTALLERS: list[WindowHook] = [_print_settings, _sync_menu, agenda.install_menu]
STARTUP_CHECKS: list[WindowHook] = [coaching.resume_interrupted]
