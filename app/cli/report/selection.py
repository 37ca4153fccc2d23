"""Partner selection checklist and scorecard: filled in, or blank for the field.

`python main.py report selection --db PATH (--partner NAME [--blank] | --blank | --segment SEG --blank)
--out FILE.pdf [--paper a4|letter]`: a candidate's filled form, their blank field form, the generic blank
form, or blank forms for every candidate of a segment in one PDF.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import CommandError, opened
from app.reports.layout import PAGE_SIZES
from app.reports.selection import write_blank, write_filled
from app.services.errors import NotFound


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partner", metavar="NAME", help="the candidate partner (name, or a unique part of it)")
    parser.add_argument("--segment", metavar="SEG", help="with --blank: a form for every candidate of the segment")
    parser.add_argument("--blank", action="store_true",
                        help="a blank field form to fill in by hand (generic without --partner)")
    parser.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    parser.add_argument("--paper", choices=sorted(PAGE_SIZES), help="paper size (default: from settings)")


def run(args: argparse.Namespace) -> int:
    if args.partner and args.segment:
        raise CommandError("Give --partner or --segment, not both.")
    if args.segment and not args.blank:
        raise CommandError("--segment prints blank field forms: add --blank.")
    if not (args.partner or args.blank):
        raise CommandError("Say which partner (--partner NAME), or ask for a blank form (--blank).")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise CommandError(f"The folder {out.parent} does not exist.")
    with opened(args, lock=False) as services:
        paper = args.paper or services.settings.paper_size()
        if args.segment:
            segments = services.partners.segments()
            if args.segment not in segments:
                raise CommandError(f"No segment called '{args.segment}'. Segments: {', '.join(segments)}.")
            try:
                forms = services.selection.blank_forms(args.segment)
            except NotFound as exc:
                raise CommandError(str(exc)) from exc
            write_blank(out, forms, paper)
        elif args.partner:
            partner = services.partners.find(args.partner)
            if args.blank:
                write_blank(out, [services.selection.blank_form(partner.id)], paper)
            else:
                assessment = services.selection.for_partner(partner.id)
                if assessment is None:
                    raise CommandError(f"{partner.name} has no selection assessment yet: print a blank field "
                                       "form instead.")
                write_filled(out, assessment, paper)
        else:
            write_blank(out, [services.selection.blank_form(None)], paper, subtitle="Blank form")
    print(f"Wrote {out}")
    return 0
