"""Questions every editor asks the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def save_or_discard(parent: QWidget, what: str, save: Callable[[], bool], discard: Callable[[], None]) -> bool:
    """Ask "Save the changes to <what>?" with Save / Discard / Cancel.

    Save runs ``save`` (its result says whether the edits were stored); Discard runs ``discard``. Returns True
    when the caller may go ahead (saved or discarded), False when the user cancelled or the save was refused.
    """
    answer = QMessageBox.question(parent, "Unsaved changes", f"Save the changes to {what}?",
                                  Button.Save | Button.Discard | Button.Cancel, Button.Save)
    if answer == Button.Save:
        return save()
    if answer == Button.Discard:
        discard()
        return True
    return False
