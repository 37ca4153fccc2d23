"""The "Selection" tab of a partner's page: the selection workspace of a candidate.

Scorecard (each criterion with its description, weight, a score 1–5 and evidence), the weighted total, the
decision checklist with reference calls, and signing: the Sign button stays disabled while items are missing,
and the missing items are named next to it; "Sign with override…" asks for a reason, which is kept.
Print… and Save as PDF… give the filled form or a blank field form for this partner. The scorecard and the
checklist stand side by side when the page has room for both, the checklist below the scorecard when not (a
field laptop), so the page never scrolls sideways.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import PartnerStatus, label
from app.reports.selection import write_blank, write_filled
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.selection import GROUP_ORDER, SCORE_LABELS, Assessment, ScoreLine
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date
from app.ui.printing import print_pdf, save_pdf_as
from app.ui.prompts import confirm_signing
from app.ui.scrolling import Columns
from app.ui.selection.dialogs import OverrideDialog, ReferenceCallDialog

SELECTION_TABLES = ("selection_assessments", "selection_scores", "decision_items", "reference_calls",
                    "criteria_sets", "criteria", "partners")
GROUP_TITLES = {"goals": "Goals", "values": "Values", "capabilities": "Capabilities"}
NAME_WIDTH = 220  # px: a criterion's name wider than this wraps


def _muted(text: str = "") -> QLabel:
    w = QLabel(text)
    w.setObjectName("muted")
    w.setWordWrap(True)
    return w


def print_button(text: str, parent: QWidget) -> tuple[QToolButton, QMenu]:
    button = QToolButton(parent)
    button.setText(text)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    button.setMenu(menu)
    return button, menu


class SelectionTab(QWidget):
    """A partner's selection workspace. ``set_partner`` shows another partner (None: nothing)."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        self.partner_id: str | None = None
        self.assessment: Assessment | None = None
        self._loading = False

        # header: summary and printing
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.print_button, print_menu = print_button("Print…", self)
        self.print_filled_action = print_menu.addAction("Print the filled checklist…", lambda: self.print_form(False))
        print_menu.addAction("Print a blank field form…", lambda: self.print_form(True))
        self.save_button, save_menu = print_button("Save as PDF…", self)
        self.save_filled_action = save_menu.addAction("Filled checklist…", lambda: self.save_form(False))
        save_menu.addAction("Blank field form…", lambda: self.save_form(True))
        header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(self.print_button)
        header.addWidget(self.save_button)

        # page 0: selection not started
        self.start_button = QPushButton("Start selection")
        self.start_button.clicked.connect(self.start)
        empty = QWidget()
        ev = QVBoxLayout(empty)
        ev.addStretch(1)
        self.empty_label = _muted("Selection has not started for this partner. Starting it opens a scorecard "
                                  "against the current criteria and the decision checklist.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        ev.addWidget(self.empty_label)
        ev.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignCenter)
        ev.addStretch(2)

        # page 1: the workspace
        self.scorecard_box = QGroupBox("Scorecard")
        self.score_grid = QGridLayout(self.scorecard_box)
        self.score_grid.setColumnStretch(0, 2)
        self.score_grid.setColumnStretch(3, 3)
        self.checklist_box = QGroupBox("Decision checklist")
        self.check_grid = QGridLayout(self.checklist_box)
        self.check_grid.setColumnStretch(0, 3)
        self.check_grid.setColumnStretch(1, 2)

        self.calls_box = QGroupBox("Reference calls")
        self.calls = QTableWidget(0, 4)
        self.calls.setHorizontalHeaderLabels(["Referee", "Organisation", "Called by", "Date"])
        self.calls.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.calls.verticalHeader().hide()
        self.calls.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.calls.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.calls.setMaximumHeight(130)
        self.log_call_button = QPushButton("Log a call…")
        self.log_call_button.clicked.connect(self.log_call)
        self.remove_call_button = QPushButton("Remove")
        self.remove_call_button.clicked.connect(self.remove_call)
        cl = QVBoxLayout(self.calls_box)
        cl.addWidget(self.calls)
        row = QHBoxLayout()
        row.addWidget(self.log_call_button)
        row.addWidget(self.remove_call_button)
        row.addStretch(1)
        cl.addLayout(row)

        self.sign_box = QGroupBox("Decision")
        self.sign_status = QLabel()
        self.sign_status.setWordWrap(True)
        self.sign_status.setTextFormat(Qt.TextFormat.RichText)
        self.sign_button = QPushButton("Sign")
        self.sign_button.clicked.connect(self.sign)
        self.override_button = QPushButton("Sign with override…")
        self.override_button.clicked.connect(self.sign_with_override)
        self.reopen_button = QPushButton("Reopen")
        self.reopen_button.clicked.connect(self.reopen)
        sl = QVBoxLayout(self.sign_box)
        sl.addWidget(self.sign_status)
        buttons = QHBoxLayout()
        for b in (self.sign_button, self.override_button, self.reopen_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        sl.addLayout(buttons)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.checklist_box)
        rl.addWidget(self.calls_box)
        rl.addWidget(self.sign_box)
        rl.addStretch(1)
        self.columns = Columns(self.scorecard_box, right)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.addWidget(self.columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.columns.follow(scroll.viewport())

        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)

        self.score_widgets: dict[str, tuple[QComboBox, QLineEdit]] = {}  # criterion id -> widgets
        self.item_widgets: dict[str, tuple[QCheckBox, QLabel, QLineEdit]] = {}  # item id -> widgets
        self.files_buttons: dict[str, FilesButton] = {}  # criterion or checklist item id -> its Files… button
        bus.changed.connect(self._on_change)
        self.set_partner(None)

    # -- who is working --------------------------------------------------------------------------------------

    def _me(self) -> str:
        who = self._services.identity.get()
        return who.display_name or who.device_name

    # -- showing ---------------------------------------------------------------------------------------------

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self._built_for = None
        self.reload()

    def reload(self) -> None:
        a = None
        if self.partner_id:
            try:
                a = self._services.selection.for_partner(self.partner_id)
            except NotFound:
                a = None
        self._show(a)

    def _on_change(self, change: Change) -> None:
        if self.partner_id and change.touches(*SELECTION_TABLES, partner_id=self.partner_id):
            self.reload()

    def _show(self, a: Assessment | None) -> None:
        self.assessment = a
        has_partner = self.partner_id is not None
        self.print_button.setEnabled(has_partner)
        self.save_button.setEnabled(has_partner)
        self.print_filled_action.setEnabled(a is not None)
        self.save_filled_action.setEnabled(a is not None)
        self.start_button.setVisible(has_partner)
        if a is None:
            self.summary.setText("<b>Selection</b>" if has_partner else "")
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self._loading = True
        try:
            if self._built_for != (a.id, a.criteria_set.id):
                self._build(a)
                self._built_for = (a.id, a.criteria_set.id)
            self._fill(a)
        finally:
            self._loading = False
        self.columns.refit()  # other criteria or checklist items need another width

    def _build(self, a: Assessment) -> None:
        """Create one row of widgets per criterion and per checklist item (done once per assessment)."""
        for grid in (self.score_grid, self.check_grid):
            while grid.count():
                item = grid.takeAt(0)
                if item.widget():
                    item.widget().hide()  # gone now: the previous partner's rows must not show under these
                    item.widget().deleteLater()
        self.score_widgets.clear()
        self.item_widgets.clear()
        self.files_buttons.clear()
        self.scorecard_box.setTitle(f"Scorecard · {a.criteria_set.title}")
        r = 0
        for h, text in enumerate(("Criterion", "Weight", "Score", "Evidence", "")):
            head = QLabel(f"<b>{text}</b>")
            self.score_grid.addWidget(head, r, h)
        r += 1
        for g in GROUP_ORDER:
            lines = [line for line in a.scores if line.criterion.group == g]
            if not lines:
                continue
            group = QLabel(f"<span style='color:#334e68'><b>{GROUP_TITLES[g.value]}</b></span>")
            self.score_grid.addWidget(group, r, 0, 1, 5)
            r += 1
            for line in lines:
                r = self._add_score_row(a.partner_id, line, r)
        self.score_grid.setRowStretch(r, 1)

        for i, item in enumerate(a.checklist):
            box = QCheckBox(item.title)
            box.setToolTip(item.title)
            meta = _muted()
            meta.setContentsMargins(24, 0, 0, 0)  # under the title, past the tick box
            note = QLineEdit()
            note.setPlaceholderText("Note")
            note.setMinimumWidth(160)
            box.toggled.connect(lambda checked, item_id=item.id: self._tick(item_id, checked))
            note.editingFinished.connect(lambda item_id=item.id, w=note: self._note(item_id, w))
            cell = QWidget()
            cv = QVBoxLayout(cell)
            cv.setContentsMargins(0, 0, 0, 0)
            cv.setSpacing(0)
            cv.addWidget(box)
            cv.addWidget(meta)
            self.check_grid.addWidget(cell, i, 0)
            self.check_grid.addWidget(note, i, 1, Qt.AlignmentFlag.AlignTop)
            files = FilesButton(self._services, self._bus)  # a reference letter, an audit report
            files.set_target(a.partner_id, "decision_item", item.id, item.title)
            self.check_grid.addWidget(files, i, 2, Qt.AlignmentFlag.AlignTop)
            self.item_widgets[item.id] = (box, meta, note)
            self.files_buttons[item.id] = files

    def _add_score_row(self, partner_id: str, line: ScoreLine, r: int) -> int:
        c = line.criterion
        name = QLabel(f"<b>{c.name}</b>")
        if name.sizeHint().width() > NAME_WIDTH:  # a long name (criteria are edited freely) wraps
            name.setWordWrap(True)
            name.setMinimumWidth(NAME_WIDTH)
        name.setToolTip(c.description)
        desc = _muted(c.description)
        weight = QLabel(f"{c.weight:g}")
        weight.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        combo = QComboBox()
        combo.addItem("— not scored", None)
        for value, text in SCORE_LABELS.items():
            combo.addItem(f"{value} {text}", value)
        combo.setAccessibleName(f"Score for {c.name}")
        combo.setMinimumWidth(combo.sizeHint().width())  # "— not scored" in full, never clipped
        evidence = QLineEdit()
        evidence.setPlaceholderText("Evidence")
        evidence.setMinimumWidth(160)  # room to read what was typed; too narrow and the page stacks instead
        combo.currentIndexChanged.connect(lambda _i, cid=c.id: self._score(cid))
        evidence.editingFinished.connect(lambda cid=c.id: self._evidence(cid))
        self.score_grid.addWidget(name, r, 0)
        self.score_grid.addWidget(weight, r, 1)
        self.score_grid.addWidget(combo, r, 2)
        self.score_grid.addWidget(evidence, r, 3)
        files = FilesButton(self._services, self._bus)  # the evidence behind the score: a certificate, a photo
        files.set_target(partner_id, "criterion_score", line.id, c.name)
        self.score_grid.addWidget(files, r, 4)
        self.files_buttons[c.id] = files
        self.score_grid.addWidget(desc, r + 1, 0, 1, 5)
        self.score_widgets[c.id] = (combo, evidence)
        return r + 2

    def _fill(self, a: Assessment) -> None:
        editable = not a.is_signed
        for line in a.scores:
            combo, evidence = self.score_widgets[line.criterion.id]
            combo.setCurrentIndex(combo.findData(line.score) if line.score is not None else 0)
            if not evidence.hasFocus():
                evidence.setText(line.evidence)
                evidence.setCursorPosition(0)
                evidence.setToolTip(line.evidence)
            combo.setEnabled(editable)
            evidence.setReadOnly(not editable)
        for item in a.checklist:
            box, meta, note = self.item_widgets[item.id]
            box.setChecked(item.done)
            box.setEnabled(editable)
            complete = a.item_complete(item)
            text = f"{item.done_by} · {format_date(item.done_at)}" if item.done and item.done_at else ""
            if item.min_reference_calls:
                n, need = len(a.reference_calls), item.min_reference_calls
                calls = f"{n} of {need} calls logged" if n < need else f"{n} calls logged"
                text = f"{text} · {calls}" if text else calls
            if item.done and not complete:
                text += " · needs more calls"
            meta.setText(text)
            meta.setVisible(bool(text))
            if not note.hasFocus():
                note.setText(item.note)
                note.setCursorPosition(0)
                note.setToolTip(item.note)
            note.setReadOnly(not editable)

        self.calls.setRowCount(len(a.reference_calls))
        for r, call in enumerate(a.reference_calls):
            for col, value in enumerate((call.referee, call.organisation, call.called_by,
                                         format_date(call.called_at))):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, call.id)
                if call.note:
                    cell.setToolTip(call.note)
                self.calls.setItem(r, col, cell)
        self.log_call_button.setEnabled(editable)
        self.remove_call_button.setEnabled(editable and bool(a.reference_calls))

        score = a.weighted_score
        if score is None:
            total = "not scored yet"
        else:
            total = f"<b>{score:.2f} / 5</b> ({a.percent:.0f} %)"
            if a.unscored:
                total += (f" · <span style='color:#b71c1c'>provisional: {len(a.unscored)} of {len(a.scores)} "
                          f"criteria not scored ({', '.join(a.unscored)})</span>")
        self.summary.setText(f"<b>{a.partner_name}</b> · {label(a.partner_status)} · {a.stage}<br>"
                             f"Weighted score: {total}<br>"
                             f"Checklist: {a.checklist_done} of {len(a.checklist)} complete")

        self.sign_button.setVisible(not a.is_signed)
        self.override_button.setVisible(not a.is_signed)
        self.reopen_button.setVisible(a.is_signed)
        self.sign_button.setEnabled(a.is_complete)
        self.override_button.setEnabled(not a.is_complete)
        if a.overridden:
            missing = "; ".join(a.override_missing)
            self.sign_status.setText(
                f"<b>Signed with an override</b> by {a.signed_by} on {format_date(a.signed_at)}.<br>"
                f"<b>Reason:</b> {a.override_reason}<br><span style='color:#616e7c'>Missing when signed: "
                f"{missing}</span>")
        elif a.is_signed:
            self.sign_status.setText(f"<b>Signed</b> by {a.signed_by} on {format_date(a.signed_at)}.")
        elif a.is_complete:
            self.sign_status.setText("<span style='color:#2e7d32'><b>Ready to sign:</b> the checklist is "
                                     "complete.</span>")
        else:
            self.sign_status.setText("<span style='color:#b71c1c'><b>Signing is blocked.</b></span> Missing: "
                                     + "; ".join(a.missing_items))
        self.sign_button.setToolTip("" if a.is_complete else "Missing: " + "; ".join(a.missing_items))

    # -- editing ---------------------------------------------------------------------------------------------

    def _write(self, fn, *tables: str) -> None:
        """Run a service write; show it, or show why it was refused and the stored state again."""
        try:
            a = fn()
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Selection", str(exc))
            self.reload()
            return
        self._show(a)

    def start(self) -> None:
        if self.partner_id:
            self._write(lambda: self._services.selection.start(self.partner_id), "selection_assessments")

    def _score(self, criterion_id: str) -> None:
        if self._loading or self.assessment is None:
            return
        combo, evidence = self.score_widgets[criterion_id]
        aid = self.assessment.id
        self._write(lambda: self._services.selection.set_score(aid, criterion_id, combo.currentData(),
                                                               evidence.text()), "selection_scores")

    def _evidence(self, criterion_id: str) -> None:
        if self._loading or self.assessment is None or self.assessment.is_signed:
            return
        current = next(s for s in self.assessment.scores if s.criterion.id == criterion_id)
        combo, evidence = self.score_widgets[criterion_id]
        if evidence.text().strip() == current.evidence:
            return
        self._score(criterion_id)

    def _tick(self, item_id: str, checked: bool) -> None:
        if self._loading:
            return
        self._write(lambda: self._services.selection.update_item(item_id, done=checked, by=self._me()),
                    "decision_items")

    def _note(self, item_id: str, widget: QLineEdit) -> None:
        if self._loading or self.assessment is None or self.assessment.is_signed:
            return
        current = next(i for i in self.assessment.checklist if i.id == item_id)
        if widget.text().strip() != current.note:
            self._write(lambda: self._services.selection.update_item(item_id, note=widget.text()), "decision_items")

    def log_call(self) -> None:
        if self.assessment is None:
            return
        dialog = ReferenceCallDialog(self._me(), self)
        if dialog.exec():
            aid, call = self.assessment.id, dialog.value()
            self._write(lambda: self._services.selection.log_reference_call(aid, call), "reference_calls")

    def remove_call(self) -> None:
        row = self.calls.currentRow()
        if self.assessment is None or row < 0:
            return
        call_id = self.calls.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self._write(lambda: self._services.selection.remove_reference_call(call_id), "reference_calls")

    def _confirm_signing(self) -> tuple[bool, bool]:
        """(sign, move to onboarding): asked before a signature, which makes the assessment read-only."""
        partner = self._services.partners.get(self.partner_id)
        return confirm_signing(self, partner.name, self._me(), partner.status == PartnerStatus.CANDIDATE)

    def sign(self) -> None:
        if self.assessment is None:
            return
        sign, move = self._confirm_signing()
        if sign:
            aid = self.assessment.id
            self._write(lambda: self._services.selection.sign(aid, self._me(), to_onboarding=move),
                        "selection_assessments", *(("partners",) if move else ()))

    def sign_with_override(self) -> None:
        if self.assessment is None:
            return
        dialog = OverrideDialog(self.assessment.missing_items, self)
        if not dialog.exec():
            return
        sign, move = self._confirm_signing()
        if sign:
            aid, reason = self.assessment.id, dialog.value()
            self._write(lambda: self._services.selection.sign(aid, self._me(), override_reason=reason,
                                                              to_onboarding=move),
                        "selection_assessments", *(("partners",) if move else ()))

    def reopen(self) -> None:
        if self.assessment is None:
            return
        answer = QMessageBox.question(self, "Reopen the selection",
                                      "Withdraw the signature so the assessment can be changed?")
        if answer == QMessageBox.StandardButton.Yes:
            aid = self.assessment.id
            self._write(lambda: self._services.selection.reopen(aid), "selection_assessments")

    # -- printing --------------------------------------------------------------------------------------------

    def _writer(self, blank: bool):
        services, pid = self._services, self.partner_id

        def write(path):
            paper = services.settings.paper_size()
            if blank:
                return write_blank(path, [services.selection.blank_form(pid)], paper)
            assessment = services.selection.for_partner(pid)
            if assessment is None:
                name = services.partners.get(pid).name
                raise ValueError(f"{name} has no selection assessment yet: print a blank field form instead.")
            return write_filled(path, assessment, paper)
        return write

    def print_form(self, blank: bool) -> bool:
        if not self.partner_id:
            return False
        return print_pdf(self, self._writer(blank))

    def save_form(self, blank: bool):
        if not self.partner_id:
            return None
        name = self._services.partners.get(self.partner_id).name
        suffix = "selection field form" if blank else "selection checklist"
        return save_pdf_as(self, f"{name} - {suffix}.pdf", self._writer(blank))
