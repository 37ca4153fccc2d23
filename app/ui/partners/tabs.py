"""The tabs of a partner's page, in order, after the Profile tab.

Each entry is (title, factory). A factory takes the `Services` and the `ChangeBus` and returns a widget with
a ``set_partner(partner_id: str | None)`` method, called whenever the page shows another partner (None: no
partner selected, or a partner not yet saved). A capability adds its tab by adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.services import Services
from app.ui.bus import ChangeBus

TabFactory = Callable[[Services, ChangeBus], QWidget]

PARTNER_TABS: list[tuple[str, TabFactory]] = []
