"""Errors of the sync package. `PackageRefused` means the database was not touched at all."""

from __future__ import annotations


class SyncError(Exception):
    """Export or import could not be done; the message says why and what to do."""


class PackageRefused(SyncError):
    """The package was refused before anything was written (not a package, damaged, tampered, wrong
    passphrase, unknown or mismatched signer, newer format). The database is byte-for-byte unchanged."""

    def __init__(self, message: str, signer: object | None = None) -> None:
        super().__init__(message)
        self.signer = signer
