"""`tandem check`: list stored values the app cannot read, and repair or quarantine them.

At a terminal, without --repair or --quarantine, it offers both after the list. Exit code 0 when the database is sound (or everything found was fixed), 2 when bad values remain.
"""

from __future__ import annotations

import argparse
import sys

from app.cli.common import EXIT_OK, EXIT_REFUSED, add_db_option, opened, print_json, print_table
from app.services.checkup import IntegrityService


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="find stored values Tandem cannot read; repair or quarantine them",
                       description="Reads every table and lists each value an older version or a hand edit left "
                                   "unreadable: table, row, field and why.")
    add_db_option(p)
    p.add_argument("--table", action="append", default=[], help="only this table; may be repeated")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.add_argument("--deleted", action="store_true", help="also check deleted rows (tombstones)")
    fix = p.add_mutually_exclusive_group()
    fix.add_argument("--repair", action="store_true",
                     help="set each bad value to its field's default (or empty), as an edit that syncs")
    fix.add_argument("--quarantine", action="store_true",
                     help="copy each affected row to <database>.quarantine.jsonl, then delete it (a tombstone)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fixing = args.repair or args.quarantine
    with opened(args, lock=fixing) as services:
        checkup = IntegrityService(services.db)
        found = checkup.scan(args.table or None, live_only=not args.deleted)
        if args.json and not fixing:
            print_json([{"table": p.table, "row": p.row_id, "field": p.field, "value": p.value,
                         "reason": p.reason} for p in found])
            return EXIT_REFUSED if found else EXIT_OK
        if not found:
            print("No problems found: every stored value can be read.")
            return EXIT_OK
        print_table(["Table", "Row", "Field", "Problem", "Found"],
                    [[p.table, p.row_id, p.field, p.reason, p.value] for p in found])
        rows = len({(p.table, p.row_id) for p in found})
        print(f"\n{len(found)} bad value{'s' if len(found) != 1 else ''} in {rows} row{'s' if rows != 1 else ''}.")
        if args.repair:
            result = checkup.repair(found)
            print(f"Repaired {len(result.repaired)} value(s) (set to the field's default or empty).")
            for p in result.left:
                print(f"Not repaired: {p.table} row {p.row_id}, field {p.field} has no default; "
                      f"use --quarantine for this row.")
            return EXIT_REFUSED if result.left else EXIT_OK
        if args.quarantine:
            result = checkup.quarantine(found)
            print(f"Quarantined {result.rows} row(s): copied to {result.path}, then deleted.")
            for p in result.left:
                print(f"Not quarantined: {p.table} row {p.row_id} is a local table row; use --repair.")
            return EXIT_REFUSED if result.left else EXIT_OK
        answer = _ask() if not args.json and sys.stdin.isatty() else ""
        if answer == "r":
            args.repair = True
        elif answer == "q":
            args.quarantine = True
        else:
            print("Run again with --repair (defaults) or --quarantine (copy aside, then delete) to fix them.")
            return EXIT_REFUSED
    return run(args)  # the user's answer: fix what was listed, as the option would


def _ask() -> str:
    """At a terminal, offer the two fixes; '' (change nothing) unless the user picks one."""
    try:
        reply = input("Repair them (r: defaults, an edit that syncs), quarantine them (q: copy aside, then "
                      "delete), or leave them as they are (Enter)? ")
    except EOFError:
        return ""
    return reply.strip().lower()[:1]
