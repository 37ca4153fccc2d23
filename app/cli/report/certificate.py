"""Print a person's co-branded certificate for a learning track (A4 or Letter).

`python main.py report certificate --db PATH --partner NAME --person NAME --track NAME --out FILE.pdf
[--page-size a4|letter] [--our-company NAME]`
"""

from __future__ import annotations

import argparse

from app.cli.common import opened
from app.cli.report import add_partner_and_out
from app.reports.certificate import write_certificate_pdf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_partner_and_out(parser)
    parser.add_argument("--person", required=True, metavar="NAME", help="the certified person's name")
    parser.add_argument("--track", required=True, metavar="NAME", help="the learning track's name")
    parser.add_argument("--page-size", choices=["a4", "letter"], default=None,
                        help="paper (default: the paper chosen in Tandem's print settings)")
    parser.add_argument("--our-company", metavar="NAME", default=None,
                        help="our company's name as printed (default: the one set in the Learning section)")


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        data = services.learning.certificate(partner.id, args.person, args.track, args.our_company)
        page_size = args.page_size or services.settings.paper_size()
    path = write_certificate_pdf(args.out, data, page_size)
    print(f"Wrote {path} (certificate of {data.person}, {data.track_name})")
    return 0
