"""The sweep's accessibility checks catch what they are meant to catch (a check that finds nothing on any
window would let every screen pass)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from tests.ui import layout_checks


def _shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_field_with_only_a_placeholder_is_unnamed_and_a_form_row_names_it(qtbot):
    page = QWidget()
    form = QFormLayout(page)
    named = QLineEdit()
    form.addRow("Partner", named)
    bare = QLineEdit(placeholderText="Search…")
    form.addRow(QLabel("Search"), QWidget())  # a label beside another widget names nothing
    form.addRow(bare)
    _shown(qtbot, page)
    findings = layout_checks.unlabelled_fields(page)
    assert [f.path for f in findings] == [layout_checks.object_path(bare)]
    bare.setAccessibleName("Search partners")
    assert not layout_checks.unlabelled_fields(page)


def _two_fields(qtbot, *, lower_first: bool) -> tuple[QWidget, QLineEdit]:
    """A page with two fields, one above the other; the one given its parent first is the one Tab reaches
    first."""
    page = QWidget()
    if lower_first:
        lower, upper = QLineEdit(page), QLineEdit(page)
    else:
        upper, lower = QLineEdit(page), QLineEdit(page)
    layout = QVBoxLayout(page)
    layout.addWidget(upper)
    layout.addWidget(lower)
    _shown(qtbot, page)
    return page, upper


def test_tab_against_reading_order_is_found(qtbot):
    page, upper = _two_fields(qtbot, lower_first=True)
    findings = layout_checks.tab_order_against_reading(page)
    assert [f.path for f in findings] == [layout_checks.object_path(upper)]
    page, _upper = _two_fields(qtbot, lower_first=False)
    assert not layout_checks.tab_order_against_reading(page)
