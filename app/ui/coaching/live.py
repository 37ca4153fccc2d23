"""The live session screen: a running clock, the agenda with its current item, the partner's key facts and
scorecard, the capture box and the log.

Nothing is lost: each line is committed by the service the moment Enter is pressed (one small transaction,
on the UI thread: it takes a few milliseconds, measured in bench/bench_session_typing.py), and the text being
typed is saved as a draft a fraction of a second after the first unsaved keystroke and again on close.
The log is a model that appends, replaces and moves rows in place, so typing stays smooth with a thousand
entries.

`open_live_session(parent, services, bus, session_id)` shows the screen in its own window (one per session).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import EntryKind, SessionStatus, label
from app.services import Services
from app.services.coaching import SessionData, local_time, parse_capture
from app.services.errors import NotFound, ValidationError
from app.services.experiments import ExperimentQuery
from app.services.partners import quadrant_label, quadrant_of
from app.ui import settings_store
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.coaching.capture import SHORTCUTS, CaptureBox
from app.ui.coaching.log_model import AUTHOR, DETAIL, KIND, TEXT, TIME, LogTableModel
from app.ui.formatting import format_datetime
from app.ui.scrolling import scrollable

STATUS_COLOURS = {"green": "#2e7d32", "amber": "#ef6c00", "red": "#c62828"}
CLOCK_STYLE = "font-size: 20pt; font-weight: 600; font-family: monospace; padding: 0 10px; color: {colour};"
TREND_ARROWS = {"improving": "↗", "stable": "→", "worsening": "↘"}


def _fmt_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class LiveSessionWidget(QWidget):
    """Runs one session. Build it with the session's id; it loads the session, its log and its draft."""

    def __init__(self, services: Services, bus: ChangeBus, session_id: str, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.session_id = session_id
        self.session: SessionData = services.coaching.get(session_id)

        # -- header
        self.title_label = QLabel()
        self.title_label.setObjectName("pageTitle")
        self.status_label = QLabel()
        self.clock_label = QLabel("0:00:00")
        self._clock_colour = ""
        self.clock_label.setToolTip("Time since the session started")
        self.start_button = QPushButton("Start session")
        self.start_button.clicked.connect(self.start)
        self.end_button = QPushButton("End session…")
        self.end_button.setStyleSheet("QPushButton { background: #1f5f8b; color: white; font-weight: 600; "
                                      "padding: 6px 14px; border-radius: 4px; }")
        self.end_button.clicked.connect(self.end_session)
        header = QHBoxLayout()
        title_box = QVBoxLayout()
        title_box.addWidget(self.title_label)
        title_box.addWidget(self.status_label)
        header.addLayout(title_box, 1)
        header.addWidget(self.clock_label)
        header.addWidget(self.start_button)
        header.addWidget(self.end_button)

        # -- left: agenda, key facts, scorecard
        self.agenda_list = QListWidget()
        self.agenda_list.setWordWrap(True)
        self.agenda_list.setMinimumHeight(110)
        self.agenda_list.itemClicked.connect(lambda item: self.set_current_item(self.agenda_list.row(item)))
        self.prev_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next item ▶")
        self.next_button.setToolTip("Move the meeting to the next agenda item (Ctrl+Page Down)")
        self.prev_button.clicked.connect(lambda: self.set_current_item(self.session.current_agenda_index - 1))
        self.next_button.clicked.connect(lambda: self.set_current_item(self.session.current_agenda_index + 1))
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.RichText)
        self.facts_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.scorecard_label = QLabel()
        self.scorecard_label.setWordWrap(True)
        self.scorecard_label.setTextFormat(Qt.TextFormat.RichText)
        self.scorecard_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(_heading("Agenda"))
        left_layout.addWidget(self.agenda_list, 2)
        left_layout.addLayout(nav)
        left_layout.addWidget(_heading("Partner"))
        left_layout.addWidget(self.facts_label)
        left_layout.addWidget(_heading("Scorecard"))
        left_layout.addWidget(self.scorecard_label)
        left_layout.addStretch(1)
        left_area = scrollable(left)  # on a short screen the side panel scrolls; the capture box never moves
        left_area.setMinimumWidth(280)
        left_area.setMaximumWidth(420)
        left_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        # -- centre: log, capture box
        self.model = LogTableModel(self)
        self.model.edit_requested.connect(self._edit_entry)
        self.log_view = QTableView()
        self.log_view.setModel(self.model)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log_view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                      | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.log_view.verticalHeader().setVisible(False)
        self.log_view.verticalHeader().setDefaultSectionSize(26)
        self.log_view.setWordWrap(False)
        self.log_view.setAlternatingRowColors(False)
        hh = self.log_view.horizontalHeader()
        for col, mode in ((TIME, QHeaderView.ResizeMode.Fixed), (KIND, QHeaderView.ResizeMode.Fixed),
                          (TEXT, QHeaderView.ResizeMode.Stretch), (DETAIL, QHeaderView.ResizeMode.Interactive),
                          (AUTHOR, QHeaderView.ResizeMode.Interactive)):
            hh.setSectionResizeMode(col, mode)
        self.log_view.setColumnWidth(TIME, 74)
        self.log_view.setColumnWidth(KIND, 100)
        self.log_view.setColumnWidth(DETAIL, 220)
        self.log_view.setColumnWidth(AUTHOR, 120)

        self.edit_button = QPushButton("Edit (F2)")
        self.edit_button.clicked.connect(self._start_edit)
        self.up_button = QPushButton("Move up (Alt+↑)")
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button = QPushButton("Move down (Alt+↓)")
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        self.delete_button = QPushButton("Delete entry")
        self.delete_button.clicked.connect(self.delete_selected)
        self.files_button = FilesButton(services, bus)  # a whiteboard photo, the handout shown
        self.files_button.setToolTip("The files of the selected entry: a whiteboard photo, the handout shown")
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        log_tools = QHBoxLayout()
        for b in (self.edit_button, self.up_button, self.down_button, self.delete_button, self.files_button):
            log_tools.addWidget(b)
        log_tools.addStretch(1)
        log_tools.addWidget(self.count_label)

        self.experiment_combo = QComboBox()
        self.experiment_combo.setMinimumWidth(220)
        self.experiment_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.experiment_combo.setMinimumContentsLength(24)
        self.experiment_combo.setToolTip("The experiment an 'e:' line updates")
        hint = "   ".join(f"{keys} {label(kind).lower()}" for kind, keys in SHORTCUTS.items())
        hint_label = QLabel(f"Shortcuts: {hint}")
        hint_label.setObjectName("muted")
        hint_label.setWordWrap(True)  # never what makes the window wider than a laptop screen
        exp_row = QHBoxLayout()
        exp_row.addWidget(hint_label, 1)
        exp_row.addWidget(QLabel("e: updates"))
        exp_row.addWidget(self.experiment_combo)

        self.capture = CaptureBox(lambda text: self.services.coaching.save_draft(self.session_id, text))
        self.capture.setStyleSheet("QLineEdit { font-size: 12pt; padding: 4px 8px; border: 2px solid #4fa3d1; "
                                   "border-radius: 5px; }")
        self.capture.submitted.connect(self.commit)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.saved_label = QLabel()
        self.saved_label.setObjectName("muted")
        self.saved_label.setWordWrap(True)  # it also says what a capture line did not understand

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(6, 0, 0, 0)
        centre_layout.addWidget(_heading("Log"))
        centre_layout.addWidget(self.log_view, 1)
        centre_layout.addLayout(log_tools)
        self.log_view.setMinimumHeight(120)
        self.log_view.selectionModel().selectionChanged.connect(lambda *_: self._point_files())

        self.splitter = QSplitter()
        self.splitter.addWidget(left_area)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        # The capture box is the one widget typed into during a session: it sits at the bottom, outside the
        # splitter and every scroll area, so whatever the screen, it is on it.
        capture_block = QWidget()
        capture_block.setObjectName("captureBlock")
        capture_layout = QVBoxLayout(capture_block)
        capture_layout.setContentsMargins(0, 4, 0, 0)
        capture_layout.addLayout(exp_row)
        capture_layout.addWidget(self.capture)
        capture_layout.addWidget(self.error_label)
        capture_layout.addWidget(self.saved_label)
        self.capture_block = capture_block

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #d9e2ec;")
        layout.addWidget(line)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(capture_block)

        for keys, slot in (("Alt+Up", lambda: self.move_selected(-1)), ("Alt+Down", lambda: self.move_selected(+1)),
                           ("Ctrl+PgDown", lambda: self.set_current_item(self.session.current_agenda_index + 1)),
                           ("Ctrl+PgUp", lambda: self.set_current_item(self.session.current_agenda_index - 1))):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

        self.side_timer = QTimer(self)
        self.side_timer.setSingleShot(True)
        self.side_timer.setInterval(500)
        self.side_timer.timeout.connect(self._refresh_side)

        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()

        self.model.set_entries(services.coaching.entries(session_id))
        self._show_session()
        self._load_side_panels()
        self._load_experiments()
        draft = services.coaching.draft(session_id)
        if draft:
            self.capture.restore(draft.text)
            self.saved_label.setText(f"Recovered what you were typing (saved "
                                     f"{local_time(draft.saved_at):%H:%M:%S}).")
        self.log_view.scrollToBottom()
        self.capture.setFocus()
        bus.changed.connect(self._on_change)

    # -- showing ---------------------------------------------------------------------------------------

    def _show_session(self) -> None:
        s = self.session
        self.title_label.setText(f"{s.partner_name} — {s.title}")
        when = local_time(s.started_at or s.scheduled_at)
        where = f" · {s.location}" if s.location else ""
        facilitator = f" · facilitated by {s.facilitator}" if s.facilitator else ""
        state = {SessionStatus.PLANNED: "Planned", SessionStatus.LIVE: "● Live",
                 SessionStatus.ENDED: "Ended"}[s.status]
        colour = {"Planned": "#616e7c", "● Live": "#c62828", "Ended": "#2e7d32"}[state]
        self.status_label.setText(f'<span style="color:{colour}; font-weight:600">{state}</span> · '
                                  f'{s.type_name} · {format_datetime(when, weekday=True)}{where}{facilitator}')
        self.start_button.setVisible(s.status is SessionStatus.PLANNED)
        self.end_button.setEnabled(s.status is not SessionStatus.ENDED)
        self.end_button.setText("End session…" if s.status is not SessionStatus.ENDED else "Ended")
        self._show_agenda()
        self._tick()
        self.count_label.setText(f"{self.model.rowCount()} entries")
        window = self.window()
        if window is not self:
            window.setWindowTitle(f"Live session — {s.partner_name}")

    def _show_agenda(self) -> None:
        s = self.session
        self.agenda_list.clear()
        for i, item in enumerate(s.agenda):
            current = i == s.current_agenda_index
            li = QListWidgetItem(f"{'▶ ' if current else '    '}{i + 1}. {item.title}  ({item.minutes} min)")
            if current:
                font = li.font()
                font.setBold(True)
                li.setFont(font)
                li.setBackground(Qt.GlobalColor.transparent)
                li.setForeground(Qt.GlobalColor.black)
            else:
                li.setForeground(Qt.GlobalColor.darkGray)
            self.agenda_list.addItem(li)
        if s.agenda:
            self.agenda_list.setCurrentRow(s.current_agenda_index)
        self.prev_button.setEnabled(s.current_agenda_index > 0)
        self.next_button.setEnabled(s.current_agenda_index < len(s.agenda) - 1)

    def _tick(self) -> None:
        s = self.session
        if s.started_at is None:
            self.clock_label.setText("0:00:00")
            self._set_clock_colour("#9aa5b1")
            return
        elapsed = s.duration.total_seconds()
        self.clock_label.setText(_fmt_elapsed(elapsed))
        planned = sum(a.minutes for a in s.agenda) * 60
        over = planned and elapsed > planned
        self._set_clock_colour("#c62828" if over else "#1f2933")
        self.clock_label.setToolTip(f"Planned: {planned // 60} min" + (" — running over" if over else ""))

    def _set_clock_colour(self, colour: str) -> None:
        if colour != self._clock_colour:  # restyling every second would cost a relayout each time
            self._clock_colour = colour
            self.clock_label.setStyleSheet(CLOCK_STYLE.format(colour=colour))

    def _load_side_panels(self) -> None:
        try:
            p = self.services.partners.get(self.session.partner_id)
        except NotFound:
            return
        counts = self.services.actions.counts(p.id)
        open_exps = self.services.experiments.log(ExperimentQuery(partner_id=p.id, open_only=True))
        primary = [c.name + (f" ({c.role})" if c.role else "") for c in p.contacts if c.is_primary]
        rows = [
            ("Kind", f"{label(p.kind)} · {p.segment or '—'} · tier {p.tier}"),
            ("Status", f"{label(p.status)} · {quadrant_label(quadrant_of(p.value_score, p.risk_score))}"),
            ("Partnership", f"{label(p.partnership_stage)} · enablement level {p.enablement_level}"),
            ("Lead", p.enablement_lead or "—"),
            ("Contacts", ", ".join(primary) or "—"),
            ("Actions", f"{counts['open']} open, <b style='color:#c62828'>{counts['overdue']} overdue</b>"
             if counts["overdue"] else f"{counts['open']} open"),
            ("Experiments", f"{len(open_exps)} open"
             + (f", {sum(e.stagnating for e in open_exps)} stagnating" if any(e.stagnating for e in open_exps)
                else "")),
        ]
        self.facts_label.setText("<table cellspacing='2'>" + "".join(
            f"<tr><td style='color:#616e7c; padding-right:8px'>{k}</td><td>{v}</td></tr>" for k, v in rows)
            + "</table>")
        self.scorecard_label.setText(self._scorecard_html(p.id))

    def _scorecard_html(self, partner_id: str) -> str:
        scorecards = getattr(self.services, "scorecards", None)
        if scorecards is None:
            return "<span style='color:#616e7c'>No scorecard yet.</span>"
        try:
            card = scorecards.partner_scorecard(partner_id)
        except Exception as exc:  # the scorecard is a help, never a reason to stop a session
            return f"<span style='color:#616e7c'>Scorecard unavailable: {exc}</span>"
        rows = [r for r in card.rows if r.latest_value is not None]
        if not rows:
            return "<span style='color:#616e7c'>No measurements yet.</span>"
        html = ["<table cellspacing='2'>"]
        for r in rows:
            colour = STATUS_COLOURS.get(str(r.status), "#616e7c")
            arrow = TREND_ARROWS.get(str(r.trend), "")
            html.append(f"<tr><td><span style='color:{colour}'>●</span> <b>{r.code}</b></td>"
                        f"<td align='right'>{r.latest_value:g} {r.unit}</td>"
                        f"<td style='color:#616e7c'>&nbsp;target {r.target:g}&nbsp;{arrow}</td></tr>")
        html.append("</table>")
        if card.composite is not None:
            html.append(f"<div style='color:#616e7c'>Composite score {card.composite:.0f}</div>")
        return "".join(html)

    def _load_experiments(self) -> None:
        current = self.experiment_combo.currentData()
        self.experiment_combo.clear()
        self.experiment_combo.addItem("(the only open one / choose)", None)
        for e in self.services.experiments.log(ExperimentQuery(partner_id=self.session.partner_id, open_only=True)):
            self.experiment_combo.addItem(f"{e.title} · {label(e.stage)}", e.id)
        index = self.experiment_combo.findData(current)
        self.experiment_combo.setCurrentIndex(max(0, index))

    # -- acting ----------------------------------------------------------------------------------------

    def start(self) -> None:
        self.session = self.services.coaching.start(self.session_id)
        self._show_session()
        self.capture.setFocus()

    def set_current_item(self, index: int) -> None:
        if not 0 <= index < len(self.session.agenda) or index == self.session.current_agenda_index:
            self._show_agenda()
            return
        self.session = self.services.coaching.set_current_item(self.session_id, index)
        self._show_agenda()
        self.capture.setFocus()

    def commit(self, line: str) -> None:
        """Log the capture box's line (Enter). On a refusal the text stays in the box with the reason."""
        was_planned = self.session.status is SessionStatus.PLANNED
        try:
            entry = self.services.coaching.log(self.session_id, line,
                                               experiment_id=self.experiment_combo.currentData())
        except (ValidationError, NotFound) as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.error_label.hide()
        self.capture.committed()
        row = self.model.append(entry)
        self.log_view.scrollTo(self.model.index(row, 0))
        self.count_label.setText(f"{self.model.rowCount()} entries")
        people = self.services.coaching.people(self.session.partner_id, self.session_id)  # say what was not understood
        saved = f"Saved {label(entry.kind).lower()} at {local_time(entry.logged_at):%H:%M:%S}."
        self.saved_label.setText(" ".join([saved, *parse_capture(line, people).notices]))
        if was_planned:
            self.session = self.services.coaching.get(self.session_id)
            self._show_session()
        if entry.kind is EntryKind.EXPERIMENT:
            self._load_experiments()

    def _point_files(self) -> None:
        row = self.selected_row()
        entry = self.model.entry(row) if row is not None else None
        if entry is None:
            self.files_button.set_target(None)
        else:
            self.files_button.set_target(self.session.partner_id, "log_entry", entry.id, entry.text[:80])

    def selected_row(self) -> int | None:
        rows = self.log_view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_row(self, row: int) -> None:
        self.log_view.selectionModel().select(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.log_view.setCurrentIndex(self.model.index(row, TEXT))
        self.log_view.scrollTo(self.model.index(row, 0))

    def _start_edit(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.log_view.edit(self.model.index(row, TEXT))

    def _edit_entry(self, entry_id: str, text: str) -> None:
        try:
            entry = self.services.coaching.edit_entry(entry_id, text)
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Entry not changed", str(exc))
            return
        self.model.replace(entry)

    def move_selected(self, step: int) -> None:
        row = self.selected_row()
        if row is None:
            return
        target = row + step
        if not 0 <= target < self.model.rowCount():
            return
        entry = self.model.entry(row)
        moved = self.services.coaching.move_entry(entry.id, target)
        self.model.move(row, target)
        self.model.replace(moved)
        self.select_row(target)

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        entry = self.model.entry(row)
        answer = QMessageBox.question(self, "Delete entry", f"Delete this entry?\n\n{entry.text}"
                                      + ("\n\nIts action item is removed too." if entry.action_item_id else ""))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.services.coaching.delete_entry(entry.id)
        self.model.remove(entry.id)
        self.count_label.setText(f"{self.model.rowCount()} entries")

    def end_session(self) -> None:
        from app.ui.coaching.end_dialog import EndSessionDialog

        self.capture.flush_draft()
        if self.capture.text().strip():
            answer = QMessageBox.question(
                self, "End session", f"The capture box still holds:\n\n{self.capture.text()}\n\nLog it first?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel)
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Yes:
                self.commit(self.capture.text())
        dialog = EndSessionDialog(self.services, self.session_id, self)
        dialog.ended.connect(self._ended)
        dialog.exec()

    def _ended(self) -> None:
        self.session = self.services.coaching.get(self.session_id)
        self._show_session()

    def _on_change(self, change: Change) -> None:
        # Refresh the side panels a moment later, once, however many changes come (never the log itself):
        # the user is typing, and the panels can wait half a second.
        if change.touches("experiments", "experiment_events", "action_items", "partners", "contacts",
                          "measurements"):
            self.side_timer.start()

    def _refresh_side(self) -> None:
        self._load_side_panels()
        self._load_experiments()

    # -- closing ---------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.capture.flush_draft()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the draft and stop the clock (called when the window closes)."""
        self.capture.flush_draft()
        self.clock.stop()
        self.side_timer.stop()
        try:
            self.bus.changed.disconnect(self._on_change)
        except (RuntimeError, TypeError):
            pass


def _heading(text: str) -> QLabel:
    heading = QLabel(text)
    heading.setStyleSheet("font-weight: 600; color: #334e68; padding-top: 6px;")
    return heading


class LiveSessionWindow(QMainWindow):
    """A window holding one live session (so the main window stays free for looking things up).

    It opens where the user last left a live window if that still fits the screen, else at `DEFAULT_SIZE`
    shrunk to the screen's available area (from 1280×720 up everything fits; the capture box is always on
    screen), and remembers its size and position when closed."""

    DEFAULT_SIZE = QSize(1280, 800)
    SETTINGS_KEY = "LiveSessionWindow"

    def __init__(self, services: Services, bus: ChangeBus, session_id: str, parent=None, *,
                 screen: QRect | None = None) -> None:
        """``screen``: the available screen geometry to fit (default: the screen of ``parent``, else the
        primary screen)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.widget = LiveSessionWidget(services, bus, session_id, self)
        self.setCentralWidget(self.widget)
        self.setWindowTitle(f"Live session — {self.widget.session.partner_name}")
        self.fit_to(screen or _available_geometry(parent))

    def fit_to(self, available: QRect) -> None:
        """Size and place the window for a screen whose available area is ``available``."""
        if settings_store.restore_geometry(self, self.SETTINGS_KEY, available):
            return
        margin = 24 if available.height() > 760 else 0  # small screens: every pixel goes to the session
        width = min(self.DEFAULT_SIZE.width(), available.width() - margin)
        height = min(self.DEFAULT_SIZE.height(), available.height() - margin)
        self.resize(width, height)
        self.move(available.x() + (available.width() - width) // 2, available.y() + (available.height() - height) // 2)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings_store.save_geometry(self, self.SETTINGS_KEY)
        self.widget.shutdown()
        _open_windows.pop(self.widget.session_id, None)
        super().closeEvent(event)


def _available_geometry(parent: QWidget | None) -> QRect:
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen else QRect(0, 0, 1280, 720)


_open_windows: dict[str, LiveSessionWindow] = {}


def open_live_session(parent: QWidget | None, services: Services, bus: ChangeBus,
                      session_id: str) -> LiveSessionWindow:
    """Show the session's live window (bringing it to the front if it is already open)."""
    window = _open_windows.get(session_id)
    if window is None:
        window = LiveSessionWindow(services, bus, session_id, parent.window() if parent else None)
        window.setWindowFlag(Qt.WindowType.Window, True)
        _open_windows[session_id] = window
    window.show()
    window.raise_()
    window.activateWindow()
    return window
