"""The Sync section: open conflicts to resolve (keep mine / keep theirs / edit), the history of packages
exchanged, and the signers this laptop trusts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date, format_datetime, format_number
from app.ui.sync.labels import field_label, table_label, value_text
from app.ui.tables import read_only_table


def _table(headers: list[str]) -> QTableWidget:
    t = read_only_table(headers, word_wrap=False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _value_box(accessible_name: str) -> QPlainTextEdit:
    box = QPlainTextEdit(readOnly=True)
    box.setAccessibleName(accessible_name)
    return box


def _short(text: str, n: int = 80) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n - 1] + "…"


class ConflictsView(QWidget):
    """Open conflicts, one row per field; the user keeps their value, the incoming one, or types another.

    The table names the record and the field as the user knows them; the selected conflict's two values are
    shown in full, side by side, below it.
    """

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        self.rows = []
        self.hint = QLabel("When the same field was changed on two laptops, the newer value is kept on both and "
                           "the other is listed here. Choose which one stays; your choice travels in your next "
                           "package.", wordWrap=True)
        self.hint.setObjectName("muted")
        self.table = _table(["Record", "Field", "Mine", "Theirs", "Now kept", "From", "Found"])
        self.table.setAccessibleName("Open conflicts")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate([220, 140, 190, 190, 80, 110]):
            self.table.setColumnWidth(col, width)
        self.mine_full = _value_box("Mine: the value this laptop had")
        self.theirs_full = _value_box("Theirs: the incoming value")
        self.mine_title, self.theirs_title = QLabel("<b>Mine</b>"), QLabel("<b>Theirs</b>")
        self.mine_title.setBuddy(self.mine_full)
        self.theirs_title.setBuddy(self.theirs_full)
        values = QGridLayout()
        values.addWidget(self.mine_title, 0, 0)
        values.addWidget(self.theirs_title, 0, 1)
        values.addWidget(self.mine_full, 1, 0)
        values.addWidget(self.theirs_full, 1, 1)
        self.values = QWidget()
        self.values.setLayout(values)
        values.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No open conflicts: every import merged cleanly.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        self.keep_mine = QPushButton("Keep mine")
        self.keep_theirs = QPushButton("Keep theirs")
        self.edit = QPushButton("Edit…")
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.edit.clicked.connect(self.edit_value)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_mine)
        buttons.addWidget(self.keep_theirs)
        buttons.addWidget(self.edit)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.values, 2)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    def refresh(self) -> None:
        self.rows = self.services.sync.conflicts()
        names = self.services.sync.record_labels([(c.table, c.row_id) for c in self.rows])
        self.table.setRowCount(len(self.rows))
        for r, c in enumerate(self.rows):
            mine, theirs = value_text(c.local_value), value_text(c.incoming_value)
            label = names.get((c.table, c.row_id), c.record_label)
            values = [f"{table_label(c.table)}: {label}", field_label(c.field), _short(mine),
                      _short(theirs), "mine" if c.winner == "local" else "theirs", c.peer,
                      format_datetime(c.detected_at)]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if col in (2, 3):
                    item.setToolTip(mine if col == 2 else theirs)
                    if isinstance(c.local_value if col == 2 else c.incoming_value, (int, float)):
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, item)
        self.table.setVisible(bool(self.rows))
        self.values.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        if self.rows:
            self.table.selectRow(0)
        self._update_buttons()

    def current(self):
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update_buttons(self) -> None:
        c = self.current()
        for b in (self.keep_mine, self.keep_theirs, self.edit):
            b.setEnabled(c is not None)
        self.mine_full.setPlainText(value_text(c.local_value) if c else "")
        self.theirs_full.setPlainText(value_text(c.incoming_value) if c else "")
        self.theirs_title.setText(f"<b>Theirs</b> (from {c.peer})" if c and c.peer else "<b>Theirs</b>")

    def resolve(self, choice: str, text: str | None = None) -> None:
        c = self.current()
        if c is None:
            return
        try:
            self.services.sync.resolve(c.id, choice, text)
        except Exception as exc:  # a validation message for the user; nothing was changed
            QMessageBox.warning(self, "Conflict not resolved", str(exc))
            return
        self.bus.changed.emit(Change.of(c.table, "sync_conflicts"))
        self.bus.status_message.emit(f"Conflict on {c.record_label} ({field_label(c.field)}) resolved")
        self.refresh()

    def edit_value(self) -> None:
        c = self.current()
        if c is None:
            return
        current = c.local_text if c.winner == "local" else c.incoming_text
        text, ok = QInputDialog.getMultiLineText(
            self, "Edit value", f"{field_label(c.field)} of {c.record_label}\n"
                                f"Mine: {_short(c.local_text, 60)}\nTheirs: {_short(c.incoming_text, 60)}",
            "" if current == "(empty)" else current)
        if ok:
            self.resolve("edit", text)


def _count(value) -> str:
    return "" if value is None or value == "" else format_number(value)


class HistoryView(QWidget):
    """Packages exported and imported: when, with whom, what scope, and what happened."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.table = _table(["When (UTC)", "Direction", "With", "Scope", "Records", "New", "Updated",
                             "Unchanged", "Conflicts", "Rejected", "Result", "File"])
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        rows = self.services.sync.history()
        self.table.setRowCount(len(rows))
        for r, h in enumerate(rows):
            t = h.total
            keys = ("new", "updated", "unchanged", "conflicts", "rejected")
            if h.direction == "export":
                records, counts = _count(t.get("records")), [""] * len(keys)
            else:
                records, counts = _count(sum(t.get(k, 0) for k in keys)), [_count(t.get(k)) for k in keys]
            values = [format_datetime(h.at), h.direction, h.peer or "—", _short(h.scope, 40), records, *counts,
                      h.result, h.file_name]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if 4 <= col <= 9:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()


class SignersView(QWidget):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.own = QLabel()
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _table(["Name", "Device", "Key fingerprint", "Trusted", "First seen"])
        for col, w in enumerate([140, 140, 330, 70]):
            self.table.setColumnWidth(col, w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.own)
        layout.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        fp = self.services.sync.own_fingerprint()
        self.own.setText(f"This laptop signs packages with key <tt>{fp}</tt>. "
                         "Read it to the people who import your packages.")
        rows = self.services.sync.signers()
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            values = [s.name, s.device_name, s.fingerprint, "yes" if s.trusted else "no",
                      format_date(s.first_seen_at) if s.first_seen_at else ""]
            for col, v in enumerate(values):
                self.table.setItem(r, col, QTableWidgetItem(v))


class SyncSection(QWidget):
    """Sidebar section "Sync": export and import buttons, conflicts, history, signers."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        title = QLabel("Sync")
        title.setObjectName("pageTitle")
        export = QPushButton("Export package…")
        imp = QPushButton("Import package…")
        export.clicked.connect(self._export)
        imp.clicked.connect(self._import)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(export)
        top.addWidget(imp)
        self.conflicts = ConflictsView(services, bus)
        self.history = HistoryView(services)
        self.signers = SignersView(services)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conflicts, "")
        self.tabs.addTab(self.history, "History")
        self.tabs.addTab(self.signers, "Signers")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self._title_tabs()
        bus.changed.connect(self._changed)

    def _title_tabs(self) -> None:
        n = len(self.conflicts.rows)
        self.tabs.setTabText(0, f"Conflicts ({n})" if n else "Conflicts")

    def _changed(self, change: Change) -> None:
        if change.touches("sync_conflicts", "sync_history"):
            self.conflicts.refresh()
            self.history.refresh()
            self.signers.refresh()
            self._title_tabs()

    def _export(self) -> None:
        from app.ui.sync.dialogs import open_export

        open_export(self, self.services, self.bus)

    def _import(self) -> None:
        from app.ui.sync.dialogs import choose_and_import

        choose_and_import(self, self.services, self.bus)
