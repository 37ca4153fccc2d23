"""The Playbooks section: the playbook list beside the editor of one version.

A draft is edited and saved in place; saving an edit of a published version makes the next version (a draft),
which Publish freezes. Compare… shows what changed between two versions; Export… writes a readable JSON file
for a partner to co-author, Import… reads one back (as a new version, or a new playbook).

In a partner's workspace the playbooks are the lead's: the editor is read-only, its write buttons disabled with the
reason as tooltip (app/ui/workspace.py); Compare… and Export… stay.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Side, TemplateStatus, label
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.playbooks import MAX_OFFSET, PlaybookVersionData, StepData
from app.services.workspace import PLAYBOOK_LIBRARY
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date
from app.ui.playbooks.diff_dialog import PlaybookDiffDialog
from app.ui.prompts import save_or_discard
from app.ui.workspace import LibraryLock, library_lock

TABLES = ("playbooks", "playbook_versions", "playbook_steps")
COLUMNS = ["Step", "Owner side", "Day", "Evidence", "KPI", "Description"]
TITLE, SIDE, DAY, EVIDENCE, KPI, DESCRIPTION = range(len(COLUMNS))
STEP_ROLE = Qt.ItemDataRole.UserRole


class PlaybooksSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        self._playbooks = services.playbooks
        self.version: PlaybookVersionData | None = None
        self._kpis = self._playbooks.kpi_choices()
        self._filling = False  # True while the list is being refilled (no question asked)
        self._loaded_key: tuple | None = None  # what the editor showed when the version was loaded
        self.lock = LibraryLock()  # read-only in a partner's workspace (set by reload)

        # Left: the playbooks.
        title = QLabel("Playbooks")
        title.setObjectName("pageTitle")
        self.list = QListWidget()
        self.list.setSpacing(3)
        self.new_button = QPushButton("New playbook")
        self.import_button = QPushButton("Import…")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(title)
        ll.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.import_button)
        ll.addLayout(row)
        left.setMinimumWidth(270)

        # Right: one version.
        self.version_combo = QComboBox()
        self.version_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.state = QLabel()
        self.compare_button = QPushButton("Compare…")
        self.export_button = QPushButton("Export…")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Version"))
        bar.addWidget(self.version_combo)
        bar.addWidget(self.state, 1)
        bar.addWidget(self.compare_button)
        bar.addWidget(self.export_button)

        self.name = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(64)
        self.change_note = QLineEdit()
        self.change_note.setPlaceholderText("What changed in this version, and why")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("Change note", self.change_note)

        self.steps = QTableWidget(0, len(COLUMNS))
        self.steps.setHorizontalHeaderLabels(COLUMNS)
        self.steps.verticalHeader().setVisible(True)
        self.steps.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for col, width in ((SIDE, 100), (DAY, 64), (EVIDENCE, 84), (KPI, 90)):
            header.resizeSection(col, width)

        self.add_step = QPushButton("Add step")
        self.remove_step = QPushButton("Remove step")
        self.up = QPushButton("Move up")
        self.down = QPushButton("Move down")
        self.save_button = QPushButton("Save")
        self.publish_button = QPushButton("Publish")
        self.discard_button = QPushButton("Discard draft")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        steps_bar = QHBoxLayout()
        for b in (self.add_step, self.remove_step, self.up, self.down):
            steps_bar.addWidget(b)
        steps_bar.addStretch(1)
        for b in (self.discard_button, self.save_button, self.publish_button):
            steps_bar.addWidget(b)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(bar)
        rl.addLayout(form)
        rl.addWidget(self.steps, 1)
        rl.addWidget(self.error)
        rl.addLayout(steps_bar)
        self.editor = right

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([260, 940])
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.list.currentItemChanged.connect(self._list_changed)
        self.version_combo.activated.connect(self._version_chosen)
        self.new_button.clicked.connect(self.new_playbook)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(self.export_file)
        self.compare_button.clicked.connect(self.compare)
        self.add_step.clicked.connect(lambda: self._add_row(StepData("New step"), edit=True))
        self.remove_step.clicked.connect(self._remove_row)
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.save_button.clicked.connect(self.save)
        self.publish_button.clicked.connect(self.publish)
        self.discard_button.clicked.connect(self.discard)
        bus.changed.connect(self._on_change)
        self.reload()

    # -- unsaved edits ---------------------------------------------------------------------------------------

    def _edit_key(self) -> tuple:
        return (self.name.text(), self.description.toPlainText(), self.change_note.text(),
                tuple(self.steps_data()))

    def is_dirty(self) -> bool:
        """True when the editor holds edits of the version shown that are not saved."""
        return self.version is not None and self._loaded_key is not None and self._edit_key() != self._loaded_key

    def confirm_leave(self) -> bool:
        """Ask Save / Discard / Cancel before unsaved edits would be dropped. True: go ahead."""
        if not self.is_dirty():
            return True
        return save_or_discard(self, f"the playbook '{self.name.text() or self.version.name}'", self.save,
                               lambda: None)

    def _list_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if current is None or self._filling:
            return
        chosen = current.data(Qt.ItemDataRole.UserRole)
        if not self.confirm_leave():
            self._filling = True  # put the selection back without showing anything else
            try:
                self.list.setCurrentItem(previous)
            finally:
                self._filling = False
            return
        # Saving refilled the list: find the row the user chose again, by id.
        item = next((self.list.item(i) for i in range(self.list.count())
                     if self.list.item(i).data(Qt.ItemDataRole.UserRole) == chosen), None)
        if item is None:
            return
        if self.list.currentItem() is not item:
            self._filling = True
            try:
                self.list.setCurrentItem(item)
            finally:
                self._filling = False
        self._select_playbook(item)

    def _version_chosen(self, _index: int) -> None:
        wanted = self.version_combo.currentData()
        if self.version is not None and wanted == self.version.id:
            return
        if not self.confirm_leave():
            self.version_combo.setCurrentIndex(self.version_combo.findData(self.version.id))
            return
        self.version_combo.setCurrentIndex(self.version_combo.findData(wanted))
        self.show_version(wanted)

    # -- showing -------------------------------------------------------------------------------------------

    def reload(self, select_playbook: str | None = None, select_version: str | None = None) -> None:
        current = select_playbook or (self.version.playbook_id if self.version else None)
        self.lock = library_lock(self._services, PLAYBOOK_LIBRARY)
        self._show_lock()
        self._filling = True
        self.list.blockSignals(True)
        self.list.clear()
        for r in self._playbooks.list():
            state = f"v{r.latest_version} draft" if r.latest_status is TemplateStatus.DRAFT else f"v{r.latest_version}"
            item = QListWidgetItem(f"{r.name}\n{state} · {r.step_count} steps")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setToolTip(r.description)
            self.list.addItem(item)
        self.list.blockSignals(False)
        rows = [self.list.item(i) for i in range(self.list.count())]
        chosen = next((i for i in rows if i.data(Qt.ItemDataRole.UserRole) == current), rows[0] if rows else None)
        self.editor.setEnabled(chosen is not None)
        try:
            if chosen is not None:
                self.list.setCurrentItem(chosen)
        finally:
            self._filling = False
        if chosen is not None:
            self._select_playbook(chosen, select_version)

    def _select_playbook(self, item: QListWidgetItem | None, version_id: str | None = None) -> None:
        if item is None:
            return
        playbook_id = item.data(Qt.ItemDataRole.UserRole)
        versions = self._playbooks.versions(playbook_id)
        self.version_combo.clear()
        for v in versions:
            when = f"published {format_date(v.published_at)}" if v.published_at else "draft"
            self.version_combo.addItem(f"Version {v.version} · {when}", v.id)
        target = version_id if version_id in [v.id for v in versions] else versions[0].id
        self.version_combo.setCurrentIndex(self.version_combo.findData(target))
        self.show_version(target)

    def show_version(self, version_id: str) -> None:
        self.version = v = self._playbooks.get_version(version_id)
        self.error.hide()
        self.name.setText(v.name)
        self.description.setPlainText(v.description)
        self.change_note.setText(v.change_note)
        self.steps.setRowCount(0)
        for step in v.steps:
            self._add_row(step)
        if v.is_published:
            self.state.setText("Published · frozen: saving an edit makes the next version")
            self.save_button.setText("Save as new version")
        else:
            self.state.setText("Draft · publish it to use it for onboarding")
            self.save_button.setText("Save draft")
        self.state.setObjectName("muted")
        self.publish_button.setEnabled(not v.is_published)
        self.discard_button.setEnabled(not v.is_published)
        self.compare_button.setEnabled(self.version_combo.count() > 1)
        self._loaded_key = self._edit_key()
        self._show_lock()

    def _show_lock(self) -> None:
        """In a partner's workspace: the editor shows the version and changes nothing, and its buttons say why."""
        self.lock.disable(self.new_button, self.import_button, self.add_step, self.remove_step, self.up, self.down,
                          self.save_button, self.publish_button, self.discard_button)
        self.lock.read_only(self.name, self.description, self.change_note, self.steps)

    def _add_row(self, step: StepData, edit: bool = False, at: int | None = None) -> None:
        row = self.steps.rowCount() if at is None else at
        self.steps.insertRow(row)
        title = QTableWidgetItem(step.title)
        title.setData(STEP_ROLE, (step.id, step.key))
        title.setToolTip(step.description)
        self.steps.setItem(row, TITLE, title)
        side = QComboBox()
        for s in Side:
            side.addItem(label(s), s)
        side.setCurrentIndex(list(Side).index(Side(step.owner_side)))
        self.steps.setCellWidget(row, SIDE, side)
        day = QSpinBox()
        day.setRange(-MAX_OFFSET, MAX_OFFSET)
        day.setValue(step.day_offset)
        self.steps.setCellWidget(row, DAY, day)
        evidence = QTableWidgetItem()
        evidence.setToolTip("Evidence required before the item can be ticked off")
        evidence.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
        evidence.setCheckState(Qt.CheckState.Checked if step.evidence_required else Qt.CheckState.Unchecked)
        self.steps.setItem(row, EVIDENCE, evidence)
        kpi = QComboBox()
        kpi.addItem("–", None)
        for kid, code, name in self._kpis:
            kpi.addItem(code, kid)
            kpi.setItemData(kpi.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        kpi.setCurrentIndex(max(0, kpi.findData(step.kpi_id)))
        self.steps.setCellWidget(row, KPI, kpi)
        self.steps.setItem(row, DESCRIPTION, QTableWidgetItem(step.description))
        if self.lock:
            evidence.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.lock.read_only(side, day, kpi)
        if edit:
            self.steps.setCurrentCell(row, TITLE)
            self.steps.editItem(title)

    def steps_data(self) -> list[StepData]:
        """The steps as the table shows them, in order."""
        out = []
        for row in range(self.steps.rowCount()):
            step_id, key = self.steps.item(row, TITLE).data(STEP_ROLE)
            out.append(StepData(
                title=self.steps.item(row, TITLE).text(),
                description=self.steps.item(row, DESCRIPTION).text() if self.steps.item(row, DESCRIPTION) else "",
                owner_side=self.steps.cellWidget(row, SIDE).currentData(),
                day_offset=self.steps.cellWidget(row, DAY).value(),
                evidence_required=self.steps.item(row, EVIDENCE).checkState() == Qt.CheckState.Checked,
                kpi_id=self.steps.cellWidget(row, KPI).currentData(), key=key, id=step_id))
        return out

    def _remove_row(self) -> None:
        row = self.steps.currentRow()
        if row >= 0:
            self.steps.removeRow(row)

    def _move(self, delta: int) -> None:
        row = self.steps.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.steps.rowCount():
            return
        steps = self.steps_data()
        steps[row], steps[target] = steps[target], steps[row]
        self.steps.setRowCount(0)
        for s in steps:
            self._add_row(s)
        self.steps.setCurrentCell(target, TITLE)

    # -- writing -------------------------------------------------------------------------------------------

    def _written(self, playbook_id: str, version_id: str | None, message: str) -> None:
        """After a write of this editor's (the other views hear of it from the change feed): show it."""
        self.reload(playbook_id, version_id)
        self._bus.status_message.emit(message)

    def save(self) -> bool:
        """Save the edits (True), or show why they were refused (False)."""
        if self.version is None:
            return False
        was = self.version
        try:
            with self._bus.acting(self):
                saved = self._playbooks.edit(was.id, self.name.text(), self.description.toPlainText(),
                                             self.steps_data(), self.change_note.text())
        except ValidationError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        if saved.id == was.id and was.is_published:
            message = "Nothing changed"
        elif saved.id != was.id:
            message = f"Saved as version {saved.version} (draft); version {was.version} stays as it was"
        else:
            message = f"Saved draft version {saved.version}"
        self._written(saved.playbook_id, saved.id, message)
        return True

    def publish(self) -> None:
        if self.version is None or self.version.is_published:
            return
        self.save()
        if not self.error.isHidden():
            return
        try:
            with self._bus.acting(self):
                v = self._playbooks.publish(self.version.id, self.change_note.text())
        except ValidationError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self._written(v.playbook_id, v.id, f"Published version {v.version} of {v.name}")

    def discard(self) -> None:
        v = self.version
        if v is None or v.is_published:
            return
        if QMessageBox.question(self, "Discard draft", f"Discard draft version {v.version} of '{v.name}'?"
                                ) != QMessageBox.StandardButton.Yes:
            return
        with self._bus.acting(self):
            self._playbooks.discard_draft(v.id)
        self.version = None
        self._written(v.playbook_id, None, f"Discarded draft version {v.version}")

    def new_playbook(self) -> None:
        if self.lock or not self.confirm_leave():
            return
        with self._bus.acting(self):
            v = self._playbooks.create("New playbook", "", [StepData("Kick-off", owner_side=Side.JOINT)])
        self._written(v.playbook_id, v.id, "Made a new playbook (draft)")
        self.name.setFocus()
        self.name.selectAll()

    def compare(self) -> None:
        if self.version is None:
            return
        versions = self._playbooks.versions(self.version.playbook_id)
        if len(versions) < 2:
            return
        newer = self.version.id if self.version.id != versions[-1].id else versions[0].id
        older = next((v.id for v in versions if v.version < self._playbooks.get_version(newer).version),
                     versions[-1].id)
        PlaybookDiffDialog(self._playbooks, versions, older, newer, self).exec()

    def export_file(self) -> None:
        if self.version is None:
            return
        suggested = f"{self.version.name} v{self.version.version}.json".replace("/", "-")
        chosen, _ = QFileDialog.getSaveFileName(self, "Export playbook", str(Path.home() / suggested),
                                                "Playbook files (*.json)")
        if not chosen:
            return
        try:
            Path(chosen).write_text(self._playbooks.export_json(self.version.id), encoding="utf-8")
        except OSError as exc:
            QMessageBox.critical(self, "Could not export", f"Tandem could not write {chosen}:\n\n{exc}")
            return
        self._bus.status_message.emit(f"Exported to {chosen}")

    def import_file(self, path: str | None = None) -> None:
        if self.lock or not self.confirm_leave():
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import playbook", str(Path.home()),
                                                  "Playbook files (*.json);;All files (*)")
        if not path:
            return
        try:
            text = Path(path).read_text(encoding="utf-8")
            with self._bus.acting(self):
                result = self._playbooks.import_json(text)
        except (OSError, UnicodeDecodeError) as exc:
            QMessageBox.critical(self, "Could not import", f"Tandem could not read {path}:\n\n{exc}")
            return
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Could not import", "The file was not imported:\n\n" + "\n".join(
                getattr(exc, "errors", {}).values() or [str(exc)]))
            return
        self._written(result.version.playbook_id, result.version.id, " ".join(result.messages))
        QMessageBox.information(self, "Import", " ".join(result.messages))

    def _on_change(self, change: Change) -> None:
        if change.initiator is not self and change.touches(*TABLES, "kpis"):
            self._kpis = self._playbooks.kpi_choices()
            if not self.is_dirty():  # never drop edits being made; the next save sees the change
                self.reload()
