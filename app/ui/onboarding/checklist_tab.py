"""A partner's Onboarding tab: the checklist, ticked off fast, with progress per side and the item's details.

Keyboard: Space ticks the selected item off (or un-ticks it) and moves to the next one; T, I, D, B and N set
to do, in progress, done, blocked and not applicable; Enter jumps to the evidence note. Mouse: click the
check box. A step that needs evidence asks for it when ticked. Status changes, item edits and a moved start
are undoable (Edit → Undo). The tab fits a field laptop beside the partner directory: the checklist picker
shrinks, printing and the PDF share one menu button (*Print or PDF*), and the summary line wraps.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ItemStatus, Side
from app.reports.onboarding import write_onboarding_pdf
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.onboarding import ChecklistData, ChecklistSummary, ItemData, OnboardingService
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date, localise_date_edit
from app.ui.labels import buddy_label
from app.ui.onboarding.checklist_model import (
    CHECK,
    DUE,
    EVIDENCE,
    OWNER,
    SIDE,
    STATUS,
    TITLE,
    ChecklistTableModel,
)
from app.ui.onboarding.common import (
    STATUS_KEYS,
    ProgressWidget,
    fmt,
    from_qdate,
    status_text,
    to_qdate,
)
from app.ui.onboarding.start_dialog import StartOnboardingDialog
from app.ui.prompts import ask_text
from app.ui.undo import ServiceCommand

TABLES = ("onboarding_checklists", "checklist_items")


def checklist_label(r: ChecklistSummary) -> str:
    """One checklist in the partner's list: "Distributor onboarding (v1) · started 17/11/2026 · 40%"."""
    state = "" if r.closed_at is None else ", closed"
    return (f"{r.title or r.playbook_name} (v{r.playbook_version}) · started {format_date(r.start_date)} · "
            f"{r.progress.percent}%{state}")


class _OnboardingCommand(ServiceCommand):
    """Calls the onboarding service (redo: the new state, undo: the old one); see app/ui/undo.py."""

    def __init__(self, text: str, onboarding: OnboardingService, bus: ChangeBus) -> None:
        super().__init__(text, bus)
        self._onboarding = onboarding


class ItemCommand(_OnboardingCommand):
    """An item's status change or detail edit (owner, due date, evidence, completion), undone by setting every
    old value back."""

    def __init__(self, onboarding: OnboardingService, bus: ChangeBus, before: ItemData, after: ItemData,
                 text: str = "") -> None:
        super().__init__(text or f"{status_text(after.status)}: {after.title}", onboarding, bus)
        self.before, self.after = before, after

    def _apply(self, item: ItemData) -> None:
        # Details first: a done step that needs evidence gets its evidence note back before its status.
        self._onboarding.update_item(item.id, owner_name=item.owner_name, due_date=item.due_date,
                                     evidence_note=item.evidence_note)
        self._onboarding.set_status(item.id, item.status, evidence_note=item.evidence_note,
                                    completed_on=item.completed_on, completed_by=item.completed_by,
                                    today=max(date.today(), item.completed_on or date.min))

    def forward(self) -> None:
        self._apply(self.after)

    def back(self) -> None:
        self._apply(self.before)


class MoveStartCommand(_OnboardingCommand):
    """A checklist's start date moved, with every due date; undone by moving it back."""

    def __init__(self, onboarding: OnboardingService, bus: ChangeBus, before: ChecklistData,
                 after: ChecklistData) -> None:
        super().__init__(f"Move start of {after.title or after.playbook_name}", onboarding, bus)
        self.checklist_id, self.before, self.after = after.id, before.start_date, after.start_date

    def forward(self) -> None:
        self._onboarding.move_start(self.checklist_id, self.after)

    def back(self) -> None:
        self._onboarding.move_start(self.checklist_id, self.before)


class OnboardingTab(QWidget):
    """The partner's checklists. ``set_partner`` shows a partner's current checklist."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        self._onboarding = services.onboarding
        self.partner_id: str | None = None
        self.checklist: ChecklistData | None = None
        self._loading = False

        # Top bar: which checklist, and what to do with it.
        self.checklist_combo = QComboBox()
        # Long labels ("Distributor onboarding (v1) · started 2026-11-13 · 40%") are elided, not widening the page.
        self.checklist_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.checklist_combo.setMinimumContentsLength(22)
        self.start_button = QPushButton("Start onboarding…")
        self.close_button = QPushButton("Close checklist")
        # Printing and the PDF are one menu button: the top bar fits a laptop beside the directory.
        self.print_button = QToolButton()
        self.print_button.setText("Print or PDF")
        self.print_button.setToolTip("Print the checklist, or save it as a PDF")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        print_menu = QMenu(self.print_button)
        self.print_action = print_menu.addAction("Print…", self.print_checklist)
        self.pdf_action = print_menu.addAction("Save as PDF…", self.save_pdf)
        self.print_button.setMenu(print_menu)
        top = QHBoxLayout()
        top.addWidget(buddy_label("Checklist", self.checklist_combo))
        top.addWidget(self.checklist_combo, 1)
        for b in (self.start_button, self.close_button, self.print_button):
            top.addWidget(b)

        # Progress: overall and per side.
        self.overall = ProgressWidget("Overall")
        self.sides = {Side.OURS: ProgressWidget("Our side"), Side.PARTNER: ProgressWidget("Partner side"),
                      Side.JOINT: ProgressWidget("Joint")}
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)  # playbook, overdue and next step: two lines on a laptop
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        localise_date_edit(self.start)
        self.start.setToolTip("Moving the start moves every item's due date by as many days")
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(buddy_label("Start", self.start))
        summary_row.addWidget(self.start)
        progress = QHBoxLayout()
        progress.addWidget(self.overall, 2)
        for w in self.sides.values():
            progress.addWidget(w, 1)

        # The checklist.
        self.model = ChecklistTableModel(self.toggle)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CHECK, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for col in (SIDE, DUE, STATUS):  # short values: as wide as they are ("⚠ 2026-11-23", "Done 2026-11-13")
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for col, width in ((OWNER, 120), (EVIDENCE, 110)):
            header.resizeSection(col, width)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_details())

        # Details of the selected item.
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setStyleSheet("font-weight: 600;")
        self.detail_description = QLabel()
        self.detail_description.setWordWrap(True)
        self.detail_description.setObjectName("muted")
        self.status = QComboBox()
        for s in ItemStatus:
            self.status.addItem(status_text(s), s)
        self.owner = QLineEdit()
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        localise_date_edit(self.due)
        self.evidence = QPlainTextEdit()
        self.evidence.setPlaceholderText("What shows this step is done: a document, a test order, minutes…")
        self.evidence.setMaximumHeight(64)
        self.completed_on = QDateEdit()
        self.completed_on.setCalendarPopup(True)
        localise_date_edit(self.completed_on)
        self.completed_by = QLineEdit()
        self.evidence_flag = QCheckBox("Evidence required")
        self.evidence_flag.setEnabled(False)
        self.save_button = QPushButton("Save item")
        self.files_button = FilesButton(services, bus)  # the evidence files of the item
        self.detail_error = QLabel()
        self.detail_error.setObjectName("error")
        self.detail_error.setWordWrap(True)
        self.detail_error.hide()
        left_form = QFormLayout()
        left_form.addRow("Status", self.status)
        left_form.addRow("Owner", self.owner)
        left_form.addRow("Due", self.due)
        left_form.addRow("", self.evidence_flag)
        right_form = QFormLayout()
        right_form.addRow("Evidence", self.evidence)
        right_form.addRow("Completed on", self.completed_on)
        right_form.addRow("Completed by", self.completed_by)
        details = QGroupBox("Item")
        dl = QVBoxLayout(details)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail_description)
        columns = QHBoxLayout()
        columns.addLayout(left_form, 2)
        columns.addLayout(right_form, 3)
        dl.addLayout(columns)
        dl.addWidget(self.detail_error)
        hint = QLabel("Space: tick off and go to the next · T/I/D/B/N: to do, in progress, done, blocked, "
                      "not applicable · Enter: evidence")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.files_button)
        row.addWidget(self.save_button)
        dl.addLayout(row)
        self.details = details

        # Table above, details below: the page is often narrow (beside the partner directory).
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)

        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(progress)
        cl.addLayout(summary_row)
        cl.addWidget(splitter, 1)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self.checklist_combo.activated.connect(lambda _i: self._load(self.checklist_combo.currentData()))
        self.start_button.clicked.connect(self.start_onboarding)
        self.close_button.clicked.connect(self._close_or_reopen)
        self.save_button.clicked.connect(self.save_details)
        self.start.editingFinished.connect(self.move_start)
        bus.changed.connect(self._on_change)
        self.set_partner(None)

    # -- showing -------------------------------------------------------------------------------------------

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self._reload_list(select=None)

    def _reload_list(self, select: str | None) -> None:
        """Fill the checklist picker and show ``select`` (or the current checklist)."""
        self.checklist_combo.clear()
        rows = self._onboarding.checklists(self.partner_id) if self.partner_id else []
        for r in rows:
            self.checklist_combo.addItem(checklist_label(r), r.id)
        has = bool(rows)
        for b in (self.close_button, self.print_button, self.print_action, self.pdf_action):
            b.setEnabled(has)
        self.checklist_combo.setEnabled(has)
        self.start_button.setEnabled(self.partner_id is not None)
        if not has:
            self.checklist = None
            self.model.set_items([])
            self.empty.setText("No onboarding checklist yet.\n\nStart onboarding… makes one from a playbook: "
                               "every step with its due date, side and owner." if self.partner_id else
                               "Select a partner.")
            self.stack.setCurrentIndex(0)
            return
        chosen = select if select in [r.id for r in rows] else rows[0].id
        self.checklist_combo.setCurrentIndex(self.checklist_combo.findData(chosen))
        self._load(chosen)

    def _load(self, checklist_id: str | None, keep_item: str | None = None) -> None:
        if not checklist_id:
            return
        current = keep_item or self._current_item_id()
        try:
            self.checklist = self._onboarding.get(checklist_id)
        except NotFound:
            self._reload_list(None)
            return
        self.model.set_items(self.checklist.items)
        self._show_progress()
        self.close_button.setText("Close checklist" if self.checklist.is_open else "Reopen checklist")
        self.start.blockSignals(True)
        self.start.setDate(to_qdate(self.checklist.start_date))
        self.start.blockSignals(False)
        self.stack.setCurrentIndex(1)
        row = self.model.row_of(current) if current else -1
        if row < 0:
            nd = self.checklist.next_due
            row = self.model.row_of(nd.id) if nd else 0
        self._select_row(row)

    def _show_progress(self) -> None:
        c = self.checklist
        self.overall.set_progress(c.progress)
        for side, w in self.sides.items():
            w.set_progress(c.progress_by_side()[side])
        overdue = len(c.overdue_items)
        nd = c.next_due
        parts = [f"Playbook {c.playbook_name}, version {c.playbook_version}"]
        if overdue:
            parts.append(f"<span style='color:#b71c1c;font-weight:600'>{overdue} overdue</span>")
        if nd:
            parts.append(f"next: {nd.title} ({fmt(nd.due_date)})")
        if not c.is_open:
            parts.append(f"closed {format_date(c.closed_at)}")
        self.summary.setText(" · ".join(parts))

    def _select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            self._show_details()
            return
        index = self.model.index(row, TITLE)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        self._show_details()

    def _current_item_id(self) -> str | None:
        item = self.current_item()
        return item.id if item else None

    def current_item(self) -> ItemData | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.items):
            return None
        return self.model.items[index.row()]

    def _show_details(self) -> None:
        item = self.current_item()
        self.details.setEnabled(item is not None)
        self.detail_error.hide()
        if item is None:
            self.files_button.set_target(None)
            self.detail_title.setText("")
            self.detail_description.setText("")
            return
        self.files_button.set_target(self.partner_id, "checklist_item", item.id, item.title)
        self._loading = True
        self.detail_title.setText(item.title)
        self.detail_description.setText(item.description)
        self.status.setCurrentIndex(self.status.findData(item.status))
        self.owner.setText(item.owner_name)
        self.due.setDate(to_qdate(item.due_date or date.today()))
        self.evidence.setPlainText(item.evidence_note)
        self.evidence_flag.setChecked(item.evidence_required)
        self.completed_on.setDate(to_qdate(item.completed_on or date.today()))
        self.completed_on.setEnabled(item.status is ItemStatus.DONE)
        self.completed_by.setText(item.completed_by)
        self.completed_by.setEnabled(item.status is ItemStatus.DONE)
        self._loading = False

    # -- ticking -------------------------------------------------------------------------------------------

    def toggle(self, item: ItemData) -> None:
        """Tick ``item`` off, or un-tick it (the check box and Space)."""
        target = ItemStatus.TODO if item.status is ItemStatus.DONE else ItemStatus.DONE
        self.set_status(item, target)

    def set_status(self, item: ItemData, status: ItemStatus, evidence_note: str | None = None) -> bool:
        """Set a status through the service; asks for evidence when the step needs it. True when stored."""
        if status is ItemStatus.DONE and item.evidence_missing and evidence_note is None:
            text, ok = ask_text(self, "Evidence needed", f"'{item.title}' needs evidence before it is done.\n"
                                "What shows it is done (a document, a test order, minutes)?", confirm="&Tick off")
            if not ok or not text.strip():
                self._bus.status_message.emit(f"Not ticked: '{item.title}' needs evidence")
                return False
            evidence_note = text
        try:
            with self._bus.acting(self):
                after = self._onboarding.set_status(item.id, status, evidence_note=evidence_note)
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Cannot change the item", str(exc))
            return False
        self._bus.undo_stack.push(ItemCommand(self._onboarding, self._bus, item, after))
        self._after_item_write(after)
        self._bus.status_message.emit(f"{status_text(after.status)}: {after.title}")
        return True

    def _after_item_write(self, item: ItemData, keep_form: bool = False) -> None:
        # Update in place (fast, keeps the view where it is); the other views hear of it from the change feed.
        self.checklist = self._onboarding.get(item.checklist_id)
        fresh = next((i for i in self.checklist.items if i.id == item.id), item)
        self.model.replace_item(fresh)
        for other in self.checklist.items:  # overdue flags do not change, but keep every row true
            if other.id != fresh.id:
                self.model.replace_item(other)
        self._show_progress()
        if not keep_form:  # a refused save keeps what the user typed, to correct it
            self._show_details()
        self._refresh_combo_label()

    def _refresh_combo_label(self) -> None:
        rows = {r.id: r for r in self._onboarding.checklists(self.partner_id)} if self.partner_id else {}
        for i in range(self.checklist_combo.count()):
            r = rows.get(self.checklist_combo.itemData(i))
            if r:
                self.checklist_combo.setItemText(i, checklist_label(r))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            item = self.current_item()
            if item is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return super().eventFilter(obj, event)
            key = event.key()
            if key == Qt.Key.Key_Space:
                row = self.table.currentIndex().row()
                ticking = item.status is not ItemStatus.DONE
                self.toggle(item)
                if ticking and self.model.items[row].status is ItemStatus.DONE:
                    self._select_row(min(row + 1, self.model.rowCount() - 1))  # on to the next item
                return True
            status = STATUS_KEYS.get(event.text().upper())
            if status is not None:
                self.set_status(item, status)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.evidence.setFocus()
                return True
        return super().eventFilter(obj, event)

    def save_details(self) -> None:
        """Store what the detail form says about the selected item."""
        item = self.current_item()
        if item is None:
            return
        status = ItemStatus(self.status.currentData())  # the combo box hands the enum back as a plain str
        updated = item
        error = None
        try:
            with self._bus.acting(self):
                updated = self._onboarding.update_item(item.id, owner_name=self.owner.text(),
                                                       due_date=from_qdate(self.due.date()),
                                                       evidence_note=self.evidence.toPlainText())
                if status is not item.status:
                    updated = self._onboarding.set_status(item.id, status)
                if status is ItemStatus.DONE and item.status is ItemStatus.DONE:
                    updated = self._onboarding.update_item(
                        item.id, completed_on=from_qdate(self.completed_on.date()),
                        completed_by=self.completed_by.text())
        except ValidationError as exc:
            error = str(exc)
        # One undo step for the whole save; what was stored before a refusal is undoable too.
        if updated != item:
            self._bus.undo_stack.push(ItemCommand(self._onboarding, self._bus, item, updated,
                                                  f"Edit item: {item.title}"))
            self._after_item_write(updated, keep_form=error is not None)
        if error:
            self.detail_error.setText(error)
            self.detail_error.show()
            return
        self._bus.status_message.emit(f"Saved '{updated.title}'")

    # -- the checklist -------------------------------------------------------------------------------------

    def start_onboarding(self) -> None:
        if not self.partner_id:
            return
        versions = self._services.playbooks.published_versions()
        if not versions:
            QMessageBox.information(self, "No playbook", "Publish a playbook in the Playbooks section first.")
            return
        partner = self._services.partners.get(self.partner_id)
        suggested = self._onboarding.suggested_playbook(self.partner_id, sorted({v.playbook_id for v in versions}))
        dialog = StartOnboardingDialog(versions, self._onboarding.default_owners(self.partner_id), partner.name, self,
                                       suggested=suggested)
        if dialog.exec() != StartOnboardingDialog.DialogCode.Accepted:
            return
        version_id, start, owners, title = dialog.values()
        try:
            with self._bus.acting(self):
                c = self._onboarding.start(self.partner_id, version_id, start, owners, title)
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Cannot start onboarding", str(exc))
            return
        self._reload_list(select=c.id)
        self._bus.status_message.emit(f"Started onboarding {partner.name}: {len(c.items)} items")

    def move_start(self) -> None:
        """Move the checklist's start date to the one in the Start field; every due date moves with it."""
        before = self.checklist
        if before is None or from_qdate(self.start.date()) == before.start_date:
            return
        with self._bus.acting(self):
            after = self._onboarding.move_start(before.id, from_qdate(self.start.date()))
        self._bus.undo_stack.push(MoveStartCommand(self._onboarding, self._bus, before, after))
        days = (after.start_date - before.start_date).days
        self._bus.status_message.emit(f"Start moved by {days:+d} days: every due date moved too")
        self._reload_list(select=before.id)

    def _close_or_reopen(self) -> None:
        c = self.checklist
        if c is None:
            return
        if c.is_open:
            open_items = sum(1 for i in c.items if not i.is_closed)
            question = (f"{open_items} items are still open. Close the checklist anyway? It stays readable and "
                        "can be reopened.")
            if open_items and QMessageBox.question(self, "Close checklist", question) != QMessageBox.StandardButton.Yes:
                return
            with self._bus.acting(self):
                self._onboarding.close(c.id)
        else:
            with self._bus.acting(self):
                self._onboarding.reopen(c.id)
        self._reload_list(select=c.id)

    def _write_pdf(self, path):
        return write_onboarding_pdf(path, [self._onboarding.get(self.checklist.id)],
                                    files=self._services.attachments.report_files(self.partner_id, ("checklist_item",)))

    def save_pdf(self) -> None:
        from app.ui.printing import save_pdf_as

        if self.checklist is None:
            return
        path = save_pdf_as(self, f"{self.checklist.partner_name} onboarding checklist", self._write_pdf)
        if path:
            self._bus.status_message.emit(f"Saved {path}")

    def print_checklist(self) -> None:
        from app.ui.printing import print_pdf

        if self.checklist is not None:
            print_pdf(self, self._write_pdf)

    def _on_change(self, change: Change) -> None:
        if change.initiator is self or not self.partner_id:
            return
        if change.touches(*TABLES, "playbook_versions", partner_id=self.partner_id):
            self._reload_list(select=self.checklist.id if self.checklist else None)

