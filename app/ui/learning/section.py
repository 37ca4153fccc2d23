"""The Learning section: the shared library of tracks (versions, drafts, publish) and modules (with what
people said of each one), and the certification status across partners with the renewals due.

In a partner's workspace tracks and modules are the lead's: their editors are read-only, the buttons that would
change them disabled with the reason as tooltip (app/ui/workspace.py)."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
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
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.models.enums import PartnerKind, label
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.learning import EXPIRED, ModuleData, TrackItemData, TrackVersionData
from app.services.workspace import LEARNING_LIBRARY
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date
from app.ui.labels import buddy_label
from app.ui.learning.dialogs import ModuleDialog
from app.ui.learning.matrix_model import BACKGROUNDS
from app.ui.scrolling import no_collapsing_splitters
from app.ui.tables import read_only_table
from app.ui.workers import run_in_background
from app.ui.workspace import LibraryLock, library_lock

LIBRARY_TABLES = ("learning_modules", "learning_tracks", "learning_track_versions", "learning_track_items")
PEOPLE_TABLES = ("learning_assignments", "learning_completions", "learning_certifications", "partners")


def _fill(table, rows: list[list[str]], data: list | None = None, backgrounds: list | None = None) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            item = QTableWidgetItem(v)
            if data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data[r])
            if backgrounds and backgrounds[r] is not None:
                item.setBackground(backgrounds[r])
            table.setItem(r, c, item)


def _stretch(table, column: int) -> None:
    h = table.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    h.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class TrackLibraryView(QWidget):
    """Tracks on the left; the chosen version on the right, edited in place while a draft. Saving a published
    version makes the next version (a draft); Publish freezes a draft so it can be assigned."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        self.version: TrackVersionData | None = None
        self.lock = LibraryLock()  # read-only in a partner's workspace (set by reload)
        self.tracks = read_only_table(["Track", "For", "Version", "Modules"])
        _stretch(self.tracks, 0)
        self.tracks.itemSelectionChanged.connect(self._track_selected)
        self.new_button = new = QPushButton("New track…")
        new.clicked.connect(self.new_track)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.tracks, 1)
        lv.addWidget(new, 0, Qt.AlignmentFlag.AlignLeft)

        self.versions = QComboBox()
        self.versions.currentIndexChanged.connect(self._version_selected)
        self.state = QLabel()
        self.state.setObjectName("muted")
        self.name = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(60)
        self.kind = QComboBox()
        self.kind.addItem("Any kind", None)
        for k in PartnerKind:
            self.kind.addItem(label(k) + "s", k)
        self.segment = QLineEdit(placeholderText="Any segment")
        self.validity = QSpinBox()
        self.validity.setRange(0, 120)
        self.validity.setSpecialValueText("never expires")
        self.validity.setSuffix(" months")
        self.items = QListWidget()
        self.add_module = QComboBox()
        add = QPushButton("Add")
        add.clicked.connect(self._add_item)
        up, down, remove = QPushButton("Up"), QPushButton("Down"), QPushButton("Remove")
        self.item_buttons = (add, up, down, remove)
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        remove.clicked.connect(self._remove_item)
        item_row = QHBoxLayout()
        item_row.addWidget(self.add_module, 1)
        for b in (add, up, down, remove):
            item_row.addWidget(b)
        self.note = QLineEdit(placeholderText="What changed and why (kept with the version)")
        self.save_button = QPushButton("Save")
        self.publish_button = QPushButton("Publish")
        self.discard_button = QPushButton("Discard draft")
        self.save_button.clicked.connect(self.save)
        self.publish_button.clicked.connect(self.publish)
        self.discard_button.clicked.connect(self.discard)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Version", self.versions)
        form.addRow("", self.state)
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("For", self.kind)
        form.addRow("Segment", self.segment)
        form.addRow("Certification valid", self.validity)
        form.addRow("Modules", self.items)
        form.addRow("", item_row)
        form.addRow("Change note", self.note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.discard_button, self.save_button, self.publish_button):
            buttons.addWidget(b)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(form)
        rv.addWidget(self.error)
        rv.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([420, 640])
        QVBoxLayout(self).addWidget(split)
        self.reload()

    def reload(self, select_track: str | None = None) -> None:
        current = select_track or (self.version.track_id if self.version else None)
        self.lock = library_lock(self.services, LEARNING_LIBRARY)
        self.lock.disable(self.new_button, self.add_module, *self.item_buttons)
        self.lock.read_only(self.name, self.description, self.kind, self.segment, self.validity, self.note)
        self.add_module.clear()
        for m in self.services.learning.modules():
            self.add_module.addItem(m.label, m)
        rows = self.services.learning.tracks()
        self.tracks.blockSignals(True)
        _fill(self.tracks, [[r.name, r.audience, f"v{r.latest_version}" + ("" if r.published_version == r.latest_version
                                                                            else " (draft)"), str(r.module_count)]
                            for r in rows], [r.id for r in rows])
        self.tracks.blockSignals(False)
        ids = [r.id for r in rows]
        self.tracks.selectRow(ids.index(current) if current in ids else 0)
        self._track_selected()

    def _track_selected(self) -> None:
        rows = self.tracks.selectionModel().selectedRows()
        track_id = self.tracks.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None
        self.versions.blockSignals(True)
        self.versions.clear()
        if track_id:
            for v in self.services.learning.versions(track_id):
                self.versions.addItem(v.label, v.id)
        self.versions.blockSignals(False)
        self._version_selected()

    def _version_selected(self) -> None:
        version_id = self.versions.currentData()
        self.version = self.services.learning.get_version(version_id) if version_id else None
        self.error.hide()
        v = self.version
        self.name.setText(v.name if v else "")
        self.description.setPlainText(v.description if v else "")
        self.kind.setCurrentIndex(max(0, self.kind.findData(v.partner_kind)) if v else 0)
        self.segment.setText(v.segment if v else "")
        self.validity.setValue(v.validity_months or 0 if v else 0)
        self.note.setText(v.change_note if v else "")
        self.items.clear()
        for item in (v.items if v else ()):
            self._append(item, f"{item.module_code} · {item.module_title}")
        published = bool(v and v.is_published)
        self.state.setText("" if not v else (f"Published {format_date(v.published_at)}: frozen. Saving an edit makes "
                                             "the next version, a draft." if published and v.published_at else
                                             "Draft: edited in place; publish it to assign it."))
        self.publish_button.setEnabled(bool(v) and not published)
        self.discard_button.setEnabled(bool(v) and not published)
        self.save_button.setEnabled(bool(v))
        self.lock.disable(self.save_button, self.publish_button, self.discard_button)

    def _append(self, item: TrackItemData, text: str) -> None:
        row = QListWidgetItem(text)
        row.setData(Qt.ItemDataRole.UserRole, item)
        self.items.addItem(row)

    def _add_item(self) -> None:
        m: ModuleData | None = self.add_module.currentData()
        if m is not None:
            self._append(TrackItemData(m.id, module_code=m.code, module_title=m.title), m.label)

    def _move(self, step: int) -> None:
        r = self.items.currentRow()
        if 0 <= r + step < self.items.count() and r >= 0:
            item = self.items.takeItem(r)
            self.items.insertItem(r + step, item)
            self.items.setCurrentRow(r + step)

    def _remove_item(self) -> None:
        if self.items.currentRow() >= 0:
            self.items.takeItem(self.items.currentRow())

    def _refused(self, exc: Exception) -> None:
        self.error.setText(str(exc))
        self.error.show()

    def save(self) -> TrackVersionData | None:
        if self.version is None:
            return None
        items = [self.items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.items.count())]
        try:
            saved = self.services.learning.edit_track(
                self.version.id, self.name.text(), self.description.toPlainText(), items,
                partner_kind=self.kind.currentData(), segment=self.segment.text(),
                validity_months=self.validity.value() or None, change_note=self.note.text())
        except (ValidationError, NotFound) as exc:
            self._refused(exc)
            return None
        self.reload(saved.track_id)
        self.versions.setCurrentIndex(max(0, self.versions.findData(saved.id)))
        return saved

    def publish(self) -> None:
        saved = self.save()
        if saved is None:
            return
        try:
            self.services.learning.publish(saved.id, self.note.text())
        except ValidationError as exc:
            self._refused(exc)
            return
        self.reload(saved.track_id)

    def discard(self) -> None:
        if self.version is None or self.version.is_published:
            return
        if QMessageBox.question(self, "Discard draft", f"Discard draft version {self.version.version} of "
                                f"'{self.version.name}'?") != QMessageBox.StandardButton.Yes:
            return
        self.services.learning.discard_draft(self.version.id)
        self.reload()

    def new_track(self) -> None:
        if self.lock:
            return
        v = self.services.learning.create_track("New track")
        self.reload(v.track_id)
        self.name.setFocus()
        self.name.selectAll()


class ModuleLibraryView(QWidget):
    """The modules of the library, and for the selected one, what people said of it (rating and comment)."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        self.lock = LibraryLock()  # read-only in a partner's workspace (set by reload)
        self.modules = read_only_table(["Code", "Title", "Format", "Duration", "Assessed by", "Counts for"])
        _stretch(self.modules, 1)
        self.modules.itemSelectionChanged.connect(self._selected)
        self.modules.cellDoubleClicked.connect(lambda *_: None if self.lock else self.edit())
        self.new_button, self.edit_button = new, edit = QPushButton("New module…"), QPushButton("Edit…")
        new.clicked.connect(lambda: self.edit(new=True))
        edit.clicked.connect(lambda: self.edit())
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.feedback_title = QLabel()
        self.feedback_title.setStyleSheet("font-weight:600")
        self.feedback = read_only_table(["Date", "Partner", "Person", "Rating", "Comment"])
        _stretch(self.feedback, 4)
        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addWidget(self.modules, 1)
        row = QHBoxLayout()
        row.addWidget(new)
        row.addWidget(edit)
        row.addStretch(1)
        tv.addLayout(row)
        bottom = QWidget()
        bv = QVBoxLayout(bottom)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addWidget(self.detail)
        bv.addWidget(self.feedback_title)
        bv.addWidget(self.feedback, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([300, 300])
        QVBoxLayout(self).addWidget(split)
        self.reload()

    def reload(self) -> None:
        self.lock = library_lock(self.services, LEARNING_LIBRARY)
        self.lock.disable(self.new_button, self.edit_button)
        current = self.selected()
        rows = self.services.learning.modules()
        self.modules.blockSignals(True)
        _fill(self.modules, [[m.code, m.title, m.format, f"{m.duration_minutes} min", m.assessment,
                              f"{m.validity_months} months" if m.validity_months else "for good"] for m in rows], rows)
        self.modules.blockSignals(False)
        ids = [m.id for m in rows]
        self.modules.selectRow(ids.index(current.id) if current and current.id in ids else 0)
        self._selected()

    def selected(self) -> ModuleData | None:
        rows = self.modules.selectionModel().selectedRows() if self.modules.selectionModel() else []
        return self.modules.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def _selected(self) -> None:
        m = self.selected()
        if m is None:
            self.detail.setText("")
            self.feedback_title.setText("")
            self.feedback.setRowCount(0)
            return
        self.detail.setText(f"<b>{escape(m.title)}</b> — objective: {escape(m.objective) or '–'}")
        fb = self.services.learning.feedback(m.id)
        avg = f"average rating {fb.average_rating:.1f} of 5" if fb.average_rating is not None else "no rating yet"
        self.feedback_title.setText(f"Feedback: {len(fb.entries)} comment{'s' if len(fb.entries) != 1 else ''} "
                                    f"or ratings, {avg}")
        _fill(self.feedback, [[format_date(e.completed_on), e.partner_name, f"{e.person} ({label(e.side)})",
                               "★" * e.rating if e.rating else "–", e.comment] for e in fb.entries])

    def edit(self, new: bool = False) -> ModuleDialog:
        dialog = ModuleDialog(None if new else self.selected(),
                              lambda v: self.services.learning.save_module(ModuleData(**v)), self)
        if dialog.exec():
            self.reload()
        return dialog


class CertificationOverview(QWidget):
    """Every partner's certification status, the renewals due, and our company's name for certificates."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        self.today = date.today()
        self._token = 0
        self.loaded = False
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.valueChanged.connect(lambda _v: self.reload())
        self.company = QLineEdit(services.learning.our_company())
        self.company.setPlaceholderText("Printed on every certificate beside the partner's name")
        save = QPushButton("Save name")
        save.clicked.connect(self._save_company)
        top = QHBoxLayout()
        top.addWidget(buddy_label("Expiring within", self.days))
        top.addWidget(self.days)
        top.addSpacing(24)
        top.addWidget(buddy_label("Our company:", self.company))
        top.addWidget(self.company, 1)
        top.addWidget(save)
        self.partners = read_only_table(["Partner", "People", "Certified", "Expiring", "Expired", "Status"])
        _stretch(self.partners, 5)
        self.partners.cellDoubleClicked.connect(lambda r, _c: self._open(self.partners, r))
        self.renewals = read_only_table(["Valid until", "Partner", "Person", "Side", "Track", "State"])
        _stretch(self.renewals, 4)
        self.renewals.cellDoubleClicked.connect(lambda r, _c: self._open(self.renewals, r))
        pbox, rbox = QGroupBox("Across partners (double-click opens the partner)"), QGroupBox("Renewals due")
        QVBoxLayout(pbox).addWidget(self.partners)
        QVBoxLayout(rbox).addWidget(self.renewals)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(pbox)
        split.addWidget(rbox)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.reload()

    def reload(self) -> None:
        """Load in the background (every partner's learning is read); the latest request wins."""
        self._token += 1
        token, days, today, learning = self._token, self.days.value(), self.today, self.services.learning
        self.loaded = False
        run_in_background(lambda: (learning.overview(today, days), learning.renewals_due(today, days)),
                          lambda result: self._current(token) and self._show(days, *result),
                          lambda exc: self._current(token) and self.bus.status_message.emit(
                              f"Cannot load the certifications: {exc}"))

    def _current(self, token: int) -> bool:
        """The answer is for the latest request, and the view still exists (it may close while loading)."""
        return token == self._token and isValid(self.partners)

    def _show(self, days: int, rows, due) -> None:
        _fill(self.partners, [[r.partner_name, str(r.people), str(r.certified), str(r.expiring), str(r.expired), r.text]
                              for r in rows], [r.partner_id for r in rows],
              [BACKGROUNDS["expiring"] if r.expiring else None for r in rows])
        _fill(self.renewals, [[format_date(r.certification.expires_on), r.partner_name, r.certification.person,
                               label(r.certification.side), r.certification.track_name, label(r.state)] for r in due],
              [r.certification.partner_id for r in due],
              [BACKGROUNDS["expired" if r.state == EXPIRED else "expiring"] for r in due])
        self.loaded = True

    def _open(self, table, row: int) -> None:
        item = table.item(row, 0)
        if item is not None:
            self.bus.open_partner.emit(item.data(Qt.ItemDataRole.UserRole))

    def _save_company(self) -> None:
        try:
            self.company.setText(self.services.learning.set_our_company(self.company.text()))
        except ValidationError as exc:
            QMessageBox.warning(self, "Our company", str(exc))
            return
        self.bus.status_message.emit("Our company's name is saved; certificates print it.")


class LearningSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracks = TrackLibraryView(services, bus)
        self.modules = ModuleLibraryView(services, bus)
        self.certifications = CertificationOverview(services, bus)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.certifications, "Certifications")
        self.tabs.addTab(self.tracks, "Tracks")
        self.tabs.addTab(self.modules, "Modules and feedback")
        title = QLabel("Learning")
        title.setObjectName("pageTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        no_collapsing_splitters(self)
        bus.changed.connect(self._changed)

    def _changed(self, change: Change) -> None:
        if change.touches(*PEOPLE_TABLES):
            self.certifications.reload()
            self.modules.reload()
        if change.touches("learning_modules", "learning_tracks", "learning_track_versions"):
            self.tracks.reload()
