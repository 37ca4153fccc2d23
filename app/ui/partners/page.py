"""A partner's page: the Profile tab and the tabs other capabilities add (PARTNER_TABS)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.partners import PartnerData
from app.ui.bus import Change, ChangeBus
from app.ui.partners.profile import PartnerProfileWidget
from app.ui.partners.tabs import PARTNER_TABS
from app.ui.partners.welcome import WelcomePanel
from app.ui.partners.undo import (
    PARTNER_TABLES,
    DeletePartnerCommand,
    SavePartnerCommand,
)
from app.ui.prompts import save_or_discard
from app.ui.scrolling import scrollable
from app.ui.workspace import LibraryLock

#: What the profile's Certification line is computed from (LearningService.summary).
LEARNING_TABLES = ("learning_assignments", "learning_completions", "learning_certifications", "learning_modules",
                   "learning_track_versions", "learning_track_items")


class PartnerPage(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._bus = bus
        self.partner_id: str | None = None
        self.today: date | None = None  # the day certifications are judged on (None: today; tests set one)

        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.profile = PartnerProfileWidget()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.profile, "Profile")
        self.extra_tabs = []
        for title, factory in PARTNER_TABS:
            widget = factory(services, bus)
            self.extra_tabs.append(widget)
            self.tabs.addTab(scrollable(widget), title)

        empty = QLabel("Select a partner in the directory, or create one with New partner (Ctrl+N).")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setObjectName("muted")
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.title)
        v.addWidget(self.tabs, 1)
        self.welcome = WelcomePanel()  # an empty database: the ways to begin
        self.welcome.add_requested.connect(self.new_partner)
        self.welcome.import_requested.connect(self._import_package)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(page)
        self.stack.addWidget(self.welcome)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.profile.save_requested.connect(self.save)
        self.profile.delete_requested.connect(self.delete)
        self.profile.learning_requested.connect(lambda: self.show_tab("Learning"))
        bus.changed.connect(self._on_change)
        self._lock_lead_fields()
        self._show_nothing()

    # -- showing -------------------------------------------------------------------------------------------

    def show_partner(self, partner_id: str | None) -> None:
        """Show a stored partner (None: nothing selected)."""
        if partner_id is None:
            self.partner_id = self._bus.viewed_partner_id = None
            self._show_nothing()
            self._tell_tabs(None)
            return
        try:
            data = self._services.partners.get(partner_id)
        except NotFound:
            self.show_partner(None)
            return
        self.partner_id = self._bus.viewed_partner_id = partner_id
        self.profile.set_segments(self._services.partners.segments())
        self.profile.load(data)
        self._lead_lock.disable(self.profile.delete_button)  # load enables it for a stored partner
        self._show_certification()
        self.title.setText(data.name)
        self.stack.setCurrentIndex(1)
        self._tell_tabs(partner_id)

    def new_partner(self) -> None:
        """Show an empty profile for a partner not yet saved."""
        self.partner_id = self._bus.viewed_partner_id = None
        self.profile.set_segments(self._services.partners.segments())
        self.profile.load(PartnerData(name=""))
        self.profile.show_certification(None)
        self.title.setText("New partner")
        self.stack.setCurrentIndex(1)
        self.tabs.setCurrentWidget(self.profile)
        self._tell_tabs(None)
        self.profile.name.setFocus()

    def show_tab(self, title: str) -> None:
        """Bring the tab called ``title`` forward (when it exists and is enabled)."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title and self.tabs.isTabEnabled(i):
                self.tabs.setCurrentIndex(i)
                return

    def _show_certification(self) -> None:
        """The profile's Certification line, for the partner shown (read in a moment: one partner's learning)."""
        if self.partner_id is None:
            self.profile.show_certification(None)
            return
        try:
            summary = self._services.learning.summary(self.partner_id, self.today or date.today())
        except NotFound:
            return
        self.profile.show_certification(summary)

    def _tell_tabs(self, partner_id: str | None) -> None:
        for widget in self.extra_tabs:
            widget.set_partner(partner_id)
        for i in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(i, partner_id is not None)

    def confirm_leave(self) -> bool:
        """Ask what to do with unsaved edits before showing something else. True: go ahead."""
        if not self.profile.is_dirty():
            return True
        return save_or_discard(self, self.profile.data().name or "this partner",
                               lambda: self.save(self.profile.data()), self.profile.revert)

    # -- writing -------------------------------------------------------------------------------------------

    def save(self, data: PartnerData) -> bool:
        partners = self._services.partners
        try:
            if data.id is None:
                saved = partners.create(data)
                before = None
            else:
                before = partners.get(data.id)
                saved = partners.update(data)
        except ValidationError as exc:
            self.profile.show_errors(exc.errors)
            return False
        self.partner_id = self._bus.viewed_partner_id = saved.id
        self.profile.load(saved)  # the form now shows what is stored: no longer dirty
        self.title.setText(saved.name)
        self._bus.undo_stack.push(SavePartnerCommand(partners, self._bus, before, saved))
        self._bus.status_message.emit(f"Saved {saved.name}")
        if before is None:
            self._bus.open_partner.emit(saved.id)
        return True

    def delete(self) -> None:
        if self.partner_id is None:
            return
        data = self._services.partners.get(self.partner_id)
        answer = QMessageBox.question(
            self, "Delete partner",
            f"Delete {data.name}? It disappears from the directory on every laptop you sync with.\n"
            "You can undo this with Edit → Undo.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._services.partners.delete(data.id)
        self._bus.undo_stack.push(DeletePartnerCommand(self._services.partners, self._bus, data))
        self._bus.status_message.emit(f"Deleted {data.name}")

    def _lock_lead_fields(self) -> None:
        """In a partner's workspace, the profile fields the lead keeps (tier, spend, scores, stage, notes…: all
        but what the partner side co-writes, sync/roles.py) are read-only, and the partner cannot be deleted:
        the lead's laptop would refuse those changes."""
        ws = self._services.workspace.current()
        self._lead_lock = lock = LibraryLock(f"Kept by {ws.lead}: a change here would not reach them." if ws else "")
        p = self.profile
        lock.read_only(p.name, p.kind, p.segment, p.status, p.lead, p.tier, p.spend, p.currency, p.value_score,
                       p.risk_score, p.stage, p.notes)
        lock.disable(p.delete_button)

    def _show_nothing(self) -> None:
        """No partner shown: the hint to pick one, or on an empty database the welcome panel."""
        self.stack.setCurrentWidget(self.welcome if self._services.partners.count() == 0 else self.stack.widget(0))

    def _import_package(self) -> None:
        from app.ui.sync.dialogs import choose_and_import  # the Sync section's own dialog

        choose_and_import(self, self._services, self._bus)

    def _on_change(self, change: Change) -> None:
        if change.everything:  # an import may have made this a partner's workspace
            self._lock_lead_fields()
        if not self.partner_id and self.stack.currentIndex() != 1 and change.touches("partners"):
            self._show_nothing()  # the first partner arrived (or the last went)
        if not self.partner_id or not change.touches_partner(self.partner_id):
            return
        if change.touches(*PARTNER_TABLES) and not self.profile.is_dirty():
            self.show_partner(self.partner_id)
        elif change.touches(*LEARNING_TABLES):
            self._show_certification()  # the edits being typed in the profile stay as they are

