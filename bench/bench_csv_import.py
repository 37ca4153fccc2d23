"""Measurement import benchmark: time and peak memory growth of reading, checking and importing 100k rows.

Run by hand (about a minute):

    python bench/bench_csv_import.py [--rows 100000] [--xlsx] [--tracemalloc]

Builds a database with 250 partners in a temporary folder, writes a semicolon-separated, decimal-comma CSV
file (or an .xlsx workbook with --xlsx) of ``--rows`` distinct measurements, then reads, checks and imports
it as the dialog and `tandem measurements import` do. Prints each step's time and the peak memory growth of
the whole import beside the limit (200 MB at 100k rows): the growth of the process's peak resident size
(ru_maxrss; counts SQLite's own memory too), and with --tracemalloc also the peak of Python allocations
(slower: tracing doubles the times).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT_MB = 200


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<44} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="import an Excel workbook instead of CSV")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = parser.parse_args()

    from app.services import build_services
    from app.services.database import open_database
    from app.services.measurements import read_file, suggest_mapping
    from app.services.partners import PartnerData
    from app.services.spreadsheets import write_spreadsheet

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    os.environ["TANDEM_DATA_DIR"] = str(work / "data")
    db = open_database(work / "bench.sqlite")
    services = build_services(db)
    names = [services.partners.create(PartnerData(name=f"Zulieferer {i:03d} Prüftechnik GmbH")).name
             for i in range(250)]
    codes = [k.code for k in services.kpis.list()]
    months = [date(2018 + m // 12, m % 12 + 1, 1) for m in range(96)]
    rows = []
    for i in range(args.rows):
        p, rest = divmod(i, len(codes) * len(months))
        k, m = divmod(rest, len(months))
        value = f"{(i % 9000) / 100 + 1:.2f}".replace(".", ",")  # decimal comma, 1,00..90,99
        rows.append([names[p % len(names)], codes[k], months[m].strftime("%Y-%m"), value, "Prüfung"])
    path = work / ("values.xlsx" if args.xlsx else "values.csv")
    headers = ["Lieferant", "Kennzahl", "Monat", "Wert", "Bemerkung"]
    if args.xlsx:
        write_spreadsheet(path, headers, rows)
    else:
        with open(path, "w", encoding="cp1252", newline="") as fh:
            fh.write(";".join(headers) + "\r\n")
            fh.writelines(";".join(r) + "\r\n" for r in rows)
    del rows
    print(f"{args.rows:,} rows, {path.stat().st_size / 2**20:.1f} MB {path.suffix} file, {len(names)} partners")

    if args.tracemalloc:
        tracemalloc.start()
    before = peak_rss_mb()
    start = time.perf_counter()
    table = timed("read (detect, parse, stream)", lambda: read_file(path))
    mapping = suggest_mapping(table.headers)
    mapping.update(partner="Lieferant", kpi="Kennzahl", period="Monat", value="Wert", note="Bemerkung")
    check = timed("check", lambda: services.measurements.check_import(table, mapping))
    done = timed("import (checks again, one transaction)", lambda: services.measurements.import_csv(table, mapping))
    total = time.perf_counter() - start
    growth = peak_rss_mb() - before
    print(f"  {'total':<44} {total:8.2f} s")
    print(f"  accepted {len(done.accepted):,}, rejected {len(done.rejected):,} (check said {len(check.accepted):,})")
    print(f"  peak memory growth (resident)            {growth:8.1f} MB   limit {LIMIT_MB} MB at 100k rows")
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        print(f"  peak Python allocations (tracemalloc)    {peak / 2**20:8.1f} MB   limit {LIMIT_MB} MB")
    db.close()
    return 0 if growth <= LIMIT_MB * args.rows / 100_000 else 1


if __name__ == "__main__":
    sys.exit(main())
