"""`tandem export`, `import`, `conflicts`, `signers` and `proposals`: sync between laptops through package files;
`tandem sync --hub URL` and `tandem key`: sync with the team hub (app/services/hub_sync.py).

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
    p.add_argument("--dry-run", action="store_true",
                   help="write nothing: show what the package would carry, table by table (what a partner will "
                        "see); with --list F, every record of it, readable, in F")
    p.add_argument("--list", metavar="F", help="with --dry-run: write the readable listing to F")
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
    p.add_argument("--trust-new-signer", nargs="?", const="team", default=False, metavar="ROLE",
                   help="trust the package's signer if this laptop has never seen it (check its fingerprint), "
                        "as 'team' (a colleague's laptop, the default) or 'partner:NAME' (that partner's own "
                        "Tandem: it may change only what the partner side owns)")
    p.set_defaults(func=run_import)

    p = sub.add_parser("signers", help="list the signers this laptop knows, change a role, revoke one",
                       description="Without options, list the signers with their roles. --role gives a signer "
                                   "another role; --revoke refuses its packages from now on.")
    add_db_option(p)
    p.add_argument("--device", metavar="ID", help="the signer's device id (or its first characters)")
    p.add_argument("--role", metavar="ROLE", help="'team' or 'partner:NAME'")
    p.add_argument("--revoke", metavar="REASON", help="refuse this signer's packages, saying why")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_signers)

    p = sub.add_parser("proposals", help="library changes proposed by partners: list, accept, decline",
                       description="A KPI definition or playbook step changed in a partner's Tandem arrives as "
                                   "a proposal; nothing changes until it is accepted.")
    add_db_option(p)
    p.add_argument("--accept", type=int, metavar="ID", help="apply this proposal as your own edit")
    p.add_argument("--decline", type=int, metavar="ID", help="decline this proposal")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_proposals)

    p = sub.add_parser("sync", help="sync with the team hub: send this laptop's changes, receive the team's",
                       description="Push what changed here since the hub's last acknowledgement, then pull and "
                                   "import what changed on the hub (each step all or nothing). The hub's address "
                                   "is remembered. Exit 0 synced, 2 refused (not enrolled, revoked, versions), "
                                   "1 anything else (offline…).")
    add_db_option(p)
    p.add_argument("--hub", metavar="URL", help="the hub's address (remembered; default: the last one used)")
    p.add_argument("--every", type=int, metavar="MINUTES",
                   help="remember to sync every MINUTES while the app is open (0: only when asked)")
    p.add_argument("--json", action="store_true", help="print what was sent and received as one JSON object")
    p.set_defaults(func=run_hub_sync)

    p = sub.add_parser("key", help="write this laptop's public key, for enrolment on a team hub")
    add_db_option(p)
    p.add_argument("--out", required=True, metavar="FILE", help="file to write (give it to whoever runs the hub)")
    p.set_defaults(func=run_key)

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
    if args.dry_run:
        return _export_preview(args)
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
    if result.skipped:
        print(f"Warning: {result.skipped_text}", file=sys.stderr)
    return 0


def _export_preview(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        try:
            ids = [services.partners.find(name).id for name in args.partner] if args.partner else None
            contents = services.sync.export_contents(partner_ids=ids, since=args.since, recipient=args.recipient)
        except (SyncError, NotFound) as exc:
            raise CommandError(str(exc)) from exc
    scope = "partners: " + ", ".join(args.partner) if args.partner else "everything"
    print(f"A package of {scope} would carry (nothing written):")
    print_table(["Table", "Records"], [[t, str(len(v))] for t, v in contents.items()]
                + [["TOTAL", str(sum(len(v) for v in contents.values()))]])
    if args.list:
        lines = [f"What this package carries ({scope})", ""]
        for table, labels in contents.items():
            lines += [f"{table.replace('_', ' ').capitalize()} ({len(labels)})"] + [f"  {x}" for x in labels] + [""]
        Path(args.list).write_text("\n".join(lines), encoding="utf-8")
        print(f"\nEvery record, readable: {args.list}")
    return 0


def _role(services, text: str) -> str:
    """A role as typed ("team", "partner:Acme") as the service takes it ("partner:<partner id>")."""
    kind, _, name = text.partition(":")
    if kind == "team" and not name:
        return "team"
    if kind != "partner" or not name:
        raise CommandError(f"A role is 'team' or 'partner:NAME', not '{text}'.")
    try:
        return f"partner:{services.partners.find(name).id}"
    except NotFound as exc:
        raise CommandError(str(exc)) from exc


def run_import(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args.passphrase_file)
    if not Path(args.file).is_file():
        raise CommandError(f"{args.file} does not exist or is not a file.", EXIT_REFUSED)
    with opened(args) as services:
        if args.trust_new_signer:
            args.trust_new_signer = _role(services, args.trust_new_signer)
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
    print_table(["Table", "New", "Updated", "Unchanged", "Conflicts", "Proposed", "Rejected"], rows)
    if result.no_op:
        when = f" (already imported on {result.already_imported_at:%Y-%m-%d %H:%M})" \
            if result.already_imported_at else ""
        print(f"\nNothing to change: this database already holds everything in the package{when}.")
    file_lines = result.files.lines(dry_run=result.dry_run)
    if file_lines:
        print("\nFiles:")
        for line in file_lines[:21]:
            print(f"  {line}")
        if len(file_lines) > 21:
            print(f"  … and {len(file_lines) - 21} more attachments without their file "
                  "(`tandem import --json` lists them all).")
    if result.rejections:
        print("\nRejected records:")
        for reason in result.rejections[:20]:
            print(f"  {reason}")
    if result.disputed:
        verb = "would arrive" if result.dry_run else "arrived"
        print(f"\n{result.disputed} open measurement dispute{'s' if result.disputed != 1 else ''} {verb} (new or "
              "changed): review them with `tandem disputes list --open` or on the partner's scorecard.")
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


def run_signers(args: argparse.Namespace) -> int:
    with opened(args, lock=not (args.role is None and args.revoke is None)) as services:
        rows = services.sync.signers()
        if args.role is not None or args.revoke is not None:
            if not args.device:
                raise CommandError("Name the signer with --device.")
            match = [r for r in rows if r.device_id.startswith(args.device)]
            if len(match) != 1:
                raise CommandError(f"No single signer's device id starts with '{args.device}'.")
            try:
                if args.role is not None:
                    services.sync.set_signer_role(match[0].device_id, _role(services, args.role))
                if args.revoke is not None:
                    services.sync.revoke_signer(match[0].device_id, args.revoke)
            except (NotFound, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            rows = services.sync.signers()
    if args.json:
        print_json([{"device_id": r.device_id, "name": r.name, "device_name": r.device_name,
                     "fingerprint": r.fingerprint, "role": r.role, "partner": r.partner_name or None,
                     "revoked": r.revoked_at is not None, "revoked_reason": r.revoked_reason} for r in rows])
        return 0
    print_table(["Device", "Name", "Laptop", "Key", "Role"],
                [[r.device_id[:8], r.name, r.device_name, r.fingerprint, r.role_text] for r in rows])
    return 0


def run_proposals(args: argparse.Namespace) -> int:
    with opened(args, lock=args.accept is not None or args.decline is not None) as services:
        try:
            if args.accept is not None:
                services.sync.accept_proposal(args.accept)
            if args.decline is not None:
                services.sync.decline_proposal(args.decline)
        except (NotFound, ValidationError) as exc:
            raise CommandError("; ".join(exc.errors.values()) if hasattr(exc, "errors") else str(exc)) from exc
        rows = services.sync.proposals()
    if args.json:
        print_json([{"id": p.id, "table": p.table, "row_id": p.row_id, "record": p.record_label, "new": p.is_new,
                     "changes": p.changes, "from": p.peer, "received_at": p.received_at.isoformat(timespec="seconds")}
                    for p in rows])
        return 0
    print_table(["Id", "Record", "Change", "From"],
                [[str(p.id), f"{p.table}: {p.record_label}" + (" (new)" if p.is_new else ""),
                  _short("; ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in p.changes.items()), 60), p.peer]
                 for p in rows])
    print(f"\n{len(rows)} open proposal{'s' if len(rows) != 1 else ''}")
    return 0


def _short(text: str, n: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n - 1] + "…"


def run_hub_sync(args: argparse.Namespace) -> int:
    from app.services.hub_sync import HubSyncError

    with opened(args) as services:
        if args.every is not None:
            services.hub.set_interval_minutes(args.every)
        try:
            result = services.hub.sync(args.hub)
        except HubSyncError as exc:
            code = EXIT_REFUSED if exc.reason in ("not_enrolled", "revoked", "hub_newer", "laptop_newer",
                                                  "refused", "too_large") else 1
            raise CommandError(str(exc), code) from exc
    if args.json:
        print_json({"hub": result.url, "pushed": result.pushed,
                    "pulled": result.pulled.as_json() if result.pulled else None,
                    "waiting_for": result.waiting_for})
        return 0
    print(result.summary)
    if result.pushed and result.pushed.get("rejections"):
        print("\nThe hub did not take:")
        for reason in result.pushed["rejections"][:20]:
            print(f"  {reason}")
    if result.pulled is not None:
        print()
        _print_result(result.pulled)
    return 0


def run_key(args: argparse.Namespace) -> int:
    from app.services.hub_sync import write_key_file

    with opened(args, lock=False) as services:
        fp = write_key_file(services.db, services.identity, args.out)
    print(f"Wrote this laptop's public key to {args.out} (fingerprint {fp}). Give it to whoever runs the hub: "
          "`tandem hub enrol --public-key FILE --role team|partner:NAME`.")
    return 0
