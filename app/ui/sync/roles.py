"""Choosing a signer's role: a colleague's laptop (team), or a partner's own people (partner P).

`PartnerChoice` is a combo of partners that filters as you type, matching any part of a name whatever its
script, case or accents ("societe" finds "Société Générale", "ωμεγα" finds "Ωμέγα Α.Ε.", "東京" finds
"東京精密"). `RoleChoice` is the two options with that picker; the import dialog and the Signers view share
it, and both hand its `role()` ("team" / "partner:<partner id>") to the sync service as is.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QGridLayout, QHBoxLayout, QLabel, QRadioButton, QWidget

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


def search_key(text: str) -> str:
    """``text`` folded for matching: compatibility forms unified, accents dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


class _Contains(QSortFilterProxyModel):
    """The partners whose folded name contains the folded text typed."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.needle = ""

    def set_needle(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.needle = search_key(text)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.needle = search_key(text)
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802 (Qt's name)
        if not self.needle:
            return True
        key = self.sourceModel().index(row, 0, parent).data(SEARCH_ROLE) or ""
        return self.needle in key


class PartnerChoice(QComboBox):
    """Every live partner by name; type any part of a name to narrow the list. ``partner_id()`` is the chosen
    one (None while the text names no single partner). ``partner_changed`` follows it."""

    partner_changed = Signal(object)  # partner id or None

    def __init__(self, partners: list[tuple[str, str]], partner_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(22)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._fill(partners)
        self._filter = _Contains(self)
        self._filter.setSourceModel(self.model())
        completer = QCompleter(self._filter, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("Type to find the partner…")
        self.lineEdit().textEdited.connect(self._search)
        self._last: str | None = None
        self.setCurrentIndex(self.findData(partner_id) if partner_id else -1)
        self.currentIndexChanged.connect(self._check)
        self.editTextChanged.connect(self._check)
        self._last = self.partner_id()

    def _fill(self, partners: list[tuple[str, str]]) -> None:
        for pid, name in partners:
            self.addItem(name, pid)
            self.setItemData(self.count() - 1, search_key(name), SEARCH_ROLE)

    def set_partners(self, partners: list[tuple[str, str]]) -> None:
        """Offer these partners from now on (the directory changed), keeping the one chosen if it is there."""
        chosen = self.partner_id()
        self.blockSignals(True)
        try:
            self.clear()
            self._fill(partners)
            self.setCurrentIndex(self.findData(chosen) if chosen else -1)
        finally:
            self.blockSignals(False)
        self._check()

    def _search(self, text: str) -> None:
        self._filter.set_needle(text)
        if text.strip() and self._filter.rowCount():
            self.completer().complete()

    def partner_id(self) -> str | None:
        text = self.currentText().strip()
        if not text:
            return None
        i = self.currentIndex()
        if i >= 0 and self.itemText(i) == text:
            return self.itemData(i)
        key = search_key(text)
        same = [i for i in range(self.count()) if self.itemData(i, SEARCH_ROLE) == key]
        return self.itemData(same[0]) if len(same) == 1 else None

    def select(self, partner_id: str | None) -> None:
        self.setCurrentIndex(self.findData(partner_id) if partner_id else -1)
        if partner_id is None:
            self.setEditText("")

    def name_of(self, partner_id: str | None) -> str:
        i = self.findData(partner_id) if partner_id else -1
        return self.itemText(i) if i >= 0 else ""

    def _check(self, *_args) -> None:
        now = self.partner_id()
        if now != self._last:
            self._last = now
            self.partner_changed.emit(now)


class RoleChoice(QWidget):
    """"A colleague's laptop (team)" or "This partner's own people: [partner]"; ``role()`` is what the sync
    service takes ("team", "partner:<id>"), None while the partner option has no partner chosen."""

    changed = Signal()

    TEAM_HINT = "its packages may change whatever their scope covers"
    PARTNER_HINT = ("its packages change only that partner's own side (contacts, figures, checklist progress…); "
                    "its edits of your libraries wait as proposals")

    def __init__(self, partners: list[tuple[str, str]], partner_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.team = QRadioButton("A colleague's &laptop (team)")
        self.partner = QRadioButton("This pa&rtner's own people:")
        self.picker = PartnerChoice(partners, partner_id)
        self.picker.setAccessibleName("The partner whose own people sign these packages")
        self.picker.setMaximumWidth(520)
        team_hint, partner_hint = QLabel(self.TEAM_HINT, wordWrap=True), QLabel(self.PARTNER_HINT, wordWrap=True)
        for hint in (team_hint, partner_hint):
            hint.setObjectName("muted")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.team, 0, 0)
        grid.addWidget(team_hint, 1, 0, 1, 2)
        grid.addWidget(self.partner, 2, 0)
        picker_row = QHBoxLayout()  # the picker grows up to its maximum width, from the left
        picker_row.addWidget(self.picker, 1)
        picker_row.addStretch(0)
        grid.addLayout(picker_row, 2, 1)
        grid.addWidget(partner_hint, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.team.setChecked(True)
        self.picker.setEnabled(False)
        self.partner.toggled.connect(self._kind_changed)
        self.partner.clicked.connect(lambda: self.picker.setFocus())
        self.picker.partner_changed.connect(lambda _pid: self.changed.emit())
        self.setTabOrder(self.team, self.partner)
        self.setTabOrder(self.partner, self.picker)

    def _kind_changed(self, partner: bool) -> None:
        self.picker.setEnabled(partner)
        self.changed.emit()

    def role(self) -> str | None:
        if self.team.isChecked():
            return "team"
        pid = self.picker.partner_id()
        return f"partner:{pid}" if pid else None

    def set_role(self, kind: str, partner_id: str | None = None) -> None:
        """Show a role without announcing it (``changed`` is not emitted)."""
        self.blockSignals(True)
        try:
            if kind == "partner":
                self.picker.select(partner_id)
                self.partner.setChecked(True)
            else:
                self.picker.select(None)
                self.team.setChecked(True)
        finally:
            self.blockSignals(False)
        self.picker.setEnabled(self.partner.isChecked())

    def describe(self) -> str:
        """The role chosen, in words: "a colleague's laptop (team)", "partner Acme's own people"."""
        if self.team.isChecked():
            return "a colleague's laptop (team)"
        name = self.picker.name_of(self.picker.partner_id())
        return f"partner {name}'s own people" if name else "a partner's own people (choose the partner)"
