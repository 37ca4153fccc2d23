"""`tandem export`, `tandem import` and `tandem conflicts`: sync between laptops through package files.

Exit codes of `import`: 0 imported (or previewed with --dry-run), 2 the package was refused (the database is
then byte-for-byte unchanged), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import EXIT_REFUSED, CommandError, add_db_option, opened, print_json, print_table
from app.services.errors import NotFound, ValidationError
from app.services.sync import PackageRefused, SyncError
from app.services.sync.importer import COUNT_KEYS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write an export package for another laptop",
                       description="Write a signed package with everything, or only some partners' records "
                                   "(and the shared libraries), optionally only what changed since the last "
                                   "export to the same recipient or since a date, optionally encrypted.")
    add_db_option(p)
    p.add_argument("--out", required=True, metavar="FILE", help="package file to write (suffix .tandem)")
    p.add_argument("--partner", action="append", default=[], metavar="NAME",
                   help="only this partner's records (repeat for several); default: everything")
    p.add_argument("--since", metavar="LAST|DATE",
                   help="only what changed since the last export to --recipient (LAST) or since a date")
    p.add_argument("--recipient", default="", metavar="NAME", help="who the package is for (for --since LAST)")
    p.add_argument("--passphrase-file", metavar="F", help="encrypt with the passphrase on the first line of F")
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="preview or import an export package from another laptop",
                       description="Verify a package (signature, hashes, scope), then merge it field by field "
                                   "in one transaction after a backup. Exit 0 imported/previewed, 2 refused "
                                   "(database unchanged), 1 other error.")
    add_db_option(p)
    p.add_argument("file", metavar="FILE", help="the package file")
    p.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    p.add_argument("--passphrase-file", metavar="F", help="the passphrase of an encrypted package, first line of F")
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    p.add_argument("--trust-new-signer", action="store_true",
                   help="trust the package's signer if this laptop has never seen it (check its fingerprint)")
    p.set_defaults(func=run_import)

    p = sub.add_parser("conflicts", help="list open sync conflicts (resolve them in the app)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p.set_defaults(func=run_conflicts)


def _passphrase(path: str | None) -> str | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read the passphrase file {path}: {exc.strerror}.") from exc
    phrase = text.splitlines()[0] if text else ""
    if not phrase:
        raise CommandError(f"The passphrase file {path} is empty.")
    return phrase


def run_export(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args.passphrase_file)
    with opened(args) as services:
        try:
            ids = [services.partners.find(name).id for name in args.partner] if args.partner else None
            result = services.sync.export(args.out, partner_ids=ids, since=args.since, recipient=args.recipient,
                                          passphrase=passphrase)
        except (SyncError, NotFound) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.errors.values()) if hasattr(exc, "errors") else str(exc)) from exc
        fp = services.sync.own_fingerprint()
    if result.note:
        print(f"Note: {result.note}")
    print(f"Wrote {result.path} ({result.total} records; scope: {result.scope}"
          f"{'; encrypted' if result.encrypted else ''}).")
    print(f"Package {result.package_id}, signed with key {fp}.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args.passphrase_file)
    if not Path(args.file).is_file():
        raise CommandError(f"{args.file} does not exist or is not a file.", EXIT_REFUSED)
    with opened(args) as services:
        try:
            if args.dry_run:
                result = services.sync.preview(args.file, passphrase)
            else:
                result = services.sync.import_package(args.file, passphrase, trust_new_signer=args.trust_new_signer)
        except PackageRefused as exc:
            raise CommandError(f"{exc} Nothing was changed.", EXIT_REFUSED) from exc
        except SyncError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        print_json(result.as_json())
    else:
        _print_result(result)
    if result.signer.status == "new" and args.dry_run and not args.trust_new_signer:
        print(f"New signer: {result.signer.label}. To import, check the fingerprint with its author and add "
              "--trust-new-signer.", file=sys.stderr)
    return 0


def _print_result(result) -> None:
    verb = "Preview of" if result.dry_run else "Imported"
    print(f"{verb} package {result.package_id} from {result.signer.label}")
    print(f"Scope: {result.scope}; made {result.created_at}")
    rows = [[t] + [str(c[k]) for k in COUNT_KEYS] for t, c in result.tables.items() if any(c.values())]
    rows.append(["TOTAL"] + [str(result.total[k]) for k in COUNT_KEYS])
    print_table(["Table", "New", "Updated", "Unchanged", "Conflicts", "Rejected"], rows)
    if result.no_op:
        when = f" (already imported on {result.already_imported_at:%Y-%m-%d %H:%M})" \
            if result.already_imported_at else ""
        print(f"\nNothing to change: this database already holds everything in the package{when}.")
    if result.rejections:
        print("\nRejected records:")
        for reason in result.rejections[:20]:
            print(f"  {reason}")
    if result.total["conflicts"]:
        print(f"\n{result.total['conflicts']} record(s) had conflicting edits; the newer value was kept on both "
              "laptops. Review them with `tandem conflicts` or in the app's Sync section.")
    if result.backup_path:
        print(f"\nBackup taken before the import: {result.backup_path}")


def run_conflicts(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        rows = services.sync.conflicts()
    if args.json:
        print_json([{"id": c.id, "table": c.table, "row_id": c.row_id, "record": c.record_label, "field": c.field,
                     "local_value": c.local_value, "incoming_value": c.incoming_value, "winner": c.winner,
                     "from": c.peer, "detected_at": c.detected_at.isoformat(timespec="seconds")} for c in rows])
        return 0
    print_table(["Id", "Record", "Field", "Mine", "Theirs", "Kept", "From"],
                [[str(c.id), f"{c.table}: {c.record_label}", c.field, _short(c.local_text), _short(c.incoming_text),
                  "mine" if c.winner == "local" else "theirs", c.peer] for c in rows])
    print(f"\n{len(rows)} open conflict{'s' if len(rows) != 1 else ''}")
    return 0


def _short(text: str, n: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n - 1] + "…"
