"""Print a partner's pre-read: scorecard with trends, open actions on both sides, experiments, plan, last session.

`python main.py report brief --db PATH --partner NAME --out FILE.pdf`
"""

from __future__ import annotations

import argparse

from app.cli.common import opened
from app.cli.report import add_partner_and_out
from app.reports.brief import write_brief_pdf
from app.services.brief import gather_brief


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        data = gather_brief(services, partner.id)
        paper = services.settings.paper_size()
    path = write_brief_pdf(args.out, data, paper=paper)
    print(f"Wrote {path} (pre-read of {partner.name})")
    return 0
