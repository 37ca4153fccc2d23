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
    for folder in ("models", "services", "reports", "hub"):
        assert offenders(folder, forbidden) == [], folder


#: Which of the app's packages each may import (the package-level modules `app` and `app.paths` are open to all).
#: ui -> services -> models; reports are handed data (services' frozen dataclasses) and write PDFs; the CLI
#: owns commands; nothing imports upward.
ALLOWED = {
    "models": {"models"},
    "migrations": {"migrations", "models"},
    "services": {"services", "models"},
    "reports": {"reports", "services", "models"},
    "ui": {"ui", "reports", "services", "models"},
    "cli": {"cli", "reports", "services", "models", "hub"},
    "hub": {"hub", "services", "models"},  # the team hub: the laptop's services on PostgreSQL, no Qt
}
SHARED = {"app", "paths"}
#: The one way down the matrix skips: the `tandem` command with no subcommand starts the desktop app.
EXCEPTIONS = {("cli/__init__.py", "ui")}


def layer_offences(root: Path) -> list[str]:
    """Every import of an app package that the matrix does not allow, as "file: module"."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if layer in SHARED or layer == "__init__":
            continue
        for module in sorted(imported_modules(path)):
            parts = module.split(".")
            if parts[0] != "app" or len(parts) < 2 or parts[1] not in ALLOWED:
                continue  # not a layer: the package's own names (APP_NAME, __version__) and app.paths
            target = parts[1]
            if target not in ALLOWED.get(layer, set()) and (rel.as_posix(), target) not in EXCEPTIONS:
                found.append(f"{rel.as_posix()}: {module}")
    return found


def test_every_layer_imports_only_what_the_matrix_allows():
    assert {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()} <= set(ALLOWED)
    assert layer_offences(APP) == []


def test_reports_never_reach_into_the_command_line():
    assert offenders("reports", ("argparse",)) == []


def test_the_matrix_sees_an_upward_import(tmp_path):
    # Guard against a checker that passes because it reads nothing.
    for folder, source in (("models", "from app.services.kpis import fmt\n"),
                           ("services", "import app.ui.bus\n"), ("reports", "from app.cli import common\n"),
                           ("cli", "from app.ui import main_window\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text(source)
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "ok.py").write_text("from app.services import build_services\nfrom app import APP_NAME\n")
    assert layer_offences(tmp_path) == ["cli/x.py: app.ui", "cli/x.py: app.ui.main_window",
                                        "models/x.py: app.services.kpis", "models/x.py: app.services.kpis.fmt",
                                        "reports/x.py: app.cli", "reports/x.py: app.cli.common",
                                        "services/x.py: app.ui.bus"]


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
