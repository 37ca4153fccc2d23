"""The *This week* section: what is overdue, due and planned, grouped by day or by kind; each line opens its
place (the partner's page at the right tab).

The agenda is read off the UI thread (the KPI part scores the whole portfolio) and again after any change,
but only while the section is visible: a hidden section marks itself stale and reloads when shown.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.agenda import DEFAULT_DAYS, Agenda, AgendaLine, AgendaTarget, kind_label
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date
from app.ui.labels import buddy_label
from app.ui.workers import run_in_background

COLUMNS = ["What", "Partner", "Title", "Owner", "Detail"]
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE_FG = QColor("#b71c1c")
MINE_BG = QColor("#eef6fc")


def day_title(day: date, today: date, locale: QLocale | None = None) -> str:
    """'Today · Monday, 23 November 2026' style, in the user's locale."""
    locale = locale or QLocale()
    text = locale.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat)
    if day == today:
        return f"Today · {text}"
    if day == today + timedelta(days=1):
        return f"Tomorrow · {text}"
    return text


class AgendaSection(QWidget):
    """Filters (mine / everyone, days ahead, group by) above a tree of day (or kind) groups."""

    loaded = Signal()  # after every reload (tests wait for it)
    target_opened = Signal(object)  # AgendaTarget

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._bus = bus
        self._today = today  # None: the real today at each reload
        self._stale = True
        self._loading = False
        self._again = False
        self.agenda: Agenda | None = None
        self._targets: list[AgendaTarget] = []

        title = QLabel("This week")
        title.setObjectName("pageTitle")
        self.who = QComboBox()
        self.who.addItem("Mine", True)
        self.who.addItem("Everyone", False)
        self.who.setToolTip("Mine: what names you as owner, facilitator or attendee, and unowned items of "
                            "partners you lead")
        self.days = QSpinBox()
        self.days.setRange(1, 90)
        self.days.setValue(DEFAULT_DAYS)
        self.days.setSuffix(" days")
        self.days.setToolTip("Days ahead, today included. Overdue items are always listed.")
        self.group = QComboBox()
        self.group.addItem("By day", "day")
        self.group.addItem("By kind", "kind")
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        filters = QHBoxLayout()
        filters.addWidget(title)
        filters.addStretch(1)
        for text, w in (("Show", self.who), ("Ahead", self.days), ("Group", self.group)):
            filters.addWidget(buddy_label(text, w))
            filters.addWidget(w)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col, width in ((0, 150), (1, 220), (3, 130)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 220)
        header.setMinimumSectionSize(60)
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)

        self.who.currentIndexChanged.connect(lambda _i: self._render())
        self.group.currentIndexChanged.connect(lambda _i: self._render())
        self.days.valueChanged.connect(lambda _v: self.reload())
        self.tree.itemActivated.connect(self._activated)
        bus.changed.connect(self._on_change)

    # -- loading -------------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Read the agenda again in the background (one read at a time; a request meanwhile runs after it)."""
        self._stale = False
        if self._loading:
            self._again = True
            return
        self._loading = True
        days, today = self.days.value(), self._today
        run_in_background(lambda: self._services.agenda.week(days, today), self._show, self._failed)

    def _show(self, agenda: Agenda) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()
            return
        self.agenda = agenda
        self._render()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.summary.setText(f"The agenda could not be read: {exc}")
        self.loaded.emit()

    def _on_change(self, change: Change) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    # -- showing -------------------------------------------------------------------------------------------

    def only_mine(self) -> bool:
        return bool(self.who.currentData())

    def _render(self) -> None:
        self.tree.clear()
        self._targets: list[AgendaTarget] = []  # items hold an index into this (plain ints in Qt's variants)
        if self.agenda is None:
            return
        agenda = self.agenda.only_mine() if self.only_mine() else self.agenda
        lines = agenda.lines
        overdue = sum(x.overdue for x in lines)
        mine = sum(x.mine for x in self.agenda.lines)
        end = day_title(agenda.until, agenda.today)
        self.summary.setText(f"{len(lines)} item{'s' if len(lines) != 1 else ''} up to {end} · "
                             f"{overdue} overdue · {mine} of {len(self.agenda.lines)} yours")
        if not lines:
            who = "for you" if self.only_mine() else "for anyone"
            self.empty.setText(f"Nothing overdue or due {who} in the next {self.days.value()} days.")
            self.tree.hide()
            self.empty.show()
            return
        self.empty.hide()
        self.tree.show()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for heading, group in self._groups(agenda):
            parent = QTreeWidgetItem([f"{heading}  ({len(group)})"])
            parent.setFirstColumnSpanned(True)
            parent.setFont(0, bold)
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            if heading == "Overdue":
                parent.setForeground(0, QBrush(OVERDUE_FG))
            self.tree.addTopLevelItem(parent)
            parent.setFirstColumnSpanned(True)
            for line in group:
                parent.addChild(self._item(line))
            parent.setExpanded(True)

    def _groups(self, agenda: Agenda) -> list[tuple[str, list[AgendaLine]]]:
        if self.group.currentData() == "kind":
            return [(kind_label(kind), lines) for kind, lines in agenda.by_kind().items() if lines]
        overdue = [x for x in agenda.lines if x.overdue]
        groups = [("Overdue", overdue)] if overdue else []
        for day, lines in agenda.by_day():
            rest = [x for x in lines if not x.overdue]
            if rest:
                groups.append((day_title(day, agenda.today), rest))
        return groups

    def _item(self, line: AgendaLine) -> QTreeWidgetItem:
        owner = line.owner or (f"{line.side.value} side" if line.side else "—")
        detail = line.detail
        if line.overdue:
            detail = f"due {format_date(line.due)}" + (f" · {detail}" if detail else "")
        item = QTreeWidgetItem([kind_label(line.kind, one=True), line.partner_name, line.title, owner, detail])
        item.setData(0, TARGET_ROLE, len(self._targets))
        self._targets.append(line.target)
        item.setToolTip(2, f"{line.title}\nOpens {line.partner_name} → {line.target.tab}")
        item.setToolTip(4, line.detail)
        if line.overdue:
            for col in range(len(COLUMNS)):
                item.setForeground(col, QBrush(OVERDUE_FG))
        if line.mine and not self.only_mine():
            for col in range(len(COLUMNS)):
                item.setBackground(col, QBrush(MINE_BG))
        return item

    # -- opening -------------------------------------------------------------------------------------------

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        index = item.data(0, TARGET_ROLE)
        if isinstance(index, int) and 0 <= index < len(self._targets):
            self.open_target(self._targets[index])

    def open_target(self, target: AgendaTarget) -> None:
        """Show the partner (through the bus, like every view) and bring its tab to the front."""
        self._bus.open_partner.emit(target.partner_id)
        show_partner_tab(self.window(), target.tab)
        self.target_opened.emit(target)


def show_partner_tab(window: QWidget, tab: str) -> bool:
    """Bring the partner page's tab called ``tab`` to the front. False when there is no such tab."""
    section = window.section("Partners") if hasattr(window, "section") else window
    for tabs in section.findChildren(QTabWidget):
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        if titles and titles[0] == "Profile" and tab in titles:  # the partner page's own tabs
            tabs.setCurrentIndex(titles.index(tab))
            return True
    return False
