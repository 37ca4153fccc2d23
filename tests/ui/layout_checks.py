"""Checks a UI test runs over a whole window: controls cut off sideways, windows larger than the screen, wheel
edits on a scrolling page. Each check returns a list of findings naming the control by its object path
(``MainWindow > KpiLibrarySection > QGroupBox 'Definition' > QPushButton 'Save as new version'``), so a
failing test says which control to fix.

A control is **cut off sideways** when

- part of its width lies outside what its ancestors show: the widget rectangle is intersected with every
  parent up to the window (a scroll area clips at its viewport), and the visible width is smaller than the
  control's width; this is what a user sees as a button or field running off the right edge, or a page that
  needs a horizontal scroll bar; or
- it is squeezed narrower than the width it needs to show its text: a button or a one-line label narrower
  than its ``minimumSizeHint()`` (the text is clipped or elided).

Only visible controls are checked (a hidden tab's content is checked when the test shows that tab).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QScrollArea,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QLabel, QProgressBar, QAbstractSlider,
            QTextEdit, QPlainTextEdit, QAbstractItemView)
TOLERANCE = 2  # px: rounding in layouts and frames


@dataclass(frozen=True)
class Finding:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def describe(widget: QWidget) -> str:
    """One step of an object path: the class, the object name and the text a user would recognise."""
    name = type(widget).__name__
    if widget.objectName() and not widget.objectName().startswith("qt_"):
        name += f"#{widget.objectName()}"
    text = ""
    for getter in ("text", "title", "placeholderText", "currentText"):
        fn = getattr(widget, getter, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str) and value.strip():
                text = value.strip().splitlines()[0]
                break
    if text:
        name += f" '{text[:40]}'"
    return name


def object_path(widget: QWidget) -> str:
    steps = []
    w = widget
    while w is not None:
        steps.append(describe(w))
        if w.isWindow():
            break
        w = w.parentWidget()
    # Keep the path readable: the window, the named classes of the application and the control itself.
    keep = [s for i, s in enumerate(reversed(steps)) if i == 0 or i == len(steps) - 1
            or not s.startswith("Q") or "'" in s or "#" in s]
    return " > ".join(keep)


def _part_of_a_composite(widget: QWidget) -> bool:
    """Inner parts of Qt's own composite widgets (a spin box's line edit, a table's scroll bars, tab bar
    buttons, item view editors): checked through the widget they belong to."""
    w = widget.parentWidget()
    while w is not None and not w.isWindow():
        if isinstance(w, (QAbstractSpinBox, QComboBox, QAbstractItemView, QTabBar)):
            return True
        if isinstance(w, QAbstractScrollArea) and not isinstance(w, QScrollArea) and widget.parentWidget() is not \
                getattr(w, "viewport", lambda: None)():
            return True  # a text edit's own scroll bars and corner
        w = w.parentWidget()
    return isinstance(widget, QScrollBar) or type(widget).__name__ in ("QLineEditIconButton",)


def _visible_span(widget: QWidget) -> tuple[int, int]:
    """(left, right) in the window's coordinates of the part of ``widget`` its ancestors show."""
    window = widget.window()
    top_left = widget.mapTo(window, QPoint(0, 0))
    left, right = top_left.x(), top_left.x() + widget.width()
    w = widget.parentWidget()
    while w is not None:
        clip: QWidget = w
        origin = w.mapTo(window, QPoint(0, 0)) if w is not window else QPoint(0, 0)
        left, right = max(left, origin.x()), min(right, origin.x() + clip.width())
        if w.isWindow():
            break
        w = w.parentWidget()
    return left, right


def _needs_more_width(widget: QWidget) -> int:
    """How many pixels of text a button or a one-line label is short of (0: none)."""
    if isinstance(widget, QAbstractButton) and widget.text():
        need = widget.minimumSizeHint().width()
        if isinstance(widget, QAbstractButton) and not widget.icon().isNull():
            need = min(need, widget.sizeHint().width())
        return max(0, need - widget.width())
    if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() and widget.pixmap().isNull():
        if widget.textFormat() == Qt.TextFormat.RichText or widget.minimumWidth() > 0:
            return 0
        return max(0, widget.minimumSizeHint().width() - widget.width())
    return 0


def cut_off_controls(root: QWidget) -> list[Finding]:
    """Every visible control under ``root`` cut off sideways (see the module's docstring)."""
    findings = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisible() or widget.width() <= 0:
            continue
        if _part_of_a_composite(widget):
            continue
        left, right = _visible_span(widget)
        hidden = widget.width() - max(0, right - left)
        if hidden > TOLERANCE:
            findings.append(Finding(object_path(widget), f"{hidden} px of its {widget.width()} px width are "
                                    "outside the visible area"))
            continue
        short = _needs_more_width(widget)
        if short > TOLERANCE:
            findings.append(Finding(object_path(widget), f"{short} px too narrow for its text"))
    return findings


def sideways_scrolling(root: QWidget) -> list[Finding]:
    """Visible scroll areas under ``root`` (or ``root`` itself) whose page is wider than their viewport."""
    areas = [root] if isinstance(root, QScrollArea) else []
    areas += root.findChildren(QScrollArea)
    findings = []
    for area in areas:
        inner = area.widget()
        if area.isVisible() and inner is not None and inner.width() > area.viewport().width() + TOLERANCE:
            findings.append(Finding(object_path(inner), f"page {inner.width()} px wide in a "
                                    f"{area.viewport().width()} px view: scrolls sideways"))
    return findings


def larger_than(window: QWidget, screen: QRect) -> list[Finding]:
    """The window (frame excluded: offscreen has none) does not fit ``screen``."""
    if window.width() > screen.width() or window.height() > screen.height():
        return [Finding(describe(window), f"{window.width()}×{window.height()} does not fit a "
                        f"{screen.width()}×{screen.height()} screen")]
    return []


def _value(control: QWidget):
    if isinstance(control, QComboBox):
        return control.currentIndex()
    if isinstance(control, QDateTimeEdit):
        return control.dateTime()
    return control.value()


def _set_value(control: QWidget, value) -> None:
    if isinstance(control, QComboBox):
        control.setCurrentIndex(value)
    elif isinstance(control, QDateTimeEdit):
        control.setDateTime(value)
    else:
        control.setValue(value)


def wheel(widget: QWidget, steps: int = -1) -> None:
    """Turn the mouse wheel over the middle of ``widget`` (negative: towards the user, scrolling down)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def wheel_edits(root: QWidget) -> list[Finding]:
    """Every visible, enabled combo, spin box or slider on a scrolling page of ``root`` that a wheel turn
    changes while it does not have focus. Values are put back afterwards; focus is parked on ``root``."""
    findings = []
    for control in root.findChildren(QWidget):
        if not isinstance(control, (QComboBox, QAbstractSpinBox, QAbstractSlider)) or isinstance(control, QScrollBar):
            continue
        if not control.isVisible() or not control.isEnabled() or _part_of_a_composite(control):
            continue
        if isinstance(control, QComboBox) and control.count() < 2:
            continue
        if not hasattr(control, "value") and not isinstance(control, (QComboBox, QDateTimeEdit)):
            continue
        root.setFocus()
        if control.hasFocus():
            control.clearFocus()
        before, path = _value(control), object_path(control)
        for steps in (-1, 1, 1):  # one way and the other: a control at its end still shows the edit
            wheel(control, steps)
            if _value(control) != before:
                findings.append(Finding(path, "the mouse wheel changed it without focus"))
                _set_value(control, before)
                break
    return findings


FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


def _accessible_name(widget: QWidget) -> str:
    """What a screen reader announces for ``widget``: its accessible name, else its label buddy's text."""
    from PySide6.QtGui import QAccessible

    interface = QAccessible.queryAccessibleInterface(widget)
    return (interface.text(QAccessible.Text.Name) if interface is not None else "").strip()


def unlabelled_fields(root: QWidget) -> list[Finding]:
    """Visible fields under ``root`` a screen reader cannot name: no accessible name and no label whose buddy
    they are (a placeholder text is not a name: it is gone once something is typed)."""
    findings = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, FIELDS) or not widget.isVisible() or _part_of_a_composite(widget):
            continue
        if isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.isReadOnly():
            continue  # a read-only view is read, not filled in
        if not _accessible_name(widget):
            findings.append(Finding(object_path(widget), "no label buddy and no accessible name"))
    return findings


def tab_chain(root: QWidget) -> list[QWidget]:
    """The visible controls under ``root`` in the order Tab visits them (one round of the focus chain)."""
    chain, seen = [], set()
    w = root.nextInFocusChain()
    while w is not root and id(w) not in seen:
        seen.add(id(w))
        if (w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                and root.isAncestorOf(w) and not _part_of_a_composite(w)):
            chain.append(w)
        w = w.nextInFocusChain()
    return chain


def tab_order_against_reading(root: QWidget) -> list[Finding]:
    """Pairs of controls in one box (the same parent widget) that Tab visits against reading order: the second
    sits on a line above the first, or on the same line to its left. Across boxes, panes and columns the
    reading order is the layout's (a column is read to its end before the next); within a box it is top to
    bottom, left to right."""
    window = root.window()
    chain = tab_chain(root)
    findings = []
    for a, b in zip(chain, chain[1:]):
        if a.parentWidget() is not b.parentWidget():
            continue
        pa, pb = a.mapTo(window, QPoint(0, 0)), b.mapTo(window, QPoint(0, 0))
        above = pb.y() + b.height() <= pa.y() + TOLERANCE
        same_line = pb.y() < pa.y() + a.height() and pa.y() < pb.y() + b.height()
        if above or (same_line and pb.x() + b.width() <= pa.x() + TOLERANCE):
            findings.append(Finding(object_path(b), f"Tab reaches it after {describe(a)}, which it precedes "
                                    "on the screen"))
    return findings


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ROWS_READ = 40  # rows of each visible list or table whose text is read


def _shown_texts(root: QWidget):
    """(widget, text) of what the visible widgets under ``root`` show: labels, buttons, group titles, date and
    number fields, and the first `ROWS_READ` rows of lists and tables (user-typed line edits are not read)."""
    from PySide6.QtWidgets import QGroupBox, QHeaderView

    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield widget, widget.text()
        elif isinstance(widget, QGroupBox):
            yield widget, widget.title()
        elif isinstance(widget, QAbstractSpinBox):
            yield widget, widget.text()
        elif isinstance(widget, QComboBox):
            yield widget, widget.currentText()
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView) and widget.model():
            model, top = widget.model(), widget.rootIndex()
            try:
                columns = model.columnCount(top)
            except TypeError:  # a list model keeps its one column to itself
                columns = 1
            for r in range(min(model.rowCount(top), ROWS_READ)):
                for c in range(columns):
                    value = model.index(r, c, top).data()
                    if isinstance(value, str):
                        yield widget, value


def iso_dates(root: QWidget) -> list[Finding]:
    """Visible text showing an ISO date ("2026-12-01"): on screen dates follow the locale (app/ui/formatting.py);
    ISO is for files."""
    findings = {}
    for widget, text in _shown_texts(root):
        match = ISO_DATE.search(text or "")
        if match:
            findings.setdefault(object_path(widget), Finding(object_path(widget), f"shows the ISO date "
                                                              f"{match.group(0)}: “{text.strip()[:60]}”"))
    return list(findings.values())
