"""The partner's workspace: a fresh Tandem whose first package is a lead's package scoped to one partner becomes
that partner's workspace (only that partner, the libraries read-only), while everything the partner side does
keeps working and travels back to the lead."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from app.cli import main as cli_main
from app.models.enums import ItemStatus, PeriodKind, SessionType, Side
from app.services.clock import utcnow
from app.services.coaching import SessionPlan
from app.services.errors import ValidationError, WorkspaceReadOnly
from app.services.experiments import ExperimentInput
from app.services.partners import PartnerData
from app.services.plans import template_content
from app.services.playbooks import StepData
from app.services.reference_data import stable_id
from app.services.selection import CriteriaEdit
from tests.sync.conftest import add_partner, laptops, partner_names  # noqa: F401  (laptops is a fixture)
from tests.sync.helpers import KPI_OTD

DEFAULT_PLAYBOOK_V1 = stable_id("playbook", "default", "v1")
MAY = date(2026, 5, 1)


@pytest.fixture
def lead(laptops):
    """Dana's Tandem: Acme (a measurement, an action item on Acme's side, onboarding, an experiment, a session)
    and Beta."""
    lead = laptops.new("lead")
    lead.identity.set_names("Dana Lead", "dana-laptop")
    acme = add_partner(lead, "Acme")
    add_partner(lead, "Beta")
    lead.measurements.record(acme, KPI_OTD, PeriodKind.MONTH, MAY, 91.0)
    lead.actions.create(acme, "Send the forecast", owner="Ana", owner_side=Side.PARTNER)
    lead.onboarding.start(acme, DEFAULT_PLAYBOOK_V1, date(2026, 11, 2))
    lead.experiments.create(ExperimentInput(acme, "Kanban for spare parts"))
    lead.coaching.plan(SessionPlan(acme, SessionType.WEEKLY_OPS, datetime(2026, 11, 20, 9)))
    lead.acme = acme
    return lead


def _share(laptops, lead, partner_ids, to):
    """The lead's package of ``partner_ids`` imported into ``to`` (trusting the lead as a colleague)."""
    path = laptops.package()
    lead.sync.export(path, partner_ids=partner_ids, recipient=to.identity.get().display_name)
    return to.sync.import_package(path, trust_new_signer=True)


@pytest.fixture
def acme_tandem(laptops, lead):
    """Acme's own, fresh Tandem after importing what Dana shared with Acme."""
    acme = laptops.new("acme")
    acme.identity.set_names("Ana Acme", "acme-laptop")
    _share(laptops, lead, [lead.acme], acme)
    return acme


def test_a_fresh_laptop_importing_a_leads_scoped_package_becomes_that_partners_workspace(acme_tandem, lead):
    ws = acme_tandem.workspace.current()
    assert ws is not None
    assert (ws.partner_id, ws.partner_name, ws.lead_name, ws.lead_device) == (lead.acme, "Acme", "Dana Lead",
                                                                              "dana-laptop")
    assert ws.lead_device_id == lead.db.device_id
    assert ws.since.date() == utcnow().date()
    assert partner_names(acme_tandem) == {"Acme"}
    assert lead.workspace.current() is None  # the lead's own Tandem is an ordinary one


def test_a_laptop_that_had_partners_or_imported_before_does_not_become_a_workspace(laptops, lead):
    colleague = laptops.new("colleague")
    add_partner(colleague, "Gamma")
    assert _share(laptops, lead, [lead.acme], colleague).applied
    assert colleague.workspace.current() is None

    everything = laptops.new("everything")  # a colleague's fresh laptop receiving everything
    laptops.send(lead, everything)
    assert everything.workspace.current() is None

    two = laptops.new("two")  # scoped to two partners
    beta = lead.partners.find("Beta").id
    _share(laptops, lead, [lead.acme, beta], two)
    assert two.workspace.current() is None

    later = laptops.new("later")  # the scoped package is not its first package
    other = laptops.new("other")
    laptops.send(other, later)  # a package holding no partner at all
    _share(laptops, lead, [lead.acme], later)
    assert later.workspace.current() is None


def test_the_shared_libraries_are_read_only_naming_the_lead(acme_tandem):
    ws = acme_tandem
    kpi = ws.kpis.get(KPI_OTD)
    with pytest.raises(WorkspaceReadOnly) as refused:
        ws.kpis.update(kpi.__class__(**{**vars(kpi), "target": 50.0}))
    assert str(refused.value) == ("This Tandem is Acme's workspace, shared by Dana Lead: the KPI library is kept by "
                                  "Dana Lead; suggest changes to them.")
    assert isinstance(refused.value, ValidationError)  # every view already shows these messages
    assert ws.kpis.get(KPI_OTD).target == kpi.target

    version = ws.playbooks.get_version(DEFAULT_PLAYBOOK_V1)
    criteria = ws.selection.latest_published()
    track = ws.learning.tracks()[0]
    refusals = {
        "new KPI": lambda: ws.kpis.create(kpi.__class__(code="NEW", name="New")),
        "retire KPI": lambda: ws.kpis.delete(KPI_OTD),
        "new playbook": lambda: ws.playbooks.create("Ours", "", [StepData("Kick-off")]),
        "playbook edit": lambda: ws.playbooks.edit(version.id, "Renamed", version.description, version.steps),
        "playbook import": lambda: ws.playbooks.import_json(ws.playbooks.export_json(version.id)),
        "criteria edit": lambda: ws.selection.save_criteria_set(criteria.id, CriteriaEdit(
            "Renamed", criteria.description, criteria.criteria)),
        "criteria set": lambda: ws.selection.create_criteria_set(CriteriaEdit("Ours", "", criteria.criteria)),
        "plan template": lambda: ws.plans.create_template("Ours", "", template_content([], [])),
        "module": lambda: ws.learning.save_module(ws.learning.modules()[0]),
        "track": lambda: ws.learning.create_track("Ours"),
        "track edit": lambda: ws.learning.edit_track(track.latest_version_id, "Renamed", "", ()),
    }
    for write in refusals.values():
        with pytest.raises(WorkspaceReadOnly, match="kept by Dana Lead; suggest changes to them"):
            write()
    assert ws.kpis.get(KPI_OTD).version == kpi.version
    assert ws.playbooks.get_version(DEFAULT_PLAYBOOK_V1).name == version.name
    assert [p.name for p in ws.playbooks.list()] == [version.name]


def test_a_new_partner_is_refused_but_its_own_entry_may_change(acme_tandem, lead):
    with pytest.raises(WorkspaceReadOnly, match="Acme's workspace, shared by Dana Lead: it holds only Acme"):
        acme_tandem.partners.create(PartnerData(name="Zeta"))
    assert partner_names(acme_tandem) == {"Acme"}
    own = acme_tandem.partners.get(lead.acme)
    assert acme_tandem.partners.update(own.__class__(**{**vars(own), "country": "Portugal"})).country == "Portugal"


def test_a_later_package_from_the_lead_brings_only_the_workspaces_partner(laptops, acme_tandem, lead):
    """A package with everything (or scoped to another partner) sent by mistake adds no other partner."""
    path = laptops.package()
    lead.sync.export(path)
    result = acme_tandem.sync.import_package(path)
    assert partner_names(acme_tandem) == {"Acme"}
    assert result.tables["partners"]["rejected"] == 1  # Beta, refused with its reason
    assert any("outside" in r for r in result.rejections)


def test_everything_the_partner_side_does_keeps_working(acme_tandem, lead):
    ws, acme = acme_tandem, lead.acme
    assert ws.workspace.current().partner_id == acme  # read-only libraries, and yet:
    # scorecard and measurement grid
    ws.measurements.record(acme, KPI_OTD, PeriodKind.MONTH, date(2026, 6, 1), 93.5)
    assert [r.value for r in ws.measurements.series(acme, KPI_OTD)] == [91.0, 93.5]
    assert ws.measurements.grid(acme, PeriodKind.MONTH).kpis
    assert ws.scorecards.trend(acme, KPI_OTD).values == (91.0, 93.5)
    assert ws.scorecards.partner_scorecard(acme, today=date(2026, 7, 15)).partner_id == acme
    # action items
    (item,) = ws.actions.list()
    assert ws.actions.set_done(item.id, on=date(2026, 11, 24)).done_on == date(2026, 11, 24)
    assert ws.actions.create(acme, "Share the audit plan", owner="Ana", owner_side=Side.PARTNER).title
    # experiments
    (exp,) = ws.experiments.log()
    assert ws.experiments.note(exp.id, "Two bins in place").id == exp.id
    # its checklist items
    checklist = ws.onboarding.current(acme)
    mine = next(i for i in checklist.items if i.owner_side is Side.PARTNER and not i.evidence_required)
    assert ws.onboarding.set_status(mine.id, ItemStatus.DONE).status is ItemStatus.DONE
    # session minutes
    (session,) = ws.coaching.list(acme)
    assert ws.coaching.log(session.id, "Forecast shared two days early").text == "Forecast shared two days early"


def test_the_partners_edits_travel_back_and_apply_at_the_lead(laptops, acme_tandem, lead):
    ws, acme = acme_tandem, lead.acme
    ws.measurements.record(acme, KPI_OTD, PeriodKind.MONTH, MAY, 94.0)  # corrects the lead's 91
    (item,) = ws.actions.list()
    ws.actions.set_done(item.id, on=date(2026, 11, 24))
    mine = next(i for i in ws.onboarding.current(acme).items
                if i.owner_side is Side.PARTNER and not i.evidence_required)
    ws.onboarding.set_status(mine.id, ItemStatus.DONE, completed_on=date(2026, 11, 25))

    back = laptops.package()
    ws.sync.export(back, partner_ids=[acme], recipient="Dana Lead")  # an ordinary scoped package of Acme
    result = lead.sync.import_package(back, trust_new_signer=f"partner:{acme}")
    assert result.total["rejected"] == 0, result.rejections
    assert [r.value for r in lead.measurements.series(acme, KPI_OTD)] == [94.0]
    assert lead.actions.get(item.id).done_on == date(2026, 11, 24)
    done = next(i for i in lead.onboarding.current(acme).items if i.id == mine.id)
    assert (done.status, done.completed_on) == (ItemStatus.DONE, date(2026, 11, 25))
    assert lead.workspace.current() is None  # importing a partner's package never makes the lead a workspace
    (signer,) = [s for s in lead.sync.signers() if s.device_id == ws.db.device_id]
    assert (signer.role, signer.partner_id) == ("partner", acme)

    # and the lead's next package reaches the workspace like the first one
    lead.measurements.record(acme, KPI_OTD, PeriodKind.MONTH, date(2026, 7, 1), 97.0)
    _share(laptops, lead, [acme], ws)
    assert [r.value for r in ws.measurements.series(acme, KPI_OTD)] == [94.0, 97.0]
    assert ws.workspace.current().partner_id == acme


def test_leaving_the_workspace_makes_an_ordinary_tandem(acme_tandem):
    was = acme_tandem.workspace.leave()
    assert was is not None and was.partner_name == "Acme"
    assert acme_tandem.workspace.current() is None
    assert acme_tandem.partners.create(PartnerData(name="Zeta")).name == "Zeta"
    assert acme_tandem.playbooks.create("Ours", "", [StepData("Kick-off")]).name == "Ours"


def test_tandem_workspace_shows_it(acme_tandem, lead, capsys):
    path = str(acme_tandem.db.path)
    acme_tandem.db.close()  # the command opens the database itself
    assert cli_main(["workspace", "--db", path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["partner"], shown["partner_id"], shown["lead"], shown["lead_device"]) == (
        "Acme", lead.acme, "Dana Lead", "dana-laptop")
    assert cli_main(["workspace", "--db", path]) == 0
    assert "Acme's workspace, shared by Dana Lead (dana-laptop) on" in capsys.readouterr().out
    assert cli_main(["workspace", "--db", path, "--leave"]) == 0
    assert "no longer Acme's workspace" in capsys.readouterr().out
    assert cli_main(["workspace", "--db", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) is None
