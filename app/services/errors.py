"""Errors services raise for the user to read."""

from __future__ import annotations


class NotFound(LookupError):
    """The record asked for does not exist (or is deleted). The message names what was looked for."""


class ValidationError(ValueError):
    """Input a service refuses. ``errors`` maps a field name to a sentence the user can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))
