"""Prepare visit…: choose the partner and where the folder goes; the folder is written in the background with
a progress bar (`prepare_visit`, app/services/visit.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.reports.brief import VISIT_DOCUMENTS
from app.services import Services
from app.services.errors import ValidationError
from app.services.visit import VisitFolder, check_target, default_folder_name, prepare_visit
from app.ui.agenda.partner_picker import PartnerPicker
from app.ui.bus import ChangeBus
from app.ui.labels import add_form_row
from app.ui.workers import run_write


class _Progress(QObject):
    """Carries progress from the worker thread to the UI thread (a queued signal)."""

    changed = Signal(int, int, str)


class PrepareVisitDialog(QDialog):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None,
                 partner_id: str | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.result_folder: VisitFolder | None = None
        self.setWindowTitle("Prepare visit")
        self.resize(600, 330)

        self.partner = PartnerPicker(services, partner_id)
        self.folder = QLineEdit(str(Path.home()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        self.name = QLineEdit()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("optional: encrypts the package")
        form = QFormLayout()
        form.addRow("Partner", self.partner)
        add_form_row(form, "In folder", where, self.folder)
        form.addRow("New folder", self.name)
        form.addRow("Passphrase", self.passphrase)
        self.partner.currentIndexChanged.connect(self._suggest_name)
        self._suggest_name()

        self.message = QLabel("The folder gets the partner's pre-read, the agenda of the planned session, the "
                              "blank selection form, the onboarding checklist and a package of this partner's "
                              "records only.")
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.go = self.buttons.addButton("Prepare", QDialogButtonBox.ButtonRole.ActionRole)
        self.go.clicked.connect(self.prepare)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._carrier = _Progress(self)
        self._carrier.changed.connect(self._step)

    def _suggest_name(self) -> None:
        self.name.setText(default_folder_name(self.partner.currentText()))

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Where the visit folder goes", self.folder.text())
        if path:
            self.folder.setText(path)

    def target(self) -> Path:
        return Path(self.folder.text().strip()).expanduser() / self.name.text().strip()

    def prepare(self) -> None:
        partner_id = self.partner.partner_id()
        if partner_id is None:
            self._say("Choose a partner from the list.", error=True)
            return
        if not self.name.text().strip():
            self._say("Name the new folder.", error=True)
            return
        out = self.target()
        try:
            check_target(out)
        except ValidationError as exc:
            self._say(str(exc), error=True)
            return
        self.go.setEnabled(False)
        self.progress.setRange(0, len(VISIT_DOCUMENTS) + 2)
        self.progress.setValue(0)
        self.progress.show()
        self._say("Preparing…")
        passphrase = self.passphrase.text() or None
        carrier = self._carrier
        run_write(  # the folder's package records itself in the sync history
            lambda: prepare_visit(self.services, partner_id, out, VISIT_DOCUMENTS, passphrase=passphrase,
                                  progress=lambda done, total, text: carrier.changed.emit(done, total, text)),
            self._done, self._failed)

    def _step(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"%v of %m · {text}")

    def _done(self, folder: VisitFolder) -> None:
        self.result_folder = folder
        self.go.setEnabled(True)
        text = f"Wrote {folder.path}: {len(folder.files)} files."
        if folder.skipped:
            text += " Not included: " + " ".join(folder.skipped)
        self._say(text)
        self.bus.status_message.emit(f"Visit folder ready: {folder.path}")

    def _failed(self, exc: Exception) -> None:
        self.go.setEnabled(True)
        self.progress.hide()
        self._say(f"The visit folder was not written (nothing was left behind): {exc}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setObjectName("error" if error else "muted")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
