"""`tandem report KIND`: print a PDF report.

Each kind is a module of this package with a docstring (its first line is the kind's help), an
``add_arguments(parser)`` and a ``run(args) -> int`` that gathers the data through services and calls the
report's build function in app/reports/. Adding a kind is one line in `REPORT_MODULES` plus its module.
"""

from __future__ import annotations

import argparse
from importlib import import_module

from app.cli.common import add_db_option

#: Report kind -> module exposing `add_arguments(parser)` and `run(args) -> int`.
REPORT_MODULES: dict[str, str] = {
    "selection": "app.cli.report.selection",
    "onboarding": "app.cli.report.onboarding",
    "plan": "app.cli.report.plan",
    "session": "app.cli.report.session",
    "scorecard": "app.cli.report.scorecard",
    "certificate": "app.cli.report.certificate",
    "brief": "app.cli.report.brief",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="print a report to PDF")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, module_name in REPORT_MODULES.items():
        module = import_module(module_name)
        kp = kinds.add_parser(kind, help=module.__doc__.strip().splitlines()[0])
        add_db_option(kp)
        module.add_arguments(kp)
        kp.set_defaults(func=module.run)


def add_partner_and_out(parser: argparse.ArgumentParser) -> None:
    """The two options most kinds share: which partner, and the PDF file to write."""
    parser.add_argument("--partner", required=True, metavar="NAME", help="the partner's name")
    parser.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
