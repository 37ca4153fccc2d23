"""What every spreadsheet reader returns, the limits it enforces and the errors it raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.services.errors import Cancelled  # noqa: F401  (the read stops with it; spreadsheets exports it)
from app.services.spreadsheets.numbers import DecimalGuess

#: Larger files are refused: nobody imports measurements by the hundred megabytes, and a mistaken choice
#: (a video, a database) should be refused at once rather than read.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: A longer cell is not a partner name, KPI, period, value or note: the file is refused.
MAX_CELL_CHARS = 10_000
MAX_ROWS = 1_000_000

#: A cell as read: text, or a number when the file stores numbers as numbers (xlsx).
Cell = str | float

#: ``progress(done, total)`` in bytes or rows; called now and then while reading.
Progress = Callable[[int, int], None]
#: ``cancelled()`` is polled while reading; True stops the read with `Cancelled`.
CancelCheck = Callable[[], bool]


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


@dataclass(frozen=True)
class SheetTable:
    """A spreadsheet as read: its header and rows (line numbers count the header as line 1).

    ``decimal`` is the decimal mark ('.' or ',') used to read numbers that mean different things in the two
    conventions ('1,500'); None means it is not known, and such values are asked about instead of read.
    ``decimal_chosen`` is True when the user gave it; otherwise it is what the whole file shows
    (``decimal_guess``), and `decimal_of` answers for one column from that column's own numbers
    (``column_guesses``), so dates like '08.2026' elsewhere in the file never decide how a value reads.
    ``encoding`` and ``delimiter`` are what a CSV file was read with ('' for xlsx).
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    delimiter: str = ","
    decimal: str | None = None
    encoding: str = "utf-8"
    file_kind: str = "csv"
    decimal_guess: DecimalGuess | None = field(default=None, compare=False)
    column_guesses: tuple[DecimalGuess, ...] = field(default=(), compare=False)
    decimal_chosen: bool = False

    def decimal_of(self, column: int | None) -> str | None:
        """The decimal mark for reading the numbers of ``column``: the user's choice, else the mark that
        column's own numbers show, else None (its '1,500'-like values must be asked about)."""
        guess = self.guess_of(column)
        if self.decimal_chosen or guess is self.decimal_guess:
            return self.decimal
        return guess.mark if guess.certain else None

    def guess_of(self, column: int | None) -> DecimalGuess | None:
        """What the numbers of ``column`` show about the decimal mark (the whole file's guess when unknown)."""
        if column is None or not 0 <= column < len(self.column_guesses):
            return self.decimal_guess
        return self.column_guesses[column]
