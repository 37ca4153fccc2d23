"""Attachment files in packages: export and import of a package carrying many megabytes of files, in bounded memory.

Run by hand (about a minute; writes ~1 GB under --work):

    python bench/bench_blobs.py [--files 8] [--mb 25] [--work DIR] [--encrypted]

A lead's database gets one partner with ``--files`` attachments of ``--mb`` MB each (random bytes: photos and
PDFs do not compress). Each phase runs in its own process so its peak memory (ru_maxrss) is its own:
- baseline: importing a package of the same partner with no files (what the process costs anyway);
- export of the package with every file (streamed into the zip, stored, each read in 1 MB chunks);
- preview of it into a fresh database (verifies every file, stores none);
- import of it into a fresh database (verifies, stages, publishes every file).
The limit: the peak of the export and import stays within 64 MB of the baseline, whatever the files add up to
(streaming: one chunk at a time, never a file or the package in memory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 64

PRELUDE = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from app.services import build_services
from app.services.database import open_database
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def child(code: str, env: dict) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON object as its last line."""
    proc = subprocess.run([sys.executable, "-c", PRELUDE + code], check=False, capture_output=True, text=True, env=env,
                          cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def setup_code(db: Path, files: int, mb: int) -> str:
    return f"""
import os
services = build_services(open_database({str(db)!r}))
services.identity.set_names("Lead", "lead-laptop")
from app.services.partners import PartnerData
pid = services.partners.create(PartnerData(name="Acme")).id
bare = {str(db.with_name('bare.tandem'))!r}
services.sync.export(bare)
for i in range({files}):
    services.attachments.attach_bytes(pid, f"photo {{i}}.jpg", os.urandom({mb} * 1024 * 1024 - i))
services.db.close()
print(json.dumps({{}}))
"""


def export_code(db: Path, out: Path, passphrase: str | None) -> str:
    return f"""
services = build_services(open_database({str(db)!r}))
t = time.perf_counter()
services.sync.export({str(out)!r}, passphrase={passphrase!r})
took = time.perf_counter() - t
services.db.close()
print(json.dumps({{"seconds": took, "rss_mb": rss_mb()}}))
"""


def import_code(db: Path, package: Path, passphrase: str | None, dry_run: bool) -> str:
    call = "preview" if dry_run else "import_package"
    trust = "" if dry_run else ", trust_new_signer=True"
    return f"""
services = build_services(open_database({str(db)!r}))
t = time.perf_counter()
result = services.sync.{call}({str(package)!r}, {passphrase!r}{trust})
took = time.perf_counter() - t
services.db.close()
print(json.dumps({{"seconds": took, "rss_mb": rss_mb(), "files": result.files.counts()}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--mb", type=int, default=25, help="size of each file (at most 25, the attachment limit)")
    parser.add_argument("--work", default="/tmp/tandem-bench-blobs")
    parser.add_argument("--encrypted", action="store_true", help="encrypt the package with a passphrase")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, TANDEM_DATA_DIR=str(work / "userdata"))
    passphrase = "bench passphrase" if args.encrypted else None

    lead = work / "lead.sqlite"
    child(setup_code(lead, args.files, args.mb), env)
    package = work / "files.tandem"
    base = child(import_code(work / "base.sqlite", work / "bare.tandem", None, False), env)
    exp = child(export_code(lead, package, passphrase), env)
    pre = child(import_code(work / "preview.sqlite", package, passphrase, True), env)
    imp = child(import_code(work / "field.sqlite", package, passphrase, False), env)

    total = args.files * args.mb
    print(f"{args.files} files, {total} MB of attachments; package {package.stat().st_size / 2**20:.0f} MB"
          f"{' (encrypted)' if args.encrypted else ''}")
    print(f"  baseline import (no files)  peak {base['rss_mb']:7.1f} MB")
    for name, r in (("export", exp), ("preview", pre), ("import", imp)):
        extra = r["rss_mb"] - base["rss_mb"]
        verdict = "ok" if extra <= LIMIT_MB else "OVER"
        print(f"  {name:<27} peak {r['rss_mb']:7.1f} MB  (+{extra:5.1f} MB over baseline, limit +{LIMIT_MB}: "
              f"{verdict})  {r['seconds']:5.1f} s  {total / max(r['seconds'], 1e-9):6.0f} MB/s")
    print(f"  files reported by the import: {imp['files']}")
    stored = sum(p.stat().st_size for p in (work / "field.sqlite.files").rglob("*") if p.is_file())
    print(f"  stored on the importing laptop: {stored / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
