"""Fixtures shared by every test: a fresh database file, the services over it, demo data.

Chain: tmp path -> `db` (opened, migrated, seeded) -> `services`. Service tests need no QApplication;
UI tests add pytest-qt's ``qtbot``. Qt runs offscreen.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Fixtures wider than one test (a module's main window) run outside `_private_data_dir`: they get a data
# folder of the run's own, so no settings file of the tester's, or of an earlier run, ever shapes a test.
_RUN_DATA_DIR = tempfile.mkdtemp(prefix="tandem-tests-")
os.environ["TANDEM_DATA_DIR"] = _RUN_DATA_DIR
atexit.register(shutil.rmtree, _RUN_DATA_DIR, ignore_errors=True)


# As in the app (app/ui/garbage.py): cycles are collected on the main thread only, never by a worker thread that
# happens to allocate, which could free widgets off the UI thread and crash or deadlock the run.
gc.disable()


@pytest.fixture(autouse=True)
def _collect_on_main_thread():
    yield
    from app.ui.garbage import collect_due

    collect_due()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Keys, settings files and default databases go to a temporary folder, never the tester's own."""
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))

from app.services import Services, build_services  # noqa: E402
from app.services.database import open_database  # noqa: E402

AS_OF = date(2026, 11, 23)  # demo data is built around this day in tests, so results never drift


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Path:
    """One migrated, seeded database copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = open_database(path)
    build_services(db)
    db.close()
    return path


@pytest.fixture
def db_path(tmp_path, _template_db) -> Path:
    path = tmp_path / "tandem.sqlite"
    shutil.copy(_template_db, path)
    return path


@pytest.fixture
def services(db_path) -> Services:
    db = open_database(db_path)
    services = build_services(db)
    yield services
    db.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory, _template_db) -> Path:
    from app.services.demo import DemoOptions, generate_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(_template_db, path)
    db = open_database(path)
    generate_demo(db, DemoOptions(partners=60, months=18, seed=7, as_of=AS_OF))
    db.close()
    return path


@pytest.fixture
def demo_services(tmp_path, _demo_template) -> Services:
    """Services over a copy of a small demo database (60 partners, 18 months), built around AS_OF."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(_demo_template, path)
    db = open_database(path)
    services = build_services(db)
    yield services
    db.close()
