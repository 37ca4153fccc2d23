"""Sync between laptops through export packages: scoped, signed, optionally encrypted, merged without loss.

- `package`: the file format and its safe reader; `crypto`: passphrase encryption; `keys`: the device key;
- `exporter` / `importer`: writing a package, and merging one into the database in one transaction;
- `merge`: the field-by-field merge rules of one record;
- `service`: `SyncService`, what the command line and the UI call.
"""

from app.services.sync.errors import PackageRefused, SyncError
from app.services.sync.importer import ImportResult, SignerInfo
from app.services.sync.service import ConflictRow, ExportResult, HistoryRow, SignerRow, SyncService

__all__ = ["ConflictRow", "ExportResult", "HistoryRow", "ImportResult", "PackageRefused", "SignerInfo",
           "SignerRow", "SyncError", "SyncService"]
