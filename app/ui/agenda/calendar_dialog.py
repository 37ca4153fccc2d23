"""File → Export calendar…: everything or one partner, to-dos or all-day events, to an .ics file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.calendar_export import CalendarResult, export_calendar
from app.ui.agenda.partner_picker import PartnerPicker
from app.ui.bus import ChangeBus
from app.ui.labels import add_form_row
from app.ui.workers import run_in_background


class CalendarExportDialog(QDialog):
    """The export runs in the background; the dialog says what was written, or why not."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None,
                 partner_id: str | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.result: CalendarResult | None = None
        self.setWindowTitle("Export calendar")
        self.resize(560, 300)

        self.everything = QRadioButton("Everything")
        self.one = QRadioButton("One partner:")
        scope = QButtonGroup(self)
        scope.addButton(self.everything)
        scope.addButton(self.one)
        self.partner = PartnerPicker(services, partner_id)
        (self.one if partner_id else self.everything).setChecked(True)
        self.partner.setEnabled(self.one.isChecked())
        self.one.toggled.connect(self.partner.setEnabled)
        self.all_day = QCheckBox("Action items and milestones as all-day events (for calendars without to-dos)")
        self.path = QLineEdit(str(Path.home() / "tandem.ics"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        one_row = QHBoxLayout()
        one_row.addWidget(self.one)
        one_row.addWidget(self.partner, 1)

        form = QFormLayout()
        form.addRow("Scope", self.everything)
        form.addRow("", one_row)
        form.addRow("", self.all_day)
        add_form_row(form, "File", row, self.path)
        self.message = QLabel("Planned sessions become events; dated action items and milestones to-dos. "
                              "Export again at any time: your calendar updates the entries instead of "
                              "duplicating them.")
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export calendar", self.path.text(), "Calendar (*.ics)")
        if path:
            self.path.setText(path if path.lower().endswith(".ics") else path + ".ics")

    def export(self) -> None:
        out = Path(self.path.text().strip()).expanduser()
        partner_id = self.partner.partner_id() if self.one.isChecked() else None
        if self.one.isChecked() and partner_id is None:
            self._say("Choose a partner from the list, or export everything.", error=True)
            return
        if not self.path.text().strip() or not out.parent.is_dir():
            self._say(f"The folder {out.parent} does not exist: choose where to write the calendar.", error=True)
            return
        self.export_button.setEnabled(False)
        self._say("Exporting…")
        all_day = self.all_day.isChecked()
        run_in_background(lambda: export_calendar(self.services.db.sessions, out, partner_id,
                                                  todos_as_events=all_day), self._done, self._failed)

    def _done(self, result: CalendarResult) -> None:
        self.result = result
        self.export_button.setEnabled(True)
        text = (f"Wrote {result.path.name} ({result.scope}): {result.events} event"
                f"{'s' if result.events != 1 else ''}, {result.todos} to-do{'s' if result.todos != 1 else ''}.")
        self._say(text)
        self.bus.status_message.emit(text)

    def _failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        self._say(f"The calendar was not written: {exc}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setObjectName("error" if error else "muted")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
