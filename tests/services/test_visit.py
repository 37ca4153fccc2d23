"""Prepare visit: one folder with the pre-read, the session agenda, the field forms and a scoped package;
nothing overwritten, nothing half-written."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from app.cli import main
from app.reports.brief import VISIT_DOCUMENTS
from app.services.errors import ValidationError
from app.services.visit import VisitDocument, prepare_visit
from tests.services.week_data import TODAY, build_week
from tests.sync.helpers import read_records


@pytest.fixture
def week(services):
    return build_week(services)


def _text(path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def _package_partners(path) -> set[str]:
    """Partner ids of every row in a (plain) package."""
    return {row["partner_id"] for rows in read_records(path).values() for row in rows if row.get("partner_id")}


def test_the_folder_holds_everything_for_the_site(services, week, tmp_path):
    steps = []
    folder = prepare_visit(services, week.olands, tmp_path / "visit", VISIT_DOCUMENTS, today=TODAY,
                           progress=lambda done, total, text: steps.append((done, total)))
    names = sorted(p.name for p in folder.path.iterdir())
    assert names == ["1 Pre-read.pdf", "2 Session agenda.pdf", "3 Selection field form.pdf",
                     "4 Onboarding checklist.pdf", "README.txt", "Ølands Fisk AB.tandem"]
    assert "Ølands weekly" in _text(folder.path / "2 Session agenda.pdf")
    assert "Certificates sent" in _text(folder.path / "4 Onboarding checklist.pdf")
    assert "Nordwerk" not in _text(folder.path / "1 Pre-read.pdf")
    assert steps[-1] == (6, 6) and [d for d, _t in steps] == list(range(1, 7))
    readme = (folder.path / "README.txt").read_text(encoding="utf-8")
    assert "Visit to Ølands Fisk AB" in readme and "Ølands weekly" in readme
    assert folder.package_records > 0


def test_the_package_is_scoped_to_the_partner(services, week, tmp_path):
    folder = prepare_visit(services, week.olands, tmp_path / "visit", VISIT_DOCUMENTS, today=TODAY)
    package = folder.path / "Ølands Fisk AB.tandem"
    preview = services.sync.preview(package)
    assert preview is not None
    partners = _package_partners(package)
    assert week.olands in partners and week.nordwerk not in partners


def test_missing_parts_are_said_not_invented(services, week, tmp_path):
    folder = prepare_visit(services, week.nordwerk, tmp_path / "visit", VISIT_DOCUMENTS, today=TODAY)
    assert "4 Onboarding checklist.pdf" not in folder.files
    assert any("no onboarding checklist" in s for s in folder.skipped)
    assert "no onboarding checklist" in (folder.path / "README.txt").read_text(encoding="utf-8")


def test_an_existing_folder_with_files_is_refused_and_untouched(services, week, tmp_path):
    target = tmp_path / "visit"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    with pytest.raises(ValidationError, match="not an empty folder"):
        prepare_visit(services, week.olands, target, VISIT_DOCUMENTS, today=TODAY)
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_a_failing_document_leaves_nothing_behind(services, week, tmp_path):
    def broken(path, data):
        path.write_bytes(b"half")
        raise OSError("disk full")

    trips = tmp_path / "trips"
    trips.mkdir()
    with pytest.raises(OSError, match="disk full"):
        prepare_visit(services, week.olands, trips / "visit",
                      VISIT_DOCUMENTS[:1] + (VisitDocument("x.pdf", broken),), today=TODAY)
    assert list(trips.iterdir()) == []


def test_cli_visit(services, week, db_path, tmp_path, capsys):
    services.db.close()
    out = tmp_path / "site"
    assert main(["visit", "--db", str(db_path), "--partner", "Ølands", "--out", str(out)]) == 0
    assert "1 Pre-read.pdf" in capsys.readouterr().out and (out / "README.txt").exists()
    assert main(["visit", "--db", str(db_path), "--partner", "Ølands", "--out", str(out)]) == 1
    assert "not an empty folder" in capsys.readouterr().err
