"""`tandem calendar`: write planned sessions, dated action items and milestones to an .ics calendar file."""

from __future__ import annotations

import argparse

from app.cli.common import add_db_option, opened
from app.services.calendar_export import export_calendar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calendar", help="export sessions, action items and milestones to an .ics file")
    add_db_option(p)
    p.add_argument("--out", required=True, metavar="FILE.ics", help="the calendar file to write (replaced)")
    p.add_argument("--partner", metavar="NAME", help="only this partner (default: everything)")
    p.add_argument("--all-day-events", action="store_true",
                   help="write action items and milestones as all-day events instead of to-dos "
                        "(for calendar apps that do not show to-dos)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with opened(args) as services:  # writes the remembered SEQUENCEs
        partner_id = services.partners.find(args.partner).id if args.partner else None
        result = export_calendar(services.db.sessions, args.out, partner_id, todos_as_events=args.all_day_events)
    print(f"Wrote {result.path} ({result.scope}): {result.events} event{'s' if result.events != 1 else ''}, "
          f"{result.todos} to-do{'s' if result.todos != 1 else ''}")
    return 0
