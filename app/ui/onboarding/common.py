"""What the onboarding, plan and playbook views share: status colours and labels, date conversion, a
progress bar with a caption."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from app.models.enums import ItemStatus
from app.services.onboarding import STATUS_LABELS, Progress
from app.ui.formatting import format_date

STATUS_COLOURS = {
    ItemStatus.TODO: QColor("#52606d"), ItemStatus.IN_PROGRESS: QColor("#1565c0"),
    ItemStatus.DONE: QColor("#2e7d32"), ItemStatus.BLOCKED: QColor("#c62828"),
    ItemStatus.NOT_APPLICABLE: QColor("#9aa5b1"),
}
OVERDUE_BG = QColor("#fdecea")
OVERDUE_FG = QColor("#b71c1c")
AT_RISK_BG = QColor("#fff4e5")
AT_RISK_FG = QColor("#e65100")
DONE_FG = QColor("#7b8794")

#: Keys that set a status on the focused item (Space toggles done).
STATUS_KEYS = {"T": ItemStatus.TODO, "I": ItemStatus.IN_PROGRESS, "D": ItemStatus.DONE,
               "B": ItemStatus.BLOCKED, "N": ItemStatus.NOT_APPLICABLE}


def status_text(status: ItemStatus) -> str:
    return STATUS_LABELS[ItemStatus(status)]


def to_qdate(day: date | None) -> QDate:
    return QDate(day.year, day.month, day.day) if day else QDate()


def from_qdate(qd: QDate) -> date:
    return date(qd.year(), qd.month(), qd.day())


def fmt(day: date | None) -> str:
    return format_date(day)


class ProgressWidget(QWidget):
    """A caption over a progress bar: 'Our side · 3 of 5'."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.label = QLabel(caption)
        self.label.setObjectName("muted")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(True)
        self.bar.setFixedHeight(18)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)

    def set_progress(self, progress: Progress) -> None:
        self.bar.setValue(progress.percent)
        self.bar.setFormat(f"{progress.percent}%")
        if progress.applicable:
            self.label.setText(f"{self.caption} · {progress.done} of {progress.applicable} done")
        else:
            self.label.setText(f"{self.caption} · nothing to do")
