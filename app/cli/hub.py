"""`tandem hub init | enrol | revoke | signers | packages | serve`: run the team hub on PostgreSQL (app/hub).

Every subcommand takes ``--database-url postgresql://user:password@host/db`` (or ``TANDEM_HUB_DATABASE_URL``).
`serve` runs uvicorn with ``--workers N`` processes (each its own connection pool; pushes serialise in the
database), ``--root-path`` for a proxy serving the hub under a sub-path, and ``--max-push`` (docs/hub.md).
"""

from __future__ import annotations

import argparse
import os

from app.cli.common import CommandError, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help="run the team hub on PostgreSQL: set it up, enrol laptops, serve",
                         description="The team hub holds the team's records on PostgreSQL; laptops sync with it "
                                     "(`tandem sync --hub URL`). See docs/hub.md.")
    cmds = hub.add_subparsers(dest="hub_command", metavar="SUBCOMMAND", required=True)

    def add(name: str, help_: str, func) -> argparse.ArgumentParser:
        p = cmds.add_parser(name, help=help_, description=help_)
        p.add_argument("--database-url", default=os.environ.get("TANDEM_HUB_DATABASE_URL"), metavar="URL",
                       help="postgresql://user:password@host/db (default: $TANDEM_HUB_DATABASE_URL)")
        p.add_argument("--files", metavar="DIR", help="folder for attachment files (default: $TANDEM_HUB_FILES, "
                                                      "or hub/ in the user data folder)")
        p.set_defaults(func=func)
        return p

    add("init", "create or upgrade the hub's schema", run_init)
    p = add("enrol", "register a laptop's public key with a role", run_enrol)
    p.add_argument("--public-key", required=True, metavar="FILE", help="the file `tandem key --out` wrote")
    p.add_argument("--role", default="team", metavar="ROLE", help="'team' (default) or 'partner:NAME'")
    p = add("revoke", "refuse a laptop's requests from now on (a lost laptop)", run_revoke)
    p.add_argument("device", metavar="DEVICE", help="the laptop's device id (or its first characters)")
    p.add_argument("--reason", default="", help="why (shown to that laptop)")
    p = add("signers", "list the enrolled laptops with their roles", run_signers)
    p.add_argument("--json", action="store_true")
    p = add("packages", "the audit trail: every package laptops pushed", run_packages)
    p.add_argument("--json", action="store_true")
    p = add("serve", "serve laptops over HTTP (put a TLS proxy in front)", run_serve)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--root-path", type=_root_path, default="", metavar="PATH",
                   help="the sub-path a TLS proxy serves the hub under, e.g. /tandem for "
                        "https://example.org/tandem (the proxy strips it; laptops use the whole address)")
    p.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="worker processes (default 1); pushes apply one at a time across all of them")
    p.add_argument("--max-push", type=_size, default=os.environ.get("TANDEM_HUB_MAX_PUSH") or "1G",
                   metavar="SIZE", help="the largest package a laptop may push, e.g. 512M or 2G (default 1G, or "
                                        "$TANDEM_HUB_MAX_PUSH); keep the proxy's body limit at least as large")


def _root_path(text: str) -> str:
    path = "/" + text.strip().strip("/") if text.strip().strip("/") else ""
    if any(c in path for c in "?#% ") or "//" in path:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path such as /tandem")
    return path


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of worker processes (1 or more)")
    return n


def _size(text: str) -> int:
    from app.services.sizes import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _open(args, upgrade: bool = False):
    from app.hub.database import open_hub_database

    if not args.database_url:
        raise CommandError("Give the hub's database: --database-url postgresql://user:password@host/db")
    return open_hub_database(args.database_url, files_dir=args.files, upgrade=upgrade)


def _service(args):
    from app.hub.service import HubService

    return HubService(_open(args))


def _hub_errors(fn):
    def run(args):
        from app.hub.service import HubError

        try:
            return fn(args)
        except HubError as exc:
            raise CommandError(exc.message) from exc
    return run


def run_init(args) -> int:
    from app.services.sync.keys import device_key, fingerprint, public_key_b64

    db = _open(args, upgrade=True)
    try:
        fp = fingerprint(public_key_b64(device_key(db.device_id)))
    finally:
        db.close()
    print(f"The hub's database is ready. The hub signs the packages it sends with key {fp}: laptops show it "
          "under Sync → Signers as 'Team hub'.")
    return 0


@_hub_errors
def run_enrol(args) -> int:
    from app.hub.service import read_key_file

    service = _service(args)
    try:
        row = service.enrol(read_key_file(args.public_key), args.role)
    finally:
        service.db.close()
    print(f"Enrolled {row.name or '(no name)'} on {row.device_name or 'an unnamed device'} "
          f"(device {row.device_id[:8]}…, key {row.fingerprint}) as {row.role_text}.")
    if row.waiting:
        print(f"The key is bound to {row.partner_name!r} as soon as a team laptop syncs that partner to the hub; "
              "until then it receives nothing and may change nothing.")
    return 0


@_hub_errors
def run_revoke(args) -> int:
    service = _service(args)
    try:
        row = service.revoke(args.device, args.reason)
    finally:
        service.db.close()
    print(f"Revoked {row.name or row.device_id}: the hub refuses its requests from now on.")
    return 0


@_hub_errors
def run_signers(args) -> int:
    service = _service(args)
    try:
        rows = service.signers()
    finally:
        service.db.close()
    if args.json:
        print_json([{"device_id": r.device_id, "name": r.name, "device_name": r.device_name,
                     "fingerprint": r.fingerprint, "role": r.role, "role_text": r.role_text,
                     "partner_name": r.partner_name, "waiting": r.waiting,
                     "enrolled_at": r.enrolled_at, "revoked_at": r.revoked_at} for r in rows])
        return 0
    print_table(["Device", "Name", "Laptop", "Role", "Key"],
                [[r.device_id[:8], r.name, r.device_name, r.role_text, r.fingerprint] for r in rows])
    return 0


@_hub_errors
def run_packages(args) -> int:
    service = _service(args)
    try:
        rows = service.received()
    finally:
        service.db.close()
    if args.json:
        print_json(rows)
        return 0
    print_table(["Received", "Package", "Device", "Bytes", "New", "Updated", "Rejected"],
                [[str(r["received_at"])[:19], r["package_id"][:8], r["device_id"][:8], str(r["size"]),
                  str(r["result"]["total"]["new"]), str(r["result"]["total"]["updated"]),
                  str(r["result"]["total"]["rejected"])] for r in rows])
    return 0


def run_serve(args) -> int:
    """Check the database, then run uvicorn: each worker process imports `app.hub.web.serve_app`, which opens
    the database the environment names (set here, so every worker inherits it)."""
    import uvicorn

    from app.hub import web
    from app.services.sizes import size_text

    _open(args).close()  # refuse here, in plain words, a database that is unreachable or not set up
    os.environ[web.DATABASE_URL_VAR] = args.database_url
    os.environ[web.MAX_PUSH_VAR] = str(args.max_push)
    if args.files:
        os.environ[web.FILES_VAR] = str(args.files)
    where = f"http://{args.host}:{args.port}" + (f" under {args.root_path}" if args.root_path else "")
    print(f"Tandem hub serving on {where} with {args.workers} worker(s), pushes up to {size_text(args.max_push)} "
          "(put a TLS proxy in front).", flush=True)
    uvicorn.run("app.hub.web:serve_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                root_path=args.root_path, log_level="info", proxy_headers=True, timeout_keep_alive=75)
    return 0
