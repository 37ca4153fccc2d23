"""`tandem partners`: list the partner directory as a table or as JSON."""

from __future__ import annotations

import argparse
import logging
import sys

from app.cli.common import add_db_option, opened, print_json, print_table
from app.models.enums import PartnerKind, PartnerStatus, label
from app.services.partners import PartnerQuery, quadrant_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("partners", help="list partners (name, kind, tier, quadrant, status)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p.add_argument("--search", default="", help="only partners whose name contains this text")
    p.add_argument("--kind", choices=[k.value for k in PartnerKind], action="append", default=[])
    p.add_argument("--status", choices=[s.value for s in PartnerStatus], action="append", default=[])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    query = PartnerQuery(text=args.search, kinds=tuple(PartnerKind(k) for k in args.kind),
                         statuses=tuple(PartnerStatus(s) for s in args.status))
    skipped = _Skipped()
    log = logging.getLogger("app.services")
    log.addHandler(skipped)
    try:
        with opened(args, lock=False) as services:
            rows = services.partners.list(query)
    finally:
        log.removeHandler(skipped)
    # A value a hand edit or an older version left unreadable is shown empty, and said so.
    for message in skipped.messages:
        print(f"tandem: warning: {message}", file=sys.stderr)
    if skipped.messages:
        print("tandem: `tandem check` lists every such value and can repair them.", file=sys.stderr)
    if args.json:
        print_json([{"id": r.id, "name": r.name, "kind": _value(r.kind), "segment": r.segment, "tier": r.tier,
                     "quadrant": _value(r.quadrant), "status": _value(r.status), "annual_spend": r.annual_spend,
                     "currency": r.currency, "enablement_lead": r.enablement_lead} for r in rows])
    else:
        print_table(["Name", "Kind", "Tier", "Quadrant", "Status"],
                    [[r.name, _label(r.kind), _text(r.tier), quadrant_label(r.quadrant), _label(r.status)] for r in rows])
        print(f"\n{len(rows)} partner{'s' if len(rows) != 1 else ''}")
    return 0


class _Skipped(logging.Handler):
    """Collects the services' warnings about unreadable stored values (instead of Python's default output)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _value(v):
    return None if v is None else v.value


def _label(v) -> str:
    return "" if v is None else label(v)


def _text(v) -> str:
    return "" if v is None else str(v)
