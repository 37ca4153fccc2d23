"""`tandem report KIND`: print a PDF report. Each kind lives in its own module under app/reports/."""

from __future__ import annotations

import argparse
from importlib import import_module

from app.cli.common import add_db_option

#: Report kind -> module exposing `add_arguments(parser)` and `run(args) -> int`.
REPORT_MODULES: dict[str, str] = {
    "selection": "app.reports.selection",
    "onboarding": "app.reports.onboarding",
    "plan": "app.reports.plan",
    "session": "app.reports.session",
    "scorecard": "app.reports.scorecard",
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
