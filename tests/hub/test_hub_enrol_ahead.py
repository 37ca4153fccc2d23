"""A partner's key enrolled before the hub holds that partner: it waits, bound to the name (its pulls are
empty, its pushes refused, it changes nothing), and is scoped to that partner from the push that brings it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.hub.schema import SCHEMA_VERSION, WAITING, HubKey
from app.models import Partner
from app.models.sync import SyncSigner
from app.services.sync.hub_auth import sign_request
from app.services.sync.keys import device_key
from tests.sync.conftest import add_partner, edit, get, partner_names
from tests.sync.helpers import state


def _key(hub, services) -> HubKey:
    with hub.db.sessions() as s:
        return s.get(HubKey, services.db.device_id)


def _signer(hub, services) -> SyncSigner:
    with hub.db.sessions() as s:
        return s.get(SyncSigner, services.db.device_id)


def test_a_partner_key_enrolled_ahead_waits_then_is_scoped_to_the_partner_a_team_laptop_pushes(hub, tmp_path):
    acme_laptop = hub.laptop("acmeco", role=None)
    row = hub.enrol(acme_laptop, "partner:Acme Components")
    assert row.waiting and row.role == WAITING
    assert row.role_text == "partner: Acme Components (waiting: the hub does not hold it yet)"
    assert [r.role_text for r in hub.service.signers()] == [row.role_text]
    signer = _signer(hub, acme_laptop)
    assert (signer.role, signer.partner_id) == ("partner", None)  # a partner's signer bound to no partner

    # waiting: the laptop's sync exchanges nothing, and says why
    before = state(acme_laptop)
    result = acme_laptop.hub.sync()
    assert result.waiting_for == "Acme Components" and result.pushed is None and result.pulled is None
    assert "does not hold Acme Components yet" in result.summary
    assert state(acme_laptop) == before and acme_laptop.workspace.current() is None
    # whatever it sends is refused, and the hub sends it nothing
    path = tmp_path / "acme.tandem"
    acme_laptop.sync.export(path)
    body = path.read_bytes()
    key = device_key(acme_laptop.db.device_id)
    with hub.client() as client:
        push = client.post("/v1/push", content=body,
                           headers=sign_request(key, acme_laptop.db.device_id, "POST", "/v1/push", body))
        assert push.status_code == 409 and push.json()["error"] == "waiting_for_partner"
        assert "does not hold yet" in push.json()["message"]
        pull = client.post("/v1/pull", headers=sign_request(key, acme_laptop.db.device_id, "POST", "/v1/pull"))
        assert pull.status_code == 204
    assert hub.service.received() == []
    with hub.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Partner)) == 0

    # a team laptop pushes Acme (and another partner): the key is bound in that push's transaction
    ann = hub.laptop("ann")
    acme, beta = add_partner(ann, "ACME Components"), add_partner(ann, "Beta Secret Industries")
    ann.hub.sync()
    assert _key(hub, acme_laptop).role == f"partner:{acme}"
    assert _signer(hub, acme_laptop).partner_id == acme
    (row,) = [r for r in hub.service.signers() if r.device_id == acme_laptop.db.device_id]
    assert not row.waiting and row.role_text == "partner: ACME Components"

    # from then on it is a partner's laptop like any other: Acme only, its side only
    got = acme_laptop.hub.sync()
    assert got.waiting_for == "" and got.pulled is not None and got.pulled.total["new"] > 0
    assert acme_laptop.workspace.current().partner_id == acme
    assert partner_names(acme_laptop) == {"ACME Components"}
    assert not any(beta in str(k) for k in state(acme_laptop))
    edit(acme_laptop, Partner, acme, country="Peru")
    assert acme_laptop.hub.sync().pushed["total"]["rejected"] == 0
    edit(acme_laptop, Partner, acme, tier=1)
    assert acme_laptop.hub.sync().pushed["total"]["rejected"] == 1  # the tier is the lead's
    ann.hub.sync()
    assert (get(ann, Partner, acme).country, get(ann, Partner, acme).tier) == ("Peru", 3)


def test_a_waiting_key_stays_waiting_while_the_name_is_ambiguous_and_binds_when_the_push_lands(hub):
    gamma_laptop = hub.laptop("gammaco", role=None)
    hub.enrol(gamma_laptop, "partner:Gamma")
    ann = hub.laptop("ann")
    add_partner(ann, "Gamma")
    add_partner(ann, "gamma")
    ann.hub.sync()
    (row,) = [r for r in hub.service.signers() if r.device_id == gamma_laptop.db.device_id]
    assert row.waiting and "several partners of that name" in row.role_text
    assert gamma_laptop.hub.sync().waiting_for == "Gamma"
    # the same key enrolled again by the partner's id: bound at once
    with ann.db.sessions() as s:
        first = s.scalars(select(Partner.id).where(Partner.name == "Gamma")).one()
    assert hub.enrol(gamma_laptop, f"partner:{first}").role == f"partner:{first}"


def test_a_hub_of_the_first_schema_is_upgraded_by_init_and_refused_until_then(hub):
    from app.hub.database import open_hub_database
    from app.services.database import DatabaseError

    with hub.db.engine.begin() as conn:  # a hub set up by the previous version
        conn.execute(text("ALTER TABLE hub_keys DROP COLUMN partner_name"))
        conn.execute(text("UPDATE hub_schema SET version = 1"))
    with pytest.raises(DatabaseError, match="tandem hub init"):
        open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles")
    open_hub_database(hub.url, files_dir=hub.tmp / "hubfiles", upgrade=True).close()
    with hub.db.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM hub_schema")).scalar() == SCHEMA_VERSION
        assert conn.execute(text("SELECT count(*) FROM information_schema.columns WHERE table_name = 'hub_keys' "
                                 "AND column_name = 'partner_name'")).scalar() == 1
    acme_laptop = hub.laptop("acmeco", role=None)
    assert hub.enrol(acme_laptop, "partner:Acme").waiting
