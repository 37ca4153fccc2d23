"""The main window of a partner's workspace: the banner naming the partner and the lead, New partner disabled,
the library editors read-only (disabled buttons that say why, never hidden), the measurement grid as editable
as ever."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.models.enums import PeriodKind
from app.services.measurements import period_start
from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.measurements.grid import MeasurementGridWidget
from app.ui.selection.criteria_editor import CriteriaEditorWidget
from tests.sync.conftest import add_partner, laptops  # noqa: F401  (laptops is a fixture)
from tests.sync.helpers import KPI_OTD

LAPTOP = QRect(0, 0, 1366, 768)
KEPT = "kept by Dana Lead; suggest changes to them"


def _lead(laptops):
    lead = laptops.new("lead")
    lead.identity.set_names("Dana Lead", "dana-laptop")
    acme = add_partner(lead, "Acme")
    add_partner(lead, "Beta")
    path = laptops.package()
    lead.sync.export(path, partner_ids=[acme])
    return lead, acme, path


@pytest.fixture
def workspace(qtbot, laptops):
    """Acme's Tandem after importing Dana's package of Acme, in a main window the size of a field laptop."""
    _lead_services, acme, path = _lead(laptops)
    services = laptops.new("acme")
    services.identity.set_names("Ana Acme", "acme-laptop")
    services.sync.import_package(path, trust_new_signer=True)
    window = MainWindow(services, ChangeBus(services.db.feed), screen=LAPTOP)
    qtbot.addWidget(window)
    window.show()
    return window, services, acme


def test_the_banner_names_the_partner_and_the_lead_who_shared_it(workspace):
    window, services, _acme = workspace
    assert window.banner.isVisible()
    text = window.banner.text()
    assert "Acme's workspace" in text and "shared by Dana Lead on" in text and "Libraries are read-only." in text
    assert "dana-laptop" in window.banner.toolTip()
    assert window.banner.mapTo(window, QPoint(0, 0)).y() < window.sidebar.mapTo(window, QPoint(0, 0)).y()
    assert window.section("Partners").page.partner_id == services.workspace.current().partner_id  # opens on it


def test_the_profile_fields_the_lead_keeps_are_read_only_and_the_partners_own_stay_editable(workspace):
    window, _services, _acme = workspace
    profile = window.section("Partners").page.profile
    assert profile.name.isReadOnly() and profile.spend.isReadOnly() and not profile.tier.isEnabled()
    assert "Kept by Dana Lead" in profile.tier.toolTip() and not profile.delete_button.isEnabled()
    assert not profile.country.isReadOnly() and not profile.goals.isReadOnly()  # the partner co-writes these
    assert profile.goals.isEnabled()


def test_an_ordinary_tandem_shows_no_banner(qtbot, services):
    window = MainWindow(services, ChangeBus(services.db.feed), screen=LAPTOP)
    qtbot.addWidget(window)
    window.show()
    assert not window.banner.isVisible()
    assert window.new_partner_action.isEnabled() and window.section("Partners").directory.new_button.isEnabled()


def test_new_partner_is_disabled_with_the_reason(qtbot, workspace):
    window, _services, _acme = workspace
    directory = window.show_section("Partners").directory
    assert directory.model.rowCount() == 1
    assert not directory.new_button.isEnabled() and directory.new_button.isVisible()
    assert "it holds only Acme" in directory.new_button.toolTip()
    assert not window.new_partner_action.isEnabled()
    window.show_section("Partners").new_partner()  # Ctrl+N and the like do nothing either
    assert window.section("Partners").page.title.text() == "Acme"


def test_the_kpi_editor_is_read_only_and_says_why(qtbot, workspace):
    window, _services, _acme = workspace
    kpis = window.show_section("KPI library")
    for button in (kpis.save_button, kpis.new_button, kpis.retire_button):
        assert not button.isEnabled() and KEPT in button.toolTip()
    assert kpis.save_button.isVisibleTo(kpis)  # disabled, not hidden
    assert kpis.code.isReadOnly() and kpis.target.isReadOnly() and not kpis.category.isEnabled()
    assert "the KPI library is kept by Dana Lead" in kpis.save_button.toolTip()
    kpis.list.selectRow(1)  # another KPI: still read-only
    assert not kpis.retire_button.isEnabled() and not kpis.is_dirty()


def test_the_other_library_editors_are_read_only_too(qtbot, workspace):
    window, _services, _acme = workspace
    playbooks = window.show_section("Playbooks")
    for button in (playbooks.new_button, playbooks.import_button, playbooks.save_button, playbooks.add_step):
        assert not button.isEnabled() and "playbook library" in button.toolTip()
    assert playbooks.name.isReadOnly() and playbooks.export_button.isEnabled()
    editor = window.show_section("Selection").findChild(CriteriaEditorWidget)
    assert not editor.add_button.isEnabled() and "selection criteria library" in editor.add_button.toolTip()
    assert not editor.publish_button.isEnabled() and editor.name.isReadOnly()
    learning = window.show_section("Learning")
    assert not learning.tracks.new_button.isEnabled() and "learning library" in learning.tracks.new_button.toolTip()
    assert not learning.tracks.save_button.isEnabled() and not learning.modules.new_button.isEnabled()


def test_the_measurement_grid_stays_editable(qtbot, workspace):
    window, services, acme = workspace
    assert window.banner.isVisible()  # a workspace, libraries read-only, and yet:
    window.open_partner(acme)
    grid = next(w for w in window.section("Partners").page.extra_tabs if isinstance(w, MeasurementGridWidget))
    window.section("Partners").page.show_tab("Measurements")
    last = grid.model.columnCount() - 1
    row = [k.code for k in grid.model.grid.kpis].index("OTD")
    grid.table.setCurrentIndex(grid.model.index(row, last))
    grid.table.setFocus()
    with qtbot.waitSignal(window.bus.changed):
        qtbot.keyClick(grid.table, "9")
        editor = QApplication.focusWidget()
        assert isinstance(editor, QLineEdit)
        qtbot.keyClicks(editor, "4")
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    this_month = period_start(PeriodKind.MONTH, date.today())
    assert [(r.period_start, r.value) for r in services.measurements.series(acme, KPI_OTD)] == [(this_month, 94.0)]


def test_a_running_window_shows_the_workspace_once_the_first_import_makes_one(qtbot, laptops):
    _lead_services, acme, path = _lead(laptops)
    services = laptops.new("acme")
    window = MainWindow(services, ChangeBus(services.db.feed), screen=LAPTOP)
    qtbot.addWidget(window)
    window.show()
    kpis = window.show_section("KPI library")
    assert not window.banner.isVisible() and kpis.save_button.isEnabled()
    services.sync.import_package(path, trust_new_signer=True)
    assert window.banner.isVisible() and "Acme's workspace" in window.banner.text()
    assert not window.new_partner_action.isEnabled()
    assert not window.section("Partners").directory.new_button.isEnabled()
    assert not kpis.save_button.isEnabled() and KEPT in kpis.save_button.toolTip()
    assert window.section("Partners").page.partner_id == acme  # and the window shows the partner
