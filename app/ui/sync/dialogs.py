"""The export dialog (partner picker, options, what the partner will see, progress) and the import dialog
(preview, signer trust and role, rejected records, confirm). Both run the work off the UI thread."""

from __future__ import annotations

import threading
from datetime import datetime
from html import escape as _html_escape
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.errors import Cancelled
from app.services.sync import PackageRefused
from app.services.sync.importer import COUNT_KEYS
from app.ui.bus import ChangeBus
from app.ui.formatting import format_datetime, format_number, localise_date_edit
from app.ui.sync.labels import (
    COUNT_TITLES,
    field_label,
    measurement_parts,
    period_text,
    reason_text,
    split_rejection,
    table_label,
    table_plural,
)
from app.ui.sync.roles import RoleChoice, search_key
from app.ui.tables import read_only_table
from app.ui.workers import run_in_background, run_write

COUNT_TIPS = {
    "conflicts": "Records edited on both laptops: the newer value is kept, the other goes to Sync → Conflicts",
    "proposed": "Changes a partner made to your shared libraries (a KPI definition, a playbook step): they wait "
                "under Sync → Proposals until you accept or decline them",
    "rejected": "Records this package may not change: listed below with the reason; the rest still applies",
}
#: the most records listed under one kind in "What the partner will see" (the count is always whole)
MAX_LISTED = 1000


def escape(text: str) -> str:
    """``text`` for a rich-text label (quotes left as they are: they are text there)."""
    return _html_escape(text, quote=False)


class _Progress(QObject):
    """Carries progress from a worker thread to the UI thread (a queued signal)."""

    changed = Signal(int, int)


def open_export(parent: QWidget, services: Services, bus: ChangeBus) -> None:
    dialog = ExportDialog(services, bus, parent)
    dialog.exec()


def choose_and_import(parent: QWidget, services: Services, bus: ChangeBus) -> None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import package", "", "Tandem packages (*.tandem);;All files (*)")
    if path:
        ImportDialog(services, bus, Path(path), parent).exec()


class ExportDialog(QDialog):
    """Choose what goes into a package and where it is written; the export runs in the background.

    Two separate choices: the *scope* (everything, or only some partners) and the *records* (all of them,
    changes since the last export to this recipient, or changes since a date). Each is its own button
    group, so choosing the records never widens the scope. The partner being viewed (``bus.viewed_partner_id``)
    starts ticked, with the scope on "only these partners".
    """

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None,
                 partner_id: str | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.setWindowTitle("Export package")
        self.resize(640, 640)
        self.result_info = None
        self.contents_info: dict[str, list[str]] | None = None  # what the shown listing says travels
        if partner_id is None:
            partner_id = getattr(bus, "viewed_partner_id", None)
        # "What the partner will see": built first, since the choices below update it as they are made.
        self.contents_button = QPushButton("&What the partner will see")
        self.contents_button.setCheckable(True)
        self.contents_button.setToolTip("List what a package of the ticked partners carries, kind by kind, "
                                        "before anything is written")
        self.contents_button.setEnabled(False)
        self.contents = ContentsPane()
        self.contents.setVisible(False)
        self._contents_gen = 0
        self._narrow_width = 0
        self._contents_timer = QTimer(self, singleShot=True, interval=300)
        self._contents_timer.timeout.connect(self.refresh_contents)
        self.contents_button.toggled.connect(self._show_contents)

        self.everything = QRadioButton("&Everything")
        self.some = QRadioButton("Only &these partners (and the shared libraries they use):")
        self.scope_group = QButtonGroup(self)
        for button in (self.everything, self.some):
            self.scope_group.addButton(button)
        self.filter = QLineEdit(placeholderText="Filter partners…")
        self.filter.setAccessibleName("Filter partners")
        self.partners = QListWidget()
        self.partners.setAccessibleName("Partners to export")
        viewed = None
        for row in services.partners.list():
            item = QListWidgetItem(row.name)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if row.id == partner_id else Qt.CheckState.Unchecked)
            self.partners.addItem(item)
            if row.id == partner_id:
                viewed = item
        self.ticked = QLabel()
        self.ticked.setObjectName("muted")
        self.filter.textChanged.connect(self._filter)
        self.partners.itemChanged.connect(self._update_ticked)
        self.some.toggled.connect(self._scope_changed)
        (self.some if viewed is not None else self.everything).setChecked(True)
        self._scope_changed(self.some.isChecked())
        if viewed is not None:
            self.partners.scrollToItem(viewed)
            self.partners.setCurrentItem(viewed)

        self.recipient = QComboBox(editable=True)
        self.recipient.addItems(services.sync.known_recipients())
        self.recipient.setCurrentIndex(-1)
        self.recipient.lineEdit().setPlaceholderText("e.g. Bob's laptop — pick one you sent to before, or type")
        self.since_all = QRadioButton("&All records")
        self.since_last = QRadioButton("Only changes since my &last export to this recipient")
        self.since_date = QRadioButton("Only changes &since")
        self.records_group = QButtonGroup(self)
        for button in (self.since_all, self.since_last, self.since_date):
            self.records_group.addButton(button)
        self.since_all.setChecked(True)
        self.date = localise_date_edit(QDateEdit(QDate.currentDate().addMonths(-1), calendarPopup=True))
        self.date.setAccessibleName("Changes since this date")
        self.date.setEnabled(False)
        self.since_date.toggled.connect(self.date.setEnabled)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password,
                                    placeholderText="optional: encrypt the package")
        self.passphrase2 = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="repeat it")
        self.passphrase2.setAccessibleName("Repeat the passphrase")
        self.out = QLineEdit()
        browse = QPushButton("C&hoose…")
        browse.setAccessibleName("Choose the package file")
        browse.clicked.connect(self._browse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        outer = QVBoxLayout(self)
        panes = QHBoxLayout()
        outer.addLayout(panes, 1)
        self.choices = QWidget()
        layout = QVBoxLayout(self.choices)
        layout.setContentsMargins(0, 0, 0, 0)
        panes.addWidget(self.choices, 3)
        panes.addWidget(self.contents, 2)
        layout.addWidget(QLabel("<b>Which partners</b>"))
        layout.addWidget(self.everything)
        layout.addWidget(self.some)
        layout.addWidget(self.filter)
        layout.addWidget(self.partners, 1)
        ticked_row = QHBoxLayout()
        ticked_row.addWidget(self.ticked, 1)
        ticked_row.addWidget(self.contents_button)
        layout.addLayout(ticked_row)
        form = QFormLayout()
        form.addRow("&Recipient:", self.recipient)
        since = QVBoxLayout()
        since.addWidget(self.since_all)
        since.addWidget(self.since_last)
        row = QHBoxLayout()
        row.addWidget(self.since_date)
        row.addWidget(self.date)
        row.addStretch(1)
        since.addLayout(row)
        form.addRow("Records:", since)
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("", self.passphrase2)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        out_label = QLabel("Package &file:")
        out_label.setBuddy(self.out)
        form.addRow(out_label, out_row)
        self.out.setAccessibleName("Package file")
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("E&xport", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        for signal in (self.records_group.buttonToggled, self.date.dateChanged, self.recipient.currentTextChanged):
            signal.connect(self._choice_changed)
        self._update_ticked()
        # Tab goes down the choices in reading order; the listing (when shown) comes after them.
        order = [self.everything, self.some, self.filter, self.partners, self.contents_button, self.recipient,
                 self.since_all, self.since_last, self.since_date, self.date, self.passphrase, self.passphrase2,
                 self.out, browse, self.contents.tree, self.export_button]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)

    def _update_ticked(self, *_args) -> None:
        n = len(self.selected_partner_ids())
        self.ticked.setText(f"{format_number(n)} partner{'s' if n != 1 else ''} ticked" if self.some.isChecked()
                            else "Every partner goes into the package.")
        self._choice_changed()

    # -- what the partner will see -----------------------------------------------------------------------------

    def _scoped_ids(self) -> list[str]:
        """The ticked partners of a scoped export ([] for an export of everything)."""
        return self.selected_partner_ids() if self.some.isChecked() else []

    def _choice_changed(self, *_args) -> None:
        """A choice changed: the listing (when shown) follows it, a moment after the last change."""
        scoped = bool(self._scoped_ids())
        self.contents_button.setEnabled(scoped)
        if not scoped and self.contents_button.isChecked():
            self.contents_button.setChecked(False)
        elif self.contents.isVisible():
            self.contents.stale()
            self._contents_timer.start()

    def _show_contents(self, on: bool) -> None:
        screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        if on:
            self._narrow_width = self.width()
            self.contents.setVisible(True)
            self.resize(min(self._narrow_width + 460, screen.width() - 40), self.height())
            self.refresh_contents()
        else:
            self._contents_timer.stop()
            self._contents_gen += 1  # a listing still being read is not shown
            self.contents.setVisible(False)
            if self._narrow_width:
                self.resize(self._narrow_width, self.height())

    def _since(self):
        if self.since_last.isChecked():
            return "LAST"
        if self.since_date.isChecked():
            return self.date.date().toPython()
        return None

    def _ticked_names(self) -> list[str]:
        return [self.partners.item(i).text() for i in range(self.partners.count())
                if self.partners.item(i).checkState() == Qt.CheckState.Checked]

    def refresh_contents(self) -> None:
        """Read what the package would carry (in the background; nothing is written) and list it."""
        ids = self._scoped_ids()
        if not ids:
            return
        self._contents_gen += 1
        gen = self._contents_gen
        since, recipient = self._since(), self.recipient.currentText().strip()
        self.contents.busy(_who_sees(self._ticked_names()))

        services = self.services

        def work():
            contents = services.sync.export_contents(partner_ids=ids, since=since, recipient=recipient)
            return _readable(services, contents)

        run_in_background(work, lambda c: self._contents_read(c, gen),
                          lambda e: self._contents_failed(e, gen))

    def _contents_read(self, contents: dict[str, list[str]], gen: int) -> None:
        if gen != self._contents_gen:
            return  # the choice changed since: a newer listing is on its way
        self.contents_info = contents
        self.contents.show_contents(contents)

    def _contents_failed(self, exc: Exception, gen: int) -> None:
        if gen == self._contents_gen:
            self.contents.failed(str(exc))

    def _scope_changed(self, some: bool) -> None:
        self.partners.setEnabled(some)
        self.filter.setEnabled(some)
        self._update_ticked()

    def _filter(self, text: str) -> None:
        text = search_key(text)  # any part of the name, whatever its case or accents
        for i in range(self.partners.count()):
            item = self.partners.item(i)
            item.setHidden(bool(text) and text not in search_key(item.text()))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save package", self.out.text() or "tandem-export.tandem",
                                              "Tandem packages (*.tandem)")
        if path:
            self.out.setText(path if path.endswith(".tandem") else path + ".tandem")

    def selected_partner_ids(self) -> list[str]:
        return [self.partners.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.partners.count())
                if self.partners.item(i).checkState() == Qt.CheckState.Checked]

    def _error(self, text: str) -> None:
        self.message.setObjectName("error")
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.setText(text)

    def start(self) -> None:
        out = self.out.text().strip()
        if not out:
            self._error("Choose where to write the package.")
            return
        ids = self.selected_partner_ids() if self.some.isChecked() else None
        if ids is not None and not ids:
            self._error("Tick at least one partner, or export everything.")
            return
        if self.passphrase.text() != self.passphrase2.text():
            self._error("The two passphrases differ.")
            return
        since = self._since()
        recipient, passphrase = self.recipient.currentText().strip(), self.passphrase.text() or None
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.message.setStyleSheet("")
        self.message.setText("Exporting…")
        progress = _Progress(self)
        progress.changed.connect(self._on_progress)

        def work():
            return self.services.sync.export(out, partner_ids=ids, since=since, recipient=recipient,
                                             passphrase=passphrase, progress=progress.changed.emit)

        run_write(work, self._done, self._failed)  # it records itself in the sync history

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _done(self, result) -> None:
        self.result_info = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.export_button.setEnabled(True)
        note = f"{result.note}. " if result.note else ""
        self.message.setText(f"{note}Wrote {result.path.name}: {result.total} records ({result.scope}"
                             f"{', encrypted' if result.encrypted else ''})."
                             + (f" {result.skipped_text}" if result.skipped else ""))
        self.bus.status_message.emit(f"Package written: {result.path}")

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self._error(f"The package was not written: {exc}")


def _who_sees(names: list[str]) -> str:
    if len(names) == 1:
        return f"What {names[0]} will see"
    if len(names) == 2:
        return f"What {names[0]} and {names[1]} will see"
    return f"What these {format_number(len(names))} partners will see"


def _readable(services: Services, contents: dict[str, list[str]]) -> dict[str, list[str]]:
    """The listing with names where it has ids: devices as "Mira Holm (Field laptop)", measurements as
    "On-time delivery, Mar 2026 (Acme)". Runs on the worker thread (services only)."""
    out = dict(contents)
    if "devices" in out:
        me = services.identity.get()
        names = {me.device_id: f"{me.display_name} ({me.device_name}, this laptop)"}
        names.update({s.device_id: f"{s.name} ({s.device_name})" for s in services.sync.signers()})
        out["devices"] = [_relabel(line, lambda i: names.get(i, i)) for line in out["devices"]]
    if "measurements" in out:
        parts = {line: measurement_parts(line.partition(" (deleted)")[0]) for line in out["measurements"]}
        refs = {("kpis", p[1]) for p in parts.values() if p} | {("partners", p[0]) for p in parts.values() if p}
        labels = services.sync.record_labels(sorted(refs))

        def measurement(text: str) -> str:
            p = measurement_parts(text)
            if p is None:
                return text
            return (f"{labels.get(('kpis', p[1]), p[1][:8])}, {period_text(p[2], p[3])} "
                    f"({labels.get(('partners', p[0]), p[0][:8])})")

        out["measurements"] = [_relabel(line, measurement) for line in out["measurements"]]
    return out


def _relabel(line: str, name) -> str:
    text, deleted, _rest = line.partition(" (deleted)")
    return name(text) + deleted


class ContentsPane(QWidget):
    """What a scoped package carries, kind by kind, one line per record (read by `SyncService.export_contents`,
    as the export will read it): the records a partner will see, before anything is written."""

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel(wordWrap=True)
        self.summary = QLabel(wordWrap=True)
        self.summary.setObjectName("muted")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["What travels", "Records"])
        self.tree.setAccessibleName("What the package carries, per kind of record")
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumWidth(340)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)

    def busy(self, title: str) -> None:
        self.title.setText(f"<b>{escape(title)}</b>")
        self.summary.setText("Reading what the package would carry (nothing is written)…")

    def stale(self) -> None:
        self.summary.setText("The choice changed: reading the listing again…")

    def failed(self, text: str) -> None:
        self.tree.clear()
        self.summary.setText(f"The listing could not be read: {text}")

    def show_contents(self, contents: dict[str, list[str]]) -> None:
        self.tree.clear()
        total = sum(len(v) for v in contents.values())
        self.summary.setText(
            f"{format_number(total)} record{'s' if total != 1 else ''} of {format_number(len(contents))} "
            f"kind{'s' if len(contents) != 1 else ''} travel; nothing is written yet. Other partners' records, "
            "the library records these partners do not use and the history of your libraries stay here.")
        for table, labels in contents.items():
            top = QTreeWidgetItem([table_plural(table), format_number(len(labels))])
            top.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            top.setData(0, Qt.ItemDataRole.UserRole, table)
            children = [QTreeWidgetItem([label]) for label in labels[:MAX_LISTED]]
            for child, label in zip(children, labels):
                child.setToolTip(0, label)
            top.addChildren(children)
            if len(labels) > MAX_LISTED:
                top.addChild(QTreeWidgetItem([f"… and {format_number(len(labels) - MAX_LISTED)} more"]))
            self.tree.addTopLevelItem(top)
            top.setExpanded(total <= 60)  # a short listing is read at a glance
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def lines(self, table: str) -> list[str]:
        """The lines listed under ``table`` (for tests and screen readers' sake, what the user reads)."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.data(0, Qt.ItemDataRole.UserRole) == table:
                return [top.child(j).text(0) for j in range(top.childCount())]
        return []


def _n(value: int) -> str:
    return format_number(value)


def _made(created_at: str) -> str:
    """The package's creation time (ISO, UTC) as the user reads dates."""
    try:
        return format_datetime(datetime.fromisoformat(created_at.rstrip("Z"))) + " UTC"
    except (ValueError, AttributeError):
        return str(created_at)


def _no_op(result) -> bool:
    """Nothing to import: no record new, updated, in conflict or proposed, and no new file (`ImportResult.no_op`:
    a package of only proposals, or of files this laptop lacks, still brings something)."""
    return result.no_op


def rejection_rows(services: Services, path: Path, passphrase: str | None, result) -> list[tuple[str, str]]:
    """Each rejected record as (record as the user knows it, why): "Contact: Fake Lead (Acme)", "a partner's
    package may change only contacts on the partner's side". Records this database does not hold are named
    as the package carries them. Runs on the worker thread (services only)."""
    parsed = [split_rejection(r) for r in result.rejections]
    keys = list(dict.fromkeys((t, rid) for t, rid, _why in parsed if t))
    try:
        here = services.sync.record_labels(keys) if keys else {}
        missing = [k for k in keys if here.get(k, k[1]) == k[1]]  # not held here: its label is its id
        incoming = services.sync.package_labels(path, passphrase, missing) if missing else {}
    except Exception:  # names are a help; the reasons are shown whatever happens
        here, incoming = {}, {}
    rows = []
    for table, row_id, why in parsed:
        if not table:
            rows.append(("", why))
            continue
        label = incoming.get((table, row_id)) or here.get((table, row_id), row_id)
        if label == row_id:
            label = row_id[:8]
        rows.append((f"{table_label(table)}: {label}", reason_text(why)))
    return rows


class ImportDialog(QDialog):
    """Preview a package (nothing changes), show its signer, and import it when the user confirms.

    A signer seen for the first time is trusted here: the user ticks that they checked its fingerprint and
    chooses its role, a colleague's laptop (team) or a partner's own people (partner P). Changing the role
    previews again with it, so the counts (proposed, rejected) are what the import will do.
    """

    def __init__(self, services: Services, bus: ChangeBus, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus, self.path = services, bus, Path(path)
        self.preview = None
        self.result_info = None
        self.rejected_rows: list[tuple[str, str]] = []
        self._gen = 0  # the preview being waited for (an older one that reports late is dropped)
        self._previewing = False
        self._preview_again = False  # the role changed while a preview ran: preview again when it is done
        self._previewed_role: str | None = None
        self._importing = False
        self._stop = threading.Event()  # Cancel while the import runs: it stops and rolls back
        self.setWindowTitle(f"Import package — {self.path.name}")
        screen = (parent.screen() if parent is not None else None) or QApplication.primaryScreen()
        room = screen.availableGeometry()
        # A field laptop (768 px high, less the task bar) gets what fits; a larger screen shows more rows.
        self.resize(min(880, room.width() - 40), 660 if room.height() < 900 else 820)

        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(self.start_preview)
        self.pass_row = QWidget()
        row = QHBoxLayout(self.pass_row)
        row.setContentsMargins(0, 0, 0, 0)
        pass_label = QLabel("This package is encrypted. &Passphrase:")
        pass_label.setBuddy(self.passphrase)
        row.addWidget(pass_label)
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.open_button)

        self.status = QLabel("Checking the package…", wordWrap=True)
        self.signer = QLabel(wordWrap=True)
        self.signer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # A new signer: the fingerprint check and the role it is trusted with.
        self.trust = QCheckBox()
        self.trust.toggled.connect(self._update_buttons)
        partners = [(row.id, row.name) for row in services.partners.list()]
        self.role = RoleChoice(partners, getattr(bus, "viewed_partner_id", None))
        self.role.changed.connect(self._role_changed)
        self.trust_box = QGroupBox("New signer: check its fingerprint, then choose what its packages may change")
        box = QVBoxLayout(self.trust_box)
        box.addWidget(self.trust)
        role_row = QHBoxLayout()
        role_row.setContentsMargins(22, 0, 0, 0)
        role_row.addWidget(self.role)
        box.addLayout(role_row)
        self.trust_box.setVisible(False)

        self.table = QTableWidget(0, 1 + len(COUNT_KEYS))
        self.table.setAccessibleName("What the import changes, per kind of record")
        self.table.setHorizontalHeaderLabels(["Table"] + [COUNT_TITLES.get(k, k.capitalize()) for k in COUNT_KEYS])
        for c, key in enumerate(COUNT_KEYS, start=1):
            if key in COUNT_TIPS:
                self.table.horizontalHeaderItem(c).setToolTip(COUNT_TIPS[key])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 1 + len(COUNT_KEYS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)

        self.rejected_title = QLabel()
        self.rejected = read_only_table(["Record", "Why it was refused"], word_wrap=True)
        self.rejected.setAccessibleName("Rejected records and why")
        self.rejected.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.setColumnWidth(0, 320)
        self.rejected_title.setBuddy(self.rejected)
        for w in (self.rejected_title, self.rejected):
            w.setVisible(False)

        self.details = QLabel(wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pass_row)
        layout.addWidget(self.status)
        layout.addWidget(self.signer)
        layout.addWidget(self.trust_box)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.rejected_title)
        layout.addWidget(self.rejected, 2)
        layout.addWidget(self.details)
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        order = [self.passphrase, self.open_button, self.trust, self.role.team, self.role.partner, self.role.picker,
                 self.table, self.rejected, self.import_button, cancel]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)

        encrypted = services.sync.is_encrypted(self.path)
        self.pass_row.setVisible(encrypted)
        if encrypted:
            # Enter in the passphrase field opens the package (the default button), not Import or Cancel.
            self.open_button.setDefault(True)
            self.status.setText("This package is encrypted: type its passphrase and press Enter.")
            self.passphrase.setFocus()
        else:
            self.start_preview()

    def _busy(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)

    def _new_signer(self) -> bool:
        return self.preview is not None and self.preview.signer.status == "new"

    def trust_role(self) -> str | bool:
        """What ``trust_new_signer`` the service gets: the role chosen for a new signer (False otherwise)."""
        return (self.role.role() or False) if self._new_signer() else False

    def start_preview(self) -> None:
        if self._previewing:  # one preview at a time (each holds the write lock): the next follows this one
            self._preview_again = True
            return
        self._preview_again = False
        self._gen += 1
        gen = self._gen
        self._previewing = True
        self._update_buttons()
        self._phase = "Checking the signature and the records, preparing a preview (nothing is changed)"
        self._busy(self._phase + "…")
        self.open_button.setEnabled(False)
        passphrase = self.passphrase.text() or None
        role = self.trust_role()
        progress = _Progress(self)
        progress.changed.connect(self._on_progress)
        services, path = self.services, self.path

        stop = self._stop
        stop.clear()

        def work():
            result = services.sync.preview(path, passphrase, progress=progress.changed.emit, trust_new_signer=role,
                                           cancelled=stop.is_set)
            return result, rejection_rows(services, path, passphrase, result), role or "team"  # False: as team

        run_write(work, lambda r: self._previewed(r, gen), lambda e: self._failed(e, gen))  # holds the write lock

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(f"{self._phase}: {format_number(done)} of {format_number(total)} records…")

    def _role_words(self, role) -> str:
        """A signer's role (`Role`) as the header says it."""
        if role is None:
            return ""
        if role.is_partner:
            name = self.role.picker.name_of(role.partner_id) or "a partner"
            return f"partner {escape(name)}: its packages change only {escape(name)}'s own side; its library " \
                   "edits wait as proposals"
        return "team (a colleague's laptop): its packages may change whatever their scope covers"

    def _show_signer(self, result, trusted_now: bool = False) -> None:
        s = result.signer
        status = "trusted" if trusted_now else s.status
        state = {"self": "this laptop", "trusted": "trusted", "new": "<b>not yet trusted</b>",
                 "mismatch": "KEY MISMATCH", "revoked": "<b>revoked</b>"}.get(status, escape(status))
        role = ""
        if status == "new":
            role = "<br><b>Previewed as:</b> " + escape(self.role.describe())
        elif s.role is not None and status != "revoked":
            role = "<br><b>Role:</b> " + self._role_words(s.role)
        self.signer.setText(
            f"<b>From:</b> {escape(s.name or '(no name)')} on {escape(s.device_name or 'an unnamed device')} "
            f"({state})<br><b>Device:</b> {s.device_id}<br><b>Key fingerprint:</b> <tt>{s.fingerprint}</tt>"
            f"{role}<br><b>Scope:</b> {escape(result.scope)} · <b>made</b> {escape(_made(result.created_at))}")

    def _conflict_lines(self, result) -> list[str]:
        """Which fields conflict, by record: "Partner Acme: Annual spend, Notes"."""
        by_record: dict[tuple[str, str], list[str]] = {}
        for c in result.conflicts:
            by_record.setdefault((c.table, c.row_id), []).append(field_label(c.field))
        names = self.services.sync.record_labels(list(by_record))
        return [f"{table_label(table)} {names.get((table, row_id), '')}".strip() + ": " + ", ".join(fields)
                for (table, row_id), fields in by_record.items()]

    def _previewed(self, payload, gen: int) -> None:
        if gen != self._gen:
            return  # an import started meanwhile
        self._previewing = False
        if self._preview_again:  # the role changed while this preview ran: its counts are not the ones wanted
            self.start_preview()
            return
        result, self.rejected_rows, self._previewed_role = payload
        self.preview = result
        self.progress.setVisible(False)
        self.open_button.setEnabled(True)
        self.pass_row.setVisible(False)
        self.open_button.setDefault(False)
        s = result.signer
        if s.status == "new" and not self.trust_box.isVisible():
            self.trust.setText(f"I have &checked this fingerprint with {s.name or 'its author'} and trust this "
                               "signer as:")
            self.trust_box.setVisible(True)
        self._show_signer(result)
        self._fill_table(result)
        self._fill_rejected(result)
        t = result.total
        if _no_op(result):
            when = f" (imported on {format_datetime(result.already_imported_at)})" if result.already_imported_at else ""
            self.status.setText(f"Nothing to change: this database already holds everything in this package{when}.")
        else:
            self.status.setText(
                f"Preview: {_n(t['new'])} new, {_n(t['updated'])} updated, {_n(t['unchanged'])} unchanged, "
                f"{_n(t['conflicts'])} with conflicts, {_n(t.get('proposed', 0))} proposed, {_n(t['rejected'])} "
                "rejected. Nothing has changed yet.")
        lines = list(result.files.lines(dry_run=True))
        if t.get("proposed"):
            lines.append(f"{_n(t['proposed'])} change(s) to your shared libraries (a KPI definition, a playbook "
                         "step…) will wait under Sync → Proposals: nothing changes until you accept one.")
        if getattr(result, "disputed", 0):
            lines.append(f"{_n(result.disputed)} open measurement dispute(s) arrive: they show on the partner's "
                         "scorecard, where you accept or reject them.")
        if result.conflicts:
            lines.append(f"{_n(t['conflicts'])} record(s) were edited on both laptops: the newer value is kept "
                         "on both, the other goes to the Conflicts list for you to decide.")
            named = self._conflict_lines(result)
            lines += ["• " + line for line in named[:8]]
            if len(named) > 8:
                lines.append(f"… and {_n(len(named) - 8)} more (Sync → Conflicts after the import)")
        self.details.setText("\n".join(lines))
        self.details.setVisible(bool(lines))
        self._update_buttons()

    def _fill_table(self, result) -> None:
        rows = [(t, c) for t, c in result.tables.items() if any(c.values())]
        # What the import does first (new, updated, in conflict, proposed, rejected); the unchanged after.
        rows.sort(key=lambda tc: not any(v for k, v in tc[1].items() if k != "unchanged"))
        rows.append(("Total", result.total))
        self.table.setRowCount(len(rows))
        for r, (name, counts) in enumerate(rows):
            item = QTableWidgetItem(name if name == "Total" else table_plural(name))
            if name == "Total":
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(r, 0, item)
            for c, key in enumerate(COUNT_KEYS, start=1):
                cell = QTableWidgetItem(_n(counts.get(key, 0)))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)

    def _fill_rejected(self, result) -> None:
        rows, n = self.rejected_rows, result.total.get("rejected", 0)
        self.rejected.setRowCount(len(rows))
        for r, (record, why) in enumerate(rows):
            for c, text in enumerate((record, why)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.rejected.setItem(r, c, item)
        self.rejected.resizeRowsToContents()
        # As tall as its rows (up to a few), so the counts above keep the room.
        rows_height = sum(self.rejected.rowHeight(r) for r in range(min(len(rows), 6)))
        self.rejected.setMaximumHeight(self.rejected.horizontalHeader().sizeHint().height() + rows_height
                                       + 2 * self.rejected.frameWidth() + 4)
        more = f" ({_n(len(rows))} listed)" if n > len(rows) else ""
        self.rejected_title.setText(f"<b>Rejected: {_n(n)} record{'s' if n != 1 else ''}</b>{more} this package "
                                    "may not change, and why. The rest of the package still applies.")
        for w in (self.rejected_title, self.rejected):
            w.setVisible(bool(n))

    def _role_changed(self) -> None:
        if self.result_info is not None or not self._new_signer():
            return
        self._show_signer(self.preview)
        if self.role.role() is None:  # the partner option, no partner chosen yet
            self._update_buttons()
            self.status.setStyleSheet("")
            self.status.setText("Choose the partner whose own people signed this package.")
            return
        if self._previewing or self.role.role() != self._previewed_role:
            self.start_preview()  # the counts of what this role may change (after the one running, if any)

    def _update_buttons(self) -> None:
        ok = (self.preview is not None and self.result_info is None and not self._previewing
              and not _no_op(self.preview))
        if ok and self._new_signer():
            ok = self.trust.isChecked() and self.role.role() is not None and self.role.role() == self._previewed_role
        self.import_button.setEnabled(ok)
        self.import_button.setDefault(ok)

    def start_import(self) -> None:
        self.import_button.setEnabled(False)
        self._phase = "Backing up the database, then importing"
        self._busy(self._phase + "…")
        passphrase = self.passphrase.text() or None
        trust = self.trust_role() if self.trust.isChecked() else False
        self.trust_box.setEnabled(False)
        progress = _Progress(self)
        progress.changed.connect(self._on_progress)
        self._gen += 1
        gen = self._gen
        services, path = self.services, self.path

        stop = self._stop
        stop.clear()
        self._importing = True

        def work():
            result = services.sync.import_package(path, passphrase, trust_new_signer=trust,
                                                  progress=progress.changed.emit, cancelled=stop.is_set)
            return result, rejection_rows(services, path, passphrase, result)

        run_write(work, self._imported, lambda e: self._failed(e, gen))

    def reject(self) -> None:
        """Cancel while the import runs stops it (everything rolled back) and keeps the dialog to say so."""
        self._stop.set()  # a preview still running stops too: nothing waits on it any more
        if self._importing:
            self.status.setText("Stopping the import: nothing of the package will be kept…")
            return
        super().reject()

    def _imported(self, payload) -> None:
        self._importing = False
        result, self.rejected_rows = payload
        self.result_info = result
        self.progress.setVisible(False)
        self._fill_table(result)
        self._fill_rejected(result)
        t = result.total
        self.status.setStyleSheet("")
        proposed = f" {_n(t['proposed'])} proposed (Sync → Proposals)," if t.get("proposed") else ""
        self.status.setText(f"Imported: {_n(t['new'])} new, {_n(t['updated'])} updated, "
                            f"{_n(t['conflicts'])} with conflicts,{proposed} {_n(t['rejected'])} rejected."
                            + (f" Backup: {result.backup_path.name}" if result.backup_path else ""))
        if t.get("proposed"):
            self.details.setText(f"{_n(t['proposed'])} change(s) to your shared libraries wait under Sync → "
                                 "Proposals: nothing changes until you accept one.")
            self.details.setVisible(True)
        if self.trust.isChecked():  # the signer is trusted from now on: say so in the header
            self._show_signer(result, trusted_now=True)
            self.trust_box.setVisible(False)
        self.trust.setEnabled(False)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        close.setText("Close")
        self.bus.status_message.emit(f"Imported {self.path.name}")

    def _failed(self, exc: Exception, gen: int | None = None) -> None:
        if gen is not None and gen != self._gen:
            return
        self._previewing = False
        if isinstance(exc, Cancelled):
            self._importing = False
            self.progress.setVisible(False)
            self.status.setStyleSheet("")
            self.status.setText("Import stopped: nothing was changed. Import again when you are ready.")
            self.trust_box.setEnabled(True)
            self._update_buttons()
            return
        self._importing = False
        if self._preview_again and self.preview is not None:
            self.start_preview()
            return
        self.progress.setVisible(False)
        self.open_button.setEnabled(True)
        self.trust_box.setEnabled(True)
        self.status.setStyleSheet("color: #b71c1c;")
        if isinstance(exc, PackageRefused):
            text = str(exc)
            unchanged = "" if "nothing has been changed" in text.lower() else " Nothing was changed."
            self.status.setText(f"Refused: {text}{unchanged}")
            signer = getattr(exc, "signer", None)
            if signer is not None and hasattr(signer, "fingerprint") and self.preview is None:
                self.signer.setText(
                    f"<b>From:</b> {escape(signer.name or '(no name)')} on "
                    f"{escape(signer.device_name or 'an unnamed device')} ({escape(signer.status)})<br>"
                    f"<b>Device:</b> {signer.device_id}<br><b>Key fingerprint:</b> <tt>{signer.fingerprint}</tt>")
            if self.services.sync.is_encrypted(self.path) and self.preview is None:
                self.pass_row.setVisible(True)
        else:
            self.status.setText(f"The import failed and was rolled back; nothing was changed. ({exc})")
        self._update_buttons()
