"""The partner's workspace: a partner's own Tandem, holding what its enablement lead shared with it.

A database that has never held a partner of its own (a fresh one, with only the shipped defaults) and imports
as its very first package a package scoped to exactly one partner, from a signer trusted as a colleague (the
lead is the partner's trusted source), becomes **that partner's workspace**. This laptop remembers it in its
local settings (`LocalSetting`, never synced): the partner, the lead who signed the package (name, device) and
when. From then on:

- it holds only that partner: creating another partner is refused (`PartnerService.create`);
- the shared libraries (KPI definitions, playbooks, selection criteria, plan templates, learning modules and
  tracks) are the lead's: their services refuse every write with `WorkspaceReadOnly`, naming who keeps them;
- everything the partner side works on stays as it was (measurements, action items, experiments, its
  checklist items, session minutes), and its packages back are ordinary packages of that partner.

`tandem workspace --leave` makes it an ordinary Tandem again (the records stay).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.models import LocalSetting, Partner
from app.models.sync import SyncHistory
from app.services.clock import utcnow
from app.services.errors import WorkspaceReadOnly

WORKSPACE_KEY = "workspace"

#: The shared libraries, as a message names them ("the KPI library is kept by …").
KPI_LIBRARY = "KPI library"
PLAYBOOK_LIBRARY = "playbook library"
CRITERIA_LIBRARY = "selection criteria library"
TEMPLATE_LIBRARY = "plan template library"
LEARNING_LIBRARY = "learning library"


@dataclass(frozen=True)
class Workspace:
    """This Tandem is ``partner_name``'s workspace, shared by ``lead_name`` (on ``lead_device``) at ``since``."""

    partner_id: str
    partner_name: str
    lead_name: str
    lead_device: str
    lead_device_id: str
    since: datetime  # UTC, when the lead's first package was imported

    @property
    def lead(self) -> str:
        """Who shared it, as a sentence names them."""
        return self.lead_name or self.lead_device or "your enablement lead"

    def library_message(self, library: str) -> str:
        """Why ``library`` cannot be changed here (for an error and a disabled button's tooltip)."""
        return (f"This Tandem is {self.partner_name}'s workspace, shared by {self.lead}: the {library} is kept "
                f"by {self.lead}; suggest changes to them.")

    def new_partner_message(self) -> str:
        return (f"This Tandem is {self.partner_name}'s workspace, shared by {self.lead}: it holds only "
                f"{self.partner_name}. Partners are added by {self.lead}.")

    def as_json(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "partner": self.partner_name, "lead": self.lead_name,
                "lead_device": self.lead_device, "lead_device_id": self.lead_device_id,
                "since": self.since.isoformat()}


class WorkspaceService:
    """Whether this Tandem is a partner's workspace; becoming one on the first import, and leaving it.

    Every method opens its own short transaction; any thread may call them."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # -- reading -------------------------------------------------------------------------------------------

    def current(self) -> Workspace | None:
        """The workspace this Tandem is, or None for an ordinary one (a lead's, a colleague's)."""
        with self._sessions() as s:
            stored = _load(s.get(LocalSetting, WORKSPACE_KEY))
            if stored is None:
                return None
            name = s.scalar(select(Partner.name).where(Partner.id == stored["partner_id"]))
        try:
            since = datetime.fromisoformat(stored.get("since") or "")
        except ValueError:
            since = datetime(1970, 1, 1)
        return Workspace(stored["partner_id"], name or stored.get("partner_name") or "the partner",
                         str(stored.get("lead_name") or ""), str(stored.get("lead_device") or ""),
                         str(stored.get("lead_device_id") or ""), since)

    def check_library(self, library: str) -> None:
        """Raise `WorkspaceReadOnly` when this Tandem is a workspace: its shared libraries are the lead's."""
        ws = self.current()
        if ws is not None:
            raise WorkspaceReadOnly(ws.library_message(library))

    def check_new_partner(self) -> None:
        """Raise `WorkspaceReadOnly` when this Tandem is a workspace: it holds only its partner."""
        ws = self.current()
        if ws is not None:
            raise WorkspaceReadOnly(ws.new_partner_message(), field="partner")

    # -- becoming one, leaving -----------------------------------------------------------------------------

    def may_begin(self) -> bool:
        """True while this database has never held a partner (deleted ones count) nor imported a package: the
        next import may make it a workspace. Asked before the import (`SyncService.import_package`)."""
        with self._sessions() as s:
            if s.get(LocalSetting, WORKSPACE_KEY) is not None:
                return False
            if s.scalar(select(func.count()).select_from(Partner)):
                return False
            return not s.scalar(select(func.count()).select_from(SyncHistory)
                                .where(SyncHistory.direction == "import"))

    def begin_from_import(self, result, manifest: dict[str, Any]) -> Workspace | None:
        """After the first import into a database `may_begin` allowed: when the package was scoped to exactly
        one partner, applied, and signed by a colleague's laptop (the lead), this Tandem becomes that partner's
        workspace. Returns it, or None when the import does not qualify."""
        from app.services.sync.importer import scope_of

        ids, _text = scope_of(manifest)
        signer = result.signer
        if result.dry_run or not result.applied or ids is None or len(ids) != 1 or signer.status == "self" \
                or (signer.role is not None and signer.role.is_partner):
            return None
        (partner_id,) = ids
        with self._sessions.begin() as s:
            held = s.execute(select(Partner.id, Partner.name, Partner.deleted_at)).all()
            if len(held) != 1 or held[0].id != partner_id or held[0].deleted_at is not None:
                return None
            value = {"partner_id": partner_id, "partner_name": held[0].name, "lead_name": signer.name,
                     "lead_device": signer.device_name, "lead_device_id": signer.device_id,
                     "since": utcnow().isoformat()}
            s.merge(LocalSetting(key=WORKSPACE_KEY, value=json.dumps(value, ensure_ascii=False)))
        return self.current()

    def leave(self) -> Workspace | None:
        """Make this Tandem an ordinary one again (every record stays). Returns the workspace it was."""
        was = self.current()
        with self._sessions.begin() as s:
            row = s.get(LocalSetting, WORKSPACE_KEY)
            if row is not None:
                s.delete(row)
        return was


def check_library(workspace: WorkspaceService | None, library: str) -> None:
    """For library services: refuse a write in a partner's workspace (no workspace service: never)."""
    if workspace is not None:
        workspace.check_library(library)


def _load(row: LocalSetting | None) -> dict[str, Any] | None:
    if row is None or not row.value:
        return None
    try:
        value = json.loads(row.value)
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("partner_id"), str) else None
