"""The Partners section: the directory beside the selected partner's page. In a partner's workspace the
directory holds that partner alone and New partner is disabled, saying why (app/ui/workspace.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QWidget

from app.services import Services
from app.ui.bus import Change, ChangeBus
from app.ui.partners.directory import PartnerDirectoryWidget
from app.ui.partners.page import PartnerPage
from app.ui.partners.undo import PARTNER_TABLES
from app.ui.workspace import new_partner_lock


class PartnersSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.directory = PartnerDirectoryWidget(services.partners)
        self.page = PartnerPage(services, bus)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.directory)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([360, 840])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.directory.partner_selected.connect(self._select)
        self.directory.new_requested.connect(self.new_partner)
        # Ctrl+N belongs to File → New partner (one owner: two would make Qt's shortcut ambiguous)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        bus.changed.connect(self._on_change)
        self._lock = new_partner_lock(services)
        self._lock.disable(self.directory.new_button)

    def confirm_leave(self) -> bool:
        """Save or drop unsaved profile edits before the window closes (False: the user cancelled)."""
        return self.page.confirm_leave()

    def new_partner(self) -> None:
        if self._lock:  # a partner's workspace holds only its partner
            return
        if self.page.confirm_leave():
            self.page.new_partner()

    def open_partner(self, partner_id: str, tab: str | None = None) -> None:
        """Show a partner, clearing filters that would hide it; ``tab`` (a title) brings that tab forward."""
        if not self.page.confirm_leave():
            return
        if not self.directory.select_partner(partner_id, emit=False):
            self.directory.search.clear()
            for combo in (self.directory.kind, self.directory.tier, self.directory.quadrant, self.directory.status):
                combo.setCurrentIndex(0)
            self.directory.apply_filters()
            self.directory.select_partner(partner_id, emit=False)
        self.page.show_partner(partner_id)
        if tab and self.page.partner_id == partner_id:
            self.page.show_tab(tab)

    def _select(self, partner_id: str) -> None:
        if partner_id == self.page.partner_id:
            return
        if self.page.confirm_leave():
            self.page.show_partner(partner_id)
        elif self.page.partner_id:
            self.directory.select_partner(self.page.partner_id, emit=False)

    def _focus_search(self) -> None:
        self.directory.search.setFocus()
        self.directory.search.selectAll()

    def _on_change(self, change: Change) -> None:
        if change.everything and not self._lock:  # an import may have made this a partner's workspace
            self._lock = new_partner_lock(self._services)
            self._lock.disable(self.directory.new_button)
        if change.touches(*PARTNER_TABLES):
            self.directory.reload()
            if self.page.partner_id and self.directory.current_partner_id() is None:
                self.page.show_partner(self.page.partner_id)  # deleted (or filtered away): page follows
