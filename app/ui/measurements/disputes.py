"""Measurement disputes on screen: the dialog that raises or changes one, the Accept / Reject questions, and the
Disputes panel of the Scorecard tab.

Who does what: the laptop a dispute was raised on changes it (the partner's own Tandem); any other laptop settles
it (the lead accepts or rejects). A partner's package may never settle a dispute (app/services/sync/roles.py), so
the partner's laptop is not offered Accept / Reject for its own disputes. Every write goes through
`services.disputes`; the views refresh from the change feed (app/ui/bus.py).
"""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import DisputeStatus, PeriodKind
from app.services import Services
from app.services.disputes import DisputeRow
from app.services.errors import NotFound, ValidationError
from app.services.kpis import fmt
from app.services.measurements import parse_number, period_title
from app.ui.bus import ChangeBus

#: the colour a disputed value is shown on (the grid's cell, the scorecard's latest value)
DISPUTED = QColor("#fde8c8")


def tooltip(d: DisputeRow) -> str:
    """What hovering a disputed value shows."""
    text = f"<b>{escape('Disputed' + (f' by {d.raised_by}' if d.raised_by else ''))}</b>: should be " \
           f"<b>{escape(d.value_text(d.proposed_value))}</b> (recorded {escape(d.value_text(d.recorded_value))})"
    if d.reason:
        text += f"<br>{escape(d.reason)}"
    if d.attachments:
        text += f"<br>Attached: {escape(', '.join(d.attachments))}"
    return text


class KeyboardMenu(QObject):
    """The keyboard's right-click for a view whose context menu is its actions: the menu key or Shift+F10 opens
    them at the current cell (a view's own key handling would otherwise take the key)."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self.menu: QMenu | None = None
        view.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.view and event.type() == QEvent.Type.KeyPress and (
                event.key() == Qt.Key.Key_Menu or (event.key() == Qt.Key.Key_F10
                                                   and event.modifiers() == Qt.KeyboardModifier.ShiftModifier)):
            self.popup()
            return True
        return False

    def popup(self) -> QMenu:
        rect = self.view.visualRect(self.view.currentIndex())
        at = rect.center() if rect.isValid() else QPoint(8, 8)
        self.menu = QMenu(self.view)
        self.menu.addActions(self.view.actions())
        self.menu.popup(self.view.viewport().mapToGlobal(at))
        return self.menu


class DisputeDialog(QDialog):
    """Raise a dispute about one measurement, or change an open one: the value it should be, why, optionally
    an evidence file (when raising). ``submit(value, reason, file)`` does the write; a refusal is shown in the
    dialog, which stays open."""

    def __init__(self, title: str, what: str, recorded: str, submit, *, value: float | None = None,
                 reason: str = "", allow_file: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._submit = submit
        self.file: str | None = None
        self.value_edit = QLineEdit("" if value is None else fmt(value))
        self.value_edit.setPlaceholderText("the value it should be, e.g. 97.2")
        self.reason_edit = QPlainTextEdit(reason)
        self.reason_edit.setPlaceholderText("Why the recorded value is wrong, and where the right figure comes from")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(90)
        self.file_label = QLabel("No file")
        self.file_label.setObjectName("muted")
        self.file_button = QPushButton("Attach a file…")
        self.file_button.clicked.connect(self._choose_file)
        self.error = QLabel("")
        self.error.setStyleSheet("color:#c62828")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Measurement:", QLabel(what))
        form.addRow("Recorded:", QLabel(recorded))
        form.addRow("Should be:", self.value_edit)
        form.addRow("Reason:", self.reason_edit)
        if allow_file:
            files = QHBoxLayout()
            files.addWidget(self.file_button)
            files.addWidget(self.file_label, 1)
            form.addRow("Evidence:", files)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Raise dispute" if allow_file else "Save")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.value_edit.setFocus()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach evidence to the dispute")
        if path:
            self.file = path
            self.file_label.setText(path.replace("\\", "/").rsplit("/", 1)[-1])

    def submit(self) -> bool:
        try:
            value = parse_number(self.value_edit.text())
        except ValueError as exc:
            self.error.setText(f"{exc}.")
            self.value_edit.setFocus()
            return False
        try:
            self._submit(value, self.reason_edit.toPlainText(), self.file)
        except (ValidationError, NotFound) as exc:
            self.error.setText(str(exc))
            return False
        self.accept()
        return True


class ReasonDialog(QDialog):
    """Reject a dispute: the reason the partner will read."""

    def __init__(self, d: DisputeRow, submit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject the dispute")
        self._submit = submit
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("Why the recorded value stands (the partner reads this)")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(90)
        self.error = QLabel("")
        self.error.setStyleSheet("color:#c62828")
        self.error.setWordWrap(True)
        head = QLabel(f"{escape(d.partner_name)} disputes {escape(d.kpi_code)} {escape(d.period_title)}: "
                      f"{escape(d.value_text(d.proposed_value))} instead of {escape(d.value_text(d.recorded_value))}"
                      + (f"<br><i>{escape(d.reason)}</i>" if d.reason else ""))
        head.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Reject")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(QLabel("Reason:"))
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.reason_edit.setFocus()

    def submit(self) -> bool:
        try:
            self._submit(self.reason_edit.toPlainText())
        except (ValidationError, NotFound) as exc:
            self.error.setText(str(exc))
            return False
        self.accept()
        return True


class DisputeActions:
    """Raise, change, accept and reject disputes from any view, asking what needs asking."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget) -> None:
        self.services, self.bus, self.parent = services, bus, parent

    def may_settle(self, d: DisputeRow | None) -> bool:
        return d is not None and d.is_open and not self.services.disputes.raised_here(d)

    def may_edit(self, d: DisputeRow | None) -> bool:
        return d is not None and d.is_open and self.services.disputes.raised_here(d)

    def raise_dialog(self, partner_id: str, kpi_id: str, kpi_label: str, kind: PeriodKind, start: date,
                     recorded: float | None, unit: str = "") -> QDialog:
        suffix = f" {unit}" if unit and unit != "count" else ""

        def submit(value: float, reason: str, file: str | None) -> None:
            d = self.services.disputes.raise_dispute(partner_id, kpi_id, kind, start, value, reason,
                                                     attachment=file)
            self.bus.status_message.emit(f"Dispute raised: {d.kpi_code} {d.period_title} should be "
                                         f"{d.value_text(d.proposed_value)}")

        return DisputeDialog("Raise a dispute", f"{kpi_label}, {period_title(kind, start)}",
                             "–" if recorded is None else f"{fmt(recorded)}{suffix}", submit, parent=self.parent)

    def raise_(self, *args, **kw) -> bool:
        return self.raise_dialog(*args, **kw).exec() == QDialog.DialogCode.Accepted

    def edit_dialog(self, d: DisputeRow) -> QDialog:
        def submit(value: float, reason: str, _file) -> None:
            self.services.disputes.edit(d.id, value=value, reason=reason)
            self.bus.status_message.emit(f"Dispute of {d.kpi_code} {d.period_title} changed")

        return DisputeDialog("Change the dispute", f"{d.kpi_name} ({d.kpi_code}), {d.period_title}",
                             d.value_text(d.recorded_value), submit, value=d.proposed_value, reason=d.reason,
                             allow_file=False, parent=self.parent)

    def edit(self, d: DisputeRow) -> bool:
        return self.edit_dialog(d).exec() == QDialog.DialogCode.Accepted

    def accept(self, d: DisputeRow) -> bool:
        """Ask, then accept: the proposed value becomes the measurement."""
        answer = QMessageBox.question(
            self.parent, "Accept the dispute",
            f"Accept {d.partner_name}'s value for {d.kpi_code} {d.period_title}?\n\n"
            f"The measurement becomes {d.value_text(d.proposed_value)} (recorded now: "
            f"{d.value_text(d.recorded_value)}). The partner sees the dispute as accepted after the next sync.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            done = self.services.disputes.accept(d.id)
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self.parent, "Accept the dispute", str(exc))
            return False
        self.bus.status_message.emit(f"Dispute accepted: {done.kpi_code} {done.period_title} is now "
                                     f"{done.value_text(done.proposed_value)}")
        return True

    def reject_dialog(self, d: DisputeRow) -> QDialog:
        def submit(reason: str) -> None:
            self.services.disputes.reject(d.id, reason)
            self.bus.status_message.emit(f"Dispute of {d.kpi_code} {d.period_title} rejected")

        return ReasonDialog(d, submit, self.parent)

    def reject(self, d: DisputeRow) -> bool:
        return self.reject_dialog(d).exec() == QDialog.DialogCode.Accepted


PANEL_HEADERS = ["KPI", "Period", "Recorded", "Proposed", "Reason", "Status", "Raised by"]


class DisputesPanel(QWidget):
    """The partner's disputes, open first: Accept / Reject (another laptop's dispute) or Change… (one raised
    here). Hidden while the partner has none."""

    MAX_ROWS = 4  # taller lists scroll: the scorecard below stays in view on a 1366×768 screen

    def __init__(self, actions: DisputeActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.rows: list[DisputeRow] = []
        self.title = QLabel("")
        self.table = QTableWidget(0, len(PANEL_HEADERS))
        self.table.setObjectName("disputes")
        self.table.setHorizontalHeaderLabels(PANEL_HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for c in range(len(PANEL_HEADERS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.accept_button = QPushButton("&Accept")
        self.accept_button.setToolTip("The proposed value becomes the measurement")
        self.reject_button = QPushButton("Re&ject…")
        self.edit_button = QPushButton("C&hange…")
        self.accept_button.clicked.connect(lambda: self._run(self.actions.accept))
        self.reject_button.clicked.connect(lambda: self._run(self.actions.reject))
        self.edit_button.clicked.connect(lambda: self._run(self.actions.edit))
        buttons = QVBoxLayout()
        for b in (self.accept_button, self.reject_button, self.edit_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.table, 1)
        body.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(body)
        self.set_rows([])

    def set_rows(self, rows: list[DisputeRow]) -> None:
        keep = self.current().id if self.current() else None
        self.rows = list(rows)
        n_open = sum(1 for r in rows if r.is_open)
        self.title.setText(f"<b>Disputes</b> &nbsp; {n_open} open" + (
            f", {len(rows) - n_open} settled" if len(rows) > n_open else ""))
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r.kpi_code, r.period_title, r.value_text(r.recorded_value), r.value_text(r.proposed_value),
                     r.reason + (f" — {r.status.value}: {r.resolution_reason}" if r.resolution_reason else ""),
                     _status_text(r), r.raised_by]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(r.summary)
                if r.is_open:
                    item.setBackground(DISPUTED)
                if j in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        shown = min(len(rows), self.MAX_ROWS)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 4
                                  + sum(self.table.rowHeight(i) for i in range(shown)))
        again = next((i for i, r in enumerate(rows) if r.id == keep), 0 if rows else None)
        if again is not None:
            self.table.selectRow(again)
        self.setVisible(bool(rows))
        self._update_buttons()

    def current(self) -> DisputeRow | None:
        i = self.table.currentRow() if self.table.selectedItems() else -1
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def select(self, dispute_id: str) -> None:
        i = next((i for i, r in enumerate(self.rows) if r.id == dispute_id), None)
        if i is not None:
            self.table.selectRow(i)

    def _update_buttons(self) -> None:
        d = self.current()
        self.accept_button.setEnabled(self.actions.may_settle(d))
        self.reject_button.setEnabled(self.actions.may_settle(d))
        self.edit_button.setEnabled(self.actions.may_edit(d))

    def _run(self, action) -> None:
        d = self.current()
        if d is not None:
            action(d)


def _status_text(r: DisputeRow) -> str:
    if r.status is DisputeStatus.OPEN:
        return "Open"
    who = f" by {r.resolved_by}" if r.resolved_by else ""
    return f"{r.status.value.capitalize()}{who}"
