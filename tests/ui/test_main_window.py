"""The main window on a field laptop: the wheel never edits, Ctrl+N creates a partner, the window and its
splitters are remembered, no pane collapses, and Help has the shortcuts and the user guide."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui.bus import ChangeBus
from app.ui.main_window import MainWindow
from app.ui.wheel import install_wheel_guard
from tests.ui.layout_checks import wheel

BIG = QRect(0, 0, 1920, 1080)
LAPTOP = QRect(0, 0, 1366, 768)


# -- the mouse wheel ---------------------------------------------------------------------------------------

@pytest.fixture
def scrolling_form(qtbot):
    """A tall scrolling page with a combo box and a spin box in it, the focus in a line edit above them."""
    install_wheel_guard()
    page = QWidget()
    layout = QVBoxLayout(page)
    field = QLineEdit()
    combo = QComboBox()
    combo.addItems(["Ours", "Partner", "Both"])
    spin = QSpinBox()
    spin.setValue(3)
    layout.addWidget(field)
    layout.addSpacing(400)
    layout.addWidget(combo)
    layout.addWidget(spin)
    layout.addSpacing(900)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(page)
    area.resize(400, 500)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    return area, field, combo, spin


def test_the_wheel_over_an_unfocused_control_scrolls_the_page_and_changes_nothing(qtbot, scrolling_form):
    area, field, combo, spin = scrolling_form
    bar = area.verticalScrollBar()
    assert bar.value() == 0
    wheel(combo, -1)
    assert combo.currentIndex() == 0  # not "Partner"
    assert bar.value() > 0  # the page scrolled instead
    scrolled = bar.value()
    wheel(spin, -1)
    assert spin.value() == 3 and bar.value() > scrolled
    assert field.hasFocus()  # the wheel gave the focus to nobody


def test_the_wheel_edits_a_control_that_has_focus(qtbot, scrolling_form):
    area, field, combo, spin = scrolling_form
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    wheel(combo, -1)
    assert combo.currentIndex() == 1


def test_wheel_focus_controls_take_focus_only_by_click_or_tab(qtbot, scrolling_form):
    _area, _field, combo, spin = scrolling_form
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus


# -- the window --------------------------------------------------------------------------------------------

def _window(qtbot, services, screen=BIG) -> MainWindow:
    window = MainWindow(services, ChangeBus(services.db.feed), screen=screen)
    qtbot.addWidget(window)
    return window


def test_ctrl_n_in_partners_opens_a_new_partner(qtbot, demo_services, message_boxes):
    window = _window(qtbot, demo_services)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    section = window.show_section("Partners")
    section.directory.table.setFocus()
    qtbot.waitUntil(section.directory.table.hasFocus)
    qtbot.keyClick(section.directory.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert section.page.title.text() == "New partner"
    assert section.page.profile.name.hasFocus()


def test_the_window_opens_maximised_on_a_small_screen_and_normal_on_a_big_one(qtbot, services):
    assert _window(qtbot, services, LAPTOP).windowState() & Qt.WindowState.WindowMaximized
    big = _window(qtbot, services, BIG)
    assert not big.windowState() & Qt.WindowState.WindowMaximized
    assert big.width() <= BIG.width() and big.height() <= BIG.height()


def test_the_window_remembers_its_geometry_and_splitters(qtbot, demo_services):
    window = _window(qtbot, demo_services)
    window.show()
    window.setGeometry(60, 50, 1500, 900)
    splitter = window.show_section("Partners").findChild(QSplitter)
    splitter.setSizes([500, 900])
    sizes = splitter.sizes()
    window.close()

    again = _window(qtbot, demo_services)
    assert again.geometry() == QRect(60, 50, 1500, 900)
    again.show()
    assert again.show_section("Partners").findChild(QSplitter).sizes() == sizes
    # a laptop screen cannot hold that size: the window fits it instead
    small = _window(qtbot, demo_services, LAPTOP)
    assert small.windowState() & Qt.WindowState.WindowMaximized


def _panes(*orientations: Qt.Orientation) -> QWidget:
    """A page of splitters, each with two panes, one per orientation given, in that order."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for orientation in orientations:
        splitter = QSplitter(orientation)
        splitter.setObjectName({Qt.Orientation.Horizontal: "side", Qt.Orientation.Vertical: "stack"}[orientation])
        splitter.addWidget(QWidget())
        splitter.addWidget(QWidget())
        layout.addWidget(splitter)
    page.resize(800, 800)
    return page


def test_a_remembered_splitter_never_lands_on_another_one(qtbot):
    """A section saved with other splitters before this one (a workspace showing fewer tabs, a pane created
    later) must not hand its states out by position: a vertical splitter once turned horizontal and pushed
    the partner's Sessions tab off a laptop screen."""
    from app.ui import settings_store

    saved = _panes(Qt.Orientation.Horizontal)
    qtbot.addWidget(saved)
    saved.show()
    saved.findChild(QSplitter, "side").setSizes([300, 500])
    remembered = saved.findChild(QSplitter, "side").sizes()
    settings_store.save_splitters(saved, "Test/Section")

    again = _panes(Qt.Orientation.Vertical, Qt.Orientation.Horizontal)
    qtbot.addWidget(again)
    again.show()
    settings_store.restore_splitters(again, "Test/Section")
    assert again.findChild(QSplitter, "stack").orientation() == Qt.Orientation.Vertical
    assert again.findChild(QSplitter, "side").orientation() == Qt.Orientation.Horizontal
    assert again.findChild(QSplitter, "side").sizes() == remembered


def test_the_directory_cannot_be_dragged_to_nothing(qtbot, demo_services):
    window = _window(qtbot, demo_services)
    window.show()
    window.resize(1366, 768)
    section = window.show_section("Partners")
    splitter = section.findChild(QSplitter)
    assert not splitter.childrenCollapsible()
    splitter.setSizes([0, 2000])
    QApplication.processEvents()
    assert section.directory.width() >= 200


# -- help --------------------------------------------------------------------------------------------------

def test_keyboard_shortcuts_lists_the_window_actions(qtbot, services):
    from app.ui.help import ShortcutsDialog, window_shortcuts

    window = _window(qtbot, services)
    rows = window_shortcuts(window)
    assert ("File", "Ctrl+N", "New partner") in rows
    assert any(what == "Undo" and keys == "Ctrl+Z" for _where, keys, what in rows)
    assert any(where == "Live session" for where, _keys, _what in rows)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    help_menu = window.menuBar().actions()[titles.index("Help")].menu()
    assert [a.text().replace("&", "") for a in help_menu.actions()][:2] == ["User guide", "Keyboard shortcuts"]
    dialog = ShortcutsDialog(rows)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(rows)


def test_the_user_guide_shows_the_shipped_docs_offline(qtbot):
    from pathlib import Path

    from app.ui.help import UserGuideDialog, docs_dir

    dialog = UserGuideDialog()
    qtbot.addWidget(dialog)
    titles = [dialog.pages.item(i).text() for i in range(dialog.pages.count())]
    assert len(titles) >= 6 and not any("Architecture" in t for t in titles)
    page = next(i for i, t in enumerate(titles) if "oaching" in t)
    dialog.pages.setCurrentRow(page)
    text = dialog.browser.toPlainText()
    assert "capture" in text.lower() and "# " not in text  # rendered, not raw Markdown
    spec = (Path(__file__).resolve().parents[2] / "installer" / "tandem.spec").read_text()
    assert '"docs"' in spec and docs_dir().name == "docs"  # the installer ships them
