"""Prepare a visit: one folder with everything to take to a partner's site.

`prepare_visit(services, partner_id, out_dir, documents)` writes, for one partner: the documents it is given
(the pre-read, the agenda of the planned session, the blank field forms: the report writers are handed in as
`VisitDocument`s by the caller, app/reports/brief.py `VISIT_DOCUMENTS`, because services never import
reports), a sync package scoped to that partner (`SyncService.export`) and a README listing what is there.

Nothing lost, nothing half-written: ``out_dir`` must not exist yet or be empty; everything is written into a
temporary folder beside it, which is renamed to ``out_dir`` only once complete (on any failure it is
removed and ``out_dir`` is left as it was). ``progress(done, total, text)`` is called after each step, from
the thread doing the work. Any thread may call it; it takes seconds (the package), so the UI runs it in the
background.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.models.enums import SessionStatus
from app.services.brief import BriefData, gather_brief
from app.services.coaching import SessionData
from app.services.errors import NotFound, ValidationError
from app.services.onboarding import ChecklistData
from app.services.partners import PartnerData
from app.services.selection import BlankForm

if TYPE_CHECKING:
    from app.services import Services

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class VisitData:
    """What the documents of a visit folder are written from: one partner's records only."""

    partner: PartnerData
    today: date
    paper: str
    brief: BriefData
    session: SessionData | None  # the planned session the visit is for (the next one)
    blank_form: BlankForm | None  # None: no published selection criteria to print
    checklist: ChecklistData | None  # the partner's current onboarding checklist


@dataclass(frozen=True)
class VisitDocument:
    """One file of the folder: ``write(path, data)`` writes it, or returns False when it does not apply
    (``missing`` then says why, in the README and the result)."""

    file_name: str
    write: Callable[[Path, VisitData], object]
    missing: str = ""


@dataclass(frozen=True)
class VisitFolder:
    path: Path
    files: tuple[str, ...]  # file names written, in order
    skipped: tuple[str, ...]  # one sentence per document that did not apply
    package_records: int


def safe_name(text: str) -> str:
    """A folder or file name from free text: no path separators or characters Windows refuses."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in text).strip(" .")
    return cleaned or "partner"


def default_folder_name(partner_name: str, today: date | None = None) -> str:
    return safe_name(f"{partner_name} visit {(today or date.today()).isoformat()}")


def gather_visit(services: Services, partner_id: str, today: date | None = None) -> VisitData:
    """Read everything the documents need. Raises NotFound for an unknown partner."""
    today = today or date.today()
    brief = gather_brief(services, partner_id, today)
    try:
        form = services.selection.blank_form(partner_id)
    except NotFound:
        form = None
    return VisitData(brief.partner, today, services.settings.paper_size(), brief, brief.next_session, form,
                     services.onboarding.current(partner_id, today))


def check_target(out_dir: Path) -> None:
    """Refuse a folder that exists and holds anything (nothing is ever overwritten)."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ValidationError({"out": f"{out_dir} already exists and is not an empty folder: choose a new "
                                      "folder for the visit, nothing was written."})
    if not out_dir.parent.is_dir():
        raise ValidationError({"out": f"The folder {out_dir.parent} does not exist."})


def prepare_visit(services: Services, partner_id: str, out_dir: str | Path, documents: Sequence[VisitDocument],
                  *, today: date | None = None, passphrase: str | None = None,
                  progress: Progress | None = None) -> VisitFolder:
    """Write the visit folder (see the module docstring). Raises ValidationError (target folder),
    NotFound (partner) or whatever a writer raises, with ``out_dir`` untouched."""
    out_dir = Path(out_dir).expanduser()
    check_target(out_dir)
    data = gather_visit(services, partner_id, today)
    total = len(documents) + 2  # the documents, the package, the README
    step = 0

    def tell(text: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total, text)

    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        files, skipped = [], []
        for doc in documents:
            if doc.write(work / doc.file_name, data) is False:
                skipped.append(doc.missing or f"{doc.file_name}: not applicable.")
            else:
                files.append(doc.file_name)
            tell(doc.file_name)
        package = f"{safe_name(data.partner.name)}.tandem"
        result = services.sync.export(work / package, partner_ids=[partner_id],
                                      recipient=f"Visit: {data.partner.name}", passphrase=passphrase)
        files.append(package)
        tell(package)
        (work / "README.txt").write_text(_readme(data, files, skipped, passphrase is not None), encoding="utf-8")
        files.append("README.txt")
        tell("README.txt")
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above); a folder cannot be renamed onto an existing one everywhere
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return VisitFolder(out_dir, tuple(files), tuple(skipped), result.total)


def _readme(data: VisitData, files: list[str], skipped: list[str], encrypted: bool) -> str:
    s = data.session
    lines = [f"Visit to {data.partner.name}", f"Prepared {data.today.isoformat()} with Tandem.", ""]
    if s is not None and s.status is SessionStatus.PLANNED:
        lines += [f"Session: {s.title or s.type_name}, {s.scheduled_at:%Y-%m-%d %H:%M} UTC"
                  + (f", {s.location}" if s.location else ""), ""]
    lines.append("In this folder:")
    lines += [f"  - {name}" for name in files + ["README.txt"]]
    if skipped:
        lines += ["", "Not included:"] + [f"  - {text}" for text in skipped]
    lines += ["", f"The .tandem package holds {data.partner.name}'s records only"
              + (" and is encrypted with a passphrase" if encrypted else "")
              + ". Import it on another laptop with File → Import package…, or give it to the partner."]
    return "\n".join(lines) + "\n"


__all__ = ["VisitData", "VisitDocument", "VisitFolder", "check_target", "default_folder_name", "gather_visit",
           "prepare_visit", "safe_name"]
