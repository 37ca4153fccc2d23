"""Start onboarding a partner: pick a published playbook version, the start date and the owners per side."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Side
from app.services.playbooks import VersionRow
from app.ui.formatting import localise_date_edit
from app.ui.onboarding.common import from_qdate, to_qdate


class StartOnboardingDialog(QDialog):
    def __init__(self, versions: list[VersionRow], owners: dict[Side, str], partner_name: str,
                 parent: QWidget | None = None, start: date | None = None, suggested: str | None = None) -> None:
        """``suggested``: the playbook preselected (its newest published version), e.g. the one used for
        partners of the same kind."""
        super().__init__(parent)
        self.setWindowTitle(f"Start onboarding · {partner_name}")
        self.setMinimumWidth(460)
        self.version = QComboBox()
        for v in versions:
            self.version.addItem(f"{v.playbook_name} · version {v.version} ({v.step_count} steps)", v.id)
        first = next((i for i, v in enumerate(versions) if v.playbook_id == suggested), None)
        if first is not None:  # versions come newest first within each playbook
            self.version.setCurrentIndex(first)
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Onboarding, Re-onboarding 2027 (default: the playbook's name)")
        self.start = QDateEdit(to_qdate(start or date.today()))
        self.start.setCalendarPopup(True)
        localise_date_edit(self.start)
        self.owners = {}
        form = QFormLayout()
        form.addRow("Playbook", self.version)
        form.addRow("Title", self.title)
        form.addRow("Start date", self.start)
        for side, caption in ((Side.OURS, "Owner of our steps"), (Side.PARTNER, "Owner of the partner's steps"),
                              (Side.JOINT, "Owner of joint steps")):
            edit = QLineEdit(owners.get(side, ""))
            self.owners[side] = edit
            form.addRow(caption, edit)
        hint = QLabel("Each step becomes an item due on the start date plus its day offset. Only published "
                      "playbook versions can be used.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start onboarding")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, date, dict[Side, str], str]:
        """(version id, start date, owners per side, title)."""
        return (self.version.currentData(), from_qdate(self.start.date()),
                {side: edit.text() for side, edit in self.owners.items()}, self.title.text())
