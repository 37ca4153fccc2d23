"""Dialogs of the learning views: assign a track, record a completion (with rating and comment), edit a module.

Each dialog is given a ``submit`` callable that does the write through a service; a refused write
(ValidationError, NotFound) shows its message in the dialog, which stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Side, label
from app.services.errors import NotFound, ValidationError
from app.services.learning import FORMATS, ModuleData, PersonChoice, TrackVersionRow
from app.ui.formatting import localise_date_edit
from app.ui.onboarding.common import from_qdate, to_qdate

OTHER = "__other__"  # the person combo's "someone else" entry
STARS = ["No rating", "★ 1 poor", "★★ 2", "★★★ 3", "★★★★ 4", "★★★★★ 5 excellent"]


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    localise_date_edit(edit)
    return edit


class SubmitDialog(QDialog):
    """A form whose OK runs ``submit(values)``; a refusal is shown and the dialog stays open."""

    def __init__(self, title: str, ok_text: str, submit: Callable[[dict], object], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self._submit = submit
        self.result_value: object = None
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def values(self) -> dict:
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.result_value = self._submit(self.values())
        except (ValidationError, NotFound) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


class PersonPicker(QWidget):
    """A contact of the partnership, or someone else typed with their side."""

    def __init__(self, people: list[PersonChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for p in people:
            role = f", {p.role}" if p.role else ""
            self.combo.addItem(f"{p.name} ({label(p.side)}{role})", p)
        self.combo.addItem("Someone else…", OTHER)
        self.name = QLineEdit(placeholderText="Name")
        self.side = QComboBox()
        for s in (Side.PARTNER, Side.OURS):
            self.side.addItem("Partner's side" if s is Side.PARTNER else "Our side", s)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 2)
        layout.addWidget(self.name, 2)
        layout.addWidget(self.side, 1)
        self.combo.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        other = self.combo.currentData() == OTHER
        self.name.setVisible(other)
        self.side.setVisible(other)

    def select(self, contact_id: str | None, name: str = "") -> None:
        for i in range(self.combo.count()):
            p = self.combo.itemData(i)
            if isinstance(p, PersonChoice) and ((contact_id and p.contact_id == contact_id)
                                                or (not contact_id and p.name == name)):
                self.combo.setCurrentIndex(i)
                return
        if name:
            self.combo.setCurrentIndex(self.combo.count() - 1)
            self.name.setText(name)

    def value(self) -> dict:
        p = self.combo.currentData()
        if p == OTHER:
            return dict(contact_id=None, person=self.name.text(), side=self.side.currentData())
        return dict(contact_id=p.contact_id, person=p.name, side=p.side)


class AssignDialog(SubmitDialog):
    """Assign a published track to a person of the partnership, with an optional due date."""

    def __init__(self, people: list[PersonChoice], tracks: list[TrackVersionRow], today: date,
                 submit: Callable[[dict], object], parent: QWidget | None = None) -> None:
        super().__init__("Assign a learning track", "Assign", submit, parent)
        self.person = PersonPicker(people)
        self.track = QComboBox()
        for t in tracks:
            self.track.addItem(f"{t.track_name} · v{t.version} ({t.module_count} modules)", t.id)
        self.assigned = date_edit(today)
        self.has_due = QCheckBox("Due by")
        self.has_due.setChecked(True)
        self.due = date_edit(date.fromordinal(today.toordinal() + 60))
        self.has_due.toggled.connect(self.due.setEnabled)
        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due)
        due_row.addStretch(1)
        self.form.addRow("Person", self.person)
        self.form.addRow("Track", self.track)
        self.form.addRow("Assigned on", self.assigned)
        self.form.addRow("", due_row)

    def values(self) -> dict:
        return dict(self.person.value(), track_version_id=self.track.currentData(),
                    assigned_on=from_qdate(self.assigned.date()),
                    due_on=from_qdate(self.due.date()) if self.has_due.isChecked() else None)


class CompletionDialog(SubmitDialog):
    """Record a module done (or failed) by a person: date, result, evidence, and their rating and comment."""

    def __init__(self, people: list[PersonChoice], modules: list[ModuleData], today: date,
                 submit: Callable[[dict], object], parent: QWidget | None = None) -> None:
        super().__init__("Record a completion", "Record", submit, parent)
        self.person = PersonPicker(people)
        self.module = QComboBox()
        for m in modules:
            self.module.addItem(m.label, m.id)
        self.completed = date_edit(today)
        self.completed.setMaximumDate(to_qdate(today))
        self.outcome = QComboBox()
        self.outcome.addItem("Passed", "passed")
        self.outcome.addItem("Failed", "failed")
        self.evidence = QLineEdit(placeholderText="Quiz score, attendance list, who observed it…")
        self.rating = QComboBox()
        self.rating.addItems(STARS)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("What the person said of the module: what helped, what was missing")
        self.comment.setMaximumHeight(80)
        self.form.addRow("Person", self.person)
        self.form.addRow("Module", self.module)
        self.form.addRow("Completed on", self.completed)
        self.form.addRow("Result", self.outcome)
        self.form.addRow("Evidence", self.evidence)
        self.form.addRow("Their rating", self.rating)
        self.form.addRow("Their comment", self.comment)

    def preselect(self, contact_id: str | None, person: str, module_id: str | None) -> None:
        self.person.select(contact_id, person)
        if module_id:
            self.module.setCurrentIndex(max(0, self.module.findData(module_id)))

    def values(self) -> dict:
        rating = self.rating.currentIndex()
        return dict(self.person.value(), module_id=self.module.currentData(),
                    completed_on=from_qdate(self.completed.date()), result=self.outcome.currentData(),
                    evidence_note=self.evidence.text(), rating=rating or None, comment=self.comment.toPlainText())


class ModuleDialog(SubmitDialog):
    """A module of the library: code, title, objective, format, duration, how assessed, validity."""

    def __init__(self, module: ModuleData | None, submit: Callable[[dict], object],
                 parent: QWidget | None = None) -> None:
        super().__init__("Edit module" if module else "New module", "Save", submit, parent)
        m = module or ModuleData(code="", title="")
        self._id, self._kind = m.id, m.kind
        self.code = QLineEdit(m.code)
        self.title_edit = QLineEdit(m.title)
        self.objective = QPlainTextEdit(m.objective)
        self.objective.setMaximumHeight(60)
        self.description = QPlainTextEdit(m.description)
        self.description.setMaximumHeight(60)
        self.format = QComboBox()
        self.format.setEditable(True)
        self.format.addItems(FORMATS)
        self.format.setCurrentText(m.format)
        self.duration = QSpinBox()
        self.duration.setRange(0, 100_000)
        self.duration.setSuffix(" min")
        self.duration.setValue(m.duration_minutes)
        self.assessment = QLineEdit(m.assessment)
        self.validity = QSpinBox()
        self.validity.setRange(0, 120)
        self.validity.setSpecialValueText("counts for good")
        self.validity.setSuffix(" months")
        self.validity.setValue(m.validity_months or 0)
        self.form.addRow("Code", self.code)
        self.form.addRow("Title", self.title_edit)
        self.form.addRow("Objective", self.objective)
        self.form.addRow("Description", self.description)
        self.form.addRow("Format", self.format)
        self.form.addRow("Duration", self.duration)
        self.form.addRow("Assessed by", self.assessment)
        self.form.addRow("A completion counts", self.validity)

    def values(self) -> dict:
        return dict(id=self._id, kind=self._kind, code=self.code.text(), title=self.title_edit.text(),
                    objective=self.objective.toPlainText(), description=self.description.toPlainText(),
                    format=self.format.currentText(), duration_minutes=self.duration.value(),
                    assessment=self.assessment.text(), validity_months=self.validity.value() or None)
