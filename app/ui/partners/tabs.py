"""The tabs of a partner's page, in order, after the Profile tab.

Each entry is (title, factory). A factory takes the `Services` and the `ChangeBus` and returns a widget with
a ``set_partner(partner_id: str | None)`` method, called whenever the page shows another partner (None: no
partner selected, or a partner not yet saved). A capability adds its tab by adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.services import Services
from app.ui import coaching
from app.ui.bus import ChangeBus

TabFactory = Callable[[Services, ChangeBus], QWidget]


def _selection(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.selection.workspace import SelectionTab

    return SelectionTab(services, bus)


def _onboarding(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.onboarding.checklist_tab import OnboardingTab

    return OnboardingTab(services, bus)


def _success_plan(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.plans.plan_tab import SuccessPlanTab

    return SuccessPlanTab(services, bus)


def _scorecard(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.dashboard.scorecard_tab import ScorecardTab

    return ScorecardTab(services, bus)


def _measurements(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.measurements.grid import MeasurementGridWidget

    return MeasurementGridWidget(services, bus)


def _learning(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.learning.partner_tab import LearningTab

    return LearningTab(services, bus)


def _files(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.attachments.partner_tab import PartnerFilesTab

    return PartnerFilesTab(services, bus)


PARTNER_TABS: list[tuple[str, TabFactory]] = [
    ("Scorecard", _scorecard),
    ("Measurements", _measurements),
    ("Selection", _selection),
    ("Onboarding", _onboarding),
    ("Success plan", _success_plan),
    ("Sessions", coaching.sessions_tab),
    ("Learning", _learning),
    ("Files", _files),
]
