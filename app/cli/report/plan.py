"""Print a partner's 30-60-90 success plan: a timeline, then each phase with its goals and milestones.

`python main.py report plan --db PATH --partner NAME --out FILE.pdf`
"""

from __future__ import annotations

import argparse

from app.cli.common import CommandError, opened
from app.cli.report import add_partner_and_out
from app.reports.plan import write_plan_pdf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        plan = services.plans.current(partner.id)
        if plan is None:
            raise CommandError(f"{partner.name} has no success plan yet: make one in the partner's "
                               "Success plan tab.")
    path = write_plan_pdf(args.out, plan)
    print(f"Wrote {path} (success plan of {partner.name})")
    return 0
