"""`tandem agenda`: the week's agenda (overdue and due items, sessions, KPIs newly red) as text or JSON."""

from __future__ import annotations

import argparse
from datetime import date

from app.cli.common import CommandError, add_db_option, opened, print_json, print_table
from app.services.agenda import DEFAULT_DAYS, kind_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agenda", help="what is overdue, due and planned in the coming days")
    add_db_option(p)
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                   help=f"days ahead, today included (default {DEFAULT_DAYS}); overdue items are always listed")
    p.add_argument("--mine", action="store_true", help="only what is mine (see docs/agenda.md)")
    p.add_argument("--partner", metavar="NAME", help="only this partner")
    p.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print JSON: one list per kind")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise CommandError("--days must be 1 or more (1 is today only).")
    with opened(args, lock=False) as services:
        partner_id = services.partners.find(args.partner).id if args.partner else None
        agenda = services.agenda.week(args.days, args.today, only_mine=args.mine, partner_id=partner_id)
    if args.json:
        print_json({"today": agenda.today.isoformat(), "until": agenda.until.isoformat(),
                    **{kind: [x.as_json() for x in lines] for kind, lines in agenda.by_kind().items()}})
        return 0
    rows = [[("! " if x.overdue else "") + x.due.isoformat(), kind_label(x.kind), x.partner_name, x.title,
             x.owner or "—", "yes" if x.mine else ""] for x in agenda.lines]
    print_table(["Day", "What", "Partner", "Title", "Owner", "Mine"], rows)
    overdue = sum(x.overdue for x in agenda.lines)
    print(f"\n{len(rows)} line{'s' if len(rows) != 1 else ''} from {agenda.today} to {agenda.until}"
          f" ({overdue} overdue, marked !)")
    return 0
