"""Print a partner's KPI scorecard: composite, alerts, the KPI table with statuses, and a trend chart per KPI.

`python main.py report scorecard --db PATH --partner NAME --out FILE.pdf`
"""

from __future__ import annotations

import argparse

from app.cli.common import opened
from app.cli.report import add_partner_and_out
from app.reports.scorecard import write_scorecard_pdf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        card = services.scorecards.partner_scorecard(partner.id)
        trends = [services.scorecards.trend(partner.id, r.kpi_id) for r in card.rows if r.latest_value is not None]
        paper = services.settings.paper_size()
    path = write_scorecard_pdf(args.out, card, trends, page_size=paper)
    print(f"Wrote {path} (KPI scorecard of {partner.name}: {len(card.rows)} KPIs)")
    return 0
