"""The fast measurement grid of one partner: KPIs down, periods across, typed or pasted like a spreadsheet.

It opens at the current period (the right-hand column). Type a number in a cell and press Enter: the value
is stored and the cursor moves down, ready for the next value (type, Enter, type, Enter down a column); Tab
stores and moves right, Shift+Tab left; the arrow keys move from any cell, and also out of a cell being typed
into (Up/Down always, Left/Right at the start/end of the text). Delete clears the selected cells, Ctrl+C
copies them and Ctrl+V pastes a block copied from a spreadsheet (tab or semicolon separated) starting at the
current cell.

A value with an open dispute is shaded, the proposed value and the reason on hover; the context menu (right-click
or the menu key) raises a dispute about the current cell, changes one raised here, or accepts or rejects one
raised on another laptop (app/ui/measurements/disputes.py).

A write refreshes the grid in place (same KPIs, same periods: the values change, the cursor and the view stay),
so the keyboard never loses its place; only another period kind or window rebuilds it. Every edit, paste or delete is one service call (one transaction) and one command on the
app-wide undo stack (Edit → Undo puts back exactly what was there, empty cells included); a value that is
not a number is refused with a message and nothing is stored.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import PeriodKind, label
from app.services import Services
from app.services.kpis import fmt
from app.services.measurements import (
    CellEdit,
    MeasurementGrid,
    parse_number,
    period_title,
    shift_period,
)
from app.services.disputes import DisputeRow
from app.ui.bus import Change, ChangeBus
from app.ui.measurements.disputes import DISPUTED, DisputeActions, KeyboardMenu, tooltip
from app.ui.measurements.undo import EditCellsCommand

TABLES = ("measurements", "kpis", "measurement_disputes")


class MeasurementGridModel(QAbstractTableModel):
    """Rows: KPIs; columns: periods. Edits go through `save` (set by the widget)."""

    failed = Signal(str)

    def __init__(self, save) -> None:
        super().__init__()
        self.grid: MeasurementGrid | None = None
        self._save = save
        self.disputes: dict[tuple[str, date], DisputeRow] = {}  # (KPI id, period start) -> open dispute

    def dispute_at(self, index) -> DisputeRow | None:
        if self.grid is None or not index.isValid():
            return None
        return self.disputes.get((self.grid.kpis[index.row()].id, self.grid.periods[index.column()]))

    def set_disputes(self, disputes: dict[tuple[str, date], DisputeRow]) -> None:
        """Mark the cells with an open dispute (a refresh in place)."""
        if disputes == self.disputes:
            return
        self.disputes = disputes
        if self.grid is not None and self.grid.kpis and self.grid.periods:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.grid.kpis) - 1, len(self.grid.periods) - 1))

    def set_grid(self, grid: MeasurementGrid | None) -> None:
        """Show ``grid``. The same KPIs and periods with other values refresh in place (no reset: an open
        editor, the current cell and the selection stay); anything else rebuilds the table."""
        old = self.grid
        if old is not None and grid is not None and (old.partner_id, old.period_kind, old.kpis, old.periods) \
                == (grid.partner_id, grid.period_kind, grid.kpis, grid.periods):
            self.grid = grid
            if grid.kpis and grid.periods:
                self.dataChanged.emit(self.index(0, 0), self.index(len(grid.kpis) - 1, len(grid.periods) - 1))
            return
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def current_column(self) -> int:
        """The column of the current period (the right-hand one), -1 with no grid."""
        return self.columnCount() - 1

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.grid is None else len(self.grid.kpis)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.grid is None else len(self.grid.periods)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.grid is None:
            return None
        value = self.grid.values[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return "" if value is None else fmt(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole) \
                and self.disputes:
            dispute = self.dispute_at(index)
            if dispute is not None:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return tooltip(dispute)
                if role == Qt.ItemDataRole.FontRole:
                    font = QFont()
                    font.setItalic(True)
                    return font
                return QBrush(DISPUTED)
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == len(self.grid.periods) - 1:
            return QBrush(QColor("#f3f8fc"))  # the current period: where the next value goes
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if self.grid is None:
            return None
        if role == Qt.ItemDataRole.FontRole and orientation == Qt.Orientation.Horizontal \
                and section == len(self.grid.periods) - 1:
            font = QFont()
            font.setBold(True)  # the current period
            return font
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return period_title(self.grid.period_kind, self.grid.periods[section])
        k = self.grid.kpis[section]
        unit = f" ({k.unit})" if k.unit else ""
        return f"{k.code}  {k.name}{unit}" if role == Qt.ItemDataRole.DisplayRole else k.name

    def flags(self, index):
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or self.grid is None:
            return False
        return self._save({(index.row(), index.column()): str(value)}, typed=True)


class CellDelegate(QStyledItemDelegate):
    """The cell editor moves like a spreadsheet's: the arrow keys store the value and move on (Up/Down always,
    Left/Right once the text cursor is at that end of the text); Enter and Tab are handled by the view."""

    def eventFilter(self, editor, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(editor, QLineEdit) \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            key = event.key()
            at_start = editor.cursorPosition() == 0 and not editor.hasSelectedText()
            at_end = editor.cursorPosition() == len(editor.text()) and not editor.hasSelectedText()
            step = {Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0),
                    Qt.Key.Key_Left: (0, -1) if at_start else None,
                    Qt.Key.Key_Right: (0, 1) if at_end else None}.get(key)
            if step is not None:
                view = self.parent()
                self.commitData.emit(editor)
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
                view.move_cursor(*step)
                return True
        return super().eventFilter(editor, event)


class SpreadsheetView(QTableView):
    """A table that moves on after a value is stored: Enter down, Tab right, Shift+Tab left (with or without
    an open editor), and never opens the next cell's editor by itself (typing does)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(CellDelegate(self))
        self.setTabKeyNavigation(True)
        # by pixel: scrolled to the current period, the last column sits at the right edge, not alone on the left
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def move_cursor(self, rows: int, columns: int) -> None:
        """Move the current cell by ``rows`` and ``columns``, stopping at the edges."""
        model, cur = self.model(), self.currentIndex()
        if model is None or not cur.isValid():
            return
        row = min(max(cur.row() + rows, 0), model.rowCount() - 1)
        column = min(max(cur.column() + columns, 0), model.columnCount() - 1)
        self.setCurrentIndex(model.index(row, column))
        self.scrollTo(self.currentIndex())

    def closeEditor(self, editor, hint) -> None:
        move = {QAbstractItemDelegate.EndEditHint.SubmitModelCache: (1, 0),  # Enter
                QAbstractItemDelegate.EndEditHint.EditNextItem: (0, 1),  # Tab
                QAbstractItemDelegate.EndEditHint.EditPreviousItem: (0, -1)}.get(hint)  # Shift+Tab
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        if move is not None:
            self.move_cursor(*move)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState:
            self.move_cursor(-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1, 0)
            return
        super().keyPressEvent(event)


def parse_cells(texts: dict[tuple[int, int], str]) -> tuple[dict[tuple[int, int], float | None], list[str]]:
    """Turn typed or pasted texts into values (empty: remove); returns values and error messages."""
    values, errors = {}, []
    for key, text in texts.items():
        if not text.strip():
            values[key] = None
            continue
        try:
            values[key] = parse_number(text)
        except ValueError as exc:
            errors.append(str(exc))
    return values, errors


class MeasurementGridWidget(QWidget):
    """The grid with its toolbar (period kind, earlier/later, import, export). Call `set_partner`."""

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.partner_id: str | None = None
        self.last: date | None = None
        self.kind = QComboBox()
        for k in PeriodKind:
            self.kind.addItem(label(k.value), k)
        self.kind.setCurrentIndex(list(PeriodKind).index(PeriodKind.MONTH))
        self.kind.currentIndexChanged.connect(lambda _i: self._reset_last())
        self.earlier, self.later = QPushButton("◀ Earlier"), QPushButton("Later ▶")
        self.earlier.clicked.connect(lambda: self._move(-6))
        self.later.clicked.connect(lambda: self._move(6))
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV…")
        self.import_button.clicked.connect(self._import)
        self.export_button.clicked.connect(self._export)
        self.message = QLabel("")
        self.message.setStyleSheet("color:#52606d")
        self.model = MeasurementGridModel(self.save_texts)
        self.table = SpreadsheetView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # wide enough for "Week 52, 2026" / "Sep 2026" and a value, so twelve periods fit 1366 px
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance("Week 52, 2026") + 12)
        self.table.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.installEventFilter(self)
        self.dispute_actions = DisputeActions(services, bus, self)
        self.raise_action = QAction("Raise a dispute about this value…", self.table)
        self.raise_action.triggered.connect(self.raise_dispute)
        self.edit_dispute_action = QAction("Change the dispute…", self.table)
        self.edit_dispute_action.triggered.connect(lambda: self._on_dispute(self.dispute_actions.edit, own=True))
        self.accept_action = QAction("Accept the dispute", self.table)
        self.accept_action.triggered.connect(lambda: self._on_dispute(self.dispute_actions.accept))
        self.reject_action = QAction("Reject the dispute…", self.table)
        self.reject_action.triggered.connect(lambda: self._on_dispute(self.dispute_actions.reject))
        for a in (self.raise_action, self.edit_dispute_action, self.accept_action, self.reject_action):
            self.table.addAction(a)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.keyboard_menu = KeyboardMenu(self.table)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._update_dispute_actions())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Periods:"))
        bar.addWidget(self.kind)
        bar.addWidget(self.earlier)
        bar.addWidget(self.later)
        bar.addStretch(1)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        bus.changed.connect(self._changed)
        self._set_enabled(False)

    # -- loading -----------------------------------------------------------------------------------------------

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self._reset_last()

    def _reset_last(self) -> None:
        self.last = None
        self.reload()
        self.go_to_current_period()

    def go_to_current_period(self) -> None:
        """Put the cursor in the current period's column, on the first KPI without a value there."""
        column = self.model.current_column()
        if column < 0 or self.model.rowCount() == 0:
            return
        values = [row[column] for row in self.model.grid.values]
        row = next((i for i, v in enumerate(values) if v is None), 0)
        index = self.model.index(row, column)
        self.table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.table.scrollTo(index)

    def _move(self, n: int) -> None:
        kind = self.kind.currentData()
        base = self.last or (self.model.grid.periods[-1] if self.model.grid else date.today())
        self.last = shift_period(kind, base, n)
        self.reload()

    def reload(self) -> None:
        self._set_enabled(self.partner_id is not None)
        if self.partner_id is None:
            self.model.set_grid(None)
            self.model.set_disputes({})
            return
        self.model.set_grid(self.services.measurements.grid(self.partner_id, self.kind.currentData(),
                                                            last=self.last))
        self.model.set_disputes(self.services.disputes.open_by_cell(self.partner_id, self.kind.currentData()))
        self._update_dispute_actions()

    def _set_enabled(self, on: bool) -> None:
        for w in (self.kind, self.earlier, self.later, self.import_button, self.table):
            w.setEnabled(on)

    def _changed(self, change: Change) -> None:
        if self.partner_id and change.initiator is not self and change.touches(*TABLES, partner_id=self.partner_id):
            self.reload()

    # -- editing -----------------------------------------------------------------------------------------------

    def save_texts(self, texts: dict[tuple[int, int], str], typed: bool = False, action: str = "Paste") -> bool:
        """Store typed or pasted cell texts (by row, column) in one transaction. Refuses all on a bad value.

        ``typed``: the value comes from the cell editor (the view then moves the cursor on). ``action`` names
        the undo command ("Paste", "Clear").
        A write that changed something is pushed on the undo stack (after the write: a refusal never is)."""
        grid = self.model.grid
        if grid is None or not texts:
            return False
        values, errors = parse_cells(texts)
        if errors:
            self.message.setText(f"Nothing saved: {errors[0]}.")
            self.message.setStyleSheet("color:#c62828")
            return False
        edits = [CellEdit(grid.kpis[r].id, grid.periods[c], v) for (r, c), v in values.items()
                 if r < len(grid.kpis) and c < len(grid.periods)]
        measurements = self.services.measurements
        before = measurements.snapshot(grid.partner_id, grid.period_kind,
                                       [(e.kpi_id, e.period_start) for e in edits])
        with self.bus.acting(self):
            n = measurements.save_cells(grid.partner_id, grid.period_kind, edits)
        self.message.setStyleSheet("color:#52606d")
        self.message.setText(f"Saved {n} value{'s' if n != 1 else ''}." if n else "No change.")
        self.reload()  # in place: the open editor and the cursor stay where they are
        if n:
            self.bus.undo_stack.push(EditCellsCommand(
                self._command_text(texts, typed, action, n), measurements, self.bus, grid.partner_id,
                grid.period_kind, before, edits))
        return True

    def _command_text(self, texts: dict[tuple[int, int], str], typed: bool, action: str, n: int) -> str:
        """What Edit → Undo says: "Enter OTD 2026-11", "Paste 5 values", "Clear 2 values"."""
        grid = self.model.grid
        if typed:
            (r, c), = texts.keys()
            verb = "Clear" if not texts[(r, c)].strip() else "Enter"
            return f"{verb} {grid.kpis[r].code} {period_title(grid.period_kind, grid.periods[c])}"
        return f"{action} {n} value{'s' if n != 1 else ''}"

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress:
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste(QGuiApplication.clipboard().text())
                return True
            if event.matches(QKeySequence.StandardKey.Copy):
                QGuiApplication.clipboard().setText(self.copy_text())
                return True
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and \
                    self.table.state() != QAbstractItemView.State.EditingState:
                cells = self.table.selectedIndexes() or [self.table.currentIndex()]
                self.save_texts({(i.row(), i.column()): "" for i in cells if i.isValid()}, action="Clear")
                return True
        return super().eventFilter(obj, event)

    def paste(self, text: str) -> bool:
        """Paste a block (rows by lines, cells by tabs or semicolons) with its top-left at the current cell."""
        cur = self.table.currentIndex()
        if not cur.isValid() or not text.strip():
            return False
        lines = text.rstrip("\r\n").splitlines()
        sep = "\t" if "\t" in text else ";"
        texts = {}
        for i, line in enumerate(lines):
            for j, cell in enumerate(line.split(sep)):
                r, c = cur.row() + i, cur.column() + j
                if r < self.model.rowCount() and c < self.model.columnCount():
                    texts[(r, c)] = cell
        return self.save_texts(texts)

    def copy_text(self) -> str:
        idx = self.table.selectedIndexes()
        if not idx:
            return ""
        rows = sorted({i.row() for i in idx})
        cols = sorted({i.column() for i in idx})
        return "\n".join("\t".join(self.model.index(r, c).data() or "" for c in cols) for r in rows)

    # -- disputes ------------------------------------------------------------------------------------------------

    def current_dispute(self) -> DisputeRow | None:
        return self.model.dispute_at(self.table.currentIndex())

    def _update_dispute_actions(self) -> None:
        index, d = self.table.currentIndex(), self.current_dispute()
        self.raise_action.setEnabled(index.isValid() and d is None and self.model.grid is not None
                                     and self.model.grid.periods[index.column()] <= date.today())
        self.edit_dispute_action.setEnabled(self.dispute_actions.may_edit(d))
        self.accept_action.setEnabled(self.dispute_actions.may_settle(d))
        self.reject_action.setEnabled(self.dispute_actions.may_settle(d))

    def raise_dispute(self) -> bool:
        """Raise a dispute about the current cell (its value, or a period with none recorded)."""
        grid, index = self.model.grid, self.table.currentIndex()
        if grid is None or not index.isValid() or self.current_dispute() is not None:
            return False
        k = grid.kpis[index.row()]
        return self.dispute_actions.raise_(grid.partner_id, k.id, f"{k.name} ({k.code})", grid.period_kind,
                                           grid.periods[index.column()], grid.values[index.row()][index.column()],
                                           k.unit)

    def _on_dispute(self, action, own: bool = False) -> None:
        d = self.current_dispute()
        allowed = self.dispute_actions.may_edit(d) if own else self.dispute_actions.may_settle(d)
        if d is not None and allowed:
            action(d)

    # -- CSV -----------------------------------------------------------------------------------------------------

    def _import(self) -> None:
        from app.ui.measurements.csv_import import CsvImportDialog

        CsvImportDialog(self.services, self.bus, self).exec()

    def _export(self) -> None:
        export_measurements(self, self.services, [self.partner_id] if self.partner_id else None)


def export_measurements(parent: QWidget, services: Services, partner_ids: list[str] | None) -> None:
    """Ask for a file and write measurements (of ``partner_ids``, or all) to it as CSV, in the background."""
    from app.ui.workers import run_in_background

    path, _ = QFileDialog.getSaveFileName(parent, "Export measurements", "measurements.csv", "CSV files (*.csv)")
    if not path:
        return

    def work() -> int:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            return services.measurements.export_csv(fh, partner_ids)

    def done(n: int) -> None:
        msg = getattr(parent, "message", None)
        if msg is not None:
            msg.setText(f"Exported {n} measurements to {path}.")

    run_in_background(work, done, lambda exc: parent.window().statusBar().showMessage(str(exc))
                      if hasattr(parent.window(), "statusBar") else None)
