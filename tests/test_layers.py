"""The layer rule, read from the imports: ui -> services -> models, never back."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((APP / folder).rglob("*.py")):
        bad = sorted(m for m in imported_modules(path) if m.startswith(forbidden))
        if bad:
            found.append(f"{path.relative_to(APP.parent)}: {', '.join(bad)}")
    return found


def test_ui_never_imports_sqlalchemy():
    assert offenders("ui", ("sqlalchemy",)) == []


def test_models_services_and_reports_never_import_qt_widgets_or_gui():
    forbidden = ("PySide6.QtWidgets", "PySide6.QtGui", "app.ui")
    for folder in ("models", "services", "reports"):
        assert offenders(folder, forbidden) == [], folder


def test_models_never_import_services():
    assert offenders("models", ("app.services", "app.reports", "app.cli")) == []


def test_reports_take_data_and_never_reach_into_the_command_line_or_the_ui():
    # reports are handed data (frozen dataclasses) and write PDFs; the CLI owns commands and their options
    assert offenders("reports", ("app.cli", "app.ui", "argparse")) == []


def test_services_never_import_reports_or_the_command_line():
    assert offenders("services", ("app.reports", "app.cli", "app.ui")) == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    # Guard against a checker that finds nothing because it reads nothing.
    sample = tmp_path / "widget.py"
    sample.write_text("from sqlalchemy import select\nimport PySide6.QtWidgets\n")
    assert {"sqlalchemy", "sqlalchemy.select", "PySide6.QtWidgets"} <= imported_modules(sample)


def test_no_view_announces_a_change_by_hand():
    # Views refresh from what the services' change log says was written (app/ui/bus.py); a hand-made notice
    # would drift from what the write really touched.
    found = []
    for path in sorted((APP / "ui").rglob("*.py")):
        if path.name == "bus.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "bus.changed.emit(" in line or "Change.of(" in line or "_quiet" in line:
                found.append(f"{path.relative_to(APP.parent)}:{n}: {line.strip()}")
    assert found == []
