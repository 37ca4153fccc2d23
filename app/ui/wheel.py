"""The mouse wheel never edits data by accident: it scrolls the page unless the control under it has focus.

Qt's combo boxes, spin boxes (date edits included) and sliders change their value on a wheel turn even when
the user only meant to scroll the page past them. `install_wheel_guard()` puts one event filter on the
QApplication (once, however often it is called) that

- gives every such control ``Qt.StrongFocus`` instead of ``Qt.WheelFocus`` (so a wheel turn does not hand it
  the focus first), and
- sends a wheel event over such a control that does not have focus to the nearest scroll area around it,
  which scrolls; with no scroll area around it the event is dropped.

Click or Tab into the control and the wheel changes it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

#: Controls whose value a wheel turn changes.
GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def is_guarded(widget: QObject) -> bool:
    """True for a control whose value the wheel would change (scroll bars only scroll, so they are free)."""
    return isinstance(widget, GUARDED) and not isinstance(widget, QScrollBar)


def _control_of(widget: QWidget) -> QWidget | None:
    """The guarded control ``widget`` belongs to (a spin box's inner line edit belongs to the spin box)."""
    w = widget
    while w is not None and not w.isWindow():
        if is_guarded(w):
            return w
        if isinstance(w, QAbstractScrollArea):
            return None  # inside a list or a table: the view scrolls itself
        w = w.parentWidget()
    return None


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea):
            return w
        if w.isWindow():
            return None
        w = w.parentWidget()
    return None


class WheelGuard(QObject):
    """The application-wide event filter (see the module's docstring)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and is_guarded(obj):
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and isinstance(obj, QWidget):
            control = _control_of(obj)
            if control is not None and not control.hasFocus():
                area = _scroll_area_around(control)
                if area is not None:
                    QApplication.sendEvent(area.viewport(), event)
                return True
        return False


_guard: WheelGuard | None = None


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard:
    """Install the guard on the application (once; later calls return the installed guard)."""
    global _guard
    app = app or QApplication.instance()
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard
