"""Sync benchmark: export and import of the full-size demo database, beside raw sqlite3 inserting the same rows.

Run by hand (several minutes; writes a few GB under --work):

    python bench/bench_sync.py [--reuse] [--partners 1000,5000] [--months 60] [--work DIR]

For each size (a demo database generated under --work, or reused with --reuse) it prints the store's size,
bytes per measurement with its indexes (SQLite's dbstat) beside the limit of 300, and then:

Each phase runs in its own process so its peak memory (ru_maxrss) is its own:
- export of everything (one package of the whole database);
- raw sqlite3: the same rows (every syncable table of the package) inserted with executemany into an empty
  database with the same schema, indexes and pragmas, in one transaction: the physical limit;
- import of the package into a fresh database (one transaction, after nothing to back up);
- import of the same package again (the reported no-op: every record compared, nothing written);
- import of a small scoped package (50 partners), to show that memory does not grow with the package size.
The limits (issue 10): at most 300 bytes per measurement, import at most 2x the raw insert, re-import at
most 0.25x the first import; peak memory bounded by a batch, not by the package size.
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
    written = [c for c in spec.columns if c not in spec.generated]
    cur = src.execute("SELECT " + ", ".join(chr(34) + c + chr(34) for c in written) + " FROM " + chr(34) + spec.name + chr(34))
    sql = spec.insert_sql
    while rows := cur.fetchmany(2000):
        rows = [row + (0,) for row in rows]  # the local change sequence
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


BYTES_LIMIT = 300
IMPORT_LIMIT = 2.0
REIMPORT_LIMIT = 0.25


def bytes_per_measurement(db: Path) -> tuple[int, float]:
    """(measurements, bytes each with the table's indexes), from SQLite's dbstat."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        n = conn.execute("SELECT count(*) FROM measurements").fetchone()[0]
        size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN "
                            "(SELECT name FROM sqlite_master WHERE tbl_name = 'measurements')").fetchone()[0]
    finally:
        conn.close()
    return n, size / max(1, n)


def run_size(partners: int, months: int, work: Path, reuse: bool, env: dict) -> dict:
    db = work / f"source-{partners}.sqlite"
    if not (reuse and db.exists()):
        db.unlink(missing_ok=True)
        print(f"generating the demo database ({partners} partners, {months} months)…")
        subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(db), "--partners",
                        str(partners), "--months", str(months)], check=True, env=env, stdout=subprocess.DEVNULL)
    n, per = bytes_per_measurement(db)
    print(f"== {partners:,} partners: {db.name} {db.stat().st_size / 1e6:.0f} MB, {n:,} measurements, "
          f"{per:.0f} bytes each with indexes (limit {BYTES_LIMIT})")

    package = work / f"everything-{partners}.tandem"
    ex = child(export_code(db, package), env)
    size = package.stat().st_size
    print(f"export everything:   {ex['seconds']:7.1f} s  {ex['records']:>10,} records "
          f"({ex['measurements']:,} measurements)  package {size / 1e6:.0f} MB  peak RSS {ex['rss_mb']:.0f} MB")

    raw_db = work / "raw.sqlite"
    for p in (raw_db, Path(str(raw_db) + "-wal"), Path(str(raw_db) + "-shm")):
        p.unlink(missing_ok=True)
    raw = child(raw_code(db, raw_db), env)
    print(f"raw sqlite3 insert:  {raw['seconds']:7.1f} s  {raw['rows']:>10,} rows (the limit)"
          f"                 peak RSS {raw['rss_mb']:.0f} MB")

    target = work / "target.sqlite"
    fresh_db(target, env)
    im = child(import_code(target, package), env)
    t = im["total"]
    print(f"import into empty:   {im['seconds']:7.1f} s  {t['new']:>10,} new, {t['unchanged']:,} unchanged, "
          f"{t['conflicts']} conflicts, {t['rejected']} rejected  peak RSS {im['rss_mb']:.0f} MB "
          f"(after opening: {im['rss_before_mb']:.0f} MB)")
    again = child(import_code(target, package), env)
    print(f"re-import (no-op):   {again['seconds']:7.1f} s  {again['total']['unchanged']:>10,} unchanged"
          f"                 peak RSS {again['rss_mb']:.0f} MB")

    small = work / "fifty.tandem"
    exs = child(export_code(db, small, partners=50), env)
    small_target = work / "small-target.sqlite"
    fresh_db(small_target, env)
    ims = child(import_code(small_target, small), env)
    print(f"scoped 50 partners:  export {exs['seconds']:.1f} s, {exs['records']:,} records; import "
          f"{ims['seconds']:.1f} s, peak RSS {ims['rss_mb']:.0f} MB  (full import: {im['rss_mb']:.0f} MB for "
          f"{ex['records'] / max(1, exs['records']):.0f}x the records)")
    for p in (package, small):
        p.unlink(missing_ok=True)
    return {"partners": partners, "bytes": per, "import_ratio": im["seconds"] / raw["seconds"],
            "reimport_ratio": again["seconds"] / im["seconds"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reuse", action="store_true", help="reuse the demo databases under --work if they exist")
    ap.add_argument("--partners", default="1000,5000", help="sizes to measure, comma-separated")
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "sync")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("TANDEM_DATA_DIR", str(args.work / "userdata"))
    args.work.mkdir(parents=True, exist_ok=True)
    results = [run_size(int(n), args.months, args.work, args.reuse, env) for n in args.partners.split(",")]
    shutil.rmtree(args.work / "userdata" / "backups", ignore_errors=True)

    print("\nsummary                 bytes/measurement   import / raw   re-import / import")
    print(f"limit                   {BYTES_LIMIT:>17}   {IMPORT_LIMIT:>11.2f}x   {REIMPORT_LIMIT:>17.2f}x")
    for r in results:
        marks = ("ok" if r["bytes"] <= BYTES_LIMIT else "OVER", "ok" if r["import_ratio"] <= IMPORT_LIMIT else "OVER",
                 "ok" if r["reimport_ratio"] <= REIMPORT_LIMIT else "OVER")
        print(f"{r['partners']:>6,} partners       {r['bytes']:>13.0f} {marks[0]:<4}   {r['import_ratio']:>7.2f}x {marks[1]:<4}"
              f"   {r['reimport_ratio']:>13.2f}x {marks[2]}")


if __name__ == "__main__":
    main()
