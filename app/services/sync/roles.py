"""What a package may change, by the role its signer was trusted with.

- **team** (a colleague's laptop) and this laptop itself: whatever the package's scope covers.
- **partner P** (the partner's own people, in their own Tandem): only P's records, only the tables and fields
  the partner side owns (`PARTNER_MAY`; `PARTNER_RULES` where a field list is not enough: the partner raises a
  measurement dispute and edits it while open, only the team accepts or rejects it), and where a table has
  sides only rows on the partner's side. A change
  to a shared library (a KPI definition, a playbook step) is not applied: it becomes a *proposal* the lead
  accepts or declines (`SyncProposal`).

For every signer: a record's partner never changes on import, and a device record is taken only from that
device's own signer (so no package can rename who the edits appear to come from). A record a rule refuses is
counted as *rejected* with its reason; the rest of the package applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.services.sync.tables import PARTNER_COLUMN, TableSpec

TEAM, PARTNER = "team", "partner"
PARTNER_SIDE = "partner"

#: Partner-owned tables a partner's signer may change -> the fields it may change (None: every field).
PARTNER_MAY: dict[str, frozenset[str] | None] = {
    # The partner's own entry: only what the partner side co-writes, never its commercial fields (tier, spend,
    # value and risk scores, stage…) or the lead's notes.
    "partners": frozenset({"country", "alignment_goals", "alignment_values", "alignment_capabilities"}),
    "contacts": None,
    "escalation_steps": None,
    "measurements": None,  # the figures the partner reports
    "action_items": None,
    "checklist_items": frozenset({"status", "evidence_note", "completed_on", "completed_by", "owner_name"}),
    "experiment_events": None,
    "log_entries": None,
    "learning_completions": None,
    "learning_certifications": None,  # derived from its completions, on its laptop as on ours
    "attachments": None,
    # raised and edited while open; never accepted or rejected (`_dispute_refusal`)
    "measurement_disputes": frozenset({"proposed_value", "reason"}),
}

#: Partner-owned tables whose partner rule is more than a field list: (spec, local, incoming, merged) -> reason.
PARTNER_RULES: dict[str, Callable[[TableSpec, dict[str, Any] | None, dict[str, Any], dict[str, Any]],
                                  str | None]] = {}

#: A dispute's outcome: only the team sets these.
DISPUTE_RESOLUTION = frozenset({"status", "resolution_reason", "resolved_by", "resolved_at"})
DISPUTE_OPEN = "open"

#: Tables with a side: a partner's signer may write only rows on the partner's side.
SIDE_COLUMN = {"contacts": "side", "escalation_steps": "side", "action_items": "owner_side",
               "checklist_items": "owner_side", "learning_completions": "side", "learning_certifications": "side"}


@dataclass(frozen=True)
class Role:
    kind: str  # TEAM or PARTNER
    partner_id: str | None = None

    @classmethod
    def parse(cls, text: str | bool | None) -> Role:
        """``"team"`` (or True), or ``"partner:<partner id>"``."""
        if text is True or text is False or text in (None, "", TEAM):
            return cls(TEAM)
        kind, _, pid = str(text).partition(":")
        if kind != PARTNER or not pid:
            raise ValueError(f"A signer's role is 'team' or 'partner:<partner>', not {text!r}")
        return cls(PARTNER, pid)

    @property
    def text(self) -> str:
        return TEAM if self.kind == TEAM else f"{PARTNER}:{self.partner_id}"

    @property
    def is_partner(self) -> bool:
        return self.kind == PARTNER


def refusal(role: Role | None, signer_device: str, spec: TableSpec, local: dict[str, Any] | None,
            incoming: dict[str, Any], merged: dict[str, Any] | None, relay: bool = False) -> str | None:
    """Why a package from this signer may not make this change, or None when it may.

    ``local`` is the record held here (None when new), ``merged`` what the merge would store (None when no
    user data would change). ``role`` None: this laptop's own package. ``relay``: the package comes from the
    team hub (app/hub), trusted as team, which takes each device's record only from that device's own package
    and passes it on: its device records are taken."""
    table = spec.name
    if spec.partner_owned and local is not None and local[PARTNER_COLUMN] != incoming[PARTNER_COLUMN]:
        return "a record's partner never changes"
    if merged is None and local is not None:
        return None  # nothing would change
    if table == "devices" and incoming["id"] != signer_device and role is not None \
            and not (relay and role.kind == TEAM):
        return "a device's record is taken only from that device"
    if role is None or not role.is_partner:
        return None
    if not spec.partner_owned:
        return None  # a library change: a proposal (`is_proposal`)
    if incoming[PARTNER_COLUMN] != role.partner_id:
        return "a partner's package may change only that partner's records"
    if table not in PARTNER_MAY:
        return f"a partner's package may not change {table.replace('_', ' ')}"
    side = SIDE_COLUMN.get(table)
    if side and (incoming[side] != PARTNER_SIDE or (local is not None and local[side] != PARTNER_SIDE)):
        return f"a partner's package may change only {table.replace('_', ' ')} on the partner's side"
    rule = PARTNER_RULES.get(table)
    if rule is not None:
        return rule(spec, local, incoming, merged)
    allowed = PARTNER_MAY[table]
    if allowed is not None:
        if local is None:
            return f"a partner's package may not add {table.replace('_', ' ')}"
        changed = {f for f in spec.user_fields if merged[f] != local[f]}
        if changed - allowed:
            return f"a partner's package may not change {', '.join(sorted(changed - allowed))}"
    return None


def _dispute_refusal(spec: TableSpec, local: dict[str, Any] | None, incoming: dict[str, Any],
                     merged: dict[str, Any]) -> str | None:
    """A partner raises a dispute about its own measurement (open, unresolved) and may change the value and
    reason it proposes while it is open; accepting or rejecting it is the team's."""
    if local is None:
        if incoming["status"] != DISPUTE_OPEN or incoming["resolution_reason"] or incoming["resolved_by"] \
                or incoming["resolved_at"] is not None:
            return "only the team may accept or reject a dispute"
        return None
    changed = {f for f in spec.user_fields if merged[f] != local[f]}
    if changed & DISPUTE_RESOLUTION:
        return "only the team may accept or reject a dispute"
    if local["status"] != DISPUTE_OPEN:
        return "a partner's package may change a dispute only while it is open"
    allowed = PARTNER_MAY[spec.name] or frozenset()
    if changed - allowed:
        return f"a partner's package may not change {', '.join(sorted(changed - allowed))}"
    return None


PARTNER_RULES["measurement_disputes"] = _dispute_refusal


def is_proposal(role: Role | None, spec: TableSpec) -> bool:
    """A change to a shared library from a partner's signer waits for the lead as a proposal."""
    return role is not None and role.is_partner and not spec.partner_owned and spec.name != "devices"
