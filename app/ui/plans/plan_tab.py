"""A partner's Success plan tab: the 30-60-90 plan with a timeline, and the three phases with their goals and
milestones. Double-click a goal or milestone to edit it; Space ticks the selected milestone off; Delete
removes the selected one. Milestones overdue or at risk are shaded. Every edit is undoable (Edit → Undo)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ItemStatus
from app.reports.plan import write_plan_pdf
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.plans import PHASES, PhaseData, PlanData
from app.services.workspace import TEMPLATE_LIBRARY
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date, localise_date_edit
from app.ui.labels import buddy_label
from app.ui.onboarding.common import (
    AT_RISK_BG,
    AT_RISK_FG,
    DONE_FG,
    OVERDUE_BG,
    OVERDUE_FG,
    STATUS_COLOURS,
    from_qdate,
    status_text,
    to_qdate,
)
from app.ui.plans.dialogs import REMOVE, GoalDialog, MilestoneDialog, NewPlanDialog, SaveTemplateDialog
from app.ui.plans.timeline import PlanTimelineWidget, milestone_numbers
from app.ui.plans.undo import TABLES, GoalCommand, MilestoneCommand, PlanFieldsCommand
from app.ui.tables import read_only_table
from app.ui.workspace import library_lock


def _table(headers: list[str], stretch: int) -> QTableWidget:
    t = read_only_table(headers)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def _fit_height(t: QTableWidget) -> None:
    """Show every row: the page scrolls, not each little table."""
    t.resizeRowsToContents()
    rows = sum(t.rowHeight(r) for r in range(t.rowCount()))
    t.setFixedHeight(t.horizontalHeader().height() + rows + 2 * t.frameWidth() + (24 if not t.rowCount() else 4))


class PhaseBox(QGroupBox):
    """One phase: goals on the left, milestones on the right."""

    def __init__(self, tab: SuccessPlanTab, phase: int) -> None:
        super().__init__(f"Day {phase}")
        self.tab, self.phase = tab, phase
        self.data: PhaseData | None = None
        self.goals = _table(["Goal", "Measure"], 0)
        self.goals.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.milestones = _table(["Milestone", "Owner", "Due", "Status"], 0)
        add_goal = QPushButton("Add goal…")
        add_milestone = QPushButton("Add milestone…")
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.goals)
        left.addWidget(add_goal, 0, Qt.AlignmentFlag.AlignLeft)
        left.addStretch(1)
        right.addWidget(self.milestones)
        right.addWidget(add_milestone, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        add_goal.clicked.connect(lambda: tab.edit_goal(self.phase, None))
        add_milestone.clicked.connect(lambda: tab.edit_milestone(self.phase, None))
        self.goals.cellDoubleClicked.connect(lambda r, _c: tab.edit_goal(self.phase, self.data.goals[r]))
        self.milestones.cellDoubleClicked.connect(lambda r, _c: tab.edit_milestone(self.phase,
                                                                                  self.data.milestones[r]))
        self.milestones.installEventFilter(tab)
        self.goals.installEventFilter(tab)
        # Wrapped text needs other row heights at another width: refit once the columns have their width.
        self._refit_pending = False
        for table in (self.goals, self.milestones):
            table.horizontalHeader().sectionResized.connect(self._schedule_refit)

    def _schedule_refit(self, *_args) -> None:
        if not self._refit_pending:
            self._refit_pending = True
            QTimer.singleShot(0, self, self._refit)  # dropped if the box is gone by then

    def _refit(self) -> None:
        self._refit_pending = False
        _fit_height(self.goals)
        _fit_height(self.milestones)

    def show_phase(self, data: PhaseData, numbers: dict[str, int]) -> None:
        """Show one phase; ``numbers`` are the milestones' numbers on the timeline."""
        self.data = data
        self.setTitle(f"Day {data.phase} · {format_date(data.start)} to {format_date(data.end)}")
        self.goals.setRowCount(len(data.goals))
        for r, g in enumerate(data.goals):
            self.goals.setItem(r, 0, QTableWidgetItem(g.description))
            self.goals.setItem(r, 1, QTableWidgetItem(g.measure))
        self.milestones.setRowCount(len(data.milestones))
        for r, m in enumerate(data.milestones):
            due = format_date(m.due_date)
            cells = [f"{numbers[m.id]}. {m.title}", m.owner or "–", due + (" ✎" if m.due_date_manual else ""),
                     status_text(m.status) + (" · overdue" if m.overdue else " · at risk" if m.at_risk else "")]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if m.overdue:
                    item.setBackground(OVERDUE_BG)
                elif m.at_risk:
                    item.setBackground(AT_RISK_BG)
                if c == 3:
                    item.setForeground(OVERDUE_FG if m.overdue else AT_RISK_FG if m.at_risk
                                       else STATUS_COLOURS[m.status])
                elif m.status in (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE):
                    item.setForeground(DONE_FG)
                if c == 2:
                    item.setToolTip("Set by hand: stays when the start date moves" if m.due_date_manual
                                    else "Follows the phase end")
                self.milestones.setItem(r, c, item)
        _fit_height(self.goals)
        _fit_height(self.milestones)


class SuccessPlanTab(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        self._plans = services.plans
        self.partner_id: str | None = None
        self.plan: PlanData | None = None

        self.plan_combo = QComboBox()
        self.plan_combo.setMinimumWidth(160)
        self.new_button = QPushButton("New plan…")
        self.template_button = QPushButton("Save as template…")
        self.delete_button = QPushButton("Delete plan")
        self.print_button = QPushButton("Print…")
        self.pdf_button = QPushButton("Save as PDF…")
        top = QHBoxLayout()
        top.addWidget(buddy_label("Plan", self.plan_combo))
        top.addWidget(self.plan_combo, 1)
        for b in (self.new_button, self.template_button, self.delete_button, self.print_button, self.pdf_button):
            top.addWidget(b)

        self.title = QLineEdit()
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        localise_date_edit(self.start)
        self.start.setToolTip("Moving the start moves every milestone date that was not set by hand")
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)  # the figures wrap rather than widen the tab past a laptop's width
        fields = QHBoxLayout()
        fields.addWidget(buddy_label("Title", self.title))
        fields.addWidget(self.title, 2)
        fields.addWidget(buddy_label("Start", self.start))
        fields.addWidget(self.start)
        fields.addWidget(self.summary, 3)

        self.timeline = PlanTimelineWidget()
        self.phase_boxes = {p: PhaseBox(self, p) for p in PHASES}
        inner = QWidget()
        il = QVBoxLayout(inner)
        il.setContentsMargins(0, 0, 4, 0)
        for box in self.phase_boxes.values():
            il.addWidget(box)
        il.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)

        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(fields)
        cl.addWidget(self.timeline)
        cl.addWidget(scroll, 1)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self.plan_combo.activated.connect(lambda _i: self._load(self.plan_combo.currentData()))
        self.new_button.clicked.connect(self.new_plan)
        self.template_button.clicked.connect(self.save_as_template)
        self.delete_button.clicked.connect(self.delete_plan)
        self.print_button.clicked.connect(self.print_plan)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.title.editingFinished.connect(self._save_title)
        self.start.editingFinished.connect(self._save_start)
        bus.changed.connect(self._on_change)
        self.set_partner(None)

    # -- showing -------------------------------------------------------------------------------------------

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self._reload(None)

    def _reload(self, select: str | None) -> None:
        self.plan_combo.clear()
        rows = self._plans.plans(self.partner_id) if self.partner_id else []
        for r in rows:
            self.plan_combo.addItem(f"{r.title} · from {format_date(r.start_date)}", r.id)
        has = bool(rows)
        for b in (self.template_button, self.delete_button, self.print_button, self.pdf_button, self.plan_combo):
            b.setEnabled(has)
        library_lock(self._services, TEMPLATE_LIBRARY).disable(self.template_button)  # a workspace: the lead's
        self.new_button.setEnabled(self.partner_id is not None)
        if not has:
            self.plan = None
            self.timeline.show_plan(None)
            self.empty.setText("No success plan yet.\n\nNew plan… makes one from a template: goals and milestones "
                               "for day 30, 60 and 90." if self.partner_id else "Select a partner.")
            self.stack.setCurrentIndex(0)
            return
        chosen = select if select in [r.id for r in rows] else rows[0].id
        self.plan_combo.setCurrentIndex(self.plan_combo.findData(chosen))
        self._load(chosen)

    def _load(self, plan_id: str | None) -> None:
        if not plan_id:
            return
        try:
            self.plan = self._plans.get(plan_id)
        except NotFound:
            self._reload(None)
            return
        p = self.plan
        self.title.setText(p.title)
        self.start.blockSignals(True)
        self.start.setDate(to_qdate(p.start_date))
        self.start.blockSignals(False)
        parts = [f"{p.done_count} of {len(p.milestones)} milestones done"]
        if p.overdue:
            parts.append(f"<span style='color:#b71c1c;font-weight:600'>{len(p.overdue)} overdue</span>")
        if p.at_risk:
            parts.append(f"<span style='color:#e65100;font-weight:600'>{len(p.at_risk)} at risk</span>")
        parts.append(f"now in day {p.current_phase}" if p.current_phase else
                     ("not started yet" if p.today < p.start_date else "day 90 has passed"))
        self.summary.setText(" · ".join(parts))
        self.timeline.show_plan(p)
        numbers = milestone_numbers(p)
        for phase, box in self.phase_boxes.items():
            box.show_phase(p.phase(phase), numbers)
        self.stack.setCurrentIndex(1)

    def _written(self) -> None:
        """After a write of this tab's (the other views hear of it from the change feed): show it."""
        self._load(self.plan.id)

    # -- editing -------------------------------------------------------------------------------------------

    def _save_title(self) -> None:
        if self.plan and self.title.text().strip() != self.plan.title:
            before = self.plan
            try:
                with self._bus.acting(self):
                    after = self._plans.update(before.id, title=self.title.text())
            except ValidationError as exc:
                QMessageBox.warning(self, "Cannot rename the plan", str(exc))
                self.title.setText(before.title)
                return
            self._bus.undo_stack.push(PlanFieldsCommand(self._plans, self._bus, before, after))
            self._reload(before.id)

    def _save_start(self) -> None:
        if self.plan and from_qdate(self.start.date()) != self.plan.start_date:
            before = self.plan
            with self._bus.acting(self):
                after = self._plans.update(before.id, start_date=from_qdate(self.start.date()))
            self._bus.undo_stack.push(PlanFieldsCommand(self._plans, self._bus, before, after))
            self._bus.status_message.emit("Start date moved: milestone dates that follow their phase moved too")
            self._reload(before.id)

    def _push(self, command) -> None:
        """Put a stored write on the undo stack, unless it changed nothing."""
        if command.before != command.after:
            self._bus.undo_stack.push(command)

    def edit_goal(self, phase: int, goal) -> None:
        if not self.plan:
            return
        dialog = GoalDialog(phase, goal, self)
        while True:
            result = dialog.exec()
            if result == REMOVE:
                self.remove_goal(goal)
                return
            if result != GoalDialog.DialogCode.Accepted:
                return
            description, measure, new_phase = dialog.values()
            try:
                with self._bus.acting(self):
                    if goal is None:
                        after = self._plans.add_goal(self.plan.id, new_phase, description, measure)
                    else:
                        after = self._plans.update_goal(goal.id, description=description, measure=measure,
                                                        phase=new_phase)
                self._push(GoalCommand(self._plans, self._bus, goal, after))
                break
            except ValidationError as exc:
                dialog.show_error(str(exc))
        self._written()

    def edit_milestone(self, phase: int, milestone) -> None:
        if not self.plan:
            return
        dialog = MilestoneDialog(self.plan.start_date, phase, milestone, self)
        while True:
            result = dialog.exec()
            if result == REMOVE:
                self.remove_milestone(milestone)
                return
            if result != MilestoneDialog.DialogCode.Accepted:
                return
            v = dialog.values()
            try:
                with self._bus.acting(self):
                    if milestone is None:
                        after = self._plans.add_milestone(self.plan.id, v["phase"], v["title"], v["owner"],
                                                          v["due_date"], v["status"])
                    else:
                        after = self._plans.update_milestone(milestone.id, title=v["title"], owner=v["owner"],
                                                             phase=v["phase"], status=v["status"],
                                                             due_date=v["due_date"])
                self._push(MilestoneCommand(self._plans, self._bus, milestone, after))
                break
            except ValidationError as exc:
                dialog.show_error(str(exc))
        self._written()

    def toggle_milestone(self, milestone) -> None:
        target = ItemStatus.TODO if milestone.status is ItemStatus.DONE else ItemStatus.DONE
        with self._bus.acting(self):
            after = self._plans.update_milestone(milestone.id, status=target)
        self._push(MilestoneCommand(self._plans, self._bus, milestone, after,
                                    f"{status_text(target)}: {milestone.title}"))
        self._bus.status_message.emit(f"{status_text(target)}: {milestone.title}")
        self._written()

    def remove_goal(self, goal) -> None:
        with self._bus.acting(self):
            self._plans.remove_goal(goal.id)
        self._bus.undo_stack.push(GoalCommand(self._plans, self._bus, goal, None))
        self._bus.status_message.emit("Removed a goal (Edit → Undo brings it back)")
        self._written()

    def remove_milestone(self, milestone) -> None:
        with self._bus.acting(self):
            self._plans.remove_milestone(milestone.id)
        self._bus.undo_stack.push(MilestoneCommand(self._plans, self._bus, milestone, None))
        self._bus.status_message.emit(f"Removed '{milestone.title}' (Edit → Undo brings it back)")
        self._written()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and self.plan:
            for box in self.phase_boxes.values():
                if obj is box.milestones and box.milestones.currentRow() >= 0:
                    m = box.data.milestones[box.milestones.currentRow()]
                    if event.key() == Qt.Key.Key_Space:
                        row = box.milestones.currentRow()
                        self.toggle_milestone(m)
                        box.milestones.setCurrentCell(row, 0)
                        return True
                    if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                        self.edit_milestone(box.phase, m)
                        return True
                    if event.key() == Qt.Key.Key_Delete:
                        self.remove_milestone(m)
                        return True
                if obj is box.goals and box.goals.currentRow() >= 0:
                    g = box.data.goals[box.goals.currentRow()]
                    if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                        self.edit_goal(box.phase, g)
                        return True
                    if event.key() == Qt.Key.Key_Delete:
                        self.remove_goal(g)
                        return True
        return super().eventFilter(obj, event)

    # -- the plan ------------------------------------------------------------------------------------------

    def new_plan(self) -> None:
        if not self.partner_id:
            return
        partner = self._services.partners.get(self.partner_id)
        dialog = NewPlanDialog(self._plans.templates(), partner.name, self)
        if dialog.exec() != NewPlanDialog.DialogCode.Accepted:
            return
        template_id, title, start = dialog.values()
        with self._bus.acting(self):
            plan = self._plans.create(self.partner_id, start, title, template_id)
        self._reload(plan.id)
        self._bus.status_message.emit(f"Made a success plan for {partner.name}")

    def save_as_template(self) -> None:
        if not self.plan:
            return
        dialog = SaveTemplateDialog(self._plans.templates(), f"{self.plan.title} ({self.plan.partner_name})",
                                    self._plans.template_history, self)
        while dialog.exec() == SaveTemplateDialog.DialogCode.Accepted:
            template_id, name, note = dialog.values()
            try:
                row = self._plans.save_as_template(self.plan.id, name, template_id=template_id, note=note)
            except ValidationError as exc:
                dialog.show_error(str(exc))
                continue
            self._bus.status_message.emit(f"Saved template '{row.name}' as version {row.version}")
            return

    def delete_plan(self) -> None:
        if not self.plan:
            return
        if QMessageBox.question(self, "Delete plan", f"Delete '{self.plan.title}' with its goals and milestones?"
                                ) != QMessageBox.StandardButton.Yes:
            return
        with self._bus.acting(self):
            self._plans.delete(self.plan.id)
        self._reload(None)

    def _write_pdf(self, path):
        return write_plan_pdf(path, self._plans.get(self.plan.id))

    def save_pdf(self) -> None:
        from app.ui.printing import save_pdf_as

        if self.plan:
            path = save_pdf_as(self, f"{self.plan.partner_name} success plan", self._write_pdf)
            if path:
                self._bus.status_message.emit(f"Saved {path}")

    def print_plan(self) -> None:
        from app.ui.printing import print_pdf

        if self.plan:
            print_pdf(self, self._write_pdf)

    def _on_change(self, change: Change) -> None:
        if change.initiator is self or not self.partner_id:
            return
        if change.touches(*TABLES, partner_id=self.partner_id):
            self._reload(self.plan.id if self.plan else None)
