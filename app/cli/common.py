"""What every command shares: the --db option, opening the database, and turning errors into exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from app.paths import default_database_path
from app.services import Services, build_services
from app.services.database import DatabaseError, open_database
from app.services.errors import NotFound, ValidationError

EXIT_OK, EXIT_ERROR, EXIT_REFUSED = 0, 1, 2


class CommandError(Exception):
    """A command cannot do what was asked; the message is printed and the exit code returned."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: tandem.sqlite in your user data folder); "
                             "created and migrated if it does not exist yet")


@contextmanager
def opened(args: argparse.Namespace, *, lock: bool = True) -> Iterator[Services]:
    """Open the database named by --db (or the default one) and build the services over it."""
    path = getattr(args, "db", None) or default_database_path()
    db = open_database(path, lock=lock)
    try:
        yield build_services(db)
    finally:
        db.close()


def run_command(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a command function, printing a clear message and returning a non-zero code on failure."""
    try:
        return func(args) or EXIT_OK
    except CommandError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return exc.code
    except (DatabaseError, NotFound, ValidationError) as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tandem: interrupted", file=sys.stderr)
        return 130


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned text table for the terminal."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
