"""Plan (or re-plan) a coaching session: partner, type, date, place, facilitator, attendees, agenda."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Side, label
from app.services import Services
from app.services.coaching import (
    AgendaItem,
    Attendee,
    SessionData,
    SessionPlan,
    local_time,
    session_types,
    to_utc,
)
from app.services.errors import NotFound, ValidationError
from app.services.partners import PartnerQuery
from app.ui.labels import add_form_row

SIDE_NAMES = {Side.PARTNER: "partner's side", Side.OURS: "our side", Side.JOINT: "joint"}


class PlanSessionDialog(QDialog):
    """``partner_id`` fixes the partner (the partner's tab); ``session`` edits an existing session."""

    def __init__(self, services: Services, partner_id: str | None = None, session: SessionData | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.session = session
        self.result_session: SessionData | None = None
        self.setWindowTitle("Edit session" if session else "Plan a session")
        self.resize(760, 720)
        partner_id = session.partner_id if session else partner_id

        self.partner_combo = QComboBox()
        self.partner_combo.setEditable(True)
        self.partner_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for row in services.partners.list(PartnerQuery()):
            self.partner_combo.addItem(row.name, row.id)
        if partner_id:
            self.partner_combo.setCurrentIndex(max(0, self.partner_combo.findData(partner_id)))
            self.partner_combo.setEnabled(False)
        else:
            self.partner_combo.setCurrentIndex(-1)
            self.partner_combo.lineEdit().setPlaceholderText("Type a partner's name")
        self.partner_combo.currentIndexChanged.connect(self._load_people)

        self.type_combo = QComboBox()
        for t, info in session_types().items():
            self.type_combo.addItem(info.name, t)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self.when_edit = QDateTimeEdit()
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("ddd dd MMM yyyy  HH:mm")
        self.title_edit = QLineEdit()
        self.objective_edit = QPlainTextEdit()
        self.objective_edit.setFixedHeight(54)
        self.location_edit = QLineEdit()
        self.location_edit.setPlaceholderText("Partner's plant, video call…")
        self.facilitator_combo = QComboBox()
        self.facilitator_combo.setEditable(True)
        self.facilitator_combo.currentTextChanged.connect(self._facilitator_changed)
        self.facilitator_side = QComboBox()
        for side in (Side.OURS, Side.PARTNER):
            self.facilitator_side.addItem(label(SIDE_NAMES[side]), side)
        self.facilitator_side.setAccessibleName("Facilitator's side")
        fac_row = QHBoxLayout()
        fac_row.addWidget(self.facilitator_combo, 1)
        fac_row.addWidget(self.facilitator_side)

        self.attendee_list = QListWidget()
        self.attendee_list.setMinimumHeight(110)
        self.guest_edit = QLineEdit()
        self.guest_edit.setPlaceholderText("Someone else (name)")
        self.guest_edit.setAccessibleName("Another attendee's name")
        self.guest_side = QComboBox()
        for side in (Side.PARTNER, Side.OURS):
            self.guest_side.addItem(label(SIDE_NAMES[side]), side)
        self.guest_side.setAccessibleName("Another attendee's side")
        add_guest = QPushButton("Add")
        add_guest.clicked.connect(self._add_guest)
        self.guest_edit.returnPressed.connect(self._add_guest)
        guest_row = QHBoxLayout()
        guest_row.addWidget(self.guest_edit, 1)
        guest_row.addWidget(self.guest_side)
        guest_row.addWidget(add_guest)

        self.agenda_table = QTableWidget(0, 2)
        self.agenda_table.setHorizontalHeaderLabels(["Agenda item", "Minutes"])
        self.agenda_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.agenda_table.setColumnWidth(1, 70)
        self.agenda_table.verticalHeader().setVisible(False)
        self.agenda_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.agenda_table.setMinimumHeight(170)
        agenda_buttons = QHBoxLayout()
        for text, slot in (("Add item", self._add_item), ("Remove", self._remove_item),
                           ("Up", lambda: self._move_item(-1)), ("Down", lambda: self._move_item(1)),
                           ("Reset to the type's agenda", self._reset_agenda)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            agenda_buttons.addWidget(b)
        agenda_buttons.addStretch(1)

        form = QFormLayout()
        form.addRow("Partner", self.partner_combo)
        form.addRow("Type", self.type_combo)
        form.addRow("When", self.when_edit)
        form.addRow("Title", self.title_edit)
        form.addRow("Objective", self.objective_edit)
        form.addRow("Location", self.location_edit)
        add_form_row(form, "Facilitator", fac_row, self.facilitator_combo)
        attendees_box = QVBoxLayout()
        attendees_box.addWidget(self.attendee_list)
        attendees_box.addLayout(guest_row)
        form.addRow("Attendees", attendees_box)
        agenda_box = QVBoxLayout()
        agenda_box.addWidget(self.agenda_table)
        agenda_box.addLayout(agenda_buttons)
        form.addRow("Agenda", agenda_box)

        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save session" if session else "Plan session")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        self._agenda_touched = False
        if session:
            self.type_combo.setCurrentIndex(self.type_combo.findData(session.session_type))
            self.when_edit.setDateTime(QDateTime(local_time(session.scheduled_at)))
            self.title_edit.setText(session.title)
            self.objective_edit.setPlainText(session.objective)
            self.location_edit.setText(session.location)
            self._set_agenda(session.agenda)
            self._agenda_touched = True
        else:
            tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
            self.when_edit.setDateTime(QDateTime(tomorrow))
            self._type_changed()
        self._load_people()
        if session:
            self.facilitator_combo.setEditText(session.facilitator)
            self.facilitator_side.setCurrentIndex(max(0, self.facilitator_side.findData(session.facilitator_side)))
            chosen = {(a.name, a.side) for a in session.attendees}
            for i in range(self.attendee_list.count()):
                item = self.attendee_list.item(i)
                name, side = item.data(Qt.ItemDataRole.UserRole)
                item.setCheckState(Qt.CheckState.Checked if (name, side) in chosen else Qt.CheckState.Unchecked)
                chosen.discard((name, side))
            for name, side in chosen:
                self._add_person(name, side, "", checked=True)
        self.agenda_table.itemChanged.connect(lambda *_: setattr(self, "_agenda_touched", True))

    # -- people

    def _load_people(self) -> None:
        self.attendee_list.clear()
        self.facilitator_combo.blockSignals(True)
        self.facilitator_combo.clear()
        me = self.services.identity.get().display_name
        self._sides: dict[str, Side] = {}
        partner_id = self.partner_combo.currentData()
        contacts = []
        if partner_id:
            try:
                contacts = list(self.services.partners.get(partner_id).contacts)
            except NotFound:
                contacts = []
        for c in sorted(contacts, key=lambda c: (c.side is not Side.PARTNER, c.name)):
            self._add_person(c.name, c.side, c.role, checked=c.is_primary or c.name == me)
            self.facilitator_combo.addItem(c.name)
            self._sides[c.name] = c.side
        if me and me not in self._sides:
            self._add_person(me, Side.OURS, "you", checked=True)
            self.facilitator_combo.insertItem(0, me)
            self._sides[me] = Side.OURS
        self.facilitator_combo.setEditText(me)
        self.facilitator_combo.blockSignals(False)
        self._facilitator_changed(me)

    def _add_person(self, name: str, side: Side, role: str, checked: bool) -> None:
        text = f"{name}  —  {SIDE_NAMES[side]}" + (f", {role}" if role else "")
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, (name, side))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.attendee_list.addItem(item)

    def _add_guest(self) -> None:
        name = self.guest_edit.text().strip()
        if name:
            self._add_person(name, self.guest_side.currentData(), "guest", checked=True)
            self.guest_edit.clear()

    def _facilitator_changed(self, name: str) -> None:
        side = getattr(self, "_sides", {}).get(name)
        if side in (Side.OURS, Side.PARTNER):
            self.facilitator_side.setCurrentIndex(self.facilitator_side.findData(side))

    # -- agenda

    def _type_changed(self, *_args) -> None:
        info = session_types()[self.type_combo.currentData()]
        self.title_edit.setPlaceholderText(info.name)
        if not self.objective_edit.toPlainText().strip() or self.objective_edit.toPlainText() in {
                t.objective for t in session_types().values()}:
            self.objective_edit.setPlainText(info.objective)
        if not self._agenda_touched:
            self._set_agenda(info.agenda)
            self._agenda_touched = False

    def _set_agenda(self, agenda) -> None:
        self.agenda_table.blockSignals(True)
        self.agenda_table.setRowCount(0)
        for item in agenda:
            self._append_row(item.title, item.minutes)
        self.agenda_table.blockSignals(False)

    def _append_row(self, title: str, minutes: int) -> None:
        row = self.agenda_table.rowCount()
        self.agenda_table.insertRow(row)
        self.agenda_table.setItem(row, 0, QTableWidgetItem(title))
        minutes_item = QTableWidgetItem(str(minutes))
        minutes_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.agenda_table.setItem(row, 1, minutes_item)

    def _add_item(self) -> None:
        self._agenda_touched = True
        self._append_row("New item", 10)
        self.agenda_table.editItem(self.agenda_table.item(self.agenda_table.rowCount() - 1, 0))

    def _remove_item(self) -> None:
        row = self.agenda_table.currentRow()
        if row >= 0:
            self._agenda_touched = True
            self.agenda_table.removeRow(row)

    def _move_item(self, step: int) -> None:
        row = self.agenda_table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.agenda_table.rowCount():
            return
        self._agenda_touched = True
        items = self.agenda()
        items.insert(target, items.pop(row))
        self._set_agenda(items)
        self.agenda_table.selectRow(target)

    def _reset_agenda(self) -> None:
        self._set_agenda(session_types()[self.type_combo.currentData()].agenda)
        self._agenda_touched = False

    def agenda(self) -> list[AgendaItem]:
        items = []
        for row in range(self.agenda_table.rowCount()):
            title = (self.agenda_table.item(row, 0).text() if self.agenda_table.item(row, 0) else "").strip()
            raw = self.agenda_table.item(row, 1).text() if self.agenda_table.item(row, 1) else "0"
            try:
                minutes = int(raw.strip() or 0)
            except ValueError:
                raise ValidationError({"agenda": f"Agenda item {row + 1}: '{raw}' is not a number of minutes."}) \
                    from None
            if title:
                items.append(AgendaItem(title, minutes))
        return items

    # -- saving

    def plan(self) -> SessionPlan:
        partner_id = self.partner_combo.currentData()
        if not partner_id or self.partner_combo.currentText() != self.partner_combo.itemText(
                self.partner_combo.currentIndex()):
            raise ValidationError({"partner": "Choose the partner from the list."})
        attendees = []
        for i in range(self.attendee_list.count()):
            item = self.attendee_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                name, side = item.data(Qt.ItemDataRole.UserRole)
                attendees.append(Attendee(name, side))
        return SessionPlan(
            partner_id=partner_id, session_type=self.type_combo.currentData(),
            scheduled_at=to_utc(self.when_edit.dateTime().toPython()), title=self.title_edit.text(),
            objective=self.objective_edit.toPlainText(), location=self.location_edit.text(),
            facilitator=self.facilitator_combo.currentText(), facilitator_side=self.facilitator_side.currentData(),
            agenda=tuple(self.agenda()), attendees=tuple(attendees))

    def save(self) -> None:
        try:
            plan = self.plan()
            if self.session:
                self.result_session = self.services.coaching.update_plan(self.session.id, plan)
            else:
                self.result_session = self.services.coaching.plan(plan)
        except (ValidationError, NotFound) as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()

