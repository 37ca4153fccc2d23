"""Small dialogs of the selection screens: log a reference call, sign with an override, print settings."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.selection import ReferenceCallData
from app.services.settings import PAPER_SIZES
from app.ui.bus import ChangeBus
from app.ui.formatting import localise_date_edit


class ReferenceCallDialog(QDialog):
    """Who was called (and at which organisation), who called, when, and what they said."""

    def __init__(self, caller: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a reference call")
        self.referee = QLineEdit()
        self.referee.setPlaceholderText("Name of the person you called")
        self.organisation = QLineEdit()
        self.organisation.setPlaceholderText("Their company (a customer of the candidate, …)")
        self.called_by = QLineEdit(caller)
        self.called_on = localise_date_edit(QDateEdit(QDate.currentDate()))
        self.called_on.setCalendarPopup(True)
        self.called_on.setMaximumDate(QDate.currentDate().addDays(1))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What they said")
        self.note.setFixedHeight(70)
        form = QFormLayout()
        form.addRow("Referee", self.referee)
        form.addRow("Organisation", self.organisation)
        form.addRow("Called by", self.called_by)
        form.addRow("Date", self.called_on)
        form.addRow("Note", self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.referee.textChanged.connect(self._update)
        self.called_by.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        ok = bool(self.referee.text().strip() and self.called_by.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def value(self) -> ReferenceCallData:
        when = datetime.combine(self.called_on.date().toPython(), QTime.currentTime().toPython())
        return ReferenceCallData(self.referee.text(), self.organisation.text(), self.called_by.text(), when,
                                 self.note.toPlainText())


class OverrideDialog(QDialog):
    """Sign although the checklist is incomplete: names what is missing and asks why (required, kept)."""

    def __init__(self, missing: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign with an override")
        intro = QLabel("The decision checklist is not complete. These items are missing:")
        intro.setWordWrap(True)
        items = QLabel("".join(f"• {m}<br>" for m in missing))
        items.setWordWrap(True)
        ask = QLabel("Why sign anyway? The reason is kept with the signature and printed on the checklist.")
        ask.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Reason for the override (required)")
        ask.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = self.buttons.addButton("Sign with override", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (intro, items, ask, self.reason, self.buttons):
            layout.addWidget(w)
        self.reason.textChanged.connect(
            lambda: self.sign_button.setEnabled(bool(self.reason.toPlainText().strip())))
        self.sign_button.setEnabled(False)
        self.resize(460, 360)

    def value(self) -> str:
        return self.reason.toPlainText().strip()


class PrintSettingsDialog(QDialog):
    """Paper size for printed reports (A4 or US Letter), stored in this laptop's settings."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setWindowTitle("Print settings")
        self.paper = QComboBox()
        for value, text in PAPER_SIZES.items():
            self.paper.addItem(text, value)
        self.paper.setCurrentIndex(self.paper.findData(services.settings.paper_size()))
        form = QFormLayout()
        form.addRow("Paper size", self.paper)
        hint = QLabel("Used for every PDF Tandem prints or saves (selection forms, reports).")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            self._services.settings.set_paper_size(self.paper.currentData())
        except ValueError as exc:
            QMessageBox.warning(self, "Print settings", str(exc))
            return
        super().accept()


def install_print_settings(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """MENU_INSTALLERS hook: Tools › Print settings… (paper size)."""
    from PySide6.QtGui import QAction

    action = QAction("Print settings…", window)

    def show() -> None:
        if PrintSettingsDialog(services, window).exec():
            bus.status_message.emit(f"Paper size: {PAPER_SIZES[services.settings.paper_size()]}")

    action.triggered.connect(show)
    window.tools_menu.addAction(action)
