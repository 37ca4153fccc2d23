"""What a package may change: signer roles (team, partner P), proposals, and the attacks a package could make.

Each attack test shows a way a package used to rewrite, move or leak data, and that it is now refused with a
reason while the rest of the package applies."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import select

from app.models import Contact, Device, Kpi, KpiVersion, Partner
from app.models.enums import Direction, KpiCategory, Side
from app.services.clock import format_rev
from app.services.sync.errors import PackageRefused
from app.services.sync.roles import PARTNER_MAY
from app.services.sync.tables import table_specs
from tests.sync.conftest import add_partner, edit, get
from tests.sync.helpers import KPI_OTD, build_package, read_records


def _contact(services, partner_id: str, name: str, email: str, side: Side = Side.PARTNER) -> str:
    with services.db.sessions.begin() as s:
        c = Contact(partner_id=partner_id, name=name, email=email, side=side, role="")
        s.add(c)
        s.flush()
        return c.id


@pytest.fixture
def world(laptops):
    """A lead with two partners, and Acme's own Tandem holding what the lead shared with Acme."""
    lead = laptops.new("lead")
    acme = add_partner(lead, "Acme")
    beta = add_partner(lead, "Beta")
    _contact(lead, beta, "Bea Beta", "bea@beta.example")
    laptops.send(lead, acme_laptop := laptops.new("acme"), partner_ids=[acme])
    return lead, acme_laptop, acme, beta


def _back(laptops, partner_laptop, lead, acme, **kw):
    """The partner's package, imported at the lead trusting its signer as partner Acme."""
    path = laptops.package()
    partner_laptop.sync.export(path)
    return lead.sync.import_package(path, trust_new_signer=f"partner:{acme}", **kw)


def test_a_kpi_edited_by_a_partner_is_a_proposal_until_the_lead_accepts_it(laptops, world):
    """Before: a supplier's KPI edit rewrote the lead's shared library for every partner."""
    lead, acme_laptop, acme, _beta = world
    before = get(lead, Kpi, KPI_OTD).target
    edit(acme_laptop, Kpi, KPI_OTD, target=50.0)
    result = _back(laptops, acme_laptop, lead, acme)
    assert result.tables["kpis"]["proposed"] == 1
    assert get(lead, Kpi, KPI_OTD).target == before  # nothing changed yet
    (p,) = lead.sync.proposals()
    assert (p.table, p.row_id, p.changes, p.is_new) == ("kpis", KPI_OTD, {"target": [before, 50.0]}, False)
    assert "OTD" in p.record_label or "delivery" in p.record_label.lower()

    lead.sync.accept_proposal(p.id)
    kpi = get(lead, Kpi, KPI_OTD)
    assert kpi.target == 50.0 and kpi.updated_by == lead.db.device_id  # the lead's own edit: it travels
    assert lead.sync.proposals() == []


def test_a_declined_proposal_changes_nothing_and_a_planted_kpi_waits_as_a_new_proposal(laptops, world):
    lead, acme_laptop, acme, _beta = world
    edit(acme_laptop, Kpi, KPI_OTD, amber_threshold=0.0, red_threshold=0.0)  # thresholds to zero
    with acme_laptop.db.sessions.begin() as s:
        s.add(Kpi(code="PLANT", name="Planted", category=KpiCategory.QUALITY, direction=Direction.HIGHER_IS_BETTER,
                  target=1, amber_threshold=1, red_threshold=1))
    before = get(lead, Kpi, KPI_OTD)
    _back(laptops, acme_laptop, lead, acme)
    with lead.db.sessions() as s:
        assert s.scalar(select(Kpi).where(Kpi.code == "PLANT")) is None
    proposals = {p.is_new: p for p in lead.sync.proposals()}
    assert proposals[True].record_label == "Planted"
    lead.sync.decline_proposal(proposals[False].id)
    after = get(lead, Kpi, KPI_OTD)
    assert (after.amber_threshold, after.red_threshold, after.rev) == (before.amber_threshold,
                                                                      before.red_threshold, before.rev)
    lead.sync.accept_proposal(proposals[True].id)
    with lead.db.sessions() as s:
        assert s.scalar(select(Kpi.name).where(Kpi.code == "PLANT")) == "Planted"


def test_a_declined_proposal_is_not_asked_again_by_the_next_package_but_a_new_edit_is(laptops, world):
    lead, acme_laptop, acme, _beta = world
    edit(acme_laptop, Kpi, KPI_OTD, target=50.0)
    _back(laptops, acme_laptop, lead, acme)
    (p,) = lead.sync.proposals()
    lead.sync.decline_proposal(p.id)
    again = _back(laptops, acme_laptop, lead, acme)  # the partner's next package still carries its edit
    assert again.tables["kpis"]["proposed"] == 0 and again.no_op and lead.sync.proposals() == []
    edit(acme_laptop, Kpi, KPI_OTD, target=60.0)  # a new edit is a new proposal
    third = _back(laptops, acme_laptop, lead, acme)
    assert third.tables["kpis"]["proposed"] == 1 and not third.no_op
    assert [q.changes["target"][1] for q in lead.sync.proposals()] == [60.0]


def test_a_partner_may_change_its_own_people_and_figures_but_not_its_commercial_fields(laptops, world):
    lead, acme_laptop, acme, _beta = world
    _contact(acme_laptop, acme, "Ana Acme", "ana@acme.example")
    edit(acme_laptop, Partner, acme, country="Portugal")
    result = _back(laptops, acme_laptop, lead, acme)
    assert result.tables["contacts"]["new"] == 1 and result.tables["partners"]["updated"] == 1
    assert get(lead, Partner, acme).country == "Portugal"

    edit(acme_laptop, Partner, acme, tier=1, annual_spend=9_999_999)
    result = _back(laptops, acme_laptop, lead, acme)
    assert result.tables["partners"]["rejected"] == 1
    assert any("annual_spend" in r and "tier" in r for r in result.rejections)
    lead_acme = get(lead, Partner, acme)
    assert lead_acme.annual_spend != 9_999_999 and lead_acme.tier != 1


def test_a_partner_may_not_add_contacts_on_our_side_nor_touch_another_partner(laptops, world):
    lead, acme_laptop, acme, beta = world
    _contact(acme_laptop, acme, "Fake Lead", "fake@acme.example", side=Side.OURS)
    result = _back(laptops, acme_laptop, lead, acme)
    assert result.tables["contacts"]["rejected"] == 1
    assert "partner's side" in result.rejections[0]
    # A package from Acme's signer naming Beta's records (crafted: Acme's laptop never held them)
    full = laptops.package()
    lead.sync.export(full)
    beta_row = next(r for r in read_records(full)["partners"] if r["id"] == beta)
    beta_row.update(notes="Acme was here", rev=format_rev(lead.db.clock.wall_millis(), 0, acme_laptop.db.device_id))
    crafted = build_package(laptops.package(), acme_laptop, {"partners": [beta_row]})
    result = lead.sync.import_package(crafted)
    assert result.tables["partners"]["rejected"] == 1
    assert get(lead, Partner, beta).notes != "Acme was here"


@pytest.mark.parametrize("tombstone", [False, True], ids=["relabel", "tombstone-relabel"])
def test_a_record_relabelled_to_another_partner_is_refused_and_never_leaks(laptops, world, tombstone):
    """Before: Beta's contact relabelled with Acme's id in an Acme-scoped package moved to Acme, and the next
    ordinary export to Acme carried Beta's contact (name, e-mail)."""
    lead, _acme_laptop, acme, beta = world
    colleague = laptops.new("colleague")
    laptops.send(lead, colleague)
    full = laptops.package()
    lead.sync.export(full)
    row = next(r for r in read_records(full)["contacts"] if r["partner_id"] == beta)
    row.update(partner_id=acme, rev=format_rev(lead.db.clock.wall_millis() + 1000, 0, colleague.db.device_id))
    if tombstone:
        row["deleted_at"] = "2026-11-23 10:00:00.000000"
    scope = {"kind": "partners", "partner_ids": [acme], "partner_names": ["Acme"]}
    result = lead.sync.import_package(build_package(laptops.package(), colleague, {"contacts": [row]}, scope=scope),
                                      trust_new_signer="team")
    assert result.tables["contacts"]["rejected"] == 1
    assert "partner never changes" in result.rejections[0]
    contact = get(lead, Contact, row["id"])
    assert contact.partner_id == beta and contact.deleted_at is None
    to_acme = laptops.package()
    lead.sync.export(to_acme, partner_ids=[acme])
    with zipfile.ZipFile(to_acme) as z:
        assert not any(b"bea@beta.example" in z.read(n) for n in z.namelist())


def test_a_device_record_is_taken_only_from_that_device(laptops, world):
    """Before: a package could rename the lead's own device, changing who every edit appears to come from."""
    lead, _acme_laptop, _acme, _beta = world
    colleague = laptops.new("colleague")
    laptops.send(lead, colleague)
    full = laptops.package()
    lead.sync.export(full)
    row = next(r for r in read_records(full)["devices"] if r["id"] == lead.db.device_id)
    row.update(display_name="Mallory", rev=format_rev(lead.db.clock.wall_millis() + 1000, 0, colleague.db.device_id))
    result = lead.sync.import_package(build_package(laptops.package(), colleague, {"devices": [row]}),
                                      trust_new_signer="team")
    assert result.tables["devices"]["rejected"] == 1
    assert get(lead, Device, lead.db.device_id).display_name != "Mallory"


def test_a_scoped_package_carries_no_history_notes_naming_other_partners(laptops, world):
    lead, _acme_laptop, acme, _beta = world
    with lead.db.sessions.begin() as s:
        s.add(KpiVersion(kpi_id=KPI_OTD, version=99, snapshot={}, change_note="Raised for Beta after their audit",
                         changed_by="lead"))
    path = laptops.package()
    lead.sync.export(path, partner_ids=[acme])
    with zipfile.ZipFile(path) as z:
        assert not any(b"Beta" in z.read(n) for n in z.namelist())
    full = laptops.package()
    lead.sync.export(full)  # the team still gets the history
    assert any(r["change_note"].startswith("Raised for Beta") for r in read_records(full)["kpi_versions"])


def test_a_revoked_signer_is_refused_with_the_reason_and_roles_can_change(laptops, world):
    lead, acme_laptop, acme, _beta = world
    _back(laptops, acme_laptop, lead, acme)
    (signer,) = [r for r in lead.sync.signers() if r.device_id == acme_laptop.db.device_id]
    assert signer.role_text == "partner: Acme"
    lead.sync.set_signer_role(signer.device_id, "team")
    assert [r.role_text for r in lead.sync.signers() if r.device_id == signer.device_id] == ["team"]
    lead.sync.revoke_signer(signer.device_id, "laptop lost")
    path = laptops.package()
    acme_laptop.sync.export(path)
    with pytest.raises(PackageRefused) as refused:
        lead.sync.import_package(path)
    assert "revoked" in str(refused.value) and "laptop lost" in str(refused.value)


FORBIDDEN = sorted(n for n, spec in table_specs().items() if spec.partner_owned and n not in PARTNER_MAY)


@pytest.mark.parametrize("table", FORBIDDEN)
def test_a_partner_signer_may_not_change_what_the_partner_side_does_not_own(laptops, demo_services, tmp_path,
                                                                         table):
    lead = demo_services
    spec = table_specs()[table]
    full = tmp_path / "full.tandem"
    lead.sync.export(full)
    rows = read_records(full).get(table, [])
    if not rows:
        pytest.skip(f"the demo data has no {table}")
    plain = [f for f in spec.user_fields if not f.endswith(("_id", "side", "_at", "date")) and f not in
             ("partner_id", "deleted_at", "status", "stage", "kind", "phase", "session_type", "from_stage",
              "to_stage", "result", "target_kind", "sha256", "mime")]

    def editable(r):
        text = next((f for f in plain if isinstance(r[f], str) and r[f]), None)
        return text or next((f for f in plain if isinstance(r[f], int | float) and not isinstance(r[f], bool)), None)

    row = next(r for r in rows if editable(r))
    field = editable(row)
    partner_laptop = laptops.new("partner")
    row[field] = row[field] + " (changed by the partner)" if isinstance(row[field], str) else row[field] + 1
    changed = row[field]
    row["rev"] = format_rev(lead.db.clock.wall_millis() + 1000, 0, partner_laptop.db.device_id)
    package = build_package(tmp_path / "p.tandem", partner_laptop, {table: [row]})
    result = lead.sync.import_package(package, trust_new_signer=f"partner:{row['partner_id']}")
    assert result.tables[table]["rejected"] == 1, (table, field)
    assert "may not change" in result.rejections[0]
    with lead.db.sessions() as s:
        stored = s.connection().exec_driver_sql(f'SELECT "{field}" FROM "{table}" WHERE id = ?', (row["id"],)).scalar()
    assert stored != changed


def test_the_partner_round_trip_works_from_the_command_line(laptops, world, capsys):
    """Export scoped, import on the partner's laptop, edits there, export back, import at the lead: what was
    applied, rejected and proposed; then the lead settles the proposal."""
    import json

    from app.cli import main

    lead, acme_laptop, acme, _beta = world
    _contact(acme_laptop, acme, "Ana Acme", "ana@acme.example")
    edit(acme_laptop, Kpi, KPI_OTD, definition="Delivered complete, on the day promised")
    edit(acme_laptop, Partner, acme, annual_spend=1)
    back = laptops.package()
    acme_laptop.db.close()  # the command line opens the databases itself
    lead.db.close()
    assert main(["export", "--db", str(acme_laptop.db.path), "--out", str(back)]) == 0
    lead_db = lead.db.path
    capsys.readouterr()
    assert main(["import", "--db", str(lead_db), str(back), "--trust-new-signer", "partner:Acme", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["tables"]["contacts"]["new"], out["tables"]["kpis"]["proposed"],
            out["tables"]["partners"]["rejected"]) == (1, 1, 1)
    assert main(["signers", "--db", str(lead_db), "--json"]) == 0
    signers = json.loads(capsys.readouterr().out)
    assert [(s["role"], s["partner"]) for s in signers if s["name"] == "Acme"] == [("partner", "Acme")]
    assert main(["proposals", "--db", str(lead_db), "--json"]) == 0
    (proposal,) = json.loads(capsys.readouterr().out)
    assert proposal["changes"]["definition"][1] == "Delivered complete, on the day promised"
    assert main(["proposals", "--db", str(lead_db), "--accept", str(proposal["id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_export_dry_run_shows_what_the_partner_will_see_and_writes_nothing(laptops, world, tmp_path, capsys):
    from app.cli import main

    lead, _acme_laptop, acme, _beta = world
    _contact(lead, acme, "Ana Acme", "ana@acme.example")
    contents = lead.sync.export_contents(partner_ids=[acme])
    assert contents["partners"] == ["Acme"] and contents["contacts"] == ["Ana Acme"]
    assert "kpi_versions" not in contents and not any("Bea Beta" in x for v in contents.values() for x in v)
    lead.db.close()
    listing, out = tmp_path / "acme.txt", tmp_path / "acme.tandem"
    assert main(["export", "--db", str(lead.db.path), "--partner", "Acme", "--out", str(out), "--dry-run",
                 "--list", str(listing)]) == 0
    assert "nothing written" in capsys.readouterr().out and not out.exists()
    text = listing.read_text(encoding="utf-8")
    assert "Contacts (1)" in text and "  Ana Acme" in text and "Beta" not in text
