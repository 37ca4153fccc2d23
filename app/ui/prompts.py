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


def confirm_signing(parent: QWidget, partner: str, signer: str, candidate: bool) -> tuple[bool, bool]:
    """Ask before a selection decision is signed: (sign, move the partner to onboarding). A candidate is
    offered the move in the same question (Sign and start onboarding / Sign only / Cancel)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Sign the selection",
                      f"Sign the selection of {partner} as {signer}?", parent=parent)
    box.setInformativeText(f"{partner} is still a candidate: move it to onboarding as well?" if candidate
                           else "The assessment becomes read-only until it is reopened.")
    if candidate:
        box.setStandardButtons(Button.Yes | Button.No | Button.Cancel)
        box.button(Button.Yes).setText("Sign and move to &onboarding")
        box.button(Button.No).setText("&Sign only")
        box.setDefaultButton(Button.Yes)
    else:
        box.setStandardButtons(Button.Yes | Button.Cancel)
        box.button(Button.Yes).setText("&Sign")
        box.setDefaultButton(Button.Yes)
    answer = box.exec()
    if answer == Button.Cancel or answer not in (Button.Yes, Button.No):
        return False, False
    return True, candidate and answer == Button.Yes
