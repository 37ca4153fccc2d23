"""Small dialogs of the Success plan tab: a goal, a milestone, a new plan."""

from __future__ import annotations

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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ItemStatus
from app.services.plans import PHASES, GoalData, MilestoneData, TemplateRow, phase_end
from app.ui.onboarding.common import from_qdate, status_text, to_qdate

REMOVE = 2  # dialog result: the user asked to remove the goal or milestone


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
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
        form.addRow("Due", due_row)
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
            self.template.addItem(f"{t.name} ({t.goal_count} goals, {t.milestone_count} milestones)", t.id)
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
