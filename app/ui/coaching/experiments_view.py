"""The Experiments section: the shared experiment log across partners (and per partner, in the partner's
Sessions tab) with its filters, each experiment's story, and the action items across sessions.

Stagnating experiments (open, no update for N weeks) are shaded amber and sorted first: the coaching guide
says to revisit experiments before escalating. Experiments past their check date still in Plan or Do are
shaded red.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ExperimentOutcome, Side, label
from app.services import Services
from app.services.coaching import local_time
from app.services.errors import NotFound, ValidationError
from app.services.experiments import (
    NEXT_STAGE,
    STAGES,
    STAGNATING_WEEKS,
    ExperimentData,
    ExperimentInput,
    ExperimentQuery,
)
from app.services.partners import PartnerQuery
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.coaching import COACHING_TABLES
from app.ui.coaching.action_items_view import OVERDUE_BG, ActionItemsView
from app.ui.coaching.table import RowsTableModel
from app.ui.formatting import format_date, format_number, localise_date_edit
from app.ui.labels import add_form_row

STAGNATING_BG = "#fff1d6"
CONCLUDED_FG = "#616e7c"


def _ago(e: ExperimentData) -> str:
    if e.last_update is None:
        return "never"
    return format_date(local_time(e.last_update))


def criterion_text(e: ExperimentData) -> str:
    """The success criterion as the screen shows it: "OTD (On-time delivery) → 97.5 % by 15 Dec 2026", the
    number and date in the locale's form ('' when no KPI is set)."""
    if not e.kpi_code:
        return ""
    target = "" if e.target_value is None else f" → {format_number(e.target_value)}" + (
        f" {e.kpi_unit}" if e.kpi_unit else "")
    when = f" by {format_date(e.check_date)}" if e.check_date else ""
    return f"{e.kpi_code} ({e.kpi_name}){target}{when}"


def _flags(e: ExperimentData) -> str:
    flags = []
    if e.stagnating:
        flags.append("stagnating")
    if e.check_overdue:
        flags.append("check overdue")
    if e.outcome:
        flags.append(label(e.outcome).lower())
    return ", ".join(flags)


def story_html(e: ExperimentData, history) -> str:
    """An experiment and its history as HTML: what it is, then each step with its session."""
    def field(name: str, value: str) -> str:
        return f"<p style='margin:2px 0'><b>{name}:</b> {escape(value)}</p>" if value else ""

    head = (f"<h3 style='margin-bottom:2px'>{escape(e.title)}</h3>"
            f"<p style='color:#616e7c; margin-top:0'>{escape(e.partner_name)} · {label(e.stage)}"
            + (f" · {label(e.outcome)}" if e.outcome else "")
            + f" · owner {escape(e.owner or '—')} ({escape(label(e.owner_side).lower())} side)</p>")
    if e.stagnating:
        head += ("<p style='background:#fff1d6; padding:4px'><b>Stagnating</b>: no update since "
                 f"{_ago(e)}. Revisit it before escalating.</p>")
    if e.check_overdue:
        head += f"<p style='background:#fdecea; padding:4px'><b>Check overdue</b>: due {format_date(e.check_date)}.</p>"
    body = (field("Problem", e.problem) + field("Root cause / hypothesis", e.hypothesis) + field("Plan", e.plan)
            + field("Success criterion", criterion_text(e))
            + field("Check date", format_date(e.check_date) if e.check_date else "")
            + field("Result", e.result) + field("Lessons learned", e.lessons))
    steps = []
    for h in history:
        where = (f"in <i>{escape(h.session_title)}</i> ({format_date(local_time(h.session_date))})" if h.session_id
                 else "between sessions")
        steps.append(f"<li><b>{format_date(local_time(h.happened_at))}</b> · {escape(h.what)} {where}"
                     f" — {escape(h.author)}" + (f"<br/>{escape(h.note)}" if h.note else "") + "</li>")
    return head + body + "<h4 style='margin-bottom:2px'>Story</h4><ul>" + "".join(steps) + "</ul>"


class ExperimentLogView(QWidget):
    """The experiment log with filters and the selected experiment's story. ``per_partner``: one partner's."""

    def __init__(self, services: Services, bus: ChangeBus, *, per_partner: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.per_partner = per_partner
        self.partner_id: str | None = None

        self.stage_combo = QComboBox()
        self.stage_combo.addItem("Any stage", None)
        for st in STAGES:
            self.stage_combo.addItem(label(st), st)
        self.owner_combo = QComboBox()
        self.open_check = QCheckBox("Open only")
        self.open_check.setChecked(True)
        self.overdue_check = QCheckBox("Check date overdue")
        # "☐ No update for [4 weeks]": the stagnating filter and its threshold read as one phrase.
        self.stagnating_check = QCheckBox("No update for")
        self.stagnating_check.setToolTip("Only stagnating experiments: open, with no update for this long")
        self.weeks_spin = QSpinBox()
        self.weeks_spin.setRange(1, 52)
        self.weeks_spin.setValue(STAGNATING_WEEKS)
        self.weeks_spin.setSuffix(" weeks")
        self.weeks_spin.setAccessibleName("No update for")
        self.weeks_spin.setToolTip("An open experiment with no update for this long is stagnating")
        for w in (self.stage_combo, self.owner_combo):
            w.currentIndexChanged.connect(self.refresh)
        for w in (self.open_check, self.overdue_check, self.stagnating_check):
            w.toggled.connect(self.refresh)
        self.weeks_spin.valueChanged.connect(self.refresh)
        filters = QHBoxLayout()
        if per_partner:
            heading = QLabel("Experiments")
            heading.setStyleSheet("font-weight: 600; color: #334e68;")
            filters.addWidget(heading)
        for w in (self.stage_combo, self.owner_combo, self.open_check, self.overdue_check, self.stagnating_check,
                  self.weeks_spin):
            filters.addWidget(w)
        filters.addStretch(1)

        self.new_button = QPushButton("New experiment…")
        self.new_button.clicked.connect(self.new_experiment)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.next_button = QPushButton("Next stage")
        self.next_button.clicked.connect(self.advance_selected)
        self.update_button = QPushButton("Add update…")
        self.update_button.clicked.connect(self.note_selected)
        self.conclude_button = QPushButton("Conclude…")
        self.conclude_button.clicked.connect(self.conclude_selected)
        self.files_button = FilesButton(services, bus)  # evidence of the experiment: photos, measurements
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.next_button, self.update_button, self.conclude_button,
                  self.files_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        buttons.addWidget(self.count_label)

        columns = [
            ("Partner", lambda e: e.partner_name),
            ("Experiment", lambda e: e.title),
            ("Stage", lambda e: label(e.stage)),
            ("Owner", lambda e: f"{e.owner} ({label(e.owner_side).lower()})" if e.owner else ""),
            ("Success criterion", criterion_text),
            ("Check date", lambda e: format_date(e.check_date) if e.check_date else ""),
            ("Last update", _ago),
            ("Attention", _flags),
        ]
        if per_partner:
            columns.pop(0)
        self.model = RowsTableModel(
            columns,
            background=lambda e: STAGNATING_BG if e.stagnating else OVERDUE_BG if e.check_overdue else None,
            bold=lambda e: e.stagnating or e.check_overdue,
            tooltip=lambda e: ("Stagnating: no update for more than "
                               f"{self.weeks_spin.value()} weeks. Revisit before escalating.") if e.stagnating else "")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.story = QTextBrowser()
        self.story.setMinimumWidth(280)

        widths = [190, 220, 60, 150, 200, 90, 90, 120]
        if per_partner:
            widths.pop(0)
        for col, width in enumerate(widths):
            self.table.setColumnWidth(col, width)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.story)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 360])
        layout = QVBoxLayout(self)
        if per_partner:
            layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        bus.changed.connect(self._on_change)
        if not per_partner:
            self.refresh()

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self.refresh()

    def _load_owners(self) -> None:
        current = self.owner_combo.currentData()
        self.owner_combo.blockSignals(True)
        self.owner_combo.clear()
        self.owner_combo.addItem("Any owner", "")
        for owner in self.services.experiments.owners(self.partner_id if self.per_partner else None):
            self.owner_combo.addItem(owner, owner)
        self.owner_combo.setCurrentIndex(max(0, self.owner_combo.findData(current)))
        self.owner_combo.blockSignals(False)

    def query(self) -> ExperimentQuery:
        stage = self.stage_combo.currentData()
        return ExperimentQuery(partner_id=self.partner_id if self.per_partner else None,
                               stages=(stage,) if stage else (), owner=self.owner_combo.currentData() or "",
                               open_only=self.open_check.isChecked(), overdue_only=self.overdue_check.isChecked(),
                               stagnating_only=self.stagnating_check.isChecked())

    def refresh(self) -> None:
        if self.per_partner and not self.partner_id:
            self.model.set_rows([])
            self.story.clear()
            self._update_buttons()
            return
        self._load_owners()
        selected = self.selected()
        rows = self.services.experiments.log(self.query(), stagnating_weeks=self.weeks_spin.value())
        self.model.set_rows(rows)
        stagnating = sum(e.stagnating for e in rows)
        self.count_label.setText(f"{len(rows)} experiments" + (f", {stagnating} stagnating" if stagnating else ""))
        if selected:
            self.select(selected.id)
        self._show_selected()

    def select(self, experiment_id: str) -> None:
        for i, e in enumerate(self.model.rows()):
            if e.id == experiment_id:
                self.table.selectRow(i)
                return

    def selected(self) -> ExperimentData | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _show_selected(self) -> None:
        e = self.selected()
        if e is None:
            self.story.setHtml("<p style='color:#616e7c'>Select an experiment to read its story.</p>")
        else:
            self.story.setHtml(story_html(e, self.services.experiments.history(e.id)))
        self._update_buttons()

    def _update_buttons(self) -> None:
        e = self.selected()
        self.new_button.setEnabled(not self.per_partner or bool(self.partner_id))
        for b in (self.edit_button, self.update_button):
            b.setEnabled(e is not None)
        self.next_button.setEnabled(e is not None and e.is_open and e.stage in NEXT_STAGE)
        if e is not None and e.stage in NEXT_STAGE:
            self.next_button.setText(f"Move to {label(NEXT_STAGE[e.stage])}")
        else:
            self.next_button.setText("Next stage")
        self.conclude_button.setEnabled(e is not None and e.is_open)
        if e is None:
            self.files_button.set_target(None)
        else:
            self.files_button.set_target(e.partner_id, "experiment", e.id, e.title)

    def _on_change(self, change: Change) -> None:
        if change.touches(*COACHING_TABLES, "kpis"):
            self.refresh()

    # -- actions

    def new_experiment(self) -> None:
        dialog = ExperimentDialog(self.services, self.partner_id if self.per_partner else None, parent=self)
        if dialog.exec() and dialog.saved:
            self.select(dialog.saved.id)

    def edit_selected(self) -> None:
        e = self.selected()
        if e is None:
            return
        ExperimentDialog(self.services, e.partner_id, experiment=e, parent=self).exec()

    def advance_selected(self) -> None:
        e = self.selected()
        if e is None:
            return
        note, ok = QInputDialog.getText(self, f"Move to {label(NEXT_STAGE[e.stage])}",
                                        f"What happened? (optional, goes into the story of '{e.title}')")
        if not ok:
            return
        self._try(lambda: self.services.experiments.advance(e.id, note=note))

    def note_selected(self) -> None:
        e = self.selected()
        if e is None:
            return
        note, ok = QInputDialog.getMultiLineText(self, "Add update", f"Update on '{e.title}':")
        if ok and note.strip():
            self._try(lambda: self.services.experiments.note(e.id, note))

    def conclude_selected(self) -> None:
        e = self.selected()
        if e is None:
            return
        dialog = ConcludeDialog(e, self)
        if dialog.exec():
            outcome, result, lessons = dialog.values()
            self._try(lambda: self.services.experiments.conclude(e.id, outcome, result, lessons))

    def _try(self, action) -> None:
        try:
            action()
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Experiment not changed", str(exc))


class ExperimentDialog(QDialog):
    """Create or edit an experiment: what, why, how, who, and the success criterion (KPI, target, date)."""

    def __init__(self, services: Services, partner_id: str | None, experiment: ExperimentData | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.experiment = experiment
        self.saved: ExperimentData | None = None
        self.setWindowTitle("Edit experiment" if experiment else "New experiment")
        self.resize(600, 600)
        self.partner_combo = QComboBox()
        for row in services.partners.list(PartnerQuery()):
            self.partner_combo.addItem(row.name, row.id)
        if partner_id:
            self.partner_combo.setCurrentIndex(max(0, self.partner_combo.findData(partner_id)))
            self.partner_combo.setEnabled(False)
        self.title_edit = QLineEdit()
        self.problem_edit = QPlainTextEdit()
        self.hypothesis_edit = QPlainTextEdit()
        self.plan_edit = QPlainTextEdit()
        for w in (self.problem_edit, self.hypothesis_edit, self.plan_edit):
            w.setFixedHeight(60)
        self.owner_edit = QLineEdit()
        self.owner_side = QComboBox()
        for side in (Side.PARTNER, Side.OURS, Side.JOINT):
            self.owner_side.addItem(label(side), side)
        owner_row = QHBoxLayout()
        owner_row.addWidget(self.owner_edit, 1)
        owner_row.addWidget(self.owner_side)
        self.kpi_combo = QComboBox()
        self.kpi_combo.addItem("(no KPI)", None)
        self._kpis = {k.id: k for k in services.experiments.kpi_choices()}
        for k in self._kpis.values():
            self.kpi_combo.addItem(f"{k.code} — {k.name}" + (f" ({k.unit})" if k.unit else ""), k.id)
        self.target_spin = QDoubleSpinBox()
        self.target_spin.setRange(-1e9, 1e9)
        self.target_spin.setDecimals(2)
        self.target_check = QCheckBox("Target")
        self.owner_side.setAccessibleName("Owner's side")
        self.target_spin.setAccessibleName("Target")
        self.kpi_combo.currentIndexChanged.connect(self._kpi_changed)
        self.check_date = localise_date_edit(QDateEdit())
        self.check_date.setCalendarPopup(True)
        self.check_date.setDate(QDate.currentDate().addDays(28))
        self.check_date_on = QCheckBox("Check on")
        self.check_date.setAccessibleName("Check on")
        self.check_date_on.setChecked(True)
        criterion = QHBoxLayout()
        criterion.addWidget(self.kpi_combo, 1)
        criterion.addWidget(self.target_check)
        criterion.addWidget(self.target_spin)
        criterion.addWidget(self.check_date_on)
        criterion.addWidget(self.check_date)

        form = QFormLayout()
        form.addRow("Partner", self.partner_combo)
        form.addRow("Title", self.title_edit)
        form.addRow("Problem", self.problem_edit)
        form.addRow("Root cause / hypothesis", self.hypothesis_edit)
        form.addRow("Plan", self.plan_edit)
        add_form_row(form, "Owner", owner_row, self.owner_edit)
        add_form_row(form, "Success criterion", criterion, self.kpi_combo)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        if experiment:
            self.title_edit.setText(experiment.title)
            self.problem_edit.setPlainText(experiment.problem)
            self.hypothesis_edit.setPlainText(experiment.hypothesis)
            self.plan_edit.setPlainText(experiment.plan)
            self.owner_edit.setText(experiment.owner)
            self.owner_side.setCurrentIndex(self.owner_side.findData(experiment.owner_side))
            self.kpi_combo.setCurrentIndex(max(0, self.kpi_combo.findData(experiment.kpi_id)))
            self.target_check.setChecked(experiment.target_value is not None)
            if experiment.target_value is not None:
                self.target_spin.setValue(experiment.target_value)
            self.check_date_on.setChecked(experiment.check_date is not None)
            if experiment.check_date:
                self.check_date.setDate(QDate(experiment.check_date))
        self._kpi_changed()

    def _kpi_changed(self, *_args) -> None:
        kpi = self._kpis.get(self.kpi_combo.currentData())
        self.target_check.setEnabled(kpi is not None)
        self.target_spin.setEnabled(kpi is not None)
        if kpi is None:
            self.target_check.setChecked(False)
        elif not self.target_check.isChecked() and self.experiment is None:
            self.target_check.setChecked(True)
            self.target_spin.setValue(kpi.target)

    def data(self) -> ExperimentInput:
        return ExperimentInput(
            partner_id=self.partner_combo.currentData(), title=self.title_edit.text(),
            problem=self.problem_edit.toPlainText(), hypothesis=self.hypothesis_edit.toPlainText(),
            plan=self.plan_edit.toPlainText(), owner=self.owner_edit.text(), owner_side=self.owner_side.currentData(),
            kpi_id=self.kpi_combo.currentData(),
            target_value=self.target_spin.value() if self.target_check.isChecked() else None,
            check_date=self.check_date.date().toPython() if self.check_date_on.isChecked() else None)

    def save(self) -> None:
        try:
            if self.experiment:
                self.saved = self.services.experiments.update(self.experiment.id, self.data())
            else:
                self.saved = self.services.experiments.create(self.data())
        except (ValidationError, NotFound) as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()


class ConcludeDialog(QDialog):
    """Adopt, adapt or abandon an experiment, with its result and lessons learned."""

    def __init__(self, e: ExperimentData, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Conclude '{e.title}'")
        self.resize(520, 360)
        self.outcome = QComboBox()
        for o in ExperimentOutcome:
            self.outcome.addItem(label(o), o)
        self.result = QPlainTextEdit(e.result)
        self.lessons = QPlainTextEdit(e.lessons)
        form = QFormLayout()
        form.addRow("Outcome", self.outcome)
        form.addRow("Result", self.result)
        form.addRow("Lessons learned", self.lessons)
        note = QLabel("Adopting or adapting needs the experiment checked first (stage Check); abandoning is "
                      "possible at any stage.")
        note.setWordWrap(True)
        note.setObjectName("muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def values(self) -> tuple[ExperimentOutcome, str, str]:
        return self.outcome.currentData(), self.result.toPlainText(), self.lessons.toPlainText()


class ExperimentsSection(QWidget):
    """The sidebar section: the experiment log across partners, and action items across sessions."""

    def __init__(self, services: Services, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("Experiments and action items")
        title.setObjectName("pageTitle")
        self.log = ExperimentLogView(services, bus)
        self.actions = ActionItemsView(services, bus)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.log, "Experiment log")
        self.tabs.addTab(self.actions, "Action items")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        self.tabs.setCurrentIndex(0)
        self.tabs.tabBar().setUsesScrollButtons(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
