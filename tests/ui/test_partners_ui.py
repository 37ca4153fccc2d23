"""The partner directory and profile, driven like a user would: type, filter, edit, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.models.enums import PartnerKind
from app.services.partners import PartnerData, PartnerQuery
from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.partners.directory import PartnerDirectoryWidget
from app.ui.partners.table_model import ID_ROLE
from app.ui.partners.section import PartnersSection


@pytest.fixture
def window(qtbot, demo_services):
    demo_services.identity.set_names("Mira Holm", "Field laptop")
    w = MainWindow(demo_services, ChangeBus(demo_services.db.feed))
    qtbot.addWidget(w)
    w.show()
    return w


def visible_names(directory: PartnerDirectoryWidget) -> list[str]:
    model = directory.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_typing_in_the_search_box_filters_the_rows(qtbot, demo_services):
    directory = PartnerDirectoryWidget(demo_services.partners)
    qtbot.addWidget(directory)
    everyone = visible_names(directory)
    assert len(everyone) == 60
    target = everyone[17]
    fragment = target.split()[0][:6]
    qtbot.keyClicks(directory.search, fragment)
    qtbot.waitUntil(lambda: directory.model.rowCount() < 60)
    names = visible_names(directory)
    assert target in names
    assert all(fragment.lower() in n.lower() for n in names)
    directory.search.clear()
    qtbot.waitUntil(lambda: directory.model.rowCount() == 60)


def test_kind_filter_and_sorting_by_a_column(qtbot, demo_services):
    directory = PartnerDirectoryWidget(demo_services.partners)
    qtbot.addWidget(directory)
    directory.kind.setCurrentIndex(directory.kind.findData(PartnerKind.DISTRIBUTOR))
    expected = demo_services.partners.count(PartnerQuery(kinds=(PartnerKind.DISTRIBUTOR,)))
    assert directory.model.rowCount() == expected > 0
    assert {directory.model.index(r, 1).data() for r in range(expected)} == {"Distributor"}
    directory.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)  # annual spend, biggest first
    spends = [int(directory.model.index(r, 6).data().split()[0].replace(",", "")) for r in range(expected)]
    assert spends == sorted(spends, reverse=True)


def test_selecting_a_partner_shows_its_profile(qtbot, window):
    section = window.section("Partners")
    section.directory.table.selectRow(2)
    name = section.directory.model.index(2, 0).data()
    qtbot.waitUntil(lambda: section.page.profile.name.text() == name)
    assert section.page.title.text() == name


def test_edit_save_undo_and_redo(qtbot, window, demo_services):
    section = window.section("Partners")
    section.directory.table.selectRow(0)
    page = section.page
    partner_id = page.partner_id
    old_name = page.profile.name.text()
    page.profile.name.selectAll()
    qtbot.keyClicks(page.profile.name, "Renamed Partner AG")
    assert page.profile.is_dirty()
    qtbot.mouseClick(page.profile.save_button, Qt.MouseButton.LeftButton)
    assert demo_services.partners.get(partner_id).name == "Renamed Partner AG"
    assert not page.profile.is_dirty()

    window.bus.undo_stack.undo()
    assert demo_services.partners.get(partner_id).name == old_name
    qtbot.waitUntil(lambda: page.profile.name.text() == old_name)
    window.bus.undo_stack.redo()
    assert demo_services.partners.get(partner_id).name == "Renamed Partner AG"
    assert "Renamed Partner AG" in visible_names(section.directory)


def test_an_invalid_edit_shows_the_message_and_saves_nothing(qtbot, window, demo_services):
    section = window.section("Partners")
    section.directory.table.selectRow(1)
    page = section.page
    before = demo_services.partners.get(page.partner_id)
    page.profile.name.clear()
    qtbot.mouseClick(page.profile.save_button, Qt.MouseButton.LeftButton)
    assert page.profile.errors.isVisibleTo(page) and "needs a name" in page.profile.errors.text()
    assert demo_services.partners.get(page.partner_id).name == before.name
    assert window.bus.undo_stack.count() == 0


def test_new_partner_with_a_contact_and_undo_the_creation(qtbot, window, demo_services):
    section = window.section("Partners")
    section.new_partner()
    profile = section.page.profile
    qtbot.keyClicks(profile.name, "Zenith Precision Kft.")
    profile.value_score.setValue(5)
    profile.risk_score.setValue(1)
    assert "Strategic" in profile.quadrant.text()
    qtbot.mouseClick(profile.contacts.parent().findChildren(type(profile.save_button))[0],
                     Qt.MouseButton.LeftButton)  # "Add" under the contacts
    profile.contacts.item(0, 0).setText("Ines Novak")
    qtbot.mouseClick(profile.save_button, Qt.MouseButton.LeftButton)
    created = demo_services.partners.find("Zenith Precision Kft.")
    assert [c.name for c in demo_services.partners.get(created.id).contacts] == ["Ines Novak"]
    assert section.page.partner_id == created.id
    window.bus.undo_stack.undo()
    assert demo_services.partners.count() == 60


def test_delete_asks_and_undo_brings_the_partner_back(qtbot, window, demo_services, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    section = window.section("Partners")
    section.directory.table.selectRow(4)
    partner_id = section.page.partner_id
    section.page.delete()
    assert demo_services.partners.count() == 59
    assert section.page.stack.currentIndex() == 0  # nothing shown any more
    window.bus.undo_stack.undo()
    assert demo_services.partners.get(partner_id)
    qtbot.waitUntil(lambda: section.page.partner_id == partner_id)


def test_first_run_dialog_requires_a_name(qtbot, services):
    from app.ui.first_run import IdentityDialog

    dialog = IdentityDialog(services.identity)
    qtbot.addWidget(dialog)
    dialog.display_name.clear()
    dialog.accept()
    assert dialog.error.isVisibleTo(dialog) and not services.identity.get().is_set
    qtbot.keyClicks(dialog.display_name, "Mira Holm")
    dialog.accept()
    assert services.identity.get().display_name == "Mira Holm"


def test_closing_the_window_with_unsaved_edits_asks_and_cancel_keeps_it_open(qtbot, window, message_boxes):
    section = window.section("Partners")
    section.directory.table.selectRow(0)
    qtbot.keyClicks(section.page.profile.name, " (edited)")
    window.show_section("Dashboard")
    assert not window.close()  # the guard answers Cancel
    assert window.isVisible() and section.page.profile.is_dirty()
    assert any("Unsaved changes" in text for _kind, text in message_boxes)


def test_new_partner_opens_at_the_top_with_name_focused(qtbot, window, demo_services):
    """The form kept the scroll position of the partner shown before, so Name was out of view."""
    window.resize(1366, 768)
    section = window.section("Partners")
    section.open_partner(demo_services.partners.list()[0].id)
    bar = section.page.profile.scroll.verticalScrollBar()
    assert bar.maximum() > 0  # the profile is taller than a laptop screen
    bar.setValue(bar.maximum())
    section.new_partner()
    assert bar.value() == 0


def test_an_empty_database_offers_the_ways_to_begin(qtbot, services, monkeypatch):
    """First run: not just "0 partners" but Add a partner, Import a package and Explore demo data."""
    bus = ChangeBus(services.db.feed)
    section = PartnersSection(services, bus)
    qtbot.addWidget(section)
    page = section.page
    assert page.stack.currentWidget() is page.welcome
    imported = []
    monkeypatch.setattr("app.ui.sync.dialogs.choose_and_import", lambda *a: imported.append(a))
    page.welcome.import_button.click()
    assert imported  # the Sync section's import dialog
    page.welcome.add_button.click()
    assert page.stack.currentIndex() == 1 and page.title.text() == "New partner"
    services.partners.create(PartnerData(name="First Partner"))
    page.show_partner(None)
    assert page.stack.currentWidget() is not page.welcome  # a partner exists: pick one in the directory


def test_explore_demo_data_makes_a_separate_database_and_opens_it(qtbot, services, monkeypatch, tmp_path):
    from PySide6.QtCore import QProcess

    from app.ui.partners import welcome

    started = []
    monkeypatch.setattr(welcome, "user_data_dir", lambda: tmp_path)
    monkeypatch.setattr(welcome, "DEMO_PARTNERS", 5)
    monkeypatch.setattr(QProcess, "startDetached", lambda program, args: started.append(args) or (True, 1))
    panel = welcome.WelcomePanel()
    qtbot.addWidget(panel)
    panel.demo_button.click()
    qtbot.waitUntil(lambda: bool(started), timeout=60_000)
    demo = tmp_path / "demo.sqlite"
    assert started[0][-2:] == ["--db", str(demo)] and "own window" in panel.status.text()
    from app.services import build_services
    from app.services.database import open_database
    s = build_services(open_database(demo))
    try:
        assert s.partners.count() == 5
    finally:
        s.db.close()
    assert services.partners.count() == 0  # the user's own database is untouched


def test_a_new_partner_is_not_scored_and_the_directory_says_so_last(qtbot, window, demo_services):
    section = window.section("Partners")
    section.new_partner()
    profile = section.page.profile
    assert profile.value_score.text() == profile.risk_score.text() == "Not scored"
    assert "Not scored" in profile.quadrant.text() and "Opportunistic" not in profile.quadrant.text()
    qtbot.keyClicks(profile.name, "Aaron Unscored Oy")
    qtbot.mouseClick(profile.save_button, Qt.MouseButton.LeftButton)
    created = demo_services.partners.find("Aaron Unscored Oy")
    assert demo_services.partners.get(created.id).quadrant is None
    directory = section.directory
    directory.quadrant.setCurrentIndex(directory.quadrant.findText("Not scored"))
    names = visible_names(directory)
    assert "Aaron Unscored Oy" in names
    assert {r.quadrant for r in demo_services.partners.list(PartnerQuery(quadrants=(None,)))} == {None}
    assert len(names) == len(demo_services.partners.list(PartnerQuery(quadrants=(None,))))
    directory.quadrant.setCurrentIndex(0)
    directory.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # the Quadrant column
    column = [directory.model.index(r, 4).data() for r in range(directory.model.rowCount())]
    first_unscored = column.index("Not scored")
    assert set(column[first_unscored:]) == {"Not scored"} and first_unscored > 0


def test_down_or_enter_in_the_search_box_moves_into_the_results(qtbot, demo_services):
    directory = PartnerDirectoryWidget(demo_services.partners)
    qtbot.addWidget(directory)
    directory.show()
    directory.activateWindow()
    opened = []
    directory.partner_selected.connect(opened.append)
    directory.search.setFocus()
    qtbot.waitUntil(directory.search.hasFocus)
    qtbot.keyClicks(directory.search, "a")
    qtbot.keyClick(directory.search, Qt.Key.Key_Down)
    assert directory.table.hasFocus() and opened == [directory.current_partner_id()]
    qtbot.keyClick(directory.table, Qt.Key.Key_Down)  # and on through the results
    assert directory.current_partner_id() == directory.model.index(1, 0).data(ID_ROLE)
    directory.search.setFocus()
    qtbot.keyClick(directory.search, Qt.Key.Key_Return)
    assert directory.table.hasFocus() and directory.current_partner_id() == opened[-1]
