"""Merging one incoming record into the local one, field by field. Pure functions, no database.

The rules (see docs/sync.md, "How packages merge"):

- Each field keeps the value of its latest edit: the higher rev wins. Revs come from hybrid logical clocks
  that move past every rev they import, so an edit made after seeing another always has the higher rev,
  whatever the wall clocks say. This makes the merge order-independent and idempotent.
- Whether two edits of one field were *concurrent* (neither laptop had seen the other's) is read from the
  rows' version vectors (`app.services.clock.row_versions`). A concurrent edit with a different value is
  a conflict: the higher rev still wins on every laptop, and the other value is reported.
- A delete (``deleted_at`` set) against a concurrent edit keeps the record: ``deleted_at`` goes back to
  empty with a rev derived from the delete's (`restore_rev`), the same on every laptop, and a conflict
  is reported so the user can delete again. A delete that loses on its rev to a concurrent undelete (or to
  the same record created on another laptop: a measurement's identity) is reported likewise.
- The same holds for a record deleted while another laptop added or edited one of its children (a
  measurement of a deleted partner, a goal of a deleted plan): the parent is kept (`restore_parent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.clock import KNEW_PREFIX, RESTORE_SUFFIX, compact_seen, rev_device, row_versions

DELETED = "deleted_at"


@dataclass(frozen=True)
class FieldConflict:
    field: str
    local_value: Any
    incoming_value: Any
    local_rev: str
    incoming_rev: str
    winner: str  # "local" or "incoming": whose value the merged record holds
    kept_rev: str


@dataclass(frozen=True)
class Merged:
    row: dict[str, Any] | None  # the merged record, or None when the local one stays exactly as it is
    changed: bool  # user data (a value or a field's rev) changed, not only the version vector
    conflicts: tuple[FieldConflict, ...]


def knows(versions: dict[str, str], rev: str) -> bool:
    """True when a row with these versions has taken in the edit ``rev`` (or a later one of its device)."""
    return versions.get(rev_device(rev), "") >= rev


def delete_knowledge(base_revs: dict[str, str], delete_rev: str) -> dict[str, str]:
    """What the author of a delete had seen, per device (the delete itself included).

    A delete written before deletes carried this (or by a bulk path) knows only its own device's edits up to
    itself and the edits older than itself."""
    knew = {k[len(KNEW_PREFIX):]: v for k, v in base_revs.items() if k.startswith(KNEW_PREFIX)}
    if not knew:
        return {rev_device(delete_rev): delete_rev, "*": delete_rev}
    return knew


def unseen_by(knew: dict[str, str], versions: dict[str, str]) -> bool:
    """True when ``versions`` hold an edit the author of a delete (who knew ``knew``) had not seen."""
    return any(r > knew.get(d, knew.get("*", "")) for d, r in versions.items() if not d.endswith(RESTORE_SUFFIX))


def _join_knowledge(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The ``~knew:`` entries of ``rows``' base_revs joined (the newest rev per device)."""
    joined: dict[str, str] = {}
    for row in rows:
        for k, v in (row["base_revs"] or {}).items():
            if k.startswith(KNEW_PREFIX) and v > joined.get(k, ""):
                joined[k] = v
    return joined


def _undoes_delete(winning: Any, losing: Any) -> bool:
    """For ``deleted_at``: True when the value winning on its rev keeps the record while the losing one deleted
    it (a concurrent undelete, or the same record created on another laptop). Two deletes are no conflict (they
    differ only in their time), and a delete winning on its rev is weighed below against every edit."""
    return winning is None and losing is not None


def restore_rev(delete_rev: str) -> str:
    """The rev of "kept despite a concurrent delete": right after the delete's rev, the same everywhere."""
    return delete_rev + RESTORE_SUFFIX


def merge(fields: tuple[str, ...], local: dict[str, Any], incoming: dict[str, Any]) -> Merged:
    """Merge ``incoming`` into ``local`` (both records of the same id, in storage form)."""
    l_rev, i_rev = local["rev"], incoming["rev"]
    l_fr, i_fr = local["field_revs"] or {}, incoming["field_revs"] or {}
    l_base, i_base = local["base_revs"] or {}, incoming["base_revs"] or {}
    if l_rev == i_rev and l_fr == i_fr and (local["seen_revs"] or {}) == (incoming["seen_revs"] or {}) \
            and l_base == i_base:
        return Merged(None, False, ())
    vv_l = row_versions(l_rev, l_fr, local["seen_revs"])
    vv_i = row_versions(i_rev, i_fr, incoming["seen_revs"])
    values: dict[str, Any] = {}
    revs: dict[str, str] = {}
    bases: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for f in fields:
        rl, ri = l_fr.get(f, l_rev), i_fr.get(f, i_rev)
        vl, vi = local[f], incoming[f]
        if ri > rl:
            values[f], revs[f], base = vi, ri, i_base.get(f, "")
            # Concurrent: the incoming edit was not made on top of ours (its side never saw ours, or it
            # replaced something older than ours: ours lost to it in a merge elsewhere).
            concurrent = not knows(vv_i, rl) or bool(base and base < rl)
            if vl != vi and concurrent and (f != DELETED or _undoes_delete(vi, vl)):
                conflicts.append(FieldConflict(f, vl, vi, rl, ri, "incoming", ri))
        else:
            values[f], revs[f], base = vl, rl, l_base.get(f, "")
            concurrent = not knows(vv_l, ri) or bool(base and base < ri)
            if ri != rl and vl != vi and concurrent and (f != DELETED or _undoes_delete(vl, vi)):
                conflicts.append(FieldConflict(f, vl, vi, rl, ri, "local", rl))
        if base:
            bases[f] = base

    if DELETED in revs and values[DELETED] is not None:
        # The delete wins by its rev; it is undone (on every laptop alike) when any edit exists that its
        # author had not seen. Both the versions joined so far and what the delete knew (stored with it)
        # travel with the record, so the answer does not depend on the order packages arrive in.
        del_rev = revs[DELETED]
        deleting = incoming if i_fr.get(DELETED, i_rev) == del_rev else local
        # When both sides hold this delete, what it knew is what either side knew of it: an edit made here
        # knowing the delete adds to its knowledge (clock.py), and the answer must not depend on which side
        # the record arrived from.
        holders = [side for side, fr, r in ((local, l_fr, l_rev), (incoming, i_fr, i_rev))
                   if fr.get(DELETED, r) == del_rev]
        known = _join_knowledge(holders)
        knew = delete_knowledge(known, del_rev)
        joined = dict(vv_l)
        for d, r in vv_i.items():
            if r > joined.get(d, ""):
                joined[d] = r
        if unseen_by(knew, joined):
            kept = restore_rev(del_rev)
            bases[DELETED] = del_rev
            values[DELETED], revs[DELETED] = None, kept
            # The side that holds the record live; when both deleted it, the side of the delete that won on
            # its rev (so both laptops list the same conflict).
            winner = "local" if local[DELETED] is None else "incoming" if incoming[DELETED] is None \
                else "incoming" if deleting is incoming else "local"
            conflicts.append(FieldConflict(
                DELETED, local[DELETED], incoming[DELETED], l_fr.get(DELETED, l_rev), i_fr.get(DELETED, i_rev),
                winner, kept))
        else:
            bases.update(known)

    rev = max(revs.values())
    field_revs = {f: r for f, r in revs.items() if r != rev}
    versions = dict(vv_l)
    for d, r in (*vv_i.items(), *row_versions(rev, field_revs, None).items()):
        if r > versions.get(d, ""):
            versions[d] = r
    seen = compact_seen(versions, rev, field_revs)
    # Display metadata comes from the newer side; ties broken on the values so every laptop agrees.
    newest = max((l_rev, str(local["updated_at"]), local["updated_by"], 0),
                 (i_rev, str(incoming["updated_at"]), incoming["updated_by"], 1))
    src = incoming if newest[3] else local
    row = dict(values, id=local["id"], rev=rev, field_revs=field_revs, seen_revs=seen, base_revs=bases,
               updated_at=src["updated_at"], updated_by=src["updated_by"])
    changed = rev != l_rev or field_revs != l_fr or any(values[f] != local[f] for f in fields)
    if not changed and seen == (local["seen_revs"] or {}) and bases == l_base and src is local:
        return Merged(None, False, tuple(conflicts))
    return Merged(row, changed, tuple(conflicts))


def restore_parent(fields: tuple[str, ...], row: dict[str, Any], child_versions: dict[str, str]) -> Merged | None:
    """Keep the deleted record ``row`` when a child of it holds edits its delete had not seen (the child's
    version vector ``child_versions``); None when the delete stands.

    The kept record is exactly what `merge` makes of a delete against a concurrent edit, so two laptops that
    meet the child in either order (child first, or delete first) hold the same record."""
    if row[DELETED] is None:
        return None
    rev, fr, base = row["rev"], row["field_revs"] or {}, row["base_revs"] or {}
    del_rev = fr.get(DELETED, rev)
    if not unseen_by(delete_knowledge(base, del_rev), child_versions):
        return None
    kept = restore_rev(del_rev)
    revs = {f: fr.get(f, rev) for f in fields}
    revs[DELETED] = kept
    new_rev = max(revs.values())
    field_revs = {f: r for f, r in revs.items() if r != new_rev}
    versions = row_versions(rev, fr, row["seen_revs"])
    for d, r in row_versions(new_rev, field_revs, None).items():
        if r > versions.get(d, ""):
            versions[d] = r
    bases = {k: v for k, v in base.items() if not k.startswith(KNEW_PREFIX)}
    bases[DELETED] = del_rev
    child_rev = max(r for d, r in child_versions.items() if not d.endswith(RESTORE_SUFFIX))
    restored = dict(row, deleted_at=None, rev=new_rev, field_revs=field_revs,
                    seen_revs=compact_seen(versions, new_rev, field_revs), base_revs=bases)
    return Merged(restored, True, (FieldConflict(DELETED, row[DELETED], None, del_rev, child_rev, "incoming", kept),))
