"""Who is editing: this installation's device id, device name and the user's display name.

The device id is made once, on first open, and never changes; it is in every ``updated_by`` and every rev.
The names are asked for on first run (the UI's first-run dialog) and can be changed in settings.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Device, LocalSetting, new_id

DEVICE_ID = "device_id"
DISPLAY_NAME = "display_name"
DEVICE_NAME = "device_name"


def _get(session: Session, key: str) -> str | None:
    return session.scalar(select(LocalSetting.value).where(LocalSetting.key == key))


def _set(session: Session, key: str, value: str) -> None:
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value


def ensure_device(session: Session) -> str:
    """Return this installation's device id, creating it on the first open (in the caller's transaction)."""
    device_id = _get(session, DEVICE_ID)
    if not device_id:
        device_id = new_id().replace("-", "")
        _set(session, DEVICE_ID, device_id)
    return device_id


@dataclass(frozen=True)
class Identity:
    device_id: str
    display_name: str
    device_name: str

    @property
    def is_set(self) -> bool:
        """False until the user has told us their name (the first-run prompt)."""
        return bool(self.display_name.strip())


class IdentityService:
    """Reads and sets the user's display name and the device name. Any thread; each call is one transaction."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def get(self) -> Identity:
        with self._sessions() as s:
            return Identity(
                device_id=_get(s, DEVICE_ID) or "",
                display_name=_get(s, DISPLAY_NAME) or "",
                device_name=_get(s, DEVICE_NAME) or platform.node(),
            )

    def set_names(self, display_name: str, device_name: str) -> Identity:
        """Store both names (stripped; the display name must not be empty) and publish them as a Device row."""
        display_name, device_name = display_name.strip(), device_name.strip()
        if not display_name:
            raise ValueError("Your name cannot be empty: it is shown as the author of every edit.")
        if not device_name:
            raise ValueError("The device name cannot be empty: it tells your laptops apart.")
        with self._sessions.begin() as s:
            device_id = ensure_device(s)
            _set(s, DISPLAY_NAME, display_name)
            _set(s, DEVICE_NAME, device_name)
            device = s.get(Device, device_id)
            if device is None:
                s.add(Device(id=device_id, display_name=display_name, device_name=device_name))
            else:
                device.display_name, device.device_name = display_name, device_name
        return self.get()
