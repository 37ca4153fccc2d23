"""Foundation benchmark: demo generation at full size, opening the app, filtering the directory.

Run by hand (it takes a minute or two and writes about 700 MB):

    python bench/bench_foundation.py [--db bench/out/big.sqlite] [--reuse] [--partners 5000] [--months 60]

Prints, in one run so the figures share the machine's mood:
- demo generation time, and raw sqlite3 inserting the same number of measurement rows into a table of the
  same shape (same columns and indexes, same pragmas): the physical limit to compare against;
- time from opening the database to the main window shown with the directory filled (offscreen Qt);
- time to filter the directory: search-as-you-type steps, a kind filter, a sort.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<52} {elapsed * 1000:10.1f} ms")
    return result, elapsed


def raw_measurement_insert(n: int) -> float:
    """Insert n rows shaped like `measurements` with plain sqlite3: the floor for demo generation."""
    from sqlalchemy import create_engine
    from sqlalchemy.schema import CreateIndex, CreateTable

    from app.models import Base
    from app.services.database import CACHE_SIZE

    table = Base.metadata.tables["measurements"]
    engine = create_engine("sqlite://")
    ddl = [str(CreateTable(table).compile(engine))]
    ddl += [str(CreateIndex(ix).compile(engine)) for ix in table.indexes]
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size={CACHE_SIZE}")
        conn.execute("PRAGMA foreign_keys=OFF")  # no partners/kpis tables here to point at
        for stmt in ddl:
            conn.execute(stmt)
        rng = random.Random(1)
        partner_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(5000)]
        kpi_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(12)]
        rev = "0001795453170004.00000." + "d" * 32
        columns = [c.name for c in table.columns]
        sample = {"period_kind": "month", "note": "", "rev": rev, "field_revs": "{}", "seen_revs": "{}",
                  "base_revs": "{}", "updated_at": "2026-11-23 17:00:00.000000", "updated_by": "d" * 32,
                  "deleted_at": None}
        assert set(columns) - set(sample) == {"id", "partner_id", "kpi_id", "period_start", "value"}, columns
        rows = []
        for i in range(n):
            sample.update(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), partner_id=partner_ids[i % 5000],
                          kpi_id=kpi_ids[i % 12], period_start=f"20{20 + i % 6}-{1 + i % 12:02d}-01",
                          value=rng.random() * 100)
            rows.append(tuple(sample[c] for c in columns))
        sql = f"INSERT INTO measurements ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        start = time.perf_counter()
        for i in range(0, n, 50_000):
            conn.executemany(sql, rows[i:i + 50_000])
            conn.commit()
        elapsed = time.perf_counter() - start
        conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "big.sqlite"))
    parser.add_argument("--reuse", action="store_true", help="reuse an existing database instead of generating")
    parser.add_argument("--partners", type=int, default=5000)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TANDEM_DATA_DIR", str(path.parent / "userdata"))

    from app.services import build_services
    from app.services.database import open_database
    from app.services.demo import DemoOptions, generate_demo

    print(f"Tandem foundation benchmark — {args.partners} partners, {args.months} months, {os.cpu_count()} cores")
    if not (args.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        db = open_database(path)
        build_services(db)
        counts, demo_s = timed("demo generation (all tables)", generate_demo, db,
                               DemoOptions(args.partners, args.months, seed=1))
        db.close()
        n = counts["measurements"]
        print(f"  {'':<52} {n:>10,} measurements, {sum(counts.values()):,} rows in all, "
              f"{path.stat().st_size / 1e6:,.0f} MB")
        raw_s = raw_measurement_insert(n)
        print(f"  {'raw sqlite3: same number of measurement rows':<52} {raw_s * 1000:10.1f} ms")
        print(f"  {'demo generation / raw insert':<52} {demo_s / raw_s:10.2f} x")

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.models.enums import PartnerKind
    from app.ui.bus import ChangeBus
    from app.ui.main_window import MainWindow

    def open_and_show():
        db = open_database(path)
        services = build_services(db)
        if not services.identity.get().is_set:
            services.identity.set_names("Bench", "bench")
        window = MainWindow(services, ChangeBus())
        window.show()
        section = window.section("Partners")
        section.directory.table.selectRow(0)
        app.processEvents()
        return db, window, section

    print("\nOpening")
    (db, window, section), _ = timed("open database + show main window with directory", open_and_show)
    directory = section.directory
    print(f"  {'':<52} {directory.model.rowCount():>10,} partners listed")

    print("\nFiltering the directory (each step: query + first page of rows)")
    for text in ("n", "no", "nor", "nord", "nordw", ""):
        def step(t=text):
            directory.search.setText(t)
            directory.apply_filters()
            directory.model.index(0, 0).data()
            app.processEvents()
            return directory.model.rowCount()
        rows, _ = timed(f"search '{text}'", step)
    def kind():
        directory.kind.setCurrentIndex(directory.kind.findData(PartnerKind.DISTRIBUTOR))
        app.processEvents()
        return directory.model.rowCount()
    timed("filter kind = distributor", kind)
    timed("sort by annual spend", lambda: (directory.table.sortByColumn(6, Qt.SortOrder.DescendingOrder),
                                          app.processEvents()))
    timed("scroll to the last row", lambda: (directory.table.scrollToBottom(), app.processEvents()))
    window.close()
    db.close()


if __name__ == "__main__":
    main()
