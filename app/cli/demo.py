"""`tandem demo`: fill a database with realistic, varied, deterministic demo data."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

from app.cli.common import CommandError, add_db_option, opened


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="fill a database with demo data (deterministic for a seed and date)")
    add_db_option(p)
    p.add_argument("--partners", type=int, default=200, metavar="N", help="number of partners (default 200)")
    p.add_argument("--months", type=int, default=24, metavar="M", help="months of measurements (default 24)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="DATE",
                   help="the 'today' the data is built around (default: today)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.services.demo import DemoOptions, generate_demo

    if args.partners < 1 or args.months < 1:
        raise CommandError("--partners and --months must be at least 1")
    started = time.perf_counter()
    with opened(args) as services:
        if services.partners.count() > 0:
            raise CommandError(f"{services.db.path} already holds partners; demo data goes into a new database")

        def progress(step: str) -> None:
            print(f"  {step}", file=sys.stderr)

        counts = generate_demo(services.db, DemoOptions(args.partners, args.months, args.seed, args.as_of),
                               progress)
    print(f"Demo data written to {services.db.path} in {time.perf_counter() - started:.1f} s:")
    for table, n in counts.items():
        print(f"  {n:>9,}  {table}")
    return 0
