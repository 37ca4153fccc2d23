"""Labels that name their field: the field is the label's buddy, so a screen reader announces the label's text
with the field, and an ``&`` in the text gives the field an Alt+letter shortcut (``"&Start"``: Alt+S)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLayout, QWidget


def buddy_label(text: str, field: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(field)
    return label


def add_form_row(form: QFormLayout, text: str, row: QLayout, field: QWidget) -> QLabel:
    """``form.addRow(text, row)`` for a row of several controls, the label naming the row's main ``field``
    (Qt gives a buddy only to a row that is one widget). Name the row's other fields with
    ``setAccessibleName``."""
    form.addRow(text, row)
    label = form.labelForField(row)
    label.setBuddy(field)
    return label
