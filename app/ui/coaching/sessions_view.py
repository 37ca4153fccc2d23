"""Session lists: the Sessions section (every partner) and the partner's Sessions tab (with its experiments).

Upcoming and live sessions first, past ones on request; plan a session, open the live screen (where *Start
session* starts the clock and *End session…* ends it: one name per action), edit a plan, save or print a
session's minutes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import SessionStatus
from app.services import Services
from app.services.coaching import SessionRow, local_time, type_name
from app.services.errors import NotFound
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.coaching import COACHING_TABLES
from app.ui.coaching.table import RowsTableModel
from app.ui.formatting import format_datetime

FILTERS = [("Upcoming and live", (SessionStatus.PLANNED, SessionStatus.LIVE)), ("Past", (SessionStatus.ENDED,)),
           ("All", ())]
STATUS_TEXT = {SessionStatus.PLANNED: "Planned", SessionStatus.LIVE: "● Live", SessionStatus.ENDED: "Ended"}


#: What the live screen offers a session in each status (the *Open live screen* button's tooltip).
OPEN_TIPS = {
    SessionStatus.PLANNED: "Open the live screen; “Start session” there starts the clock",
    SessionStatus.LIVE: "Open the live screen of this running session",
    SessionStatus.ENDED: "Open the live screen to look back at the log or correct it",
}


class SessionsView(QWidget):
    """A list of sessions of every partner, or of one (``set_partner``)."""

    def __init__(self, services: Services, bus: ChangeBus, *, per_partner: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.per_partner = per_partner
        self.partner_id: str | None = None

        title = QLabel("Sessions")
        title.setObjectName("pageTitle")
        self.filter_combo = QComboBox()
        for text, _statuses in FILTERS:
            self.filter_combo.addItem(text)
        if per_partner:
            self.filter_combo.setCurrentIndex(2)  # a partner's page: its whole history, newest first
        self.filter_combo.currentIndexChanged.connect(self.refresh)
        self.plan_button = QPushButton("Plan a session…")
        self.plan_button.clicked.connect(self.plan_session)
        self.open_button = QPushButton("Open live screen")
        self.open_button.clicked.connect(self.open_selected)
        self.edit_button = QPushButton("Edit plan…")
        self.edit_button.clicked.connect(self.edit_selected)
        # One button with a menu for the minutes: the row of actions fits a field laptop's partner page.
        self.minutes_button = QPushButton("Minutes")
        minutes_menu = QMenu(self.minutes_button)
        minutes_menu.addAction("Print…", lambda: self.minutes_selected(print_it=True))
        minutes_menu.addAction("Save as PDF…", lambda: self.minutes_selected(print_it=False))
        self.minutes_button.setMenu(minutes_menu)
        self.files_button = FilesButton(services, bus)  # the session's files: whiteboard photos, handouts
        top = QHBoxLayout()
        if not per_partner:
            top.addWidget(title)
        top.addWidget(self.filter_combo)
        top.addStretch(1)
        for b in (self.plan_button, self.open_button, self.edit_button, self.minutes_button, self.files_button):
            top.addWidget(b)

        columns = [
            ("When", lambda r: format_datetime(local_time(r.scheduled_at), weekday=True)),
            ("Partner", lambda r: r.partner_name),
            ("Type", lambda r: type_name(r.session_type)),
            ("Title", lambda r: r.title),
            ("Location", lambda r: r.location),
            ("Facilitator", lambda r: r.facilitator),
            ("Status", lambda r: STATUS_TEXT[r.status]),
        ]
        if per_partner:
            columns.pop(1)
        self.model = RowsTableModel(
            columns, background=lambda r: "#fdecea" if r.status is SessionStatus.LIVE else None,
            bold=lambda r: r.status is SessionStatus.LIVE)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.empty_label = QLabel()
        self.empty_label.setObjectName("muted")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        bus.changed.connect(self._on_change)
        if not per_partner:
            self.refresh()

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self.refresh()

    def refresh(self) -> None:
        if self.per_partner and not self.partner_id:
            self.model.set_rows([])
            self.empty_label.setText("Save the partner first to plan sessions.")
            self._update_buttons()
            return
        statuses = FILTERS[self.filter_combo.currentIndex()][1]
        upcoming = self.filter_combo.currentIndex() == 0
        rows = self.services.coaching.list(partner_id=self.partner_id, statuses=statuses, newest_first=not upcoming)
        if upcoming:  # live ones on top, then the next planned
            rows.sort(key=lambda r: (r.status is not SessionStatus.LIVE, r.scheduled_at))
        self.model.set_rows(rows)
        self.empty_label.setText({0: "No upcoming session. Plan one with “Plan a session…”.", 1: "No past session yet.",
                                  2: "No session yet."}[self.filter_combo.currentIndex()] if not rows else
                                 f"{len(rows)} session{'s' if len(rows) != 1 else ''}")
        self._update_buttons()

    def selected(self) -> SessionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.plan_button.setEnabled(not self.per_partner or bool(self.partner_id))
        for b in (self.open_button, self.edit_button):
            b.setEnabled(row is not None)
        self.minutes_button.setEnabled(row is not None and row.status is not SessionStatus.PLANNED)
        if row is None:
            self.files_button.set_target(None)
        else:
            self.files_button.set_target(row.partner_id, "session", row.id, row.title)
        # The button keeps one name whatever the status (it only opens the screen); the tooltip says what
        # can be done there.
        self.open_button.setToolTip(OPEN_TIPS[row.status] if row is not None else "")

    def _on_change(self, change: Change) -> None:
        if change.touches(*COACHING_TABLES):
            selected = self.selected()
            self.refresh()
            if selected:
                for i, r in enumerate(self.model.rows()):
                    if r.id == selected.id:
                        self.table.selectRow(i)

    # -- actions

    def plan_session(self) -> None:
        from app.ui.coaching.plan_dialog import PlanSessionDialog

        dialog = PlanSessionDialog(self.services, self.partner_id if self.per_partner else None, parent=self)
        if dialog.exec() and dialog.result_session:
            s = dialog.result_session
            self.bus.status_message.emit(f"Planned {s.title} with {s.partner_name}")

    def edit_selected(self) -> None:
        from app.ui.coaching.plan_dialog import PlanSessionDialog

        row = self.selected()
        if row is None:
            return
        PlanSessionDialog(self.services, session=self.services.coaching.get(row.id), parent=self).exec()

    def open_selected(self) -> None:
        from app.ui.coaching.live import open_live_session

        row = self.selected()
        if row is None:
            return
        try:
            open_live_session(self, self.services, self.bus, row.id)
        except NotFound as exc:
            QMessageBox.warning(self, "Session", str(exc))

    def minutes_selected(self, print_it: bool) -> None:
        from app.reports.session import write_minutes_pdf
        from app.ui.printing import print_pdf, save_pdf_as

        row = self.selected()
        if row is None:
            return

        def write(path):
            minutes = self.services.coaching.minutes(row.id)
            return write_minutes_pdf(path, minutes, self.services.attachments.session_files(minutes))

        if print_it:
            print_pdf(self, write)
        else:
            when = local_time(row.started_at or row.scheduled_at)
            path = save_pdf_as(self, f"Minutes {row.partner_name} {when:%Y-%m-%d}", write)
            if path:
                self.bus.status_message.emit(f"Minutes saved to {path}")


class PartnerSessionsTab(QWidget):
    """The partner page's Sessions tab: the partner's sessions above its experiment log."""

    def __init__(self, services: Services, bus: ChangeBus, parent=None) -> None:
        super().__init__(parent)
        from app.ui.coaching.experiments_view import ExperimentLogView

        self.sessions = SessionsView(services, bus, per_partner=True)
        self.experiments = ExperimentLogView(services, bus, per_partner=True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sessions)
        splitter.addWidget(self.experiments)
        splitter.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def set_partner(self, partner_id: str | None) -> None:
        self.sessions.set_partner(partner_id)
        self.experiments.set_partner(partner_id)

