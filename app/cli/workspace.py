"""`tandem workspace`: is this Tandem a partner's workspace (docs/sync.md, "The partner's workspace")?

Prints the partner and the lead who shared it, or says it is an ordinary Tandem. ``--leave`` makes a workspace an
ordinary Tandem again: every record stays, the libraries become editable and new partners may be added.
"""

from __future__ import annotations

import argparse

from app.cli.common import add_db_option, opened, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("workspace", help="show whether this Tandem is a partner's workspace (or leave it)",
                       description="A fresh Tandem whose first import is a lead's package scoped to one partner "
                                   "becomes that partner's workspace: only that partner, libraries read-only.")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the workspace as JSON (null for none)")
    p.add_argument("--leave", action="store_true",
                   help="make this Tandem an ordinary one again (records stay; libraries become editable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=args.leave) as services:
        ws = services.workspace.leave() if args.leave else services.workspace.current()
    if args.json:
        print_json(None if ws is None else {**ws.as_json(), **({"left": True} if args.leave else {})})
        return 0
    if ws is None:
        print("This Tandem is not a partner's workspace.")
        return 0
    since = f"{ws.since:%Y-%m-%d %H:%M} UTC"
    if args.leave:
        print(f"This Tandem is no longer {ws.partner_name}'s workspace (shared by {ws.lead} on {since}): "
              "its records stay, its libraries are editable again.")
        return 0
    device = f" ({ws.lead_device})" if ws.lead_device and ws.lead_device != ws.lead else ""
    print(f"{ws.partner_name}'s workspace, shared by {ws.lead}{device} on {since}.")
    print(f"It holds only {ws.partner_name}; the KPI library, playbooks, selection criteria, plan templates and "
          f"learning are kept by {ws.lead} and read-only here.")
    return 0
