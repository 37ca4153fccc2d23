"""Sync benchmark: export and import of the full-size demo database, beside raw sqlite3 inserting the same rows.

Run by hand (several minutes; writes a few GB under --work):

    python bench/bench_sync.py [--db PATH] [--reuse] [--partners 5000] [--months 60] [--work DIR]

Each phase runs in its own process so its peak memory (ru_maxrss) is its own:
- export of everything (one package of the whole database);
- raw sqlite3: the same rows (every syncable table of the package) inserted with executemany into an empty
  database with the same schema, indexes and pragmas, in one transaction: the physical limit;
- import of the package into a fresh database (one transaction, after nothing to back up);
- import of the same package again (the reported no-op: every record compared, nothing written);
- import of a small scoped package (50 partners), to show that memory does not grow with the package size.
The goal: import within 3x the raw limit; peak memory bounded by a batch, not by the package size.
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
sys.path.insert(0, str(ROOT))


def child(code: str, env: dict) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON object as its last line. Adds its peak RSS."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


PRELUDE = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def export_code(db: Path, out: Path, partners: int | None = None) -> str:
    scope = ""
    if partners:
        scope = f"""
from sqlalchemy import select
from app.models import Partner
with services.db.sessions() as s:
    ids = list(s.scalars(select(Partner.id).order_by(Partner.name).limit({partners})))
"""
    return PRELUDE + f"""
from app.services import build_services
from app.services.database import open_database
services = build_services(open_database({str(db)!r}))
ids = None
{scope}
t = time.perf_counter()
r = services.sync.export({str(out)!r}, partner_ids=ids)
print(json.dumps({{"seconds": time.perf_counter() - t, "records": r.total, "rss_mb": rss_mb(),
                  "measurements": r.counts.get("measurements", 0)}}))
"""


def import_code(db: Path, package: Path) -> str:
    return PRELUDE + f"""
from app.services import build_services
from app.services.database import open_database
services = build_services(open_database({str(db)!r}))
base = rss_mb()
t = time.perf_counter()
r = services.sync.import_package({str(package)!r}, trust_new_signer=True)
print(json.dumps({{"seconds": time.perf_counter() - t, "total": r.total, "rss_mb": rss_mb(),
                  "rss_before_mb": base, "backup": str(r.backup_path or "")}}))
"""


def raw_code(src: Path, dst: Path) -> str:
    return PRELUDE + f"""
import sqlite3
from app.services.sync.tables import table_specs
src = sqlite3.connect({str(src)!r})
dst = sqlite3.connect({str(dst)!r}, isolation_level=None)
for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
    dst.execute("PRAGMA " + pragma)
for (sql,) in src.execute("SELECT sql FROM sqlite_master WHERE type IN ('table','index') AND sql IS NOT NULL "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC"):
    dst.execute(sql)
# Rows read beforehand in batches is what an import gets from its package; time only the inserts.
t_total = 0.0
n = 0
dst.execute("BEGIN")
for spec in table_specs().values():
    cur = src.execute(spec.select_sql)
    sql = spec.insert_sql
    while rows := cur.fetchmany(2000):
        t = time.perf_counter()
        dst.executemany(sql, rows)
        t_total += time.perf_counter() - t
        n += len(rows)
t = time.perf_counter()
dst.execute("COMMIT")
t_total += time.perf_counter() - t
print(json.dumps({{"seconds": t_total, "rows": n, "rss_mb": rss_mb()}}))
"""


def fresh_db(path: Path, env: dict) -> None:
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        p.unlink(missing_ok=True)
    child(PRELUDE + f"""
from app.services import build_services
from app.services.database import open_database
s = build_services(open_database({str(path)!r}))
s.identity.set_names("Bench", "bench-laptop")
s.db.close()
print("{{}}")
""", env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "sync-src.sqlite")
    ap.add_argument("--reuse", action="store_true", help="reuse --db if it exists (else it is generated)")
    ap.add_argument("--partners", type=int, default=5000)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "sync")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("TANDEM_DATA_DIR", str(args.work / "userdata"))
    args.work.mkdir(parents=True, exist_ok=True)
    if not (args.reuse and args.db.exists()):
        args.db.parent.mkdir(parents=True, exist_ok=True)
        args.db.unlink(missing_ok=True)
        print(f"generating the demo database ({args.partners} partners, {args.months} months)…")
        subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(args.db), "--partners",
                        str(args.partners), "--months", str(args.months)], check=True, env=env)
    print(f"source: {args.db} ({args.db.stat().st_size / 1e6:.0f} MB)")

    package = args.work / "everything.tandem"
    ex = child(export_code(args.db, package), env)
    size = package.stat().st_size
    print(f"export everything:   {ex['seconds']:7.1f} s  {ex['records']:>10,} records "
          f"({ex['measurements']:,} measurements)  package {size / 1e6:.0f} MB  peak RSS {ex['rss_mb']:.0f} MB")

    raw_db = args.work / "raw.sqlite"
    for p in (raw_db, Path(str(raw_db) + "-wal"), Path(str(raw_db) + "-shm")):
        p.unlink(missing_ok=True)
    raw = child(raw_code(args.db, raw_db), env)
    print(f"raw sqlite3 insert:  {raw['seconds']:7.1f} s  {raw['rows']:>10,} rows (the limit)"
          f"                 peak RSS {raw['rss_mb']:.0f} MB")

    target = args.work / "target.sqlite"
    fresh_db(target, env)
    im = child(import_code(target, package), env)
    t = im["total"]
    print(f"import into empty:   {im['seconds']:7.1f} s  {t['new']:>10,} new, {t['unchanged']:,} unchanged, "
          f"{t['conflicts']} conflicts, {t['rejected']} rejected  peak RSS {im['rss_mb']:.0f} MB "
          f"(after opening: {im['rss_before_mb']:.0f} MB)")
    print(f"  ratio import / raw: {im['seconds'] / raw['seconds']:.2f}x (goal: at most 3x)")
    again = child(import_code(target, package), env)
    print(f"re-import (no-op):   {again['seconds']:7.1f} s  {again['total']['unchanged']:>10,} unchanged"
          f"                 peak RSS {again['rss_mb']:.0f} MB")

    small = args.work / "fifty.tandem"
    exs = child(export_code(args.db, small, partners=50), env)
    small_target = args.work / "small-target.sqlite"
    fresh_db(small_target, env)
    ims = child(import_code(small_target, small), env)
    print(f"scoped 50 partners:  export {exs['seconds']:.1f} s, {exs['records']:,} records; import "
          f"{ims['seconds']:.1f} s, peak RSS {ims['rss_mb']:.0f} MB  (full import: {im['rss_mb']:.0f} MB for "
          f"{ex['records'] / max(1, exs['records']):.0f}x the records)")
    for folder in (args.work / "backups",):
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
