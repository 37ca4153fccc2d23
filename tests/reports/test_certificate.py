"""The co-branded certificate: read back with pypdf on A4 and Letter, names in any script, and the command."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from app.cli import main
from app.models.enums import Side
from app.reports.certificate import write_certificate_pdf
from app.services.learning import CertificateData
from app.services.partners import ContactData, PartnerData
from app.services.reference_data import stable_id

DATA = CertificateData(person="Ana Lima", side=Side.PARTNER, partner_name="Acme Castings",
                       our_company="Northwind Components", track_name="Escalation path", track_version=2,
                       track_description="Who to call when something goes wrong.",
                       modules=("Working with us", "The escalation path"), granted_on=date(2026, 1, 31),
                       expires_on=date(2027, 1, 30), certificate_id="c-1")


def _text(path) -> tuple[str, tuple[float, float], int]:
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    return "\n".join(p.extract_text() for p in reader.pages), (float(box.width), float(box.height)), len(reader.pages)


@pytest.mark.parametrize("size, expected", [("a4", (841.9, 595.3)), ("letter", (792.0, 612.0))])
def test_the_certificate_names_the_person_both_companies_the_track_and_the_expiry(tmp_path, size, expected):
    text, (w, h), pages = _text(write_certificate_pdf(tmp_path / "c.pdf", DATA, size))
    assert pages == 1
    assert (round(w, 1), round(h, 1)) == expected  # landscape
    for part in ("Ana Lima", "Acme Castings", "Northwind Components", "Escalation path", "valid until 30 January 2027",
                 "Granted 31 January 2026"):
        assert part in text


def test_names_in_other_scripts_print(tmp_path):
    data = CertificateData(person="Zhāng Wěi 张伟", side=Side.OURS, partner_name="Ελληνικά Εξαρτήματα",
                           our_company="Северный завод", track_name="Качество поставщика", track_version=1,
                           track_description="", modules=(), granted_on=date(2026, 1, 1), expires_on=None,
                           certificate_id="c-2")
    text, _size, _pages = _text(write_certificate_pdf(tmp_path / "c.pdf", data))
    assert "张伟" in text and "Ελληνικά" in text and "Северный завод" in text and "does not expire" in text


def test_report_certificate_command_writes_the_pdf_and_refuses_the_uncertified(services, db_path, tmp_path, capsys):
    p = services.partners.create(PartnerData(name="Acme Castings", contacts=(ContactData("Ana Lima", Side.PARTNER),)))
    contact = p.contacts[0].id
    v = services.learning.latest(stable_id("learning_track", "escalation-path"))
    services.learning.assign(p.id, v.id, contact_id=contact, assigned_on=date(2026, 1, 1))
    for item in v.items:
        services.learning.record_completion(p.id, item.module_id, contact_id=contact, completed_on=date(2026, 2, 1),
                                            today=date(2026, 11, 23))
    services.db.close()
    out = tmp_path / "cert.pdf"
    args = ["report", "certificate", "--db", str(db_path), "--partner", "Acme", "--person", "Ana Lima",
            "--track", "Escalation path", "--out", str(out), "--page-size", "letter"]
    assert main(args) == 1  # our company's name is not set yet
    assert "our company" in capsys.readouterr().err
    assert main(args + ["--our-company", "Northwind Components"]) == 0
    text, (w, _h), _pages = _text(out)
    assert "Ana Lima" in text and "Northwind Components" in text and round(w) == 792
    assert main(args[:7] + ["Bo"] + args[8:] + ["--our-company", "N"]) == 1
    assert "Bo holds no certification" in capsys.readouterr().err


def test_the_longest_names_still_print_on_one_page(tmp_path):
    from dataclasses import replace

    data = replace(DATA, person="M" * 120, partner_name="Partner Name Industries " * 8, our_company="Our Group " * 20,
                   track_name="Track " * 26, track_description="Long description. " * 60, modules=("Module",) * 30)
    for size in ("a4", "letter"):
        text, _size, pages = _text(write_certificate_pdf(tmp_path / f"{size}.pdf", data, size))
        assert pages == 1 and "M" * 20 in text
