"""`tandem visit`: write one folder with a partner's pre-read, session agenda, field forms and scoped package."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_db_option, opened
from app.cli.sync import _passphrase
from app.reports.brief import VISIT_DOCUMENTS
from app.services.visit import prepare_visit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("visit", help="prepare a folder to take to a partner's site")
    add_db_option(p)
    p.add_argument("--partner", required=True, metavar="NAME", help="the partner's name")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to create (must not exist, or be empty)")
    p.add_argument("--passphrase-file", metavar="F", help="encrypt the package with the passphrase on the first "
                                                        "line of F")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args.passphrase_file)
    with opened(args) as services:  # the package export records itself in the sync history
        partner = services.partners.find(args.partner)
        folder = prepare_visit(services, partner.id, Path(args.out), VISIT_DOCUMENTS, passphrase=passphrase)
    print(f"Wrote {folder.path} for {partner.name}:")
    for name in folder.files:
        print(f"  {name}")
    for text in folder.skipped:
        print(f"  (not included) {text}")
    return 0
