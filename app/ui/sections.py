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
from app.ui.bus import ChangeBus

SectionFactory = Callable[[Services, ChangeBus], QWidget]


def _partners(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.partners.section import PartnersSection

    return PartnersSection(services, bus)


SECTIONS: list[tuple[str, SectionFactory]] = [
    ("Partners", _partners),
]


WindowHook = Callable[[QMainWindow, Services, ChangeBus], None]
MENU_INSTALLERS: list[WindowHook] = []
STARTUP_CHECKS: list[WindowHook] = []
