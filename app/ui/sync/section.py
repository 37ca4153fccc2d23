"""The Sync section: open conflicts to resolve (keep mine / keep theirs / edit), partners' proposals for the
shared libraries (accept / decline), the history of packages exchanged, and the signers this laptop trusts
with their roles (change the role, revoke, reinstate)."""

from __future__ import annotations

from html import escape as _html_escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
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
from app.services.errors import NotFound, ValidationError
from app.services.sync.importer import COUNT_KEYS
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date, format_datetime, format_number
from app.ui.sync.labels import COUNT_TITLES, TABLE_LABELS, field_label, table_label, value_text
from app.ui.sync.roles import RoleChoice
from app.ui.tables import read_only_table

#: what the Sync section shows: a change touching one of these reloads it
SYNC_TABLES = ("sync_conflicts", "sync_history", "sync_proposals", "sync_signers")


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


def escape(text: str) -> str:
    """``text`` for a rich-text label (quotes left as they are: they are text there)."""
    return _html_escape(text, quote=False)


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
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_theirs = QPushButton("Keep thei&rs")
        self.edit = QPushButton("E&dit…")
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
        self.table = _table(["When (UTC)", "Direction", "With", "Scope", "Records"]
                            + [COUNT_TITLES.get(k, k.capitalize()) for k in COUNT_KEYS] + ["Result", "File"])
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        rows = self.services.sync.history()
        self.table.setRowCount(len(rows))
        for r, h in enumerate(rows):
            t = h.total
            keys = COUNT_KEYS
            if h.direction == "export":
                records, counts = _count(t.get("records")), [""] * len(keys)
            else:
                records, counts = _count(sum(t.get(k, 0) for k in keys)), [_count(t.get(k)) for k in keys]
            values = [format_datetime(h.at), h.direction, h.peer or "—", _short(h.scope, 40), records, *counts,
                      h.result, h.file_name]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if 4 <= col <= 4 + len(keys):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()


class SignersView(QWidget):
    """The laptops whose packages this one takes: their key, their role (what their packages may change), and
    for the selected one: change its role, revoke it (its packages are refused, with the reason) or reinstate it.
    """

    def __init__(self, services: Services, bus: ChangeBus | None = None) -> None:
        super().__init__()
        self.services, self.bus = services, bus or ChangeBus(services.db.feed)
        self.rows: list = []
        self.own = QLabel(wordWrap=True)
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _table(["Name", "Laptop", "Role", "Key fingerprint", "First seen"])
        self.table.setAccessibleName("Signers whose packages this laptop takes")
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, w in enumerate([150, 150, 220, 320, 100]):
            self.table.setColumnWidth(col, w)
        self.empty = QLabel("No signers yet: a laptop appears here once you trust one of its packages.")
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.selected = QLabel(wordWrap=True)
        self.selected.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        partners = [(row.id, row.name) for row in services.partners.list()]
        self.role = RoleChoice(partners)
        self.role.changed.connect(self._update_buttons)
        self.apply_role = QPushButton("&Apply role")
        self.apply_role.setToolTip("Its next packages may change what this role allows")
        self.revoke = QPushButton("Re&voke…")
        self.revoke.setToolTip("Refuse its packages from now on (a lost laptop, someone who left), saying why")
        self.reinstate = QPushButton("Rei&nstate")
        self.reinstate.setToolTip("Take its packages again, with the role shown")
        self.apply_role.clicked.connect(self.change_role)
        self.revoke.clicked.connect(self.revoke_selected)
        self.reinstate.clicked.connect(self.reinstate_selected)
        self.details = QGroupBox("Selected signer")
        box = QVBoxLayout(self.details)
        box.addWidget(self.selected)
        box.addWidget(self.role)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_role)
        buttons.addSpacing(24)
        buttons.addWidget(self.revoke)
        buttons.addWidget(self.reinstate)
        buttons.addStretch(1)
        box.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.own)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.details)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        order = [self.table, self.role.team, self.role.partner, self.role.picker, self.apply_role, self.revoke,
                 self.reinstate]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)
        self.refresh()

    def refresh(self) -> None:
        fp = self.services.sync.own_fingerprint()
        self.own.setText(f"This laptop signs packages with key <tt>{fp}</tt>. "
                         "Read it to the people who import your packages.")
        keep = self.current()
        self.rows = self.services.sync.signers()
        self.table.setRowCount(len(self.rows))
        revoked_colour = QColor("#b71c1c")
        for r, s in enumerate(self.rows):
            role = s.role_text
            if not s.trusted and s.revoked_at is None:
                role += " (not trusted: its next package asks again)"
            values = [s.name, s.device_name, role, s.fingerprint,
                      format_date(s.first_seen_at) if s.first_seen_at else ""]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if s.revoked_at is not None:
                    item.setForeground(revoked_colour)
                    item.setToolTip(f"Revoked on {format_datetime(s.revoked_at)}"
                                    + (f": {s.revoked_reason}" if s.revoked_reason else "")
                                    + ". Its packages are refused with this reason.")
                elif col == 2:
                    item.setToolTip(_role_help(s))
                self.table.setItem(r, col, item)
        has = bool(self.rows)
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        self.details.setVisible(has)
        if has:
            ids = [s.device_id for s in self.rows]
            self.table.selectRow(ids.index(keep.device_id) if keep is not None and keep.device_id in ids else 0)
        self._selection_changed()

    def current(self):
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def select(self, device_id: str) -> None:
        for r, s in enumerate(self.rows):
            if s.device_id == device_id:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        s = self.current()
        if s is None:
            self.selected.setText("")
        else:
            state = (f"<b>revoked</b> on {format_datetime(s.revoked_at)}"
                     + (f": {escape(s.revoked_reason)}" if s.revoked_reason else "")
                     + " — its packages are refused with this reason") if s.revoked_at else escape(_role_help(s))
            self.selected.setText(f"<b>{escape(s.name or '(no name)')}</b> on {escape(s.device_name or '?')} "
                                  f"(device {s.device_id[:8]}…): {state}.")
            self.role.set_role(s.role, s.partner_id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        s = self.current()
        for w in (self.role, self.revoke, self.reinstate):
            w.setEnabled(s is not None)
        if s is None:
            self.apply_role.setEnabled(False)
            return
        chosen = self.role.role()
        now = "team" if s.role != "partner" else f"partner:{s.partner_id}"
        self.apply_role.setEnabled(chosen is not None and chosen != now)
        self.revoke.setEnabled(s.revoked_at is None)
        self.reinstate.setEnabled(s.revoked_at is not None)

    def _done(self, s, message: str) -> None:
        self.bus.status_message.emit(message)
        self.refresh()
        self.select(s.device_id)

    def _try(self, title: str, fn) -> bool:
        try:
            fn()
        except (NotFound, ValidationError, ValueError) as exc:
            QMessageBox.warning(self, title, str(exc))
            return False
        return True

    def change_role(self) -> None:
        s, role = self.current(), self.role.role()
        if s is None or role is None:
            return
        if self._try("Role not changed", lambda: self.services.sync.set_signer_role(s.device_id, role)):
            self._done(s, f"{s.name or s.device_name}: {self.role.describe()} from now on")

    def revoke_selected(self) -> None:
        s = self.current()
        if s is None:
            return
        reason, ok = QInputDialog.getText(
            self, "Revoke signer",
            f"Refuse every package from {s.name or '(no name)'} on {s.device_name or 'an unnamed device'} from "
            "now on.\nWhy? The reason is shown when one of its packages is refused (e.g. \u201claptop lost\u201d):")
        if not ok:
            return
        if self._try("Signer not revoked", lambda: self.services.sync.revoke_signer(s.device_id, reason)):
            self._done(s, f"{s.name or s.device_name} revoked: its packages are refused from now on")

    def reinstate_selected(self) -> None:
        s = self.current()
        if s is None:
            return
        if self._try("Signer not reinstated", lambda: self.services.sync.reinstate_signer(s.device_id)):
            self._done(s, f"{s.name or s.device_name} reinstated: its packages are taken again")


def _role_help(s) -> str:
    if s.role == "partner":
        name = s.partner_name or "its partner"
        return (f"partner {name}'s own people: its packages change only {name}'s own side; its edits of your "
                "libraries wait as proposals")
    return "a colleague's laptop (team): its packages may change whatever their scope covers"


def _change_summary(p) -> str:
    if p.is_new:
        return f"a new {table_label(p.table)}, not in your library"
    return ", ".join(field_label(f) for f in p.changes)


class ProposalsView(QWidget):
    """Changes partners made to the shared libraries (a KPI definition, a playbook step, a new KPI), waiting
    for the user: each with its record, who proposed it and what it changes, field by field. Accept makes the
    change the user's own edit (it travels to everyone); Decline leaves the library as it is."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        self.rows: list = []
        self.hint = QLabel("A partner's own Tandem may propose changes to your shared libraries. Nothing changes "
                           "until you accept one: it then becomes your own edit and travels to everyone.",
                           wordWrap=True)
        self.hint.setObjectName("muted")
        self.table = _table(["Record", "What changes", "Proposed by", "Received"])
        self.table.setAccessibleName("Proposals waiting for you")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        for col, width in enumerate([300, 240]):
            self.table.setColumnWidth(col, width)
        self.title = QLabel(wordWrap=True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff = read_only_table(["Field", "Yours", "Proposed"], word_wrap=True)
        self.diff.setAccessibleName("What the selected proposal changes: field, your value, the proposed value")
        self.diff.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.diff.horizontalHeaderItem(1).setToolTip("The value this laptop held when the proposal arrived")
        dh = self.diff.horizontalHeader()
        dh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        dh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        dh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.diff.setColumnWidth(0, 170)
        self.empty = QLabel("No proposals waiting: when a partner's package changes a KPI definition or a playbook "
                            "step, the change waits here for you.", wordWrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("muted")
        self.accept = QPushButton("&Accept")
        self.accept.setToolTip("Apply the proposed values as your own edit: it travels in your next packages")
        self.decline = QPushButton("&Decline")
        self.decline.setToolTip("Leave the library as it is")
        self.accept.clicked.connect(self.accept_selected)
        self.decline.clicked.connect(self.decline_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept)
        buttons.addWidget(self.decline)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.diff, 3)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()

    def refresh(self) -> None:
        keep = self.current()
        self.rows = self.services.sync.proposals()
        signers = {s.device_id: s for s in self.services.sync.signers()} if self.rows else {}
        self._by = {p.id: _proposer(p, signers.get(p.signer_device)) for p in self.rows}
        self.table.setRowCount(len(self.rows))
        for r, p in enumerate(self.rows):
            values = [f"{table_label(p.table)}: {p.record_label}" + (" (new)" if p.is_new else ""),
                      _change_summary(p), self._by[p.id], format_datetime(p.received_at)]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setToolTip(v)
                self.table.setItem(r, col, item)
        has = bool(self.rows)
        for w in (self.table, self.title, self.diff):
            w.setVisible(has)
        self.empty.setVisible(not has)
        if has:
            ids = [p.id for p in self.rows]
            self.table.selectRow(ids.index(keep.id) if keep is not None and keep.id in ids else 0)
        self._selection_changed()

    def current(self):
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selection_changed(self) -> None:
        p = self.current()
        self.accept.setEnabled(p is not None)
        self.decline.setEnabled(p is not None)
        if p is None:
            self.title.setText("")
            self.diff.setRowCount(0)
            return
        what = "proposes a new" if p.is_new else "proposes changes to"
        self.title.setText(f"<b>{escape(self._by[p.id])}</b> {what} {escape(table_label(p.table))} "
                           f"<b>{escape(p.record_label)}</b> (received {escape(format_datetime(p.received_at))}):")
        refs = self._references(p)
        self.diff.setColumnHidden(1, p.is_new)  # a new record: nothing of yours to compare with
        self.diff.setRowCount(len(p.changes))
        for r, (f, (old, new)) in enumerate(p.changes.items()):
            mine = "(not in your library)" if p.is_new else refs.get((f, old), value_text(old))
            values = [field_label(f), mine, refs.get((f, new), value_text(new))]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                if c == 2 and not p.is_new:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.diff.setItem(r, c, item)
        self.diff.resizeRowsToContents()

    def _references(self, p) -> dict[tuple[str, object], str]:
        """Names for the values of reference fields (``kpi_id`` → the KPI's name), where they can be found."""
        wanted = {}
        for f, pair in p.changes.items():
            table = f.removesuffix("_id") + "s"
            if f.endswith("_id") and table in TABLE_LABELS:
                for v in pair:
                    if isinstance(v, str) and v:
                        wanted[(f, v)] = (table, v)
        if not wanted:
            return {}
        names = self.services.sync.record_labels(list(set(wanted.values())))
        return {key: names[ref] for key, ref in wanted.items() if names.get(ref, ref[1]) != ref[1]}

    def _decide(self, accept: bool) -> None:
        p = self.current()
        if p is None:
            return
        try:
            (self.services.sync.accept_proposal if accept else self.services.sync.decline_proposal)(p.id)
        except (NotFound, ValidationError) as exc:
            QMessageBox.warning(self, "Proposal not " + ("accepted" if accept else "declined"), str(exc))
            self.refresh()
            return
        verb = "Accepted (your own edit now, it travels in your next packages)" if accept else "Declined"
        self.bus.status_message.emit(f"{verb}: {table_label(p.table)} {p.record_label}")
        self.refresh()

    def accept_selected(self) -> None:
        self._decide(True)

    def decline_selected(self) -> None:
        self._decide(False)


def _proposer(p, signer) -> str:
    """Who proposed it: "Ana Souza (partner: Acme)"."""
    who = p.peer or (signer.name if signer else "") or "a partner"
    if signer is not None and signer.role == "partner":
        return f"{who} (partner: {signer.partner_name or '?'})"
    return who


class SyncSection(QWidget):
    """Sidebar section "Sync": export and import buttons, conflicts, proposals, history, signers."""

    def __init__(self, services: Services, bus: ChangeBus) -> None:
        super().__init__()
        self.services, self.bus = services, bus
        title = QLabel("Sync")
        title.setObjectName("pageTitle")
        export = QPushButton("E&xport package…")
        imp = QPushButton("&Import package…")
        export.clicked.connect(self._export)
        imp.clicked.connect(self._import)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(export)
        top.addWidget(imp)
        self.conflicts = ConflictsView(services, bus)
        self.proposals = ProposalsView(services, bus)
        self.history = HistoryView(services)
        self.signers = SignersView(services, bus)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conflicts, "")
        self.tabs.addTab(self.proposals, "")
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
        n = len(self.proposals.rows)
        self.tabs.setTabText(1, f"Proposals ({n})" if n else "Proposals")

    def _changed(self, change: Change) -> None:
        if change.touches("partners"):  # a partner added, renamed or deleted: the role picker follows
            self.signers.role.picker.set_partners([(row.id, row.name) for row in self.services.partners.list()])
        if change.touches(*SYNC_TABLES, "partners"):
            self.conflicts.refresh()
            self.proposals.refresh()
            self.history.refresh()
            self.signers.refresh()
            self._title_tabs()

    def _export(self) -> None:
        from app.ui.sync.dialogs import open_export

        open_export(self, self.services, self.bus)

    def _import(self) -> None:
        from app.ui.sync.dialogs import choose_and_import

        choose_and_import(self, self.services, self.bus)
