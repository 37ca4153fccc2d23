"""UI test guard: a message box that nobody answers would hang the suite, so every test gets answers.

Unless a test patches QMessageBox itself, question() answers Cancel and the others just return; each call
is recorded in the ``message_boxes`` list so a test can assert what the user was told.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    shown: list[tuple[str, str]] = []

    def answer(kind, default):
        def show(_parent, title, text, *args, **kwargs):
            shown.append((kind, f"{title}: {text}"))
            return default
        return show

    monkeypatch.setattr(QMessageBox, "question", answer("question", QMessageBox.StandardButton.Cancel))
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, answer(kind, QMessageBox.StandardButton.Ok))
    return shown
