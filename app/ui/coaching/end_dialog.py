"""End a session: see what it produced (decisions, new action items, experiment updates), add a closing
summary, end it, and save or print the minutes."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from app.models.enums import SessionStatus
from app.services import Services
from app.services.coaching import SessionMinutes, local_time
from app.ui.formatting import format_date, format_datetime


def summary_html(m: SessionMinutes) -> str:
    """The end-of-session summary as simple HTML."""
    s = m.session

    def section(title: str, items: list[str], empty: str) -> str:
        body = "".join(f"<li>{i}</li>" for i in items) if items else f"<li style='color:#616e7c'>{empty}</li>"
        return f"<h3 style='color:#1f5f8b; margin-bottom:2px'>{title}</h3><ul style='margin-top:2px'>{body}</ul>"

    duration = ""
    if s.duration is not None:
        minutes = int(s.duration.total_seconds() // 60)
        duration = f" · {minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f" · {minutes} min"
    return (
        f"<p><b>{escape(s.partner_name)}</b> · {escape(s.type_name)} · "
        f"{format_datetime(local_time(s.started_at or s.scheduled_at))}{duration}<br/>"
        f"<span style='color:#616e7c'>{escape(m.counts_text)}</span></p>"
        + section("Decisions", [escape(d.text) for d in m.decisions], "No decisions logged.")
        + section("New action items", [
            f"{escape(a.title)} — <i>{escape(a.owner or 'no owner')}</i>"
            + (f", due {format_date(a.due_date)}" if a.due_date else "") for a in m.actions], "No action items.")
        + section("Experiment updates", [
            f"<b>{escape(u.experiment_title)}</b>: {escape(u.what)}" + (f" — {escape(u.note)}" if u.note else "")
            for u in m.experiment_updates], "No experiment updated.")
        + (section("Risks", [escape(r.text) for r in m.risks], "") if m.risks else "")
    )


class EndSessionDialog(QDialog):
    """Shows the summary; 'End session' stops the clock. Then the minutes can be saved as PDF or printed."""

    ended = Signal()

    def __init__(self, services: Services, session_id: str, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.session_id = session_id
        self.setWindowTitle("End session")
        self.resize(640, 620)
        self.summary_view = QTextBrowser()
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText("Closing summary for the minutes (optional): the gist in two lines.")
        self.note_edit.setFixedHeight(80)
        self.state_label = QLabel()
        self.state_label.setObjectName("muted")

        self.end_button = QPushButton("End session")
        self.end_button.setDefault(True)
        self.end_button.clicked.connect(self.end)
        self.save_button = QPushButton("Save minutes as PDF…")
        self.save_button.clicked.connect(self.save_minutes)
        self.print_button = QPushButton("Print minutes…")
        self.print_button.clicked.connect(self.print_minutes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.end_button)
        row.addWidget(self.save_button)
        row.addWidget(self.print_button)
        row.addStretch(1)
        row.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_view, 1)
        layout.addWidget(QLabel("Closing summary"))
        layout.addWidget(self.note_edit)
        layout.addWidget(self.state_label)
        layout.addLayout(row)
        self.refresh()
        self.note_edit.setPlainText(self.minutes.session.summary)

    def refresh(self) -> None:
        self.minutes = self.services.coaching.minutes(self.session_id)
        self.summary_view.setHtml(summary_html(self.minutes))
        ended = self.minutes.session.status is SessionStatus.ENDED
        self.end_button.setVisible(not ended)
        self.state_label.setText("The session has ended; its minutes are ready." if ended else
                                 "Ending stops the clock. You can still correct the log afterwards.")

    def end(self) -> None:
        self.services.coaching.end(self.session_id, self.note_edit.toPlainText())
        self.refresh()
        self.ended.emit()

    def _store_note(self) -> None:
        if self.note_edit.toPlainText().strip() != self.minutes.session.summary:
            self.services.coaching.set_summary(self.session_id, self.note_edit.toPlainText())
            self.refresh()

    def _write(self, path):
        from app.reports.session import write_minutes_pdf

        minutes = self.services.coaching.minutes(self.session_id)
        return write_minutes_pdf(path, minutes, self.services.attachments.session_files(minutes))

    def save_minutes(self) -> None:
        from app.ui.printing import save_pdf_as

        self._store_note()
        s = self.minutes.session
        name = f"Minutes {s.partner_name} {local_time(s.started_at or s.scheduled_at):%Y-%m-%d}"
        path = save_pdf_as(self, name, self._write)
        if path:
            self.state_label.setText(f"Minutes saved to {path}")

    def print_minutes(self) -> None:
        from app.ui.printing import print_pdf

        self._store_note()
        print_pdf(self, self._write)
