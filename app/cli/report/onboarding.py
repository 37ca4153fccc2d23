"""Print a partner's onboarding checklist: items with status marks, owners, due dates and evidence.

`python main.py report onboarding --db PATH --partner NAME --out FILE.pdf [--all]`
"""

from __future__ import annotations

import argparse

from app.cli.common import CommandError, opened
from app.cli.report import add_partner_and_out
from app.reports.onboarding import write_onboarding_pdf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)
    parser.add_argument("--all", action="store_true",
                        help="every checklist of the partner (default: the current one)")


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        summaries = services.onboarding.checklists(partner.id)
        if not summaries:
            raise CommandError(f"{partner.name} has no onboarding checklist yet: start one in the partner's "
                               "Onboarding tab.")
        chosen = summaries if args.all else summaries[:1]
        checklists = [services.onboarding.get(x.id) for x in chosen]
        files = services.attachments.report_files(partner.id, ("checklist_item",))
    path = write_onboarding_pdf(args.out, checklists, files=files)
    print(f"Wrote {path} ({len(checklists)} checklist{'s' if len(checklists) != 1 else ''} of {partner.name})")
    return 0
