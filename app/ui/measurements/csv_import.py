"""Import measurements from a CSV or Excel (.xlsx) file: what was detected (encoding, delimiter, decimal mark,
all changeable), a preview, the column mapping, a check with the rejected rows and why, then the import
(accepted rows only, in one transaction).

Reading a large file and checking it run off the UI thread with a progress bar and a Stop button; a small
file is read at once. Numbers that read two ways ('1,500') in a file whose values do not show the decimal mark
are asked about ("'1,500' is 1500" or "'1,500' is 1.5"); until the user answers, those rows are rejected.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
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
    QProgressBar,
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
    COMMA,
    CSV_FIELDS,
    DOT,
    FIELD_TITLES,
    REQUIRED_FIELDS,
    CsvTable,
    ImportCheck,
    number_text,
    read_csv,
    read_file,
    suggest_mapping,
)
from app.services.spreadsheets import DELIMITERS, ENCODINGS, Cancelled, SpreadsheetError, write_spreadsheet
from app.services.spreadsheets import parse_number as parse_cell_number
from app.ui.bus import ChangeBus
from app.ui.formatting import format_number
from app.ui.workers import run_in_background, run_write

PREVIEW_ROWS = 12
#: The rejected-rows table shows this many; the saved report has them all.
SHOWN_REJECTS = 2000
#: Smaller files are read on the spot; larger ones in the background with progress.
BACKGROUND_BYTES = 2 * 1024 * 1024
NONE = "(not in the file)"
WARNING_STYLE = "color: #9a5b00;"
DETECTED = None  # combo data: use what was detected
DECIMAL_CHOICES = [("Ask about numbers like 1,500", None), ("Point: 1,234.5", DOT), ("Comma: 1.234,5", COMMA)]


class _Progress(QObject):
    """Carries progress from the reading thread to the UI thread (a queued signal)."""

    moved = Signal(int, int)


class CsvImportDialog(QDialog):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import measurements from CSV or Excel")
        self.resize(1000, 680)
        self.services, self.bus = services, bus
        self.table: CsvTable | None = None
        self.check: ImportCheck | None = None
        self.file: Path | None = None
        self.reading = False
        self._decimal_chosen_by_user = False  # the decimal combo overrides detection once the user touches it
        self._keep_mapping = False  # a re-read with another encoding or delimiter keeps the chosen columns
        self._stop = threading.Event()
        self._progress = _Progress(self)
        self._progress.moved.connect(self._moved)

        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("Choose a CSV or Excel file: partner, KPI, period, value "
                                     "(period kind and note optional)")
        browse = QPushButton("Choose file…")
        browse.clicked.connect(self._browse)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(browse)

        # What was detected, and the user's say over it
        self.encoding = QComboBox()
        self.encoding.addItem("Detect", DETECTED)
        for code, name in ENCODINGS.items():
            self.encoding.addItem(name, code)
        self.delimiter = QComboBox()
        self.delimiter.addItem("Detect", DETECTED)
        for d, name in DELIMITERS.items():
            self.delimiter.addItem(name, d)
        self.decimal = QComboBox()
        for text, mark in DECIMAL_CHOICES:
            self.decimal.addItem(text, mark)
        for combo in (self.encoding, self.delimiter):
            combo.currentIndexChanged.connect(self._reread)
        self.decimal.currentIndexChanged.connect(self._decimal_chosen)
        self.detected = QLabel("")
        self.detected.setWordWrap(True)
        self.ambiguous = QLabel("")
        self.ambiguous.setWordWrap(True)
        # The question a number like 1,500 raises, answered with one click (it picks the decimal mark)
        self.point_answer = QPushButton()
        self.comma_answer = QPushButton()
        self.point_answer.clicked.connect(lambda: self.choose_decimal(DOT))
        self.comma_answer.clicked.connect(lambda: self.choose_decimal(COMMA))
        question = QHBoxLayout()
        question.addWidget(self.ambiguous, 1)
        question.addWidget(self.point_answer)
        question.addWidget(self.comma_answer)
        self.point_answer.hide()
        self.comma_answer.hide()
        fmt = QHBoxLayout()
        for text, combo in (("Encoding", self.encoding), ("Delimiter", self.delimiter),
                            ("Decimal mark", self.decimal)):
            fmt.addWidget(QLabel(text))
            fmt.addWidget(combo)
        fmt.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop_reading)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        self.progress.hide()
        self.stop_button.hide()

        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        mapping_box = QGroupBox("Columns")
        form = QFormLayout(mapping_box)
        self.mapping: dict[str, QComboBox] = {}
        for f in CSV_FIELDS:
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._mapping_changed)
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
        self.rejected.setWordWrap(False)
        self.save_rejects = QPushButton("Save rejected rows…")
        self.save_rejects.setEnabled(False)
        self.save_rejects.clicked.connect(self._save_rejects)

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
        layout.addLayout(fmt)
        layout.addWidget(self.detected)
        layout.addLayout(question)
        layout.addLayout(progress_row)
        layout.addLayout(middle, 2)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        rejects_head = QHBoxLayout()
        rejects_head.addWidget(QLabel("Rejected rows (they are not imported; fix them in the file and import "
                                      "again)"), 1)
        rejects_head.addWidget(self.save_rejects)
        layout.addLayout(rejects_head)
        layout.addWidget(self.rejected, 2)
        layout.addWidget(self.buttons)

    # -- reading ---------------------------------------------------------------------------------------------

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import measurements", "",
            "Spreadsheets (*.csv *.txt *.tsv *.xlsx);;CSV and text (*.csv *.txt *.tsv);;Excel (*.xlsx);;All (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> None:
        """Read ``path`` with what is detected (the format choices go back to Detect)."""
        for combo in (self.encoding, self.delimiter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.file = Path(path)
        self._decimal_chosen_by_user = False
        self.path.setText(str(path))
        self._read()

    def _read(self) -> None:
        if self.file is None or self.reading:
            return
        path, options = self.file, dict(encoding=self.encoding.currentData(), delimiter=self.delimiter.currentData(),
                                        decimal=self.decimal.currentData() if self._decimal_chosen_by_user else None)
        try:
            big = os.path.getsize(path) > BACKGROUND_BYTES
        except OSError:
            big = False
        if not big:
            try:
                table = read_file(path, **options)
            except SpreadsheetError as exc:
                self._load_failed(exc)
            else:
                self._loaded(table)
            return
        self.reading = True
        self._stop.clear()
        self.progress.setValue(0)
        self.progress.show()
        self.stop_button.show()
        self.check_button.setEnabled(False)
        self.summary.setText(f"Reading {path.name}…")
        moved, stop = self._progress.moved, self._stop
        run_in_background(lambda: read_file(path, progress=moved.emit, cancelled=stop.is_set, **options),
                          self._loaded, self._load_failed)

    def stop_reading(self) -> None:
        self._stop.set()

    def _moved(self, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 0)

    def _end_reading(self) -> None:
        self.reading = False
        self.progress.hide()
        self.stop_button.hide()
        self.check_button.setEnabled(True)

    def _load_failed(self, exc: Exception) -> None:
        self._end_reading()
        self.table = None
        self._fill_preview((), ())
        self.detected.setText("")
        self.ambiguous.setText("")
        self._show_question(None)
        for combo in (self.encoding, self.delimiter):
            combo.setEnabled(self.file is not None)  # the way out of "not valid UTF-8": choose the encoding
        if isinstance(exc, Cancelled):
            self.summary.setText("Reading stopped; nothing was imported.")
        elif isinstance(exc, (SpreadsheetError, OSError)):
            self.summary.setText(f"Cannot import this file: {exc}")
        else:
            raise exc
        self._invalidate()

    def load_text(self, text: str) -> None:
        """Use pasted CSV text instead of a file."""
        self.file = None
        try:
            table = read_csv(text)
        except ValueError as exc:
            self._load_failed(SpreadsheetError(str(exc)))
            return
        self._loaded(table)

    def _loaded(self, table: CsvTable) -> None:
        self._end_reading()
        self.table = table
        self._fill_preview(table.headers, table.rows[:PREVIEW_ROWS])
        guess = suggest_mapping(table.headers)
        current = self.current_mapping() if self._keep_mapping else {}
        for f, combo in self.mapping.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NONE, None)
            for h in table.headers:
                combo.addItem(h, h)
            want = current.get(f) if current.get(f) in table.headers else guess.get(f)
            combo.setCurrentIndex(max(0, combo.findData(want)) if want else 0)
            combo.blockSignals(False)
        self._keep_mapping = False
        self._show_detection()
        self.summary.setText(f"{format_number(len(table.rows))} rows. Check the columns, then press Check.")
        self._invalidate()

    def _value_column(self) -> int | None:
        header = self.mapping["value"].currentData()
        return self.table.headers.index(header) if self.table and header in self.table.headers else None

    def _show_detection(self) -> None:
        """Say what was detected, with the decimal mark the value column is read with (its own numbers show
        it, or the user chose it), and ask about values that read two ways."""
        t = self.table
        if t is None:
            return
        xlsx = t.file_kind == "xlsx"
        for combo in (self.encoding, self.delimiter):
            combo.setEnabled(not xlsx and self.file is not None)
        column = self._value_column()
        decimal, guess = t.decimal_of(column), t.guess_of(column)
        self.decimal.blockSignals(True)
        self.decimal.setCurrentIndex(max(0, self.decimal.findData(decimal)))
        self.decimal.blockSignals(False)
        mark = {DOT: "decimal point", COMMA: "decimal comma", None: "decimal mark not known"}[decimal]
        if xlsx:
            self.detected.setText(f"Excel workbook, first sheet: {format_number(len(t.rows))} rows; numbers typed "
                                  f"as text use a {mark}.")
        else:
            self.detected.setText(f"Detected: {ENCODINGS.get(t.encoding, t.encoding)}, "
                                  f"{DELIMITERS.get(t.delimiter, t.delimiter).lower()}-separated, {mark}.")
        if guess and guess.ambiguous and decimal is None:
            examples = ", ".join(f"'{e}'" for e in guess.examples)
            self.ambiguous.setStyleSheet(WARNING_STYLE)
            self.ambiguous.setText(f"{format_number(guess.ambiguous)} values ({examples}) read two ways, as thousands "
                                   f"or as decimals, and nothing in the file tells which. Which is it? Until you "
                                   f"say, those rows are rejected.")
            self._show_question(guess.examples[0])
            return
        self._show_question(None)
        if guess and guess.ambiguous:
            why = "chosen" if self._decimal_chosen_by_user else "as the file's other numbers show"
            self.ambiguous.setStyleSheet("")
            self.ambiguous.setText(f"{format_number(guess.ambiguous)} values like {guess.examples[0]!r} are read "
                                   f"with the {mark} ({why}).")
        else:
            self.ambiguous.setText("")

    def _fill_preview(self, headers, rows) -> None:
        self.preview.clear()
        self.preview.setColumnCount(len(headers))
        self.preview.setHorizontalHeaderLabels(list(headers))
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels([str(i + 2) for i in range(len(rows))])  # file line numbers
        for i, r in enumerate(rows):
            for j, v in enumerate(r[:len(headers)]):
                self.preview.setItem(i, j, QTableWidgetItem(_cell_text(v)))

    def _show_question(self, example: str | None) -> None:
        """Show the two answers to 'what does 1,500 mean?' for ``example``, or hide them (None)."""
        for button, mark in ((self.point_answer, DOT), (self.comma_answer, COMMA)):
            button.setVisible(example is not None)
            if example is not None:
                value = parse_cell_number(example, mark)
                button.setText(f"'{example}' is {number_text(value)}")

    def choose_decimal(self, mark: str | None) -> None:
        """The user's answer: read the numbers with ``mark`` ('.' or ',')."""
        self.decimal.setCurrentIndex(self.decimal.findData(mark))

    def _mapping_changed(self, *_args) -> None:
        self._show_detection()  # another value column may read another way
        self._invalidate()

    def _reread(self, *_args) -> None:
        self._keep_mapping = True
        self._read()

    def _decimal_chosen(self, *_args) -> None:
        self._decimal_chosen_by_user = True
        if self.table is not None:
            self.table = replace(self.table, decimal=self.decimal.currentData(), decimal_chosen=True)
            self._show_detection()
        self._invalidate()

    # -- check and import --------------------------------------------------------------------------------------

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
        shown = check.rejected[:SHOWN_REJECTS]
        self.rejected.setRowCount(len(shown))
        for i, r in enumerate(shown):
            for j, text in enumerate((str(r.line), r.reason, ", ".join(r.values))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.rejected.setItem(i, j, item)
        self.save_rejects.setEnabled(bool(check.rejected))
        if len(check.rejected) > len(shown):
            self.summary.setText(self.summary.text() + f" The first {format_number(len(shown))} rejected rows are "
                                                       "shown; save them to see all.")

    def _save_rejects(self) -> None:
        if self.check is None or not self.check.rejected:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save rejected rows", "rejected-rows.csv",
                                              "CSV files (*.csv);;Excel (*.xlsx)")
        if path:
            self.save_rejected_rows(path)

    def save_rejected_rows(self, path: str | Path) -> int:
        """Write the rejected rows with their line and reason (CSV or .xlsx by suffix)."""
        headers = ["line", "reason", *(self.table.headers if self.table else ())]
        n = write_spreadsheet(path, headers, ([r.line, r.reason, *r.values] for r in self.check.rejected),
                              title="Rejected rows")
        self.bus.status_message.emit(f"Saved {n} rejected rows to {path}.")
        return n

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
        run_write(lambda: self.services.measurements.import_csv(table, mapping, **options),
                  self._imported, self._failed)

    def _imported(self, result: ImportCheck) -> None:
        self.check = result
        self.summary.setText(result.summary())
        self._show_rejected(result)
        self.bus.status_message.emit(f"Measurements imported: {len(result.accepted)}; rejected: "
                                     f"{len(result.rejected)}.")
        self.buttons.clear()
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)

    def reject(self) -> None:
        self._stop.set()  # a read still running stops at its next check
        super().reject()


def _cell_text(value) -> str:
    return value if isinstance(value, str) else number_text(value)
