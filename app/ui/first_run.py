"""The first-run prompt: the user's name (shown as the author of every edit) and this laptop's name."""

from __future__ import annotations

import getpass
import platform

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.identity import Identity, IdentityService


class IdentityDialog(QDialog):
    def __init__(self, identity: IdentityService, parent: QWidget | None = None, first_run: bool = True) -> None:
        super().__init__(parent)
        self._identity = identity
        current = identity.get()
        self.setWindowTitle("Welcome to Tandem" if first_run else "Your name and device")
        intro = QLabel(
            "Tandem stamps every edit with your name and this laptop's name, so that when you exchange "
            "packages with colleagues everyone sees who changed what." if first_run else
            "Your name is shown as the author of your edits; the device name tells your laptops apart.")
        intro.setWordWrap(True)
        self.display_name = QLineEdit(current.display_name or _guess_name())
        self.display_name.setPlaceholderText("e.g. Mira Holm")
        self.device_name = QLineEdit(current.device_name or platform.node())
        self.device_name.setPlaceholderText("e.g. Mira's field laptop")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Your name", self.display_name)
        form.addRow("This device", self.device_name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.result_identity: Identity | None = None

    def accept(self) -> None:
        try:
            self.result_identity = self._identity.set_names(self.display_name.text(), self.device_name.text())
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


def _guess_name() -> str:
    try:
        return getpass.getuser().replace(".", " ").title()
    except Exception:  # no login name on some systems: leave the field empty
        return ""
