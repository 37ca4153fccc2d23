"""Compare two versions of a playbook: steps added, removed and changed (with old → new values)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import label
from app.services.playbooks import PlaybookDiff, PlaybookService, StepData, VersionRow

KIND_COLOURS = {"added": QColor("#2e7d32"), "removed": QColor("#c62828"), "changed": QColor("#e65100")}
FIELD_NAMES = {"title": "Title", "description": "Description", "owner_side": "Owner side",
               "day_offset": "Day offset", "evidence_required": "Evidence required", "kpi_id": "KPI",
               "position": "Position"}


def _value(step: StepData, field: str, order: dict[str, int]) -> str:
    if field == "owner_side":
        return label(step.owner_side)
    if field == "evidence_required":
        return "yes" if step.evidence_required else "no"
    if field == "kpi_id":
        return step.kpi_code or "none"
    if field == "position":
        return f"step {order.get(step.key or step.id, 0) + 1}"
    if field == "day_offset":
        return f"day {step.day_offset}"
    return str(getattr(step, field))


class PlaybookDiffDialog(QDialog):
    def __init__(self, playbooks: PlaybookService, versions: list[VersionRow], old_id: str, new_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playbooks = playbooks
        self.setWindowTitle(f"Compare versions · {versions[0].playbook_name}")
        self.resize(940, 520)
        self.old = QComboBox()
        self.new = QComboBox()
        for v in versions:
            text = f"Version {v.version} ({'published' if v.status.value == 'published' else 'draft'})"
            self.old.addItem(text, v.id)
            self.new.addItem(text, v.id)
        self.old.setCurrentIndex(self.old.findData(old_id))
        self.new.setCurrentIndex(self.new.findData(new_id))
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Change", "Step", "Before", "After"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(2, 150)
        header.resizeSection(3, 150)
        top = QHBoxLayout()
        top.addWidget(QLabel("From"))
        top.addWidget(self.old)
        top.addWidget(QLabel("to"))
        top.addWidget(self.new)
        top.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.old.currentIndexChanged.connect(self.refresh)
        self.new.currentIndexChanged.connect(self.refresh)
        self.diff: PlaybookDiff | None = None
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        self.diff = d = self._playbooks.diff(self.old.currentData(), self.new.currentData())
        old_order = {s.key or s.id: i for i, s in enumerate(d.old.steps)}
        new_order = {s.key or s.id: i for i, s in enumerate(d.new.steps)}
        for field in d.header_changes:
            self._row("changed", f"Playbook {field}", getattr(d.old, field), getattr(d.new, field))
        for c in d.changes:
            if c.kind == "added":
                self._row("added", c.new.title, "", f"{label(c.new.owner_side)}, day {c.new.day_offset}")
            elif c.kind == "removed":
                self._row("removed", c.old.title, f"{label(c.old.owner_side)}, day {c.old.day_offset}", "")
            else:
                for f in c.fields:
                    self._row("changed", f"{c.title} · {FIELD_NAMES[f]}", _value(c.old, f, old_order),
                              _value(c.new, f, new_order))
        if d.is_empty:
            self.summary.setText("The two versions have the same steps.")
        else:
            self.summary.setText(f"{len(d.added)} added · {len(d.removed)} removed · {len(d.changed)} changed")

    def _row(self, kind: str, title: str, before: str, after: str) -> None:
        item = QTreeWidgetItem([kind.capitalize(), title, before, after])
        item.setForeground(0, KIND_COLOURS[kind])
        for col in range(4):
            item.setToolTip(col, item.text(col))
        self.tree.addTopLevelItem(item)
