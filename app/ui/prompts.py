"""Questions every editor asks the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

Button = QMessageBox.StandardButton

#: Keys that confirm a text prompt with Ctrl held, from its text field too (Enter alone starts a new line there).
CONFIRM_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def is_confirm_key(event: QKeyEvent) -> bool:
    """Ctrl+Enter or Ctrl+Return (the keypad's Enter included)."""
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() in CONFIRM_KEYS and mods == Qt.KeyboardModifier.ControlModifier


class TextPrompt(QDialog):
    """A question answered with a few lines of text: the label is the text field's buddy, the confirm button
    says what happens, and Ctrl+Enter (Ctrl+Return) confirms from the field as the button does."""

    def __init__(self, parent: QWidget | None, title: str, label: str, confirm: str = "OK", text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setPlainText(text)
        self.text.setTabChangesFocus(True)
        self.label.setBuddy(self.text)
        self.hint = QLabel("Ctrl+Enter: " + confirm.replace("&", "").lower())
        self.hint.setObjectName("muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText(confirm)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.resize(460, 240)
        self.text.setFocus()

    def value(self) -> str:
        return self.text.toPlainText()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Before the text field makes a new line of it: Ctrl+Enter is the confirm button's.
        if obj is self.text and event.type() == QEvent.Type.KeyPress and is_confirm_key(event):
            self.confirm_button.click()
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if is_confirm_key(event):  # from the buttons too (QDialog takes only a bare Enter)
            self.confirm_button.click()
            return
        super().keyPressEvent(event)


def ask_text(parent: QWidget | None, title: str, label: str, confirm: str = "OK", text: str = "") -> tuple[str, bool]:
    """Ask for a few lines of text (see `TextPrompt`): (the text, whether the user confirmed)."""
    prompt = TextPrompt(parent, title, label, confirm, text)
    ok = prompt.exec() == QDialog.DialogCode.Accepted
    return prompt.value(), ok


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
