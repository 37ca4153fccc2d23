"""The command line: `python main.py [COMMAND] [--db PATH] ...`. Without a command it starts the app."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from app import __version__
from app.cli.common import add_db_option, run_command

#: Modules that each add one command (a `register(subparsers)` function).
COMMAND_MODULES = ["app.cli.partners", "app.cli.demo", "app.cli.report", "app.cli.sync",
                   "app.cli.agenda", "app.cli.learning", "app.cli.calendar", "app.cli.visit",
                   "app.cli.attachments", "app.cli.measurements", "app.cli.check", "app.cli.disputes",
                   "app.cli.workspace", "app.cli.hub"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem",
        description="Tandem: partner enablement desk. Without a command, opens the main window.",
    )
    parser.add_argument("--version", action="version", version=f"Tandem {__version__}")
    add_db_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the main window (the default)")
    add_db_option(gui)
    gui.set_defaults(func=run_gui)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def run_gui(args: argparse.Namespace) -> int:
    from app.ui.application import run

    return run(getattr(args, "db", None))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", run_gui)
    try:
        return run_command(func, args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
