"""The export dialog (partner picker, options, progress) and the import dialog (preview, signer trust,
confirm). Both run the work off the UI thread."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.sync import PackageRefused
from app.ui.bus import EVERYTHING, Change, ChangeBus
from app.ui.formatting import format_datetime, format_number
from app.ui.sync.labels import field_label, table_label
from app.ui.workers import run_in_background

COUNT_KEYS = ("new", "updated", "unchanged", "conflicts", "rejected")


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
        if partner_id is None:
            partner_id = getattr(bus, "viewed_partner_id", None)

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
        self.date = QDateEdit(QDate.currentDate().addMonths(-1), calendarPopup=True)
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

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Which partners</b>"))
        layout.addWidget(self.everything)
        layout.addWidget(self.some)
        layout.addWidget(self.filter)
        layout.addWidget(self.partners, 1)
        layout.addWidget(self.ticked)
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
        form.addRow("Package &file:", out_row)
        self.out.setAccessibleName("Package file")
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_ticked()

    def _update_ticked(self, *_args) -> None:
        n = len(self.selected_partner_ids())
        self.ticked.setText(f"{format_number(n)} partner{'s' if n != 1 else ''} ticked" if self.some.isChecked()
                            else "Every partner goes into the package.")

    def _scope_changed(self, some: bool) -> None:
        self.partners.setEnabled(some)
        self.filter.setEnabled(some)
        self._update_ticked()

    def _filter(self, text: str) -> None:
        text = text.strip().lower()
        for i in range(self.partners.count()):
            item = self.partners.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

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
        since = None
        if self.since_last.isChecked():
            since = "LAST"
        elif self.since_date.isChecked():
            since = self.date.date().toPython()
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

        run_in_background(work, self._done, self._failed)

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
                             f"{', encrypted' if result.encrypted else ''}).")
        self.bus.changed.emit(Change.of("sync_history"))
        self.bus.status_message.emit(f"Package written: {result.path}")

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self._error(f"The package was not written: {exc}")


def _n(value: int) -> str:
    return format_number(value)


def _made(created_at: str) -> str:
    """The package's creation time (ISO, UTC) as the user reads dates."""
    try:
        return format_datetime(datetime.fromisoformat(created_at.rstrip("Z"))) + " UTC"
    except (ValueError, AttributeError):
        return str(created_at)


class ImportDialog(QDialog):
    """Preview a package (nothing changes), show its signer, and import it when the user confirms."""

    def __init__(self, services: Services, bus: ChangeBus, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus, self.path = services, bus, Path(path)
        self.preview = None
        self.result_info = None
        self.setWindowTitle(f"Import package — {self.path.name}")
        self.resize(720, 600)

        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.open_button = QPushButton("Open")
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
        self.trust = QCheckBox()
        self.trust.setVisible(False)
        self.trust.toggled.connect(self._update_buttons)
        self.table = QTableWidget(0, 6)
        self.table.setAccessibleName("What the import changes, per kind of record")
        self.table.setHorizontalHeaderLabels(["Table", "New", "Updated", "Unchanged", "Conflicts", "Rejected"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 6):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.details = QLabel(wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pass_row)
        layout.addWidget(self.status)
        layout.addWidget(self.signer)
        layout.addWidget(self.trust)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

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

    def start_preview(self) -> None:
        self._phase = "Checking the signature and the records, preparing a preview (nothing is changed)"
        self._busy(self._phase + "…")
        self.open_button.setEnabled(False)
        passphrase = self.passphrase.text() or None
        progress = _Progress(self)
        progress.changed.connect(self._on_progress)
        run_in_background(lambda: self.services.sync.preview(self.path, passphrase, progress=progress.changed.emit),
                          self._previewed, self._failed)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(f"{self._phase}: {format_number(done)} of {format_number(total)} records…")

    def _show_signer(self, result, trusted_now: bool = False) -> None:
        s = result.signer
        status = "trusted" if trusted_now else s.status
        state = {"self": "this laptop", "trusted": "trusted", "new": "<b>not yet trusted</b>",
                 "mismatch": "KEY MISMATCH"}[status]
        self.signer.setText(
            f"<b>From:</b> {escape(s.name or '(no name)')} on {escape(s.device_name or 'an unnamed device')} "
            f"({state})<br><b>Device:</b> {s.device_id}<br><b>Key fingerprint:</b> <tt>{s.fingerprint}</tt><br>"
            f"<b>Scope:</b> {escape(result.scope)} · <b>made</b> {escape(_made(result.created_at))}")

    def _conflict_lines(self, result) -> list[str]:
        """Which fields conflict, by record: "Partner Acme: Annual spend, Notes"."""
        by_record: dict[tuple[str, str], list[str]] = {}
        for c in result.conflicts:
            by_record.setdefault((c.table, c.row_id), []).append(field_label(c.field))
        names = self.services.sync.record_labels(list(by_record))
        return [f"{table_label(table)} {names.get((table, row_id), '')}".strip() + ": " + ", ".join(fields)
                for (table, row_id), fields in by_record.items()]

    def _previewed(self, result) -> None:
        self.preview = result
        self.progress.setVisible(False)
        self.open_button.setEnabled(True)
        self.pass_row.setVisible(False)
        self.open_button.setDefault(False)
        s = result.signer
        self._show_signer(result)
        if s.status == "new":
            self.trust.setText(f"I have checked this fingerprint with {s.name or 'its author'} and trust this "
                               "signer")
            self.trust.setVisible(True)
        self._fill_table(result)
        t = result.total
        if result.no_op:
            when = f" (imported on {format_datetime(result.already_imported_at)})" if result.already_imported_at else ""
            self.status.setText(f"Nothing to change: this database already holds everything in this package{when}.")
        else:
            self.status.setText(
                f"Preview: {_n(t['new'])} new, {_n(t['updated'])} updated, {_n(t['unchanged'])} unchanged, "
                f"{_n(t['conflicts'])} with conflicts, {_n(t['rejected'])} rejected. Nothing has changed yet.")
        lines = []
        if result.conflicts:
            lines.append(f"{_n(t['conflicts'])} record(s) were edited on both laptops: the newer value is kept "
                         "on both, the other goes to the Conflicts list for you to decide.")
            named = self._conflict_lines(result)
            lines += ["• " + line for line in named[:8]]
            if len(named) > 8:
                lines.append(f"… and {_n(len(named) - 8)} more (Sync → Conflicts after the import)")
        if result.rejections:
            lines.append("Rejected: " + "; ".join(result.rejections[:5]))
        self.details.setText("\n".join(lines))
        self._update_buttons()

    def _fill_table(self, result) -> None:
        rows = [(t, c) for t, c in result.tables.items() if any(c.values())]
        rows.append(("Total", result.total))
        self.table.setRowCount(len(rows))
        for r, (name, counts) in enumerate(rows):
            item = QTableWidgetItem(name if name == "Total" else table_label(name))
            if name == "Total":
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(r, 0, item)
            for c, key in enumerate(COUNT_KEYS, start=1):
                cell = QTableWidgetItem(_n(counts[key]))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, cell)

    def _update_buttons(self) -> None:
        ok = self.preview is not None and self.result_info is None and not self.preview.no_op
        if ok and self.preview.signer.status == "new":
            ok = self.trust.isChecked()
        self.import_button.setEnabled(ok)
        self.import_button.setDefault(ok)

    def start_import(self) -> None:
        self.import_button.setEnabled(False)
        self._phase = "Backing up the database, then importing"
        self._busy(self._phase + "…")
        passphrase = self.passphrase.text() or None
        trust = self.trust.isChecked()
        progress = _Progress(self)
        progress.changed.connect(self._on_progress)
        run_in_background(
            lambda: self.services.sync.import_package(self.path, passphrase, trust_new_signer=trust,
                                                      progress=progress.changed.emit),
            self._imported, self._failed)

    def _imported(self, result) -> None:
        self.result_info = result
        self.progress.setVisible(False)
        self._fill_table(result)
        t = result.total
        self.status.setStyleSheet("")
        self.status.setText(f"Imported: {_n(t['new'])} new, {_n(t['updated'])} updated, "
                            f"{_n(t['conflicts'])} with conflicts, {_n(t['rejected'])} rejected."
                            + (f" Backup: {result.backup_path.name}" if result.backup_path else ""))
        if self.trust.isChecked():  # the signer is trusted from now on: say so in the header
            self._show_signer(result, trusted_now=True)
            self.trust.setVisible(False)
        self.trust.setEnabled(False)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        close.setText("Close")
        self.bus.changed.emit(EVERYTHING)
        self.bus.status_message.emit(f"Imported {self.path.name}")

    def _failed(self, exc: Exception) -> None:
        self.progress.setVisible(False)
        self.open_button.setEnabled(True)
        self.status.setStyleSheet("color: #b71c1c;")
        if isinstance(exc, PackageRefused):
            self.status.setText(f"Refused: {exc} Nothing was changed.")
            if self.services.sync.is_encrypted(self.path) and self.preview is None:
                self.pass_row.setVisible(True)
        else:
            self.status.setText(f"The import failed and was rolled back; nothing was changed. ({exc})")
        self._update_buttons()
