"""The capture box of the live session: type, press Enter, and the line is logged.

While the user types, the text is saved as a draft at most ``DRAFT_DELAY_MS`` after the first unsaved
keystroke (the timer is not restarted by later keystrokes, so a fast typist never postpones the save: a
crash loses at most that much typing). Ctrl+1…5 put a kind's prefix in front of the text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit

from app.models.enums import EntryKind
from app.services.coaching import PREFIX_OF, strip_prefix

DRAFT_DELAY_MS = 400
#: Keyboard shortcut of each kind (shown in the hint under the box).
SHORTCUTS = {EntryKind.NOTE: "Ctrl+1", EntryKind.DECISION: "Ctrl+2", EntryKind.RISK: "Ctrl+3",
             EntryKind.ACTION: "Ctrl+4", EntryKind.EXPERIMENT: "Ctrl+5"}


class CaptureBox(QLineEdit):
    """A line edit that submits on Enter and keeps a draft through ``save_draft(text)``."""

    submitted = Signal(str)

    def __init__(self, save_draft: Callable[[str], None], parent=None) -> None:
        super().__init__(parent)
        self._save_draft = save_draft
        self._saved_text = ""
        self.setPlaceholderText("Type and press Enter to log.  d: decision   r: risk   "
                                "a: action @owner due friday   e: experiment update (e: >do, e: new Title)")
        self.setAccessibleName("Log an entry")
        self.setClearButtonEnabled(True)
        self.setMinimumHeight(34)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.flush_draft)
        self.textEdited.connect(self._typed)
        self.returnPressed.connect(self._submit)
        for kind, keys in SHORTCUTS.items():
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda k=kind: self.set_kind(k))

    def set_kind(self, kind: EntryKind) -> None:
        """Put ``kind``'s prefix in front of the text (replacing another prefix)."""
        text = strip_prefix(self.text())
        self.setText(PREFIX_OF[kind] + text)
        self.setFocus()
        self._typed()

    def restore(self, text: str) -> None:
        """Show a recovered draft (it is already saved)."""
        self.setText(text)
        self._saved_text = text

    def _typed(self, *_args) -> None:
        if not self.draft_timer.isActive():
            self.draft_timer.start()

    def flush_draft(self) -> None:
        """Save the draft now if it changed (also on close)."""
        self.draft_timer.stop()
        text = self.text()
        if text != self._saved_text:
            self._save_draft(text)
            self._saved_text = text

    def _submit(self) -> None:
        if self.text().strip():
            self.submitted.emit(self.text())

    def committed(self) -> None:
        """The line was logged (its draft cleared with it): empty the box."""
        self.draft_timer.stop()
        self.clear()
        self._saved_text = ""
