"""The "Criteria sets" page of the Selection section: edit and publish versions of the selection criteria.

Criteria sets are versioned like playbooks. A draft is saved in place; a published version is frozen, so saving
an edit of it makes the next version, as a draft. Publishing a draft makes new assessments use it; assessments
already started keep the version they were scored on.

The weights must add up to 100: the total under the table is recomputed on every keystroke and turns red with
the service's own message ("The weights add up to 96, not 100 (4 missing).") while they do not, and Save and
Publish stay disabled until they do. Edits are never dropped silently: switching to another version asks whether
to save them first, and so does closing the window (the main window calls the section's ``confirm_leave``).

In a partner's workspace the criteria are the lead's: the editor is read-only, its buttons disabled with the
reason as tooltip (app/ui/workspace.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import AlignmentGroup, TemplateStatus, label
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.selection import (
    GROUP_ORDER,
    WEIGHT_TOTAL,
    CriteriaEdit,
    CriteriaSetData,
    CriterionData,
    default_lineage,
    validate_criteria,
)
from app.services.workspace import CRITERIA_LIBRARY
from app.ui.bus import Change, ChangeBus
from app.ui.prompts import save_or_discard
from app.ui.workspace import LibraryLock, library_lock

CRITERIA_TABLES = ("criteria_sets", "criteria")
COLUMNS = ["Code", "Name", "Group", "Weight", "Description"]
CODE, NAME, GROUP, WEIGHT, DESCRIPTION = range(len(COLUMNS))
ID_ROLE = Qt.ItemDataRole.UserRole
OK_STYLE = "color: #1e6b34; font-weight: 600;"
BAD_STYLE = "color: #b71c1c; font-weight: 600;"


def _num(value: float) -> str:
    return f"{value:g}"


def _normalised(edit: CriteriaEdit) -> tuple:
    """What an edit means once stored (codes upper-case, text trimmed): two equal keys save the same set."""
    return (edit.name.strip(), edit.description.strip(),
            tuple((c.id, c.code.strip().upper(), c.name.strip(), str(c.group), round(float(c.weight), 6),
                   c.description.strip()) for c in edit.criteria))


class WeightSpinBox(QDoubleSpinBox):
    """A weight 0–100 shown without trailing zeros (12, not 12.0; 12.5 stays 12.5)."""

    def __init__(self, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, WEIGHT_TOTAL)
        self.setDecimals(1)
        self.setSingleStep(1)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setValue(value)

    def textFromValue(self, value: float) -> str:
        return _num(round(value, 1))


class CriteriaEditorWidget(QWidget):
    """Pick a criteria-set version, edit its name, description and criteria, save it and publish it."""

    dirty_changed = Signal(bool)

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._selection, self._bus = services.selection, bus
        self.lock = LibraryLock()  # read-only in a partner's workspace (set by reload)
        self.current: CriteriaSetData | None = None
        self._loaded_key: tuple | None = None
        self._filling = False  # True while the widgets are being filled from the database
        self._was_dirty = False
        self._next_version = 1  # the version saving an edit of a published version makes
        self._drafts: list[int] = []  # draft versions of the set shown

        self.version_combo = QComboBox()
        self.version_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.state = QLabel()
        self.state.setObjectName("muted")
        self.state.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Version"))
        bar.addWidget(self.version_combo)
        bar.addWidget(self.state, 1)

        self.name = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(56)
        self.description.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # One line per criterion, as tall as the group combo in it: rows that grew with their wrapped
        # description reached ~200 px on a laptop and showed three criteria at a time. The full description
        # is in the cell's tooltip and in its editor.
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(QComboBox().sizeHint().height(), WeightSpinBox(0).sizeHint().height()) + 4)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for col, width in ((CODE, 90), (NAME, 210), (GROUP, 130), (WEIGHT, 80)):
            header.resizeSection(col, width)
        self.table.horizontalHeaderItem(WEIGHT).setToolTip("The weights of all criteria must add up to 100")

        self.add_button = QPushButton("Add criterion")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.total = QLabel()
        self.total.setWordWrap(True)
        self.groups = QLabel()
        self.groups.setObjectName("muted")
        rows_bar = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            rows_bar.addWidget(b)
        rows_bar.addSpacing(16)
        rows_bar.addWidget(self.total, 1)
        rows_bar.addWidget(self.groups)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.revert_button = QPushButton("Undo changes")
        self.save_button = QPushButton("Save")
        self.publish_button = QPushButton("Publish")
        actions = QHBoxLayout()
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        actions.addWidget(self.hint, 1)
        for b in (self.revert_button, self.save_button, self.publish_button):
            actions.addWidget(b)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(rows_bar)
        layout.addWidget(self.error)
        layout.addLayout(actions)

        self.version_combo.activated.connect(self._version_chosen)
        self.name.textChanged.connect(self._edited)
        self.description.textChanged.connect(self._edited)
        self.table.itemChanged.connect(self._edited)
        self.table.itemChanged.connect(lambda item: item.setToolTip(item.text()) if item.column() == DESCRIPTION
                                       else None)
        self.table.currentCellChanged.connect(lambda *_a: self._update_row_buttons())
        self.add_button.clicked.connect(self.add_criterion)
        self.remove_button.clicked.connect(self.remove_criterion)
        self.up_button.clicked.connect(lambda: self.move_criterion(-1))
        self.down_button.clicked.connect(lambda: self.move_criterion(1))
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        self.publish_button.clicked.connect(self.publish)
        bus.changed.connect(self._on_change)
        self.reload()

    # -- showing -------------------------------------------------------------------------------------------

    def reload(self, select_id: str | None = None) -> None:
        """Fill the version list (newest first within each set) and show ``select_id`` (default: the one shown,
        else the version new assessments use)."""
        self.lock = library_lock(self._services, CRITERIA_LIBRARY)
        self.lock.read_only(self.name, self.description, self.table)
        sets = self._selection.criteria_sets()
        try:
            in_use = self._selection.latest_published().id
        except NotFound:
            in_use = None
        wanted = select_id or (self.current.id if self.current else None) or in_use
        by_lineage: dict[str, list[CriteriaSetData]] = {}
        for s in sets:
            by_lineage.setdefault(s.lineage, []).append(s)
        self.version_combo.clear()
        for versions in by_lineage.values():
            for s in sorted(versions, key=lambda v: -v.version):
                state = "published" if s.status is TemplateStatus.PUBLISHED else "draft"
                if s.id == in_use:
                    state += ", in use"
                self.version_combo.addItem(f"{s.name} · version {s.version} · {state}", s.id)
        ids = [s.id for s in sets]
        if not ids:
            self.current = None
            self.setEnabled(False)
            self.state.setText("There is no criteria set.")
            return
        self.setEnabled(True)
        self.show_set(wanted if wanted in ids else ids[0])

    def show_set(self, set_id: str) -> None:
        """Show one version (discarding unsaved edits: ask with confirm_leave first)."""
        self.current = s = self._selection.criteria_set(set_id)
        lineage = [v for v in self._selection.criteria_sets() if v.lineage == s.lineage]
        self._next_version = max(v.version for v in lineage) + 1
        self._drafts = [v.version for v in lineage if v.status is TemplateStatus.DRAFT]
        self.version_combo.setCurrentIndex(self.version_combo.findData(s.id))
        self._filling = True
        try:
            self.name.setText(s.name)
            self.description.setPlainText(s.description)
            self.table.setRowCount(0)
            for c in s.criteria:
                self._add_row(c)
        finally:
            self._filling = False
        self._loaded_key = _normalised(self.edit())
        self.error.hide()
        self._edited()

    def _describe_state(self) -> None:
        s = self.current
        if s is None:
            return
        dirty = self.is_dirty()
        if s.status is TemplateStatus.PUBLISHED:
            text = f"Published · frozen: saving an edit makes version {self._next_version} (a draft)."
            if self._drafts:
                text += f" Draft version {self._drafts[-1]} exists already."
            self.save_button.setText("Save as new version")
        else:
            text = "Draft · saved in place. Publish it so that new assessments use it."
            self.save_button.setText("Save draft")
        if dirty:
            text = "Unsaved changes · " + text
        self.state.setText(text)
        self.hint.setText("Assessments already started keep the version they were scored on.")

    def _add_row(self, c: CriterionData, at: int | None = None) -> None:
        row = self.table.rowCount() if at is None else at
        filling, self._filling = self._filling, True
        try:
            self.table.insertRow(row)
            code = QTableWidgetItem(c.code)
            code.setData(ID_ROLE, c.id)
            self.table.setItem(row, CODE, code)
            self.table.setItem(row, NAME, QTableWidgetItem(c.name))
            group = QComboBox()
            for g in GROUP_ORDER:
                group.addItem(label(g), g)
            group.setCurrentIndex(max(0, group.findData(AlignmentGroup(c.group))))
            group.currentIndexChanged.connect(self._edited)
            self.table.setCellWidget(row, GROUP, group)
            weight = WeightSpinBox(c.weight)
            weight.valueChanged.connect(self._edited)
            self.table.setCellWidget(row, WEIGHT, weight)
            self.lock.read_only(group, weight)
            description = QTableWidgetItem(c.description)
            description.setToolTip(c.description)
            self.table.setItem(row, DESCRIPTION, description)
        finally:
            self._filling = filling

    def criteria_data(self) -> list[CriterionData]:
        """The criteria as the table shows them, in order."""
        return [CriterionData(code=self._text(row, CODE), name=self._text(row, NAME),
                              group=self.table.cellWidget(row, GROUP).currentData(),
                              weight=self.table.cellWidget(row, WEIGHT).value(),
                              description=self._text(row, DESCRIPTION), id=self.table.item(row, CODE).data(ID_ROLE))
                for row in range(self.table.rowCount())]

    def _text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item else ""

    def edit(self) -> CriteriaEdit:
        """What the editor holds now."""
        return CriteriaEdit(self.name.text(), self.description.toPlainText(), tuple(self.criteria_data()))

    def is_dirty(self) -> bool:
        """True when the editor holds edits not saved yet."""
        return self.current is not None and self._loaded_key is not None \
            and _normalised(self.edit()) != self._loaded_key

    def problems(self) -> dict[str, str]:
        """What validate_criteria finds wrong with the edit now (field -> message); empty when it would save."""
        try:
            validate_criteria(self.edit())
        except ValidationError as exc:
            return exc.errors
        return {}

    def weight_problem(self) -> str | None:
        """The message for weights that do not add up to 100 (or for no criteria at all), else None."""
        errors = self.problems()
        return errors.get("weights") or errors.get("criteria")

    def _edited(self, *_args) -> None:
        """Recount the weights and update the buttons after any edit."""
        if self._filling or self.current is None:
            return
        criteria = self.criteria_data()
        total = sum(c.weight for c in criteria)
        errors = self.problems()
        problem = errors.get("weights") or errors.get("criteria")
        if problem:
            self.total.setText(problem)  # names the total and what is missing or too many
            self.total.setStyleSheet(BAD_STYLE)
        else:
            self.total.setText(f"Total weight {_num(round(total, 1))} ✓")
            self.total.setStyleSheet(OK_STYLE)
        self.groups.setText("   ".join(
            f"{label(g)} {_num(round(sum(c.weight for c in criteria if c.group == g), 1))}" for g in GROUP_ORDER))
        dirty = self.is_dirty()
        is_draft = self.current.status is TemplateStatus.DRAFT
        self.save_button.setEnabled(dirty and problem is None)
        self.publish_button.setEnabled(is_draft and problem is None)
        self.revert_button.setEnabled(dirty)
        tip = problem or ""
        self.save_button.setToolTip(tip or ("" if dirty else "Nothing to save"))
        self.publish_button.setToolTip(tip or ("" if is_draft else "This version is published already"))
        if not errors:
            self.error.hide()  # whatever a refused save named has been put right
        self._describe_state()
        self._update_row_buttons()
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)

    def _update_row_buttons(self) -> None:
        row, count = self.table.currentRow(), self.table.rowCount()
        self.remove_button.setEnabled(0 <= row < count)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.lock.disable(self.add_button, self.remove_button, self.up_button, self.down_button, self.revert_button,
                          self.save_button, self.publish_button)

    # -- editing the table ---------------------------------------------------------------------------------

    def add_criterion(self) -> None:
        """A new row below the current one (or at the end), in the current row's group, with its name in edit."""
        row = self.table.currentRow()
        at = row + 1 if row >= 0 else self.table.rowCount()
        group = self.table.cellWidget(row, GROUP).currentData() if row >= 0 else AlignmentGroup.CAPABILITIES
        self._add_row(CriterionData(code="", name="", group=group, weight=0), at)
        self.table.setCurrentCell(at, CODE)
        self.table.editItem(self.table.item(at, CODE))
        self._edited()

    def remove_criterion(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        if self.table.rowCount():
            self.table.setCurrentCell(min(row, self.table.rowCount() - 1), NAME)
        self._edited()

    def move_criterion(self, delta: int) -> None:
        row = self.table.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        criteria = self.criteria_data()
        criteria[row], criteria[target] = criteria[target], criteria[row]
        self._filling = True
        try:
            self.table.setRowCount(0)
            for c in criteria:
                self._add_row(c)
        finally:
            self._filling = False
        self.table.setCurrentCell(target, NAME)
        self._edited()

    # -- saving --------------------------------------------------------------------------------------------

    def _show_error(self, exc: ValidationError) -> None:
        self.error.setText("Not saved: " + " ".join(exc.errors.values()))
        self.error.show()

    def save(self) -> bool:
        """Store the edits (a draft in place; a published version as the next draft version). False if refused."""
        was = self.current
        if was is None:
            return False
        if not self.is_dirty():
            self._bus.status_message.emit("Nothing to save")
            return True
        try:
            with self._bus.acting(self):
                saved = self._selection.save_criteria_set(was.id, self.edit())
        except ValidationError as exc:
            self._show_error(exc)
            return False
        except NotFound as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return False
        if saved.id != was.id:
            message = (f"Saved as version {saved.version} (a draft); version {was.version} stays as it was. "
                       "Publish the draft so that new assessments use it.")
        else:
            message = f"Saved draft version {saved.version}"
        self._written(saved.id, message)
        return True

    def publish(self) -> bool:
        """Save the edits of a draft, then publish it once the user agrees. False if refused or cancelled."""
        if self.current is None or self.current.status is not TemplateStatus.DRAFT:
            return False
        problem = self.weight_problem()
        if problem:
            self._show_error(ValidationError({"weights": problem}))
            return False
        use = ("New assessments will be scored against it." if self._will_be_in_use() else
               "New assessments will still use the version marked 'in use' (a newer published version).")
        answer = QMessageBox.question(
            self, "Publish criteria",
            f"Publish version {self.current.version} of '{self.name.text().strip()}'?\n\n{use} Assessments "
            "already started keep the version they were scored on. A published version can no longer be "
            "changed: later edits make a new version.")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if self.is_dirty() and not self.save():
            return False
        try:
            with self._bus.acting(self):
                published = self._selection.publish_criteria_set(self.current.id)
        except ValidationError as exc:
            self._show_error(exc)
            return False
        in_use = self._selection.latest_published().id == published.id
        self._written(published.id, f"Published version {published.version} of {published.name}"
                                    + (": new assessments use it" if in_use else ""))
        return True

    def _will_be_in_use(self) -> bool:
        """Whether publishing the draft shown makes it the version new assessments use (the newest published
        version of the shipped set)."""
        if self.current is None or self.current.lineage != default_lineage():
            return False
        try:
            return self.current.version > self._selection.latest_published().version
        except NotFound:
            return True

    def revert(self) -> None:
        """Drop the unsaved edits and show the stored version again."""
        if self.current is not None:
            self.show_set(self.current.id)

    def confirm_leave(self) -> bool:
        """Ask what to do with unsaved edits before they would be dropped. True: go ahead."""
        if not self.is_dirty():
            return True
        return save_or_discard(self, f"'{self.name.text().strip() or 'the criteria set'}'", self.save, self.revert)

    def _version_chosen(self, index: int) -> None:
        wanted = self.version_combo.itemData(index)
        if self.current is None or wanted == self.current.id:
            return
        if not self.confirm_leave():
            self.version_combo.setCurrentIndex(self.version_combo.findData(self.current.id))
            return
        # saving may have added a version: rebuild the list, then show the one chosen
        self.reload(wanted)

    def _written(self, set_id: str, message: str) -> None:
        """After a write of this editor's (the other views hear of it from the change feed): show it."""
        self.reload(set_id)
        self._bus.status_message.emit(message)

    def _on_change(self, change: Change) -> None:
        # Someone else's write (a sync, another window): reload, unless that would drop the user's edits.
        if change.initiator is not self and change.touches(*CRITERIA_TABLES) and not self.is_dirty():
            self.reload()
