"""How the window shows a partner's workspace (app/services/workspace.py): the banner at the top, and the
read-only state of the library editors.

Every view asks one thing, `services.workspace.current()`, through the helpers here: `WorkspaceBanner` for the
main window, `library_lock(services, library)` for an editor of a shared library (its write buttons disabled
with the reason as tooltip, never hidden; its fields read-only), `new_partner_lock(services)` for New partner.
The services refuse the same writes on their own; the UI only says so before the user tries.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from app.services import Services
from app.services.workspace import Workspace
from app.ui.formatting import format_date


def banner_text(ws: Workspace) -> str:
    """ "Acme's workspace — shared by Dana Lead on 2 Dec 2026. Libraries are read-only." (rich text)"""
    return (f"<b>{escape(ws.partner_name)}'s workspace</b> — shared by {escape(ws.lead)} on "
            f"{escape(format_date(ws.since))}. Libraries are read-only.")


class WorkspaceBanner(QLabel):
    """A line across the top of the main window while this Tandem is a partner's workspace; hidden otherwise."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setObjectName("workspaceBanner")
        self.setWordWrap(True)
        self.workspace: Workspace | None = None
        self.refresh()

    def refresh(self) -> Workspace | None:
        self.workspace = ws = self._services.workspace.current()
        if ws is None:
            self.hide()
            return None
        self.setText(banner_text(ws))
        self.setToolTip(f"The {ws.partner_name} records here come from {ws.lead}"
                        + (f" ({ws.lead_device})" if ws.lead_device else "")
                        + f". Your packages back to {ws.lead} carry what {ws.partner_name} changed. The KPI "
                          f"library, playbooks, selection criteria, plan templates and learning are kept by "
                          f"{ws.lead}.")
        self.show()
        return ws


class LibraryLock:
    """Whether a shared library may be edited here; `reason` is "" when it may."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def __bool__(self) -> bool:
        return bool(self.reason)

    def disable(self, *widgets: QWidget) -> None:
        """Buttons (and the like) that write: disabled, the reason as their tooltip. Nothing when unlocked."""
        if not self.reason:
            return
        for w in widgets:
            w.setEnabled(False)
            w.setToolTip(self.reason)

    def read_only(self, *widgets: QWidget) -> None:
        """Fields: read-only where Qt allows (line and text edits, spin boxes; tables stop editing), else
        disabled (combo boxes), so nothing can be typed that could not be saved. Nothing when unlocked."""
        if not self.reason:
            return
        for w in widgets:
            if isinstance(w, QAbstractItemView):
                w.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            elif hasattr(w, "setReadOnly"):
                w.setReadOnly(True)
            else:
                w.setEnabled(False)
            w.setToolTip(self.reason)


def library_lock(services: Services, library: str) -> LibraryLock:
    """The lock of ``library`` (a name from app/services/workspace.py, e.g. ``KPI_LIBRARY``) on this Tandem."""
    ws = services.workspace.current()
    return LibraryLock(ws.library_message(library) if ws is not None else "")


def new_partner_lock(services: Services) -> LibraryLock:
    """Why New partner is not offered here ("" when it is)."""
    ws = services.workspace.current()
    return LibraryLock(ws.new_partner_message() if ws is not None else "")
