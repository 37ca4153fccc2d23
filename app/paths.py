"""Where Tandem finds its resources and keeps its data.

`resource_path()` is the one way to reach files under resources/: it works from a checkout,
from an editable install and inside the PyInstaller bundle (which unpacks to sys._MEIPASS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from app import APP_NAME


def resource_path(*parts: str) -> Path:
    """Return the path of a file under resources/."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def user_data_dir() -> Path:
    """The per-user folder for the database, backups and keys (created on demand).

    ``TANDEM_DATA_DIR`` overrides it (tests, portable installs on a USB stick).
    """
    override = os.environ.get("TANDEM_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return user_data_dir() / "tandem.sqlite"
