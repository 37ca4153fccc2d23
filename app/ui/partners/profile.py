"""A partner's profile: every field of the directory, contacts on both sides and the escalation path.

The form edits a copy; Save (Ctrl+S) validates through the service and pushes an undoable command, Revert
throws the edits away. `is_dirty()` tells the page whether leaving would lose edits. The Certification line
(read only, under Maturity and alignment) is the partner's certification status; the page fills it in
(`show_certification`) and its link asks for the Learning tab (``learning_requested``).
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import PartnerKind, PartnershipStage, PartnerStatus, Side, label
from app.services.coaching import local_time
from app.services.partners import NOT_SCORED, ContactData, EscalationData, PartnerData, quadrant_of
from app.ui.formatting import format_datetime
from app.ui.partners.table_model import QUADRANT_COLOURS

ENABLEMENT_LEVELS = ["1 · Ad hoc", "2 · Reactive", "3 · Structured", "4 · Integrated"]
QUADRANT_HINTS = {
    "strategic": "high value, low risk: invest in the partnership",
    "opportunistic": "high value, high risk: manage the risk actively",
    "operational": "low value, low risk: keep it efficient",
    "avoid": "low value, high risk: fix or plan the exit",
}


class ScoreBox(QSpinBox):
    """A 1–5 score that may be left "Not scored" (one step below 1): scoring is an explicit act, so a new
    partner starts unscored and never lands in a quadrant nobody chose."""

    def __init__(self) -> None:
        super().__init__()
        self.setRange(0, 5)
        self.setSpecialValueText("Not scored")
        self.setFixedWidth(110)
        self.setToolTip("1 (low) to 5 (high); step below 1 for Not scored")

    def score(self) -> int | None:
        return self.value() or None

    def set_score(self, score: int | None) -> None:
        self.setValue(score or 0)


def _enum_combo(enum_cls) -> QComboBox:
    combo = QComboBox()
    for member in enum_cls:
        combo.addItem(label(member), member)
    return combo


def _score(minimum: int = 1, maximum: int = 5) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setFixedWidth(64)
    return spin


def _set_combo(combo: QComboBox, value) -> None:
    combo.setCurrentIndex(max(0, combo.findData(value)))


class _RowsTable(QTableWidget):
    """A small editable table (contacts, escalation levels) whose rows carry the record id."""

    def __init__(self, headers: list[str], widths: list[int]) -> None:
        super().__init__(0, len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        for col, w in enumerate(widths):
            self.setColumnWidth(col, w)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setMinimumHeight(130)

    def text(self, row: int, col: int) -> str:
        item = self.item(row, col)
        return item.text().strip() if item else ""

    def set_text(self, row: int, col: int, text: str, record_id: str | None = None) -> None:
        item = QTableWidgetItem(text)
        if record_id is not None:
            item.setData(Qt.ItemDataRole.UserRole, record_id)
        self.setItem(row, col, item)

    def record_id(self, row: int) -> str | None:
        item = self.item(row, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def side_combo(self, row: int, col: int, value: Side) -> None:
        combo = _enum_combo(Side)
        _set_combo(combo, value)
        self.setCellWidget(row, col, combo)

    def side(self, row: int, col: int) -> Side:
        return self.cellWidget(row, col).currentData()


class _LinkLabel(QLabel):
    """A label with a link that Tab reaches in one press (a plain QLabel needs a second Tab to select its
    link); Enter then follows it."""

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.focusNextPrevChild(event.reason() == Qt.FocusReason.TabFocusReason)


class PartnerProfileWidget(QWidget):
    """Emits ``save_requested(PartnerData)`` with the edited data; the page does the saving."""

    save_requested = Signal(object)
    delete_requested = Signal()
    dirty_changed = Signal(bool)
    learning_requested = Signal()  # the Certification line's link: show the partner's Learning tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: PartnerData | None = None
        self._loading = False

        # identity
        self.name = QLineEdit(placeholderText="Company name")
        self.kind = _enum_combo(PartnerKind)
        self.segment = QComboBox(editable=True)
        self.country = QLineEdit()
        self.status = _enum_combo(PartnerStatus)
        self.lead = QLineEdit(placeholderText="Who enables this partner on our side")
        # commercial
        self.tier = QComboBox()
        for t in (1, 2, 3):
            self.tier.addItem(f"Tier {t}", t)
        self.spend = QSpinBox()
        self.spend.setRange(0, 2_000_000_000)
        self.spend.setGroupSeparatorShown(True)
        self.spend.setSingleStep(10_000)
        self.currency = QLineEdit(maxLength=3)
        self.currency.setFixedWidth(56)
        # value–risk
        self.value_score, self.risk_score = ScoreBox(), ScoreBox()
        self.quadrant = QLabel()
        self.quadrant.setWordWrap(True)
        # maturity and alignment
        self.stage = _enum_combo(PartnershipStage)
        self.level = QComboBox()
        for i, text in enumerate(ENABLEMENT_LEVELS, 1):
            self.level.addItem(text, i)
        self.goals, self.values, self.capabilities = _score(), _score(), _score()
        self.certification = _LinkLabel()
        self.certification.setObjectName("certification")
        self.certification.setWordWrap(True)
        self.certification.setTextFormat(Qt.TextFormat.RichText)
        self.certification.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                                   | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.certification.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches the link, Enter follows it
        self.certification.linkActivated.connect(lambda _link: self.learning_requested.emit())
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Anything the next person visiting this partner should know")
        self.notes.setMinimumHeight(70)
        # people
        self.contacts = _RowsTable(["Name", "Side", "Role", "E-mail", "Phone", "Primary"],
                                   [160, 90, 150, 190, 120, 60])
        self.escalation = _RowsTable(["Level", "Name", "Role", "Side", "How to reach"], [50, 160, 160, 90, 160])
        # messages and buttons
        self.errors = QLabel()
        self.errors.setObjectName("error")
        self.errors.setWordWrap(True)
        self.errors.hide()
        self.updated = QLabel()
        self.updated.setObjectName("muted")
        self.save_button = QPushButton("Save")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save the changes (Ctrl+S)")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Revert")
        self.delete_button = QPushButton("Delete partner…")

        self._build_layout()
        self._connect()

    # -- layout --------------------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        identity = QGroupBox("Partner")
        f = QFormLayout(identity)
        f.addRow("Name", self.name)
        f.addRow("Kind", self.kind)
        f.addRow("Segment", self.segment)
        f.addRow("Country", self.country)
        f.addRow("Lifecycle status", self.status)
        f.addRow("Enablement lead", self.lead)

        commercial = QGroupBox("Commercial")
        f = QFormLayout(commercial)
        f.addRow("Tier", self.tier)
        spend = QHBoxLayout()
        spend.addWidget(self.spend, 1)
        spend.addWidget(self.currency)
        f.addRow("Annual spend", spend)

        matrix = QGroupBox("Value–risk matrix")
        f = QFormLayout(matrix)
        f.addRow("Value score (1–5)", self.value_score)
        f.addRow("Risk score (1–5)", self.risk_score)
        f.addRow("Quadrant", self.quadrant)

        maturity = QGroupBox("Maturity and alignment")
        f = QFormLayout(maturity)
        f.addRow("Partnership stage", self.stage)
        f.addRow("Enablement level", self.level)
        f.addRow("Goals alignment (1–5)", self.goals)
        f.addRow("Values alignment (1–5)", self.values)
        f.addRow("Capabilities alignment (1–5)", self.capabilities)
        f.addRow("Certification", self.certification)

        contacts = QGroupBox("Contacts on both sides")
        v = QVBoxLayout(contacts)
        v.addWidget(self.contacts)
        v.addLayout(self._row_buttons(self.contacts, self._add_contact))
        escalation = QGroupBox("Escalation path (level 1 is called first)")
        v = QVBoxLayout(escalation)
        v.addWidget(self.escalation)
        v.addLayout(self._row_buttons(self.escalation, self._add_escalation))
        notes = QGroupBox("Notes")
        QVBoxLayout(notes).addWidget(self.notes)

        grid = QGridLayout()
        grid.addWidget(identity, 0, 0, 2, 1)
        grid.addWidget(commercial, 0, 1)
        grid.addWidget(matrix, 1, 1)
        grid.addWidget(maturity, 2, 0)
        grid.addWidget(notes, 2, 1)
        grid.addWidget(contacts, 3, 0, 1, 2)
        grid.addWidget(escalation, 4, 0, 1, 2)
        for col in range(2):
            grid.setColumnStretch(col, 1)

        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.scroll = scroll

        buttons = QHBoxLayout()
        buttons.addWidget(self.updated, 1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.errors)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _row_buttons(self, table: _RowsTable, add) -> QHBoxLayout:
        row = QHBoxLayout()
        add_button, remove_button = QPushButton("Add"), QPushButton("Remove")
        add_button.clicked.connect(add)
        remove_button.clicked.connect(lambda: self._remove_row(table))
        row.addWidget(add_button)
        row.addWidget(remove_button)
        row.addStretch(1)
        return row

    def _connect(self) -> None:
        for w in (self.name, self.country, self.lead, self.currency):
            w.textChanged.connect(self._edited)
        self.segment.editTextChanged.connect(self._edited)
        self.notes.textChanged.connect(self._edited)
        for w in (self.kind, self.status, self.tier, self.stage, self.level):
            w.currentIndexChanged.connect(self._edited)
        for w in (self.spend, self.value_score, self.risk_score, self.goals, self.values, self.capabilities):
            w.valueChanged.connect(self._edited)
        self.contacts.itemChanged.connect(self._edited)
        self.escalation.itemChanged.connect(self._edited)
        self.save_button.clicked.connect(self._save)
        self.revert_button.clicked.connect(self.revert)
        self.delete_button.clicked.connect(self.delete_requested)

    # -- data ----------------------------------------------------------------------------------------------

    def set_segments(self, segments: list[str]) -> None:
        text = self.segment.currentText()
        self.segment.blockSignals(True)
        self.segment.clear()
        self.segment.addItems(segments)
        self.segment.setEditText(text)
        self.segment.blockSignals(False)

    def load(self, data: PartnerData) -> None:
        """Show ``data`` (a stored partner, or a blank one with id None) and forget any edits."""
        self._loading = True
        self._loaded = data
        self.name.setText(data.name)
        _set_combo(self.kind, data.kind)
        self.segment.setEditText(data.segment)
        self.country.setText(data.country)
        _set_combo(self.status, data.status)
        self.lead.setText(data.enablement_lead)
        _set_combo(self.tier, data.tier)
        self.spend.setValue(data.annual_spend)
        self.currency.setText(data.currency)
        self.value_score.set_score(data.value_score)
        self.risk_score.set_score(data.risk_score)
        _set_combo(self.stage, data.partnership_stage)
        _set_combo(self.level, data.enablement_level)
        self.goals.setValue(data.alignment_goals)
        self.values.setValue(data.alignment_values)
        self.capabilities.setValue(data.alignment_capabilities)
        self.notes.setPlainText(data.notes)
        self.contacts.setRowCount(0)
        for c in data.contacts:
            self._add_contact(c)
        self.escalation.setRowCount(0)
        for e in data.escalation:
            self._add_escalation(e)
        self.updated.setText(f"Last changed {format_datetime(local_time(data.updated_at))}" if data.updated_at
                             else "New partner")
        self.delete_button.setEnabled(data.id is not None)
        self.scroll.verticalScrollBar().setValue(0)  # every partner opens at the top, Name in view
        self.show_errors({})
        self._loading = False
        self._edited()

    def data(self) -> PartnerData:
        """The partner as the form shows it now."""
        base = self._loaded or PartnerData(name="")
        contacts = tuple(
            ContactData(name=self.contacts.text(r, 0), side=self.contacts.side(r, 1), role=self.contacts.text(r, 2),
                        email=self.contacts.text(r, 3), phone=self.contacts.text(r, 4),
                        is_primary=self.contacts.item(r, 5).checkState() == Qt.CheckState.Checked,
                        id=self.contacts.record_id(r))
            for r in range(self.contacts.rowCount()))
        escalation = tuple(
            EscalationData(level=i + 1, name=self.escalation.text(r, 1), role=self.escalation.text(r, 2),
                           side=self.escalation.side(r, 3), contact_info=self.escalation.text(r, 4),
                           id=self.escalation.record_id(r))
            for i, r in enumerate(range(self.escalation.rowCount())))
        return replace(
            base, name=self.name.text(), kind=self.kind.currentData(), segment=self.segment.currentText(),
            country=self.country.text(), status=self.status.currentData(), enablement_lead=self.lead.text(),
            tier=self.tier.currentData(), annual_spend=self.spend.value(), currency=self.currency.text(),
            value_score=self.value_score.score(), risk_score=self.risk_score.score(),
            partnership_stage=self.stage.currentData(), enablement_level=self.level.currentData(),
            alignment_goals=self.goals.value(), alignment_values=self.values.value(),
            alignment_capabilities=self.capabilities.value(), notes=self.notes.toPlainText(),
            contacts=contacts, escalation=escalation,
        )

    def show_certification(self, summary) -> None:
        """Show the partner's certification status (a `CertificationSummary`; None: a partner not saved yet).
        Red when someone is late (expired or overdue), amber when a certification expires soon."""
        if summary is None:
            self.certification.setText("<span style='color:#616e7c'>Tracks are assigned once the partner is "
                                       "saved</span>")
            return
        colour = "#b71c1c" if summary.late else "#e65100" if summary.expiring else "#1f2933"
        mark = "⚠ " if summary.late or summary.expiring else ""
        self.certification.setText(f"<span style='color:{colour}'>{mark}{escape(summary.text)}</span><br>"
                                   "<a href='learning'>Open the Learning tab</a>")

    def is_dirty(self) -> bool:
        if self._loaded is None:
            return False
        return _comparable(self.data()) != _comparable(self._loaded)

    def revert(self) -> None:
        if self._loaded is not None:
            self.load(self._loaded)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show validation messages above the form and mark the fields they name."""
        fields = {"name": self.name, "currency": self.currency, "annual_spend": self.spend,
                  "value_score": self.value_score, "risk_score": self.risk_score}
        for key, widget in fields.items():
            widget.setProperty("invalid", key in errors)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.errors.setText("\n".join(errors.values()))
        self.errors.setVisible(bool(errors))
        if "name" in errors:
            self.name.setFocus()

    # -- internals -----------------------------------------------------------------------------------------

    def _save(self) -> None:
        self.save_requested.emit(self.data())

    def _edited(self, *_args) -> None:
        q = quadrant_of(self.value_score.score(), self.risk_score.score())
        if q is None:
            self.quadrant.setText(f"<b>{NOT_SCORED}</b> — give both scores to place the partner in the matrix")
        else:
            colour = QUADRANT_COLOURS[q].name()
            self.quadrant.setText(f"<b style='color:{colour}'>{label(q)}</b> — {QUADRANT_HINTS[q.value]}")
        if self._loading:
            return
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty or (self._loaded is not None and self._loaded.id is None))
        self.revert_button.setEnabled(dirty)
        self.dirty_changed.emit(dirty)

    def _add_contact(self, c: ContactData | None = None) -> None:
        c = c if isinstance(c, ContactData) else ContactData(name="")
        row = self.contacts.rowCount()
        self.contacts.blockSignals(True)
        self.contacts.insertRow(row)
        self.contacts.set_text(row, 0, c.name, c.id or "")
        self.contacts.side_combo(row, 1, c.side)
        self.contacts.cellWidget(row, 1).currentIndexChanged.connect(self._edited)
        for col, text in ((2, c.role), (3, c.email), (4, c.phone)):
            self.contacts.set_text(row, col, text)
        primary = QTableWidgetItem()
        primary.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        primary.setCheckState(Qt.CheckState.Checked if c.is_primary else Qt.CheckState.Unchecked)
        self.contacts.setItem(row, 5, primary)
        self.contacts.blockSignals(False)
        if not self._loading:
            self.contacts.setCurrentCell(row, 0)
            self.contacts.editItem(self.contacts.item(row, 0))
            self._edited()

    def _add_escalation(self, e: EscalationData | None = None) -> None:
        row = self.escalation.rowCount()
        e = e if isinstance(e, EscalationData) else EscalationData(level=row + 1, name="")
        self.escalation.blockSignals(True)
        self.escalation.insertRow(row)
        level = QTableWidgetItem(str(row + 1))
        level.setFlags(Qt.ItemFlag.ItemIsEnabled)
        level.setData(Qt.ItemDataRole.UserRole, e.id or "")
        self.escalation.setItem(row, 0, level)
        self.escalation.set_text(row, 1, e.name)
        self.escalation.set_text(row, 2, e.role)
        self.escalation.side_combo(row, 3, e.side)
        self.escalation.cellWidget(row, 3).currentIndexChanged.connect(self._edited)
        self.escalation.set_text(row, 4, e.contact_info)
        self.escalation.blockSignals(False)
        if not self._loading:
            self.escalation.setCurrentCell(row, 1)
            self.escalation.editItem(self.escalation.item(row, 1))
            self._edited()

    def _remove_row(self, table: _RowsTable) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)
            if table is self.escalation:
                for r in range(table.rowCount()):
                    table.item(r, 0).setText(str(r + 1))
            self._edited()


def _comparable(data: PartnerData) -> PartnerData:
    """Ignore differences that are not edits: empty-string vs None ids, display metadata."""
    return replace(
        data, updated_at=None, updated_by="",
        contacts=tuple(replace(c, id=c.id or None) for c in data.contacts),
        escalation=tuple(replace(e, id=e.id or None) for e in data.escalation),
    )
