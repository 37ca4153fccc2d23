"""`tandem learning`: learning tracks and who holds which certification, as a table or JSON."""

from __future__ import annotations

import argparse

from app.cli.common import add_db_option, opened, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learning", help="learning tracks, and each person's progress and certification")
    add_db_option(p)
    p.add_argument("--partner", metavar="NAME", default=None, help="only this partner's people")
    p.add_argument("--json", action="store_true",
                   help='print {"tracks": [...], "people": [{"name", "partner", "side", "track", "completed", '
                        '"total", "certified_until"}...]}')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        partner_id = services.partners.find(args.partner).id if args.partner else None
        tracks = services.learning.tracks()
        versions = {t.id: services.learning.latest(t.id) for t in tracks}
        people = services.learning.progress(partner_id)
    if args.json:
        print_json({
            "tracks": [{"id": t.id, "name": t.name, "audience": t.audience, "version": t.latest_version,
                        "status": t.latest_status.value, "published_version": t.published_version,
                        "validity_months": t.validity_months,
                        "modules": [{"code": i.module_code, "title": i.module_title} for i in versions[t.id].items]}
                       for t in tracks],
            "people": [p.as_json() for p in people],
        })
        return 0
    print_table(["Track", "For", "Version", "Modules", "Valid for"],
                [[t.name, t.audience, f"v{t.latest_version} ({t.latest_status.value})", str(t.module_count),
                  f"{t.validity_months} months" if t.validity_months else "no expiry"] for t in tracks])
    print()
    print_table(["Person", "Partner", "Side", "Track", "Done", "Certified until"],
                [[p.person, p.partner_name, p.side.value, p.track_name, f"{p.completed}/{p.total}",
                  (p.certified_until.isoformat() if p.certified_until else "no expiry") if p.certified
                  else ("expired " + p.certified_until.isoformat() if p.certified_until else "-")]
                 for p in people])
    print(f"\n{len(people)} assignment{'s' if len(people) != 1 else ''}")
    return 0
