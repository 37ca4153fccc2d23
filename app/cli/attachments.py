"""`tandem attach` and `tandem attachments`: add evidence files to a partner's records, list and extract them."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import add_db_option, opened, print_json, print_table
from app.services.attachments import megabytes, parse_target


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attach", help="attach a file (photo, PDF, spreadsheet...) to a partner or one of its records")
    add_db_option(p)
    p.add_argument("--partner", required=True, metavar="NAME", help="the partner's name")
    p.add_argument("file", metavar="FILE", help="the file to attach (up to 25 MB)")
    p.add_argument("--to", metavar="KIND:ID", default="partner",
                   help="the record: checklist_item:ID, criterion_score:ID, decision_item:ID, log_entry:ID, "
                        "session:ID, experiment:ID, action_item:ID (default: the partner itself)")
    p.add_argument("--note", default="", metavar="TEXT", help="what the file shows")
    p.set_defaults(func=run_attach)

    p = sub.add_parser("attachments", help="list a partner's attached files, or copy them into a folder")
    add_db_option(p)
    p.add_argument("--partner", required=True, metavar="NAME", help="the partner's name")
    p.add_argument("--json", action="store_true", help="print JSON: each file's sha256, name, size, what it "
                                                       "is attached to")
    p.add_argument("--extract", metavar="DIR", help="copy every file into DIR (existing files are kept: a "
                                                   "copy gets a new name)")
    p.set_defaults(func=run_list)


def run_attach(args: argparse.Namespace) -> int:
    kind, record_id = parse_target(args.to)
    with opened(args) as services:
        partner = services.partners.find(args.partner)
        a = services.attachments.attach(partner.id, args.file, target_kind=kind, target_id=record_id,
                                        note=args.note)
    print(f"Attached {a.name} ({megabytes(a.size)}, sha256 {a.sha256[:12]}…) to {partner.name}"
          + ("" if kind == "partner" else f" ({kind} {record_id})"))
    return 0


def run_list(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner)
        rows = services.attachments.list(partner.id)
        extracted = services.attachments.extract(partner.id, args.extract) if args.extract else None
    if args.json:
        print_json([a.as_json() for a in rows])
    else:
        print_table(["Name", "Size", "Attached to", "Note", "sha256"],
                    [[a.name, megabytes(a.size), a.target_kind if a.target_kind == "partner"
                      else f"{a.target_kind}:{a.target_id}", a.note, a.sha256[:12]
                      + ("" if a.has_blob else " (file missing)")] for a in rows])
        print(f"\n{len(rows)} file{'s' if len(rows) != 1 else ''} attached to {partner.name}")
    if extracted is not None:
        print(f"Copied {len(extracted.written)} file{'s' if len(extracted.written) != 1 else ''} into "
              f"{args.extract}", file=sys.stderr if args.json else sys.stdout)
        for name in extracted.missing:
            print(f"Not copied: {name} (its file has not arrived on this laptop yet)",
                  file=sys.stderr)
    return 0
