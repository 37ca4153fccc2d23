"""Start the desktop app: open the database, ask for the user's name on first run, show the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME
from app.paths import default_database_path


def run(db_path: str | Path | None = None) -> int:
    """Run the GUI until the user quits. Returns the process exit code."""
    from app.services import build_services
    from app.services.database import DatabaseError, open_database
    from app.ui.bus import ChangeBus
    from app.ui.first_run import IdentityDialog
    from app.ui.garbage import MainThreadCollector
    from app.ui.main_window import MainWindow
    from app.ui.sections import STARTUP_CHECKS
    from app.ui.style import STYLE_SHEET
    from app.ui.workers import wait_for_writes

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)
    MainThreadCollector(app)  # widgets are never freed by a worker thread

    path = Path(db_path) if db_path else default_database_path()
    try:
        db = open_database(path)
    except DatabaseError as exc:
        QMessageBox.critical(None, f"{APP_NAME} cannot open the database", str(exc))
        print(f"tandem: {exc}", file=sys.stderr)
        return 1
    try:
        services = build_services(db)
        if not services.identity.get().is_set and not IdentityDialog(services.identity).exec():
            return 0
        bus = ChangeBus(db.feed)
        window = MainWindow(services, bus)
        window.show()
        for check in STARTUP_CHECKS:
            check(window, services, bus)
        return app.exec()
    finally:
        wait_for_writes()  # a write still running finishes (or rolls back) before the database closes
        db.close()
