"""Import measurements from a CSV file: preview, column mapping, a check with the rejected rows and why,
then the import (accepted rows only, in one transaction)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import PeriodKind, label
from app.services import Services
from app.services.errors import ValidationError
from app.services.measurements import (
    CSV_FIELDS,
    FIELD_TITLES,
    REQUIRED_FIELDS,
    CsvTable,
    ImportCheck,
    read_csv,
    suggest_mapping,
)
from app.ui.bus import Change, ChangeBus
from app.ui.workers import run_in_background

PREVIEW_ROWS = 12
NONE = "(not in the file)"


class CsvImportDialog(QDialog):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import measurements from CSV")
        self.resize(900, 640)
        self.services, self.bus = services, bus
        self.table: CsvTable | None = None
        self.check: ImportCheck | None = None
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("Choose a CSV file: partner, KPI, period, value (period kind and note optional)")
        browse = QPushButton("Choose file…")
        browse.clicked.connect(self._browse)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(browse)

        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        mapping_box = QGroupBox("Columns")
        form = QFormLayout(mapping_box)
        self.mapping: dict[str, QComboBox] = {}
        for f in CSV_FIELDS:
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._invalidate)
            self.mapping[f] = combo
            form.addRow(FIELD_TITLES[f] + (" *" if f in REQUIRED_FIELDS else ""), combo)
        self.default_kind = QComboBox()
        for k in PeriodKind:
            self.default_kind.addItem(label(k.value), k)
        self.default_kind.setCurrentIndex(list(PeriodKind).index(PeriodKind.MONTH))
        self.default_kind.currentIndexChanged.connect(self._invalidate)
        form.addRow("Plain dates are", self.default_kind)
        self.replace = QCheckBox("Replace values already recorded")
        self.replace.toggled.connect(self._invalidate)
        form.addRow("", self.replace)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.rejected = QTableWidget(0, 3)
        self.rejected.setHorizontalHeaderLabels(["Line", "Why it is rejected", "Row"])
        self.rejected.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rejected.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.rejected.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rejected.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rejected.verticalHeader().hide()

        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.run_check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)

        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Preview (first rows of the file)"))
        left.addWidget(self.preview)
        middle.addLayout(left, 3)
        middle.addWidget(mapping_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 2)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Rejected rows (they are not imported; fix them in the file and import again)"))
        layout.addWidget(self.rejected, 2)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import measurements", "", "CSV files (*.csv *.txt);;All (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = Path(path).read_text(encoding="cp1252")
        except OSError as exc:
            self.summary.setText(f"Cannot read {path}: {exc.strerror}.")
            return
        self.path.setText(str(path))
        self.load_text(text)

    def load_text(self, text: str) -> None:
        try:
            self.table = read_csv(text)
        except ValueError as exc:
            self.table = None
            self.summary.setText(str(exc))
            return
        headers = self.table.headers
        self.preview.setColumnCount(len(headers))
        self.preview.setHorizontalHeaderLabels(list(headers))
        rows = self.table.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels([str(i + 2) for i in range(len(rows))])  # file line numbers
        for i, r in enumerate(rows):
            for j, v in enumerate(r[:len(headers)]):
                self.preview.setItem(i, j, QTableWidgetItem(v))
        guess = suggest_mapping(headers)
        for f, combo in self.mapping.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NONE, None)
            for h in headers:
                combo.addItem(h, h)
            combo.setCurrentIndex(max(0, combo.findData(guess.get(f))) if guess.get(f) else 0)
            combo.blockSignals(False)
        self.summary.setText(f"{len(self.table.rows)} rows. Check the columns, then press Check.")
        self._invalidate()

    def current_mapping(self) -> dict[str, str | None]:
        return {f: combo.currentData() for f, combo in self.mapping.items()}

    def _invalidate(self, *_args) -> None:
        self.check = None
        self.import_button.setEnabled(False)

    def _options(self) -> dict:
        return dict(default_kind=self.default_kind.currentData(), replace_existing=self.replace.isChecked())

    def run_check(self) -> None:
        if self.table is None:
            self.summary.setText("Choose a file first.")
            return
        table, mapping, options = self.table, self.current_mapping(), self._options()
        self.check_button.setEnabled(False)
        self.summary.setText("Checking…")
        run_in_background(lambda: self.services.measurements.check_import(table, mapping, **options),
                          self._checked, self._failed)

    def _checked(self, check: ImportCheck) -> None:
        self.check_button.setEnabled(True)
        self.check = check
        self.summary.setText(check.summary())
        self._show_rejected(check)
        self.import_button.setEnabled(bool(check.accepted))

    def _show_rejected(self, check: ImportCheck) -> None:
        self.rejected.setRowCount(len(check.rejected))
        for i, r in enumerate(check.rejected):
            for j, text in enumerate((str(r.line), r.reason, ", ".join(r.values))):
                self.rejected.setItem(i, j, QTableWidgetItem(text))

    def _failed(self, exc: Exception) -> None:
        self.check_button.setEnabled(True)
        self.import_button.setEnabled(False)
        text = "; ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
        self.summary.setText(f"Nothing imported: {text}")

    def run_import(self) -> None:
        if self.table is None or self.check is None:
            return
        table, mapping, options = self.table, self.current_mapping(), self._options()
        self.import_button.setEnabled(False)
        self.summary.setText("Importing…")
        run_in_background(lambda: self.services.measurements.import_csv(table, mapping, **options),
                          self._imported, self._failed)

    def _imported(self, result: ImportCheck) -> None:
        self.check = result
        self.summary.setText(result.summary())
        self._show_rejected(result)
        self.bus.changed.emit(Change.of("measurements"))
        self.bus.status_message.emit(f"Measurements imported: {len(result.accepted)}; rejected: "
                                     f"{len(result.rejected)}.")
        self.buttons.clear()
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
