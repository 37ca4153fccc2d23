"""What an empty database shows in place of a partner: the three ways to begin."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.paths import user_data_dir
from app.ui.workers import run_in_background

DEMO_PARTNERS = 60


def tandem_command(db: Path) -> tuple[str, list[str]]:
    """The program and arguments that open Tandem on ``db`` (the installed app, or main.py from a checkout)."""
    if getattr(sys, "frozen", False):
        return sys.executable, ["--db", str(db)]
    return sys.executable, [str(Path(__file__).resolve().parents[3] / "main.py"), "--db", str(db)]


def make_demo_database(path: Path) -> Path:
    """A database of made-up partners at ``path`` (made once; kept for the next time)."""
    from app.services import build_services
    from app.services.database import open_database
    from app.services.demo import DemoOptions, generate_demo

    services = build_services(open_database(path))
    try:
        if services.partners.count() == 0:
            services.identity.set_names("Demo user", "Demo laptop")
            generate_demo(services.db, DemoOptions(DEMO_PARTNERS, 24))
    finally:
        services.db.close()
    return path


class WelcomePanel(QWidget):
    """Add a partner, import a package from a colleague, or explore a separate demo database."""

    add_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("No partners yet")
        title.setObjectName("pageTitle")
        text = QLabel("Start with your first partner, import a package a colleague sent you, or look around "
                      "in a demo database first (made-up partners, kept apart from your own data).")
        text.setWordWrap(True)
        text.setObjectName("muted")
        self.add_button = QPushButton("&Add a partner")
        self.import_button = QPushButton("&Import a package…")
        self.demo_button = QPushButton("&Explore demo data")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_requested)
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button.clicked.connect(self.open_demo)
        self.status = QLabel()
        self.status.setObjectName("muted")
        buttons = QVBoxLayout()  # one under the other: they fit however narrow the page
        for b in (self.add_button, self.import_button, self.demo_button):
            b.setMinimumWidth(b.sizeHint().width())
            buttons.addWidget(b, 0, Qt.AlignmentFlag.AlignLeft)
        box = QVBoxLayout(self)
        box.addStretch(1)
        for w in (title, text):
            box.addWidget(w)
        box.addLayout(buttons)
        box.addWidget(self.status)
        box.addStretch(2)
        text.setMaximumWidth(560)
        box.setAlignment(Qt.AlignmentFlag.AlignHCenter)

    def open_demo(self) -> None:
        """Make the demo database off the UI thread (it takes a few seconds), then open it in its own window."""
        path = user_data_dir() / "demo.sqlite"
        self.demo_button.setEnabled(False)
        self.status.setText(f"Making the demo database ({DEMO_PARTNERS} partners)…")
        run_in_background(lambda: make_demo_database(path), self._demo_ready, self._demo_failed)

    def _demo_ready(self, path: Path) -> None:
        self.demo_button.setEnabled(True)
        program, args = tandem_command(path)
        if QProcess.startDetached(program, args)[0]:
            self.status.setText(f"The demo opens in its own window ({path}).")
        else:
            self._demo_failed(OSError(f"could not start {program}"))

    def _demo_failed(self, exc: Exception) -> None:
        self.demo_button.setEnabled(True)
        self.status.setText("")
        QMessageBox.warning(self, "Demo data", f"The demo database could not be made: {exc}")
