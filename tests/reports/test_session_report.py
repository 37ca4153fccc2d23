"""The minutes PDF: written from a real session, read back with pypdf; the command line's errors."""

from __future__ import annotations

from datetime import datetime

import pytest
from pypdf import PdfReader

from app.cli import main
from app.models.enums import SessionType, Side
from app.services.coaching import Attendee, SessionPlan
from app.services.partners import PartnerData


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def ran_session(services):
    services.identity.set_names("Lena Fischer", "Laptop")
    partner = services.partners.create(PartnerData(name="Kestrelgate Plastics B.V."))
    session = services.coaching.plan(SessionPlan(
        partner.id, SessionType.QUARTERLY_REVIEW, datetime(2026, 11, 20, 9), location="Partner's HQ",
        facilitator="Lena Fischer", attendees=(Attendee("Ines Jansen", Side.PARTNER), Attendee("Lena Fischer", Side.OURS))))
    services.coaching.start(session.id)
    services.coaching.log(session.id, "Ines presents the Q3 scrap figures")
    services.coaching.log(session.id, "d: Second inspection stays until January")
    services.coaching.log(session.id, "a: Send the inspection plan @Ines Jansen due 2026-12-04")
    services.coaching.log(session.id, "r: Moulding tool 7 has no spare")
    services.coaching.log(session.id, "e: new Poka-yoke on the clip assembly")
    services.coaching.end(session.id, "Scrap trend is right; keep going.")
    return services, partner, session


def test_minutes_hold_attendees_agenda_log_decisions_actions_and_experiments(ran_session, tmp_path, capsys):
    services, partner, session = ran_session
    out = tmp_path / "minutes.pdf"
    assert main(["report", "session", "--db", str(services.db.path), "--partner", "kestrelgate", "--out",
                 str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out
    text = _text(out)
    for expected in ("Kestrelgate Plastics B.V.", "Quarterly business review", "Ines Jansen", "Lena Fischer",
                     "Partner's HQ", "Wins to celebrate",  # agenda
                     "Ines presents the Q3 scrap figures", "Second inspection stays until January",
                     "Send the inspection plan", "2026-12-04", "Moulding tool 7 has no spare",
                     "Poka-yoke on the clip assembly", "Scrap trend is right; keep going."):
        assert expected in text, expected
    assert text.index("Decisions") < text.index("Action items") < text.index("Experiment updates") < text.index("Log")


def test_session_option_picks_another_session(ran_session, tmp_path):
    services, partner, first = ran_session
    later = services.coaching.plan(SessionPlan(partner.id, SessionType.WEEKLY_OPS, datetime(2026, 11, 27, 9)))
    services.coaching.log(later.id, "Weekly call note")
    out = tmp_path / "latest.pdf"
    assert main(["report", "session", "--db", str(services.db.path), "--partner", partner.name, "--out", str(out)]) == 0
    assert "Weekly call note" in _text(out)
    assert main(["report", "session", "--db", str(services.db.path), "--partner", partner.name, "--out", str(out),
                 "--session", first.id]) == 0
    assert "Second inspection stays until January" in _text(out)


def test_unknown_partner_or_session_is_a_clear_error(ran_session, tmp_path, capsys):
    services, partner, _ = ran_session
    out = tmp_path / "x.pdf"
    assert main(["report", "session", "--db", str(services.db.path), "--partner", "No Such Partner",
                 "--out", str(out)]) == 1
    assert "No partner called 'No Such Partner'" in capsys.readouterr().err
    assert main(["report", "session", "--db", str(services.db.path), "--partner", partner.name,
                 "--out", str(out), "--session", "nope"]) == 1
    assert "No coaching session with id nope" in capsys.readouterr().err
    assert not out.exists()
    other = services.partners.create(PartnerData(name="Empty Partner Ltd"))
    assert main(["report", "session", "--db", str(services.db.path), "--partner", other.name, "--out", str(out)]) == 1
    assert "has no coaching session yet" in capsys.readouterr().err


def _photo(path, size=(400, 300)):
    from PIL import Image

    Image.new("RGB", size, "#2f6f9f").save(path)
    return path


def _images(path) -> list[tuple[int, int]]:
    """(width, height) of every image drawn in the PDF."""
    return [(img.image.width, img.image.height) for page in PdfReader(str(path)).pages for img in page.images]


def test_minutes_list_the_sessions_files_with_a_thumbnail_of_each_image(ran_session, tmp_path):
    services, partner, session = ran_session
    entry = next(e for e in services.coaching.entries(session.id) if "scrap figures" in e.text)
    services.attachments.attach(partner.id, _photo(tmp_path / "whiteboard.png"), target_kind="log_entry",
                                target_id=entry.id, note="after the break")
    (tmp_path / "scrap report.pdf").write_bytes(b"%PDF-1.4 scrap")
    services.attachments.attach(partner.id, tmp_path / "scrap report.pdf", target_kind="session", target_id=session.id)
    other = services.partners.create(PartnerData(name="Someone Else Ltd"))
    services.attachments.attach(other.id, _photo(tmp_path / "not theirs.png"))
    out = tmp_path / "minutes.pdf"
    assert main(["report", "session", "--db", str(services.db.path), "--partner", "kestrelgate", "--out",
                 str(out)]) == 0
    text = " ".join(_text(out).split())
    assert "Files" in text and "whiteboard.png · after the break" in text and "scrap report.pdf" in text
    assert "Ines presents the Q3 scrap figures" in text.split("whiteboard.png")[1]  # names its log entry
    assert "not theirs.png" not in text
    assert _images(out) == [(400, 300)]  # the photo as a thumbnail; the PDF is listed, not drawn
