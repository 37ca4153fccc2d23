"""Build the desktop bundle with PyInstaller into dist/tandem/ and print its size.

    pip install -e ".[installer]" && python installer/build.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main() -> int:
    subprocess.run([sys.executable, "-m", "PyInstaller", str(ROOT / "installer" / "tandem.spec"), "--noconfirm",
                    "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller")],
                   check=True, cwd=ROOT)
    bundle = ROOT / "dist" / "tandem"
    print(f"Built {bundle} ({folder_size(bundle) / 1e6:.0f} MB). Start it with: {bundle / 'tandem'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
