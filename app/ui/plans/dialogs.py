"""Small dialogs of the Success plan tab: a goal, a milestone, a new plan, saving a plan as a template."""

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
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ItemStatus
from app.services.plans import PHASES, GoalData, MilestoneData, TemplateRow, TemplateVersionRow, phase_end
from app.ui.formatting import format_date, localise_date_edit
from app.ui.labels import add_form_row
from app.ui.onboarding.common import from_qdate, status_text, to_qdate

REMOVE = 2  # dialog result: the user asked to remove the goal or milestone


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    localise_date_edit(edit)
    return edit


def _phase_combo(phase: int) -> QComboBox:
    combo = QComboBox()
    for p in PHASES:
        combo.addItem(f"Day {p}", p)
    combo.setCurrentIndex(PHASES.index(phase))
    return combo


class _Dialog(QDialog):
    def _finish(self, form: QFormLayout, removable: bool, ok_text: str) -> None:
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        if removable:
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda: self.done(REMOVE))
            row.addWidget(remove)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(row)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class GoalDialog(_Dialog):
    def __init__(self, phase: int, goal: GoalData | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit goal" if goal else "Add goal")
        self.setMinimumWidth(460)
        self.description = QPlainTextEdit(goal.description if goal else "")
        self.description.setPlaceholderText("What success looks like at the end of the phase")
        self.description.setMaximumHeight(80)
        self.measure = QPlainTextEdit(goal.measure if goal else "")
        self.measure.setPlaceholderText("How you will know: a KPI and a target, an event, a document")
        self.measure.setMaximumHeight(80)
        self.phase = _phase_combo(goal.phase if goal else phase)
        form = QFormLayout()
        form.addRow("Goal", self.description)
        form.addRow("Measure", self.measure)
        form.addRow("Phase", self.phase)
        self._finish(form, goal is not None, "Save" if goal else "Add goal")

    def values(self) -> tuple[str, str, int]:
        return self.description.toPlainText(), self.measure.toPlainText(), self.phase.currentData()


class MilestoneDialog(_Dialog):
    """Title, owner, phase, status, and a due date that follows the phase end unless set by hand."""

    def __init__(self, start: date, phase: int, milestone: MilestoneData | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start = start
        self.setWindowTitle("Edit milestone" if milestone else "Add milestone")
        self.setMinimumWidth(440)
        self.title = QLineEdit(milestone.title if milestone else "")
        self.owner = QLineEdit(milestone.owner if milestone else "")
        self.phase = _phase_combo(milestone.phase if milestone else phase)
        self.status = QComboBox()
        for s in ItemStatus:
            self.status.addItem(status_text(s), s)
        self.status.setCurrentIndex(list(ItemStatus).index(milestone.status if milestone else ItemStatus.TODO))
        self.manual = QCheckBox("Set the date by hand")
        self.manual.setChecked(bool(milestone and milestone.due_date_manual))
        self.due = _date_edit(milestone.due_date if milestone and milestone.due_date else phase_end(start, phase))
        self.auto_hint = QLabel()
        self.auto_hint.setObjectName("muted")
        due_row = QHBoxLayout()
        due_row.addWidget(self.manual)
        due_row.addWidget(self.due)
        due_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Milestone", self.title)
        form.addRow("Owner", self.owner)
        form.addRow("Phase", self.phase)
        form.addRow("Status", self.status)
        add_form_row(form, "Due", due_row, self.due)
        form.addRow("", self.auto_hint)
        self.manual.toggled.connect(self._sync)
        self.phase.currentIndexChanged.connect(self._sync)
        self._sync()
        self._finish(form, milestone is not None, "Save" if milestone else "Add milestone")

    def _sync(self) -> None:
        manual = self.manual.isChecked()
        self.due.setEnabled(manual)
        end = phase_end(self._start, self.phase.currentData())
        if not manual:
            self.due.setDate(to_qdate(end))
        self.auto_hint.setText("Follows the phase end and moves with the start date." if not manual
                               else "Stays on this date when the start date moves.")

    def values(self) -> dict:
        return dict(title=self.title.text(), owner=self.owner.text(), phase=self.phase.currentData(),
                    status=self.status.currentData(),
                    due_date=from_qdate(self.due.date()) if self.manual.isChecked() else None)


class NewPlanDialog(_Dialog):
    def __init__(self, templates: list[TemplateRow], partner_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"New success plan · {partner_name}")
        self.setMinimumWidth(440)
        self.template = QComboBox()
        for t in templates:
            self.template.addItem(t.label, t.id)
        self.template.addItem("Empty plan", None)
        self.title = QLineEdit("30-60-90 success plan")
        self.start = _date_edit(date.today())
        form = QFormLayout()
        form.addRow("Template", self.template)
        form.addRow("Title", self.title)
        form.addRow("Start date", self.start)
        self._finish(form, False, "Create plan")

    def values(self) -> tuple[str | None, str, date]:
        return self.template.currentData(), self.title.text(), from_qdate(self.start.date())


class SaveTemplateDialog(_Dialog):
    """Keep a plan's outline as a new template or as the next version of one, with a note for its history.

    ``history(template_id)`` gives a template's versions (newest first); the dialog shows them for the template
    being versioned so the user sees what they are about to follow."""

    def __init__(self, templates: list[TemplateRow], suggested_name: str,
                 history: Callable[[str], list[TemplateVersionRow]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as template")
        self.setMinimumWidth(620)
        self._templates = {t.id: t for t in templates}
        self._history = history
        self._suggested = suggested_name
        self.as_new = QRadioButton("A new template")
        self.as_version = QRadioButton("A new version of")
        self.as_new.setChecked(True)
        self.target = QComboBox()
        self.target.setAccessibleName("Template to version")
        for t in templates:
            self.target.addItem(t.label, t.id)
        self.as_version.setEnabled(bool(templates))
        version_row = QHBoxLayout()
        version_row.addWidget(self.as_version)
        version_row.addWidget(self.target, 1)
        self.name = QLineEdit(suggested_name)
        self.note = QLineEdit()
        self.note.setPlaceholderText("What changed and why; kept in the template's history")
        self.versions = QListWidget()
        self.versions.setAccessibleName("Versions of the template")
        self.versions.setMaximumHeight(110)
        hint = QLabel("Goals and milestones are kept; dates, owners' progress and statuses are not.")
        hint.setWordWrap(True)
        form = self._form = QFormLayout()
        form.addRow("Save as", self.as_new)
        form.addRow("", version_row)
        form.addRow("Name", self.name)
        form.addRow("Note", self.note)
        form.addRow("History", self.versions)
        form.addRow(hint)
        self._finish(form, False, "Save template")
        self.as_version.toggled.connect(self._mode_changed)
        self.target.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def _mode_changed(self) -> None:
        versioning = self.as_version.isChecked()
        self.target.setEnabled(versioning)
        self.versions.clear()
        target = self._templates.get(self.target.currentData()) if versioning else None
        self.name.setText(target.name if target else self._suggested)
        self._form.setRowVisible(self.versions, target is not None)
        if target:
            for v in self._history(target.id):
                when = format_date(v.changed_at) if v.changed_at else ""
                self.versions.addItem(f"v{v.number} · {when} · {v.changed_by} · {v.change_note}")
            self.versions.insertItem(0, f"v{target.version + 1} · this save")

    def values(self) -> tuple[str | None, str, str]:
        """(the template to version or None for a new one, the name, the note)."""
        target = self.target.currentData() if self.as_version.isChecked() else None
        return target, self.name.text(), self.note.text()
