"""Render every screen of Tandem to PNG, from the real app over demo data, at field-laptop and desktop sizes.

    python tools/screens.py OUT_DIR [--sizes 1366x768,1920x1080] [--db demo.sqlite] [--only main,live]

Writes OUT_DIR/<W>x<H>/<name>.png for every section, every partner tab (for a candidate, a partner in
onboarding and an active partner), the live session and the main dialogs. Without ``--db`` it builds a
small demo database in a temporary folder (the app's settings go there too, so nothing of the user's is read
or changed). Runs offscreen unless QT_QPA_PLATFORM says otherwise; the offscreen screen is given the
largest size asked for, and every window is fitted to the size being rendered.

A screen that cannot be rendered (say, a dialog whose constructor changed) is reported and skipped: the tool
renders what it can and exits with status 1 if anything was skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import traceback
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_environment(sizes: list[tuple[int, int]], workdir: Path) -> None:
    os.environ["TANDEM_DATA_DIR"] = str(workdir / "userdata")
    if "QT_QPA_PLATFORM" not in os.environ:
        width = max(w for w, _h in sizes)
        height = max(h for _w, h in sizes)
        config = workdir / "screen.json"
        config.write_text(json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width,
                                                   "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                   "dpr": 1}]}))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Renderer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.failures: list[str] = []
        self.written: list[Path] = []

    def settle(self) -> None:
        """Let background loads finish and their results lay out (a screen is not shot half-filled)."""
        from PySide6.QtCore import QThreadPool
        from PySide6.QtWidgets import QApplication

        for _ in range(3):
            QThreadPool.globalInstance().waitForDone(10_000)
            for _ in range(5):
                QApplication.processEvents()

    def save(self, widget, name: str) -> None:
        self.settle()
        path = self.out / f"{name}.png"
        widget.grab().save(str(path))
        self.written.append(path)

    def attempt(self, name: str, render) -> None:
        try:
            render()
        except Exception:  # a screen that cannot be shown is reported; the others still render
            self.failures.append(f"{self.out.name}/{name}: {traceback.format_exc(limit=3)}")


def _demo_database(workdir: Path) -> Path:
    from app.services import build_services
    from app.services.database import open_database
    from app.services.demo import DemoOptions, generate_demo

    path = workdir / "demo.sqlite"
    db = open_database(path)
    services = build_services(db)
    services.identity.set_names("Mira Holm", "Field laptop")
    generate_demo(db, DemoOptions(partners=40, months=18, seed=7, as_of=date.today()))
    db.close()
    return path


def render_size(services, size: tuple[int, int], out: Path, only: set[str]) -> Renderer:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QDialog

    from app.models.enums import PartnerStatus, SessionStatus
    from app.services.partners import PartnerQuery
    from app.ui.bus import ChangeBus
    from app.ui.main_window import MainWindow
    from app.ui.sections import SECTIONS

    from app.paths import user_data_dir

    out.mkdir(parents=True, exist_ok=True)
    (user_data_dir() / "ui.ini").unlink(missing_ok=True)  # every size opens as a first start would
    r = Renderer(out)
    screen = QRect(0, 0, *size)
    bus = ChangeBus(services.db.feed)
    window = MainWindow(services, bus, screen=screen)
    window.showNormal()
    window.setGeometry(screen)
    r.settle()

    if "main" in only:
        for title, _factory in SECTIONS:
            r.attempt(f"section-{_slug(title)}", lambda t=title: (window.show_section(t),
                                                                    r.save(window, f"section-{_slug(t)}")))
        partners = window.show_section("Partners")
        for kind, status in (("candidate", PartnerStatus.CANDIDATE), ("onboarding", PartnerStatus.ONBOARDING),
                             ("active", PartnerStatus.ACTIVE)):
            rows = services.partners.page(PartnerQuery(statuses=(status,)), limit=1)
            if not rows:
                continue
            window.open_partner(rows[0].id)
            tabs = partners.page.tabs
            for i in range(tabs.count()):
                name = f"partner-{kind}-{_slug(tabs.tabText(i))}"
                r.attempt(name, lambda i=i, name=name: (tabs.setCurrentIndex(i), r.save(window, name)))
        window.show_section("Partners")
        r.attempt("new-partner", lambda: (window.show_section("Partners").new_partner(),
                                          r.save(window, "new-partner")))

    if "live" in only:
        def live() -> None:
            from app.ui.coaching.live import LiveSessionWindow

            rows = services.coaching.list(statuses=(SessionStatus.ENDED,), limit=1)
            w = LiveSessionWindow(services, bus, rows[0].id, screen=screen)
            w.show()
            r.save(w, "live-session")
            w.close()
        r.attempt("live-session", live)

    if "dialogs" in only:
        def dialog(name: str, build) -> None:
            def render() -> None:
                d: QDialog = build()
                d.show()
                if d.width() > size[0] or d.height() > size[1]:
                    d.resize(min(d.width(), size[0]), min(d.height(), size[1]))
                r.save(d, f"dialog-{name}")
                d.close()
                d.deleteLater()
            r.attempt(f"dialog-{name}", render)

        active = services.partners.page(PartnerQuery(statuses=(PartnerStatus.ACTIVE,)), limit=1)[0]
        ended = services.coaching.list(statuses=(SessionStatus.ENDED,), limit=1)[0]

        def plan_session():
            from app.ui.coaching.plan_dialog import PlanSessionDialog
            return PlanSessionDialog(services, active.id, parent=window)

        def end_session():
            from app.ui.coaching.end_dialog import EndSessionDialog
            return EndSessionDialog(services, ended.id, window)

        def csv_import():
            from app.ui.measurements.csv_import import CsvImportDialog
            return CsvImportDialog(services, bus, window)

        def export_package():
            from app.ui.sync.dialogs import ExportDialog
            return ExportDialog(services, bus, window)

        def shortcuts():
            from app.ui.help import ShortcutsDialog, window_shortcuts
            return ShortcutsDialog(window_shortcuts(window), window)

        def guide():
            from app.ui.help import UserGuideDialog
            return UserGuideDialog(window)

        def identity():
            from app.ui.first_run import IdentityDialog
            return IdentityDialog(services.identity, window, first_run=False)

        def print_settings():
            from app.ui.selection.dialogs import PrintSettingsDialog
            return PrintSettingsDialog(services, window)

        for name, build in (("plan-session", plan_session), ("end-session", end_session),
                            ("csv-import", csv_import), ("export-package", export_package),
                            ("keyboard-shortcuts", shortcuts), ("user-guide", guide), ("identity", identity),
                            ("print-settings", print_settings)):
            dialog(name, build)

    window.close()
    window.deleteLater()
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--sizes", default="1366x768,1920x1080", help="comma-separated WxH (default: %(default)s)")
    parser.add_argument("--db", type=Path, help="database to show (default: a fresh demo database)")
    parser.add_argument("--only", default="main,live,dialogs", help="main, live, dialogs (default: all)")
    args = parser.parse_args(argv)
    sizes = [tuple(int(n) for n in s.lower().split("x")) for s in args.sizes.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="tandem-screens-"))
    _setup_environment(sizes, workdir)

    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.services import build_services
    from app.services.database import open_database
    from app.ui.garbage import MainThreadCollector
    from app.ui.style import STYLE_SHEET
    from app.ui.wheel import install_wheel_guard

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)
    install_wheel_guard(app)
    # As in the app: the dashboard's workers must not free widgets (a collection in a worker thread deadlocked
    # the tool while it built a section).
    MainThreadCollector(app)
    for kind in ("question", "information", "warning", "critical"):  # nobody is there to answer
        setattr(QMessageBox, kind, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))

    db = open_database(args.db or _demo_database(workdir))
    services = build_services(db)
    failures, written = [], 0
    try:
        for size in sizes:
            r = render_size(services, size, args.out / f"{size[0]}x{size[1]}", set(args.only.split(",")))
            failures += r.failures
            written += len(r.written)
    finally:
        db.close()
    print(f"{written} screens written under {args.out}")
    for failure in failures:
        print(f"not rendered: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
