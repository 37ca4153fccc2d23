"""The sections of the main window's sidebar, in order.

Each entry is (title, icon name, factory). A factory takes the `Services` and the `ChangeBus` and returns
the section's widget. A capability adds its section by adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.services import Services
from app.ui.bus import ChangeBus

SectionFactory = Callable[[Services, ChangeBus], QWidget]


def _partners(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.partners.section import PartnersSection

    return PartnersSection(services, bus)


SECTIONS: list[tuple[str, SectionFactory]] = [
    ("Partners", _partners),
]
