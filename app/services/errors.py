"""Errors services raise for the user to read."""

from __future__ import annotations


class Cancelled(Exception):
    """The user stopped the work (a file's read, an import): whatever it had written is rolled back."""


class NotFound(LookupError):
    """The record asked for does not exist (or is deleted). The message names what was looked for."""


class ValidationError(ValueError):
    """Input a service refuses. ``errors`` maps a field name to a sentence the user can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


class InvalidState(ValidationError):
    """A request the record's current state refuses: resolving a dispute that is already accepted or rejected,
    raising a second open dispute about one measurement. The message says the state and what to do instead."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: message})


class WorkspaceReadOnly(ValidationError):
    """A write this Tandem refuses because it is a partner's workspace (app/services/workspace.py): a shared
    library kept by the lead who shared it, or another partner. The message names the lead."""

    def __init__(self, message: str, field: str = "workspace") -> None:
        super().__init__({field: message})
