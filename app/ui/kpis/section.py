"""The KPI library section: the shared definitions, each one's version history (who changed what, when and
why), and the partners that have their own target or thresholds (overrides). Also the portfolio-wide CSV
import and export of measurements.

An edit of a definition is published at once (Save as new version) or kept as a draft first (Save as draft),
as playbook drafts are: a draft changes nothing the scorecards, the grid, alerts or reports use. While a KPI has
a draft the form shows the draft, to be edited (Save draft), published (Publish: the KPI's definition from now
on, the next numbered version) or dropped (Discard draft); the History lists it as "draft" on top.

Unsaved edits in the definition form are never lost silently: selecting another KPI or starting a new one
asks whether to save them first (Save / Discard / Cancel), as the partner page does (Save keeps a draft as a
draft).

In a partner's workspace the library is the lead's: the form is read-only and New KPI, the saving buttons and
Retire are disabled with the reason as their tooltip (app/ui/workspace.py). Overrides and the measurement CSV stay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Direction, IndicatorKind, KpiCategory, label
from app.services import Services
from app.services.coaching import local_time
from app.services.errors import NotFound, ValidationError
from app.services.kpis import KpiData, KpiDraft, fmt
from app.services.workspace import KPI_LIBRARY
from app.ui.bus import ChangeBus
from app.ui.formatting import format_datetime
from app.ui.prompts import save_or_discard
from app.ui.tables import read_only_table
from app.ui.workspace import LibraryLock, library_lock

#: What `_attempt` returns when the service refused the write (a draft save may return None: nothing changed).
REFUSED = object()
LIST_HEADERS = ["Code", "Name", "Category", "Better", "Target", "Amber", "Red", "Weight", "Version"]


def _spin(decimals: int = 2, maximum: float = 1e9) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(-maximum, maximum)
    box.setDecimals(decimals)
    box.setKeyboardTracking(False)
    return box


class KpiLibrarySection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.kpis: list[KpiData] = []
        self.current: KpiData | None = None  # the KPI as published (its draft, if any, is in the form)
        self.draft: KpiDraft | None = None  # the draft the form shows, if the KPI has one
        self._loaded: KpiData | None = None  # the form as show_kpi filled it: what "unsaved edits" differ from
        self.lock = LibraryLock()  # read-only in a partner's workspace (set by reload)

        self.list = read_only_table(LIST_HEADERS)
        self.list.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.horizontalHeader().setMinimumSectionSize(48)
        for c in (0, 2, 3, 4, 5, 6, 7, 8):
            self.list.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._selected)
        self.new_button = new = QPushButton("New KPI")
        new.clicked.connect(self.new_kpi)
        import_button = QPushButton("Import measurements…")
        import_button.clicked.connect(self._import)
        export_button = QPushButton("Export measurements…")
        export_button.clicked.connect(self._export)

        # Definition form
        self.code, self.name, self.unit = QLineEdit(), QLineEdit(), QLineEdit()
        self.category, self.direction, self.indicator = QComboBox(), QComboBox(), QComboBox()
        for c in KpiCategory:
            self.category.addItem(label(c.value), c)
        self.direction.addItem("Higher is better", Direction.HIGHER_IS_BETTER)
        self.direction.addItem("Lower is better", Direction.LOWER_IS_BETTER)
        for k in IndicatorKind:
            self.indicator.addItem(label(k.value), k)
        self.target, self.amber, self.red = _spin(), _spin(), _spin()
        self.weight = _spin(1, 100)
        self.weight.setRange(0, 100)
        self.definition = QPlainTextEdit()
        self.definition.setPlaceholderText("How it is computed, and from which source")
        self.definition.setMaximumHeight(90)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Why this change? (kept in the history)")
        self.errors = QLabel("")
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color:#c62828")
        self.bands = QLabel("")
        self.bands.setWordWrap(True)
        self.bands.setStyleSheet("color:#52606d")
        self.state = QLabel("")
        self.state.setObjectName("muted")
        self.state.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save_version)
        self.draft_button = QPushButton("Save as draft")
        self.draft_button.setToolTip("Keep the edit as a draft: scorecards keep using the published definition "
                                     "until you publish it")
        self.draft_button.clicked.connect(self.save_draft)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setToolTip("Make the draft the KPI's definition: the next version")
        self.publish_button.clicked.connect(self.publish)
        self.discard_button = QPushButton("Discard draft")
        self.discard_button.clicked.connect(self.discard_draft)
        self.retire_button = QPushButton("Retire KPI")
        self.retire_button.clicked.connect(self._retire)
        form_widget = QWidget()
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Name", self.name)
        form.addRow("Category", self.category)
        form.addRow("Unit", self.unit)
        form.addRow("Direction", self.direction)
        form.addRow("Leading or lagging", self.indicator)
        form.addRow("Target", self.target)
        form.addRow("Amber threshold", self.amber)
        form.addRow("Red threshold", self.red)
        form.addRow(self.bands)  # the whole row's width: one line on a field laptop
        form.addRow("Weight in composite", self.weight)
        form.addRow("Definition", self.definition)
        form.addRow("Change note", self.note)
        form.addRow("", self.errors)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retire_button)
        buttons.addStretch(1)
        for b in (self.discard_button, self.draft_button, self.save_button, self.publish_button):
            buttons.addWidget(b)
        fv = QVBoxLayout(form_widget)  # what the form holds on top; room to spare goes above the buttons
        fv.addWidget(self.state)
        fv.addLayout(form)
        fv.addStretch(1)
        fv.addLayout(buttons)

        self.history = read_only_table(["Version", "When", "Who", "What changed", "Note"])
        self.history.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.history.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.overrides = read_only_table(["Partner", "Target", "Amber", "Red", "Reason"])
        self.overrides.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.overrides.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.o_partner = QLineEdit()
        self.o_partner.setPlaceholderText("Partner name")
        self.o_target, self.o_amber, self.o_red = _spin(), _spin(), _spin()
        self.o_reason = QLineEdit()
        self.o_reason.setPlaceholderText("Why (segment benchmark…)")
        add_o = QPushButton("Set override")
        add_o.clicked.connect(self.add_override)
        remove_o = QPushButton("Remove selected")
        remove_o.clicked.connect(self._remove_override)
        self.o_message = QLabel("")
        self.o_message.setWordWrap(True)
        o_widget = QWidget()
        ov = QVBoxLayout(o_widget)
        ov.addWidget(QLabel("Partners with their own target or thresholds for this KPI. "
                            "Their scorecards use these instead of the library's."))
        ov.addWidget(self.overrides, 1)
        o_form = QFormLayout()
        o_form.addRow("Partner", self.o_partner)
        # One row each (not side by side): the pane stays narrow enough for the list beside it at 1366 px.
        for text, box in (("Target", self.o_target), ("Amber threshold", self.o_amber), ("Red threshold", self.o_red)):
            o_form.addRow(text, box)
        o_form.addRow("Reason", self.o_reason)
        ov.addLayout(o_form)
        ob = QHBoxLayout()
        ob.addWidget(self.o_message, 1)
        ob.addWidget(remove_o)
        ob.addWidget(add_o)
        ov.addLayout(ob)

        self.tabs = QTabWidget()
        self.tabs.addTab(form_widget, "Definition")
        self.tabs.addTab(self.history, "History")
        self.tabs.addTab(o_widget, "Overrides")

        title = QLabel("KPI library")
        title.setObjectName("pageTitle")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(title)
        lb = QHBoxLayout()
        lb.addWidget(new)
        lb.addStretch(1)
        lb.addWidget(import_button)
        lb.addWidget(export_button)
        lv.addLayout(lb)
        lv.addWidget(self.list)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setSizes([860, 420])
        QVBoxLayout(self).addWidget(split)
        for box in (self.target, self.amber, self.red):
            box.valueChanged.connect(self._describe_bands)
        self.direction.currentIndexChanged.connect(self._describe_bands)
        bus.changed.connect(lambda ch: ch.touches("kpis", "kpi_versions", "kpi_overrides") and self.reload())
        self.reload()
        self._partner_names()

    # -- list ----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.lock = library_lock(self.services, KPI_LIBRARY)
        self._show_lock()
        keep = self.current.id if self.current else None
        writing_new = self.current is not None and self.current.id is None
        self.kpis = self.services.kpis.list()
        self.list.blockSignals(True)
        self.list.setRowCount(len(self.kpis))
        for i, k in enumerate(self.kpis):
            better = "higher" if k.direction is Direction.HIGHER_IS_BETTER else "lower"
            unit = f" {k.unit}" if k.unit else ""
            version = f"v{k.version}" + (" · draft" if k.draft else "")
            for j, text in enumerate((k.code, k.name, label(k.category.value), better, fmt(k.target) + unit,
                                      fmt(k.amber_threshold), fmt(k.red_threshold), fmt(k.weight), version)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, k.id)
                if j == 8 and k.draft:
                    item.setToolTip(f"Version {k.draft} is a draft: scorecards use version {k.version}")
                self.list.setItem(i, j, item)
        self.list.blockSignals(False)
        if writing_new:  # a new KPI is being written: leave its form alone
            self._select_id(None)
            return
        row = next((i for i, k in enumerate(self.kpis) if k.id == keep), 0 if self.kpis else -1)
        if row >= 0:
            self.list.selectRow(row)
            self._selected()

    def _selected_id(self) -> str | None:
        rows = self.list.selectionModel().selectedRows()
        return self.list.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def _select_id(self, kpi_id: str | None) -> None:
        """Select the row of ``kpi_id`` (None: no row) without reacting to it."""
        self.list.blockSignals(True)
        self.list.selectionModel().blockSignals(True)
        row = next((i for i, k in enumerate(self.kpis) if k.id == kpi_id), -1) if kpi_id else -1
        if row >= 0:
            self.list.selectRow(row)
        else:
            self.list.clearSelection()
        self.list.selectionModel().blockSignals(False)
        self.list.blockSignals(False)
        self.list.viewport().update()

    def _selected(self) -> None:
        kpi_id = self._selected_id()
        if kpi_id is None:
            return
        if self.current is not None and kpi_id == self.current.id and self.is_dirty():
            return  # the list reloaded under the KPI being edited: keep the edits
        if self.current is None or kpi_id != self.current.id:
            if not self.confirm_leave():  # Cancel, or a save that was refused: stay on the edited KPI
                self._select_id(self.current.id if self.current else None)
                return
            self._select_id(kpi_id)  # saving reloads the list, which reselects the saved KPI
        try:
            self.show_kpi(self.services.kpis.get(kpi_id))
        except NotFound:
            self.current = None
            self.reload()

    def _partner_names(self) -> None:
        names = [p.name for p in self.services.partners.list()]
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.o_partner.setCompleter(completer)

    # -- definition ----------------------------------------------------------------------------------------

    def show_kpi(self, k: KpiData) -> None:
        """Show the KPI ``k`` (as published); while it has a draft, the form holds the draft."""
        self.current = k
        self.draft = self.services.kpis.draft(k.id) if k.id and k.draft else None
        shown = self.draft.data if self.draft else k
        self._fill_form(shown)
        self.note.setText(self.draft.change_note if self.draft else "")
        self.errors.clear()
        self.retire_button.setEnabled(k.id is not None)
        self._show_state()
        self._describe_bands()
        self._fill_history()
        self._fill_overrides()
        self._loaded = self.form_data()
        self._show_lock()

    def _show_state(self) -> None:
        """What the form holds (the published definition or a draft) and the buttons that go with it."""
        k, d = self.current, self.draft
        if k is None or k.id is None:
            self.state.setText("A new KPI: added to the library as version 1")
        elif d is not None:
            self.state.setText(f"Draft version {d.version} · scorecards use version {k.version} until you "
                               "publish it")
        else:
            self.state.setText(f"Version {k.version} · published, in use by scorecards")
        has_draft, known = d is not None, k is not None and k.id is not None
        self.save_button.setText("Save as new version" if known else "Add to the library")
        self.save_button.setVisible(not has_draft)
        self.draft_button.setText("Save draft" if has_draft else "Save as draft")
        self.draft_button.setVisible(known)
        self.publish_button.setVisible(has_draft)
        self.discard_button.setVisible(has_draft)

    def _fill_form(self, k: KpiData) -> None:
        self.code.setText(k.code)
        self.name.setText(k.name)
        self.unit.setText(k.unit)
        self.category.setCurrentIndex(self.category.findData(k.category))
        self.direction.setCurrentIndex(self.direction.findData(k.direction))
        self.indicator.setCurrentIndex(self.indicator.findData(k.indicator))
        self.target.setValue(k.target)
        self.amber.setValue(k.amber_threshold)
        self.red.setValue(k.red_threshold)
        self.weight.setValue(k.weight)
        self.definition.setPlainText(k.definition)

    def _show_lock(self) -> None:
        """In a partner's workspace: nothing of the definition can be changed here, and the buttons say why."""
        self.lock.disable(self.new_button, self.save_button, self.draft_button, self.publish_button,
                          self.discard_button, self.retire_button)
        self.lock.read_only(self.code, self.name, self.unit, self.category, self.direction, self.indicator,
                            self.target, self.amber, self.red, self.weight, self.definition, self.note)

    def is_dirty(self) -> bool:
        """True when the definition form differs from what was shown (the change note alone is no change)."""
        return self.current is not None and self._loaded is not None and self.form_data() != self._loaded

    def confirm_leave(self) -> bool:
        """Ask what to do with unsaved edits before showing another KPI. True: go ahead."""
        if not self.is_dirty():
            return True
        k = self.current
        what = f"{k.code} ({k.name})" if k and k.id else "the new KPI"
        return save_or_discard(self, what, self.save, self.revert)

    def revert(self) -> None:
        """Drop the unsaved edits: the form shows the KPI as it was loaded."""
        if self.current is not None:
            self.show_kpi(self.current)

    def new_kpi(self) -> None:
        if self.lock or not self.confirm_leave():
            return
        self._select_id(None)
        self.show_kpi(KpiData(code="", name="", target=0, amber_threshold=0, red_threshold=0))
        self.tabs.setCurrentIndex(0)
        self.code.setFocus()

    def form_data(self) -> KpiData:
        base = self.current or KpiData(code="", name="")
        return replace(base, code=self.code.text(), name=self.name.text(), unit=self.unit.text(),
                       category=KpiCategory(self.category.currentData()),
                       direction=Direction(self.direction.currentData()),
                       indicator=IndicatorKind(self.indicator.currentData()), target=self.target.value(),
                       amber_threshold=self.amber.value(), red_threshold=self.red.value(),
                       weight=self.weight.value(), definition=self.definition.toPlainText())

    def _describe_bands(self, *_args) -> None:
        self.bands.setText(replace(self.form_data()).describe_bands().capitalize())

    def save(self) -> bool:
        """Save the form as the question "Save the changes?" means: the draft shown stays a draft; otherwise
        the edit is published (Save as new version), or a new KPI added."""
        return self.save_draft() if self.draft is not None else self.save_version()

    def _attempt(self, write: Callable[[], object], cannot: str) -> object:
        """Run one of the library's writes; a refusal is shown above the buttons and REFUSED returned."""
        try:
            return write()
        except ValidationError as exc:
            self.errors.setText("\n".join(exc.errors.values()))
        except NotFound:
            self.errors.setText(f"This KPI has been retired meanwhile, so {cannot}.")
        return REFUSED

    def save_version(self) -> bool:
        """Publish the form at once as the KPI's next version (or add the new KPI). True when saved."""
        data = self.form_data()
        write = self.services.kpis.update if data.id else self.services.kpis.create
        with self.bus.acting(self):  # the list reloads once this block ends, with the form saved
            saved = self._attempt(lambda: write(data, note=self.note.text()), "these changes cannot be saved")
            if saved is REFUSED:
                return False
            self.current = saved
            self._loaded = self.form_data()  # saved: no longer dirty when the list reloads
        self.bus.status_message.emit(f"{saved.code} saved (version {saved.version}).")
        return True

    def save_draft(self) -> bool:
        """Keep the form as the KPI's draft (started, or changed in place). True when saved."""
        k = self.current
        if k is None or k.id is None:
            return False
        with self.bus.acting(self):
            draft = self._attempt(lambda: self.services.kpis.save_draft(self.form_data(), note=self.note.text()),
                                  "these changes cannot be saved")
            if draft is REFUSED:
                return False
            self._loaded = self.form_data()  # saved: no longer dirty when the list reloads
        if draft is None:
            self.bus.status_message.emit("Nothing changed")
        else:
            self.bus.status_message.emit(f"Saved draft version {draft.version} of {k.code}; scorecards use "
                                         f"version {k.version} until it is published")
        self._refresh_current()
        return True

    def publish(self) -> bool:
        """Save the draft as the form holds it, then publish it: the KPI's definition from now on."""
        k = self.current
        if k is None or k.id is None or self.draft is None:
            return False
        if not self.save_draft():
            return False
        with self.bus.acting(self):
            published = self._attempt(lambda: self.services.kpis.publish_draft(k.id, self.note.text()),
                                      "the draft cannot be published")
            if published is REFUSED:
                return False
            self._loaded = None
        self.bus.status_message.emit(f"Published version {published.version} of {published.code}")
        self._refresh_current()
        return True

    def discard_draft(self) -> bool:
        """Drop the KPI's draft (after asking); the form shows the published definition again."""
        k, d = self.current, self.draft
        if k is None or k.id is None or d is None:
            return False
        if QMessageBox.question(self, "Discard draft", f"Discard draft version {d.version} of {k.code} "
                                f"({k.name})?") != QMessageBox.StandardButton.Yes:
            return False
        with self.bus.acting(self):
            try:
                number = self.services.kpis.discard_draft(k.id)
            except (ValidationError, NotFound) as exc:
                self.errors.setText(str(exc))
                return False
            self._loaded = None
        self.bus.status_message.emit(f"Discarded draft version {number}")
        self._refresh_current()
        return True

    def _refresh_current(self) -> None:
        """Show the current KPI as stored now (when the change feed did not already)."""
        k = self.current
        if k is None or k.id is None:
            return
        try:
            self.show_kpi(self.services.kpis.get(k.id))
        except NotFound:
            self.current = None
            self.reload()

    def _retire(self) -> None:
        k = self.current
        if not k or not k.id:
            return
        answer = QMessageBox.question(self, "Retire KPI", f"Retire {k.code} ({k.name}) from the library? Its "
                                      "measurements stay, but scorecards stop showing it.")
        if answer == QMessageBox.StandardButton.Yes:
            with self.bus.acting(self):
                self.services.kpis.delete(k.id)
                self.current = None

    def _fill_history(self) -> None:
        rows = self.services.kpis.history(self.current.id) if self.current and self.current.id else []
        self.history.setRowCount(len(rows))
        for i, h in enumerate(rows):
            when = format_datetime(local_time(h.changed_at)) if h.changed_at else ""
            for j, text in enumerate((h.label, when, h.changed_by, "; ".join(h.changes), h.change_note)):
                item = QTableWidgetItem(text)
                if h.is_draft:
                    item.setToolTip("A draft: not used until it is published")
                self.history.setItem(i, j, item)
        self.history.resizeRowsToContents()

    # -- overrides -----------------------------------------------------------------------------------------

    def _fill_overrides(self) -> None:
        k = self.current
        rows = self.services.kpis.overrides(kpi_id=k.id) if k and k.id else []
        self.overrides.setRowCount(len(rows))
        for i, o in enumerate(rows):
            cells = (o.partner_name, fmt(o.target) if o.target is not None else f"({fmt(o.library_target)})",
                     fmt(o.amber_threshold) if o.amber_threshold is not None else f"({fmt(o.library_amber)})",
                     fmt(o.red_threshold) if o.red_threshold is not None else f"({fmt(o.library_red)})", o.reason)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, o.partner_id)
                self.overrides.setItem(i, j, item)
        self.overrides.setToolTip("Values in brackets come from the library.")
        if k:
            self.o_target.setValue(k.target)
            self.o_amber.setValue(k.amber_threshold)
            self.o_red.setValue(k.red_threshold)

    def add_override(self) -> bool:
        k = self.current
        if not k or not k.id:
            return False
        try:
            partner = self.services.partners.find(self.o_partner.text())
            values = {}
            for key, box, lib in (("target", self.o_target, k.target), ("amber_threshold", self.o_amber,
                                                                       k.amber_threshold),
                                  ("red_threshold", self.o_red, k.red_threshold)):
                if box.value() != lib:  # only what differs from the library is an override
                    values[key] = box.value()
            self.services.kpis.set_override(partner.id, k.id, reason=self.o_reason.text(), **values)
        except (NotFound, ValidationError) as exc:
            self.o_message.setText(str(exc))
            self.o_message.setStyleSheet("color:#c62828")
            return False
        self.o_message.setText(f"{partner.name} now uses its own values for {k.code}.")
        self.o_message.setStyleSheet("color:#2e7d32")
        self._fill_overrides()
        return True

    def _remove_override(self) -> None:
        rows = self.overrides.selectionModel().selectedRows()
        if not rows or not self.current:
            return
        pid = self.overrides.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        self.services.kpis.clear_override(pid, self.current.id)
        self._fill_overrides()

    # -- measurements CSV ----------------------------------------------------------------------------------

    def _import(self) -> None:
        from app.ui.measurements.csv_import import CsvImportDialog

        CsvImportDialog(self.services, self.bus, self).exec()

    def _export(self) -> None:
        from app.ui.measurements.grid import export_measurements

        export_measurements(self, self.services, None)
