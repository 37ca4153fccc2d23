"""`tandem disputes list|raise|accept|reject`: challenge a measurement and settle the challenge.

The partner (in its own Tandem) raises a dispute about one measurement with the value it should have and why;
the dispute travels in packages like any record, and the lead accepts it (the value becomes the measurement) or
rejects it with a reason. See docs/kpis.md, "Disputes".
"""

from __future__ import annotations

import argparse

from app.cli.common import CommandError, add_db_option, opened, print_json, print_table
from app.services.errors import NotFound, ValidationError
from app.services.measurements import parse_kind, parse_number, parse_period


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("disputes", help="measurement disputes: list, raise, accept, reject",
                       description="A partner challenges a measurement (the value it should be, why, optionally "
                                   "a file); the lead accepts it (the value becomes the measurement) or rejects "
                                   "it with a reason. Disputes travel in export packages both ways.")
    add_db_option(p)
    verbs = p.add_subparsers(dest="verb", metavar="ACTION", required=True)

    q = verbs.add_parser("list", help="list disputes, open ones first")
    add_db_option(q)
    q.add_argument("--partner", metavar="NAME", help="only this partner's disputes")
    q.add_argument("--open", action="store_true", help="only open disputes")
    q.add_argument("--json", action="store_true", help="print a JSON list")
    q.set_defaults(func=run_list)

    q = verbs.add_parser("raise", help="dispute one measurement: the value it should be and why")
    add_db_option(q)
    q.add_argument("--partner", required=True, metavar="NAME", help="the partner whose measurement it is")
    q.add_argument("--kpi", required=True, metavar="CODE", help="the KPI's code or name")
    q.add_argument("--period", required=True, metavar="PERIOD", help="2026-10, 2026-Q3, 2026-W41 or a day")
    q.add_argument("--kind", metavar="KIND", help="week, month or quarter (for a day; default month)")
    q.add_argument("--value", required=True, metavar="NUMBER", help="the value the measurement should have")
    q.add_argument("--reason", required=True, metavar="TEXT", help="why the recorded value is wrong")
    q.add_argument("--attach", metavar="FILE", help="an evidence file (up to 25 MB)")
    q.add_argument("--json", action="store_true", help="print the dispute as JSON")
    q.set_defaults(func=run_raise)

    q = verbs.add_parser("accept", help="accept a dispute: its value becomes the measurement")
    add_db_option(q)
    q.add_argument("id", metavar="ID", help="the dispute's id (or its first characters)")
    q.add_argument("--note", default="", metavar="TEXT", help="a note for the partner")
    q.add_argument("--json", action="store_true", help="print the dispute as JSON")
    q.set_defaults(func=run_accept)

    q = verbs.add_parser("reject", help="reject a dispute, saying why")
    add_db_option(q)
    q.add_argument("id", metavar="ID", help="the dispute's id (or its first characters)")
    q.add_argument("--reason", required=True, metavar="TEXT", help="why (the partner reads it)")
    q.add_argument("--json", action="store_true", help="print the dispute as JSON")
    q.set_defaults(func=run_reject)


def _failed(exc: Exception) -> CommandError:
    return CommandError("; ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc))


def run_list(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner = services.partners.find(args.partner) if args.partner else None
        rows = services.disputes.list(partner.id if partner else None, open_only=args.open)
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    print_table(["Id", "Partner", "KPI", "Period", "Recorded", "Proposed", "Status", "Reason"],
                [[r.id[:8], r.partner_name, r.kpi_code, r.period_title, r.value_text(r.recorded_value),
                  r.value_text(r.proposed_value), r.status.value, _short(_why(r))] for r in rows])
    n_open = sum(1 for r in rows if r.is_open)
    print(f"\n{len(rows)} dispute{'s' if len(rows) != 1 else ''}, {n_open} open")
    return 0


def _why(r) -> str:
    text = r.reason
    if r.resolution_reason:
        text += f" | {r.status.value}: {r.resolution_reason}"
    return text


def run_raise(args: argparse.Namespace) -> int:
    try:
        kind = parse_kind(args.kind) if args.kind else None
        kind, start = parse_period(args.period, kind)
        value = parse_number(args.value)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    with opened(args) as services:
        try:
            partner = services.partners.find(args.partner)
            kpi = services.kpis.find(args.kpi)
            row = services.disputes.raise_dispute(partner.id, kpi.id, kind, start, value, args.reason,
                                                  attachment=args.attach)
        except (NotFound, ValidationError) as exc:
            raise _failed(exc) from exc
    return _done(args, row, f"Raised dispute {row.id[:8]}")


def run_accept(args: argparse.Namespace) -> int:
    with opened(args) as services:
        try:
            row = services.disputes.accept(services.disputes.find(args.id).id, args.note)
        except (NotFound, ValidationError) as exc:
            raise _failed(exc) from exc
    return _done(args, row, f"Accepted dispute {row.id[:8]}: the measurement is now "
                            f"{row.value_text(row.proposed_value)}")


def run_reject(args: argparse.Namespace) -> int:
    with opened(args) as services:
        try:
            row = services.disputes.reject(services.disputes.find(args.id).id, args.reason)
        except (NotFound, ValidationError) as exc:
            raise _failed(exc) from exc
    return _done(args, row, f"Rejected dispute {row.id[:8]}")


def _done(args: argparse.Namespace, row, headline: str) -> int:
    if args.json:
        print_json(row.as_json())
    else:
        print(f"{headline} ({row.partner_name}, {row.kpi_code} {row.period_title}: recorded "
              f"{row.value_text(row.recorded_value)}, proposed {row.value_text(row.proposed_value)}).")
    return 0


def _short(text: str, n: int = 50) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n - 1] + "…"
