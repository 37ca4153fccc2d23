"""Regenerate the initial migration from the models (developers only, until the first release ships).

Until a release has shipped, the schema is one initial revision that matches the models exactly
(tests/models/test_migrations.py checks that). Run this after changing a model:

    python tools/regen_initial_migration.py

After the first release, never rewrite a shipped revision: add a new one with
`alembic revision --autogenerate -m "what changed"`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VERSIONS = ROOT / "app" / "migrations" / "versions"
REVISION = "0001_initial"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set_main_option("script_location", str(ROOT / "app" / "migrations"))
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/empty.sqlite")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id=REVISION)
    (generated,) = VERSIONS.glob("0001_*.py")
    target = VERSIONS / f"{REVISION}.py"
    text = generated.read_text()
    # Fixed header date: the file must come out the same for the same models.
    lines = [("Create Date: (generated from the models)" if ln.startswith("Create Date:") else ln)
             for ln in text.splitlines()]
    generated.unlink()
    target.write_text("\n".join(lines) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
