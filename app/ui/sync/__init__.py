"""Sync in the app: File → Export package… / Import package…, Sync → Sync with hub now, and the Sync section
(conflicts, history)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from app.services import Services
from app.ui.bus import ChangeBus


def install_menu(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """Add File → Export package… and File → Import package… (a MENU_INSTALLERS hook)."""
    from app.ui.sync.dialogs import choose_and_import, open_export

    export = QAction("&Export package…", window)
    export.setStatusTip("Write a signed package of your work for another laptop")
    export.triggered.connect(lambda: open_export(window, services, bus))
    imp = QAction("&Import package…", window)
    imp.setStatusTip("Preview and merge a package from another laptop")
    imp.triggered.connect(lambda: choose_and_import(window, services, bus))
    add = getattr(window, "add_file_action", None)
    for action in (export, imp):
        if add:
            add(action)
        else:
            window.file_menu.addAction(action)
    from app.ui.sync.hub import install_hub_menu

    install_hub_menu(window, services, bus)


def sync_section(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.sync.section import SyncSection

    return SyncSection(services, bus)
