"""Print the minutes of a coaching session: attendees, agenda, timestamped log, decisions, actions, experiments.

`python main.py report session --db PATH --partner NAME --out FILE.pdf [--session ID]` prints the partner's
latest session unless ``--session`` names another.
"""

from __future__ import annotations

import argparse

from app.cli.common import CommandError, opened
from app.cli.report import add_partner_and_out
from app.reports.session import write_minutes_pdf
from app.services.errors import NotFound


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)
    parser.add_argument("--session", metavar="ID", help="print this session instead of the partner's latest")


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        if args.session:
            try:
                session = services.coaching.get(args.session)
            except NotFound:
                raise CommandError(f"No coaching session with id {args.session}.") from None
            if session.partner_id != partner.id:
                raise CommandError(f"Session {args.session} is not a session of {partner.name}.")
        else:
            try:
                session = services.coaching.latest(partner.id)
            except NotFound:
                raise CommandError(f"{partner.name} has no coaching session yet: plan one in the partner's "
                                   "Sessions tab.") from None
        minutes = services.coaching.minutes(session.id)
        files = services.attachments.session_files(minutes)
    path = write_minutes_pdf(args.out, minutes, files)
    print(f"Wrote {path} (minutes of {minutes.session.title}, {partner.name})")
    return 0
