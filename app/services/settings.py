"""Preferences of this installation, kept in the local settings table (they never travel in packages).

Each method opens its own short transaction; any thread may call them.
"""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from app.models import LocalSetting
from app.services.errors import ValidationError

PAPER_SIZE = "paper_size"
PAPER_SIZES = {"a4": "A4", "letter": "US Letter"}  # value -> label shown to the user
DEFAULT_PAPER_SIZE = "a4"


class SettingsService:
    """Read and change local preferences (paper size for printed reports, …)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self, key: str, default: str = "") -> str:
        """The stored value of ``key``, or ``default`` when it was never set."""
        with self._sessions() as s:
            row = s.get(LocalSetting, key)
            return row.value if row is not None else default

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (one transaction)."""
        with self._sessions.begin() as s:
            row = s.get(LocalSetting, key)
            if row is None:
                s.add(LocalSetting(key=key, value=value))
            else:
                row.value = value

    def paper_size(self) -> str:
        """The paper printed reports use: "a4" or "letter" (A4 until the user chooses)."""
        value = self.get(PAPER_SIZE, DEFAULT_PAPER_SIZE)
        return value if value in PAPER_SIZES else DEFAULT_PAPER_SIZE

    def set_paper_size(self, size: str) -> str:
        """Choose the paper for printed reports ("a4" or "letter", any case). Returns the stored value."""
        value = size.strip().lower()
        if value not in PAPER_SIZES:
            raise ValidationError({"paper_size": f"Unknown paper size '{size}': choose A4 or Letter."})
        self.set(PAPER_SIZE, value)
        return value
