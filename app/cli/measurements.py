"""`tandem measurements import|export`: measurements from and to CSV or Excel (.xlsx) files.

Import checks every row first and lists the rejected ones with the reason; ``--dry-run`` stops there.
Exit code 0 when every row imported (or would), 2 when some rows were rejected, 1 when the file cannot be
read or the columns cannot be mapped (nothing is imported then).
"""

from __future__ import annotations

import argparse
import sys

from app.cli.common import EXIT_OK, EXIT_REFUSED, CommandError, add_db_option, opened, print_json, print_table
from app.models.enums import PeriodKind
from app.services.measurements import CSV_FIELDS, COMMA, DOT, ImportCheck, read_file, suggest_mapping
from app.services.spreadsheets import DELIMITERS, ENCODINGS, SheetTable, SpreadsheetError

DECIMALS = {"point": DOT, "comma": COMMA}
_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "bar": "|"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("measurements", help="import or export measurements as CSV or Excel (.xlsx)")
    add_db_option(p)
    commands = p.add_subparsers(dest="measurements_command", metavar="import|export", required=True)

    imp = commands.add_parser("import", help="import measurements from a CSV or .xlsx file",
                              description="Columns are found by their headers (partner, kpi, period, value, "
                                          "period kind, note and common synonyms); --map overrides them.")
    add_db_option(imp)
    imp.add_argument("file", metavar="FILE.csv|FILE.xlsx")
    imp.add_argument("--dry-run", action="store_true", help="check and list what would happen; write nothing")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")
    imp.add_argument("--replace", action="store_true", help="replace values already recorded for a period")
    imp.add_argument("--kind", choices=[k.value for k in PeriodKind], default=PeriodKind.MONTH.value,
                     help="the period a plain date stands for (default: month)")
    imp.add_argument("--decimal", choices=sorted(DECIMALS),
                     help="the file's decimal mark, for numbers like 1,500 that read two ways (default: "
                          "detected; such numbers are rejected when the file does not show it)")
    imp.add_argument("--encoding", choices=sorted(ENCODINGS), help="the CSV file's encoding (default: detected)")
    imp.add_argument("--delimiter", choices=sorted(_DELIMITER_NAMES), help="the CSV delimiter (default: detected)")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help=f"the column holding a field ({', '.join(CSV_FIELDS)}); may be repeated")
    imp.set_defaults(func=run_import)

    exp = commands.add_parser("export", help="export measurements to a CSV or .xlsx file")
    add_db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx",
                     help="the file to write; .xlsx writes an Excel workbook, anything else CSV")
    exp.add_argument("--partner", action="append", default=[], metavar="NAME",
                     help="only this partner's measurements; may be repeated")
    exp.set_defaults(func=run_export)


def _mapping(table: SheetTable, pairs: list[str]) -> dict[str, str | None]:
    mapping = suggest_mapping(table.headers)
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or field not in CSV_FIELDS:
            raise CommandError(f"--map takes FIELD=COLUMN with FIELD one of {', '.join(CSV_FIELDS)}")
        if column and column not in table.headers:
            raise CommandError(f"The file has no column '{column}' (it has: {', '.join(table.headers)}).")
        mapping[field] = column or None
    return mapping


def detected(table: SheetTable, mapping: dict[str, str | None]) -> dict:
    """What was read and how, for people and for --json. The decimal mark is the one the value column is
    read with (its own numbers show it, or --decimal gave it)."""
    value = mapping.get("value")
    column = table.headers.index(value) if value in table.headers else None
    guess = table.guess_of(column)
    return {"file_kind": table.file_kind, "encoding": table.encoding,
            "delimiter": DELIMITERS.get(table.delimiter, table.delimiter),
            "decimal": {DOT: "point", COMMA: "comma", None: "not known"}[table.decimal_of(column)],
            "ambiguous_numbers": guess.ambiguous if guess else 0, "rows": len(table.rows)}


def run_import(args: argparse.Namespace) -> int:
    try:
        table = read_file(args.file, encoding=args.encoding,
                          delimiter=_DELIMITER_NAMES.get(args.delimiter) if args.delimiter else None,
                          decimal=DECIMALS.get(args.decimal) if args.decimal else None)
    except SpreadsheetError as exc:
        raise CommandError(f"{args.file}: {exc} Nothing was imported.") from None
    mapping = _mapping(table, args.map)
    options = dict(default_kind=PeriodKind(args.kind), replace_existing=args.replace)
    with opened(args, lock=not args.dry_run) as services:
        if args.dry_run:
            result = services.measurements.check_import(table, mapping, **options)
        else:
            result = services.measurements.import_csv(table, mapping, **options)
    how = detected(table, mapping)
    if args.json:
        print_json({"detected": how, "mapping": mapping, "applied": result.applied,
                    "accepted": len(result.accepted), "new": result.new, "replaced": result.replaced,
                    "unchanged": result.unchanged,
                    "rejected": [{"line": r.line, "reason": r.reason, "values": list(r.values)}
                                 for r in result.rejected]})
    else:
        _print_result(table, how, result)
    return EXIT_REFUSED if result.rejected else EXIT_OK


def _print_result(table: SheetTable, how: dict, result: ImportCheck) -> None:
    if table.file_kind == "csv":
        print(f"Read {how['rows']} rows: {how['encoding']}, {how['delimiter'].lower()}-separated, "
              f"decimal {how['decimal']}.")
    else:
        print(f"Read {how['rows']} rows from the first sheet, decimal {how['decimal']} for numbers typed as text.")
    if how["decimal"] == "not known" and how["ambiguous_numbers"]:
        print(f"{how['ambiguous_numbers']} numbers read two ways (like 1,500); they are rejected: "
              f"give --decimal point or --decimal comma.")
    if result.rejected:
        print()
        print_table(["Line", "Why it is rejected"], [[str(r.line), r.reason] for r in result.rejected])
        print()
    print(result.summary())
    if not result.applied:
        print("Dry run: nothing was written.")


def run_export(args: argparse.Namespace) -> int:
    with opened(args, lock=False) as services:
        ids = [services.partners.find(name).id for name in args.partner] or None
        try:
            result = services.measurements.export_file(args.out, ids)
        except OSError as exc:
            raise CommandError(f"Cannot write {args.out}: {exc.strerror or exc}") from None
    for problem in result.skipped:
        print(f"tandem: warning: left out {problem}", file=sys.stderr)
    print(f"Exported {result.rows} measurement{'s' if result.rows != 1 else ''} to {args.out}.")
    return EXIT_OK
