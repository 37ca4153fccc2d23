"""Laptops syncing through the team hub on a real PostgreSQL: convergence, merges and conflicts, partner scope,
enrolment and revocation, signed requests, and a hub killed in the middle of a push."""

from __future__ import annotations

import threading
import zipfile

import pytest
from sqlalchemy import func, select

from app.hub.schema import HubPackage
from app.models import Contact, Device, Partner
from app.models.enums import Side
from app.services.hub_sync import HubSyncError
from app.services.sync.hub_auth import sign_request
from app.services.sync.keys import device_key
from tests.sync.conftest import add_partner, edit, get, partner_names
from tests.sync.helpers import add_measurement, state


def open_conflicts(services, field: str) -> list:
    return [c for c in services.sync.conflicts() if c.field == field]


def add_contact(services, partner_id: str, name: str, side=Side.PARTNER) -> str:
    with services.db.sessions.begin() as s:
        c = Contact(partner_id=partner_id, name=name, side=side)
        s.add(c)
        s.flush()
        return c.id


def hub_state(hub) -> dict:
    return state(hub)


def test_three_laptops_and_a_partners_laptop_converge_through_the_hub(hub):
    ann, bob, cyd = hub.laptop("ann"), hub.laptop("bob"), hub.laptop("cyd")
    acme, beta = add_partner(ann, "Acme"), add_partner(ann, "Beta")
    add_measurement(ann, acme, 1, 91.0)
    ann.hub.sync()
    for lead in (bob, cyd):
        lead.hub.sync()
    edit(bob, Partner, acme, notes="Bob met their CTO")
    add_measurement(cyd, beta, 2, 77.0)
    gamma = add_partner(cyd, "Gamma")
    # the partner's own laptop, enrolled bound to Acme once the hub holds Acme
    acme_laptop = hub.laptop("acmeco", role=None)
    hub.enrol(acme_laptop, "partner:Acme")
    acme_laptop.hub.sync()  # a fresh laptop: it becomes Acme's workspace
    assert acme_laptop.workspace.current().partner_id == acme
    add_contact(acme_laptop, acme, "Ana Souza")
    add_measurement(acme_laptop, acme, 3, 88.0)

    # concurrent pushes from three laptops at once serialise on the hub; nothing is lost
    errors = []
    threads = [threading.Thread(target=lambda s=s: _sync_catching(s, errors)) for s in (bob, cyd, acme_laptop)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for _round in range(2):
        results = [s.hub.sync() for s in (ann, bob, cyd, acme_laptop)]
    # nothing refused on the way: the hub passes on who edited (each device's record as that device sent it)
    assert [r.pulled.total["rejected"] for r in results if r.pulled] == [0] * len([r for r in results if r.pulled])
    with ann.db.sessions() as s:
        assert {"Bob", "Cyd", "Acmeco"} <= set(s.scalars(select(Device.display_name)))

    team = state(ann)
    assert state(bob) == team and state(cyd) == team
    assert hub_state(hub) == team
    assert partner_names(ann) == {"Acme", "Beta", "Gamma"}
    with ann.db.sessions() as s:
        assert s.scalar(select(Contact.name).where(Contact.partner_id == acme)) == "Ana Souza"
        assert s.get(Partner, acme).notes == "Bob met their CTO"
    # the partner's laptop holds Acme exactly as the team does, and nothing of Beta or Gamma
    mine = state(acme_laptop)
    assert partner_names(acme_laptop) == {"Acme"}
    acme_records = {k: v for k, v in team.items() if v.get("partner_id") == acme}
    assert {k: v for k, v in mine.items() if v.get("partner_id") == acme} == acme_records
    assert not any(v.get("partner_id") in (beta, gamma) for v in mine.values())


def _sync_catching(services, errors: list) -> None:
    try:
        services.hub.sync()
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_edits_of_different_fields_on_two_laptops_both_survive(hub):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    acme = add_partner(ann, "Acme")
    ann.hub.sync()
    bob.hub.sync()
    edit(ann, Partner, acme, notes="renewal in March")
    edit(bob, Partner, acme, country="Portugal")
    ann.hub.sync()
    bob.hub.sync()
    ann.hub.sync()
    for s in (ann, bob):
        p = get(s, Partner, acme)
        assert (p.notes, p.country) == ("renewal in March", "Portugal")
        assert s.sync.conflicts() == []


def test_the_same_field_edited_on_two_laptops_is_a_conflict_on_both(hub):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    acme = add_partner(ann, "Acme")
    ann.hub.sync()
    bob.hub.sync()
    edit(ann, Partner, acme, notes="Ann's view")
    edit(bob, Partner, acme, notes="Bob's view")
    ann.hub.sync()
    bob.hub.sync()
    ann.hub.sync()
    kept = {get(s, Partner, acme).notes for s in (ann, bob)}
    assert len(kept) == 1 and kept <= {"Ann's view", "Bob's view"}
    for s in (ann, bob):
        (conflict,) = open_conflicts(s, "notes")
        assert {conflict.local_text, conflict.incoming_text} == {"Ann's view", "Bob's view"}


def _package_text(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return b"".join(zf.read(n) for n in zf.namelist())


def test_a_partner_key_pulls_only_its_partner_and_may_change_only_its_side(hub, tmp_path):
    ann = hub.laptop("ann")
    acme, beta = add_partner(ann, "Acme", country="Chile"), add_partner(ann, "Beta Secret Industries")
    add_contact(ann, beta, "Beta Person")
    add_measurement(ann, beta, 1, 12.5)
    ann.hub.sync()
    acme_laptop = hub.laptop("acmeco", role=None)
    row = hub.enrol(acme_laptop, "partner:acme")  # by name, any case
    assert row.role_text == "partner: Acme"

    # not a byte about Beta in what the hub sends Acme's key
    from app.hub.schema import HubKey

    with hub.db.sessions() as s:
        key = s.get(HubKey, acme_laptop.db.device_id)
    out = tmp_path / "acme-pull.tandem"
    hub.service.pull(key, out)
    raw = _package_text(out)
    assert acme.encode() in raw
    assert beta.encode() not in raw and b"Beta Secret" not in raw and b"Beta Person" not in raw

    acme_laptop.hub.sync()
    assert partner_names(acme_laptop) == {"Acme"}
    # the partner changes its country (its side): taken; then its tier (the lead's) and a contact on our side:
    # refused, with the reason
    edit(acme_laptop, Partner, acme, country="Peru")
    assert acme_laptop.hub.sync().pushed["total"]["rejected"] == 0
    edit(acme_laptop, Partner, acme, tier=1)
    add_contact(acme_laptop, acme, "Our own lead", side=Side.OURS)
    result = acme_laptop.hub.sync()
    assert result.pushed["total"]["rejected"] == 2
    assert any("tier" in r for r in result.pushed["rejections"])
    assert any("partner's side" in r for r in result.pushed["rejections"])
    ann.hub.sync()
    p = get(ann, Partner, acme)
    assert (p.country, p.tier) == ("Peru", 3)
    with ann.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.name == "Our own lead")) == 0


def test_a_partner_key_is_refused_for_another_partners_records(hub, tmp_path):
    from tests.sync.helpers import build_package, read_records

    ann = hub.laptop("ann")
    acme, beta = add_partner(ann, "Acme"), add_partner(ann, "Beta")
    ann.hub.sync()
    acme_laptop = hub.laptop("acmeco", role=None)
    hub.enrol(acme_laptop, "partner:Acme")
    acme_laptop.hub.sync()
    # a hand-made package from Acme's laptop that renames Beta
    path = tmp_path / "full.tandem"
    edit(ann, Partner, beta, name="Beta (hijacked)")  # a valid record, never synced: Acme's key signs it
    ann.sync.export(path)
    beta_row = next(r for r in read_records(path)["partners"] if r["id"] == beta)
    forged = build_package(tmp_path / "forged.tandem", acme_laptop, {"partners": [beta_row]})
    with hub.client() as client:
        body = forged.read_bytes()
        headers = sign_request(device_key(acme_laptop.db.device_id), acme_laptop.db.device_id, "POST", "/v1/push", body)
        answer = client.post("/v1/push", content=body, headers=headers).json()
    assert answer["total"]["rejected"] == 1
    assert "only that partner's records" in answer["rejections"][0]
    with hub.db.sessions() as s:
        assert s.get(Partner, beta).name == "Beta"


def test_an_unenrolled_key_is_refused_in_plain_words(hub):
    stranger = hub.laptop("eve", role=None)
    add_partner(stranger, "Fake")
    with pytest.raises(HubSyncError) as err:
        stranger.hub.sync()
    assert err.value.reason == "not_enrolled"
    assert "not enrolled" in str(err.value) and "tandem key" in str(err.value)
    assert hub.service.received() == []


def test_a_revoked_key_is_refused_and_sends_nothing(hub):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    add_partner(ann, "Acme")
    ann.hub.sync()
    hub.service.revoke(bob.db.device_id[:10], "laptop lost on a train")
    add_partner(bob, "Mallory's Partner")
    with pytest.raises(HubSyncError) as err:
        bob.hub.sync()
    assert err.value.reason == "revoked" and "laptop lost on a train" in str(err.value)
    assert partner_names(bob) == {"Mallory's Partner"}  # it received nothing (no Acme)
    with hub.db.sessions() as s:
        assert set(s.scalars(select(Partner.name))) == {"Acme"}
    assert [r.role_text for r in hub.service.signers() if r.device_id == bob.db.device_id] == \
        ["revoked: laptop lost on a train"]


def test_a_replayed_or_altered_request_is_refused(hub):
    ann = hub.laptop("ann")
    key = device_key(ann.db.device_id)
    with hub.client() as client:
        headers = sign_request(key, ann.db.device_id, "GET", "/v1/hello")
        assert client.get("/v1/hello", headers=headers).status_code == 200
        again = client.get("/v1/hello", headers=headers)
        assert again.status_code == 401 and again.json()["error"] == "replayed"
        body = b'{"package_id": "x"}'
        headers = sign_request(key, ann.db.device_id, "POST", "/v1/ack", body)
        altered = client.post("/v1/ack", content=b'{"package_id": "y"}', headers=headers)
        assert altered.status_code == 401 and altered.json()["error"] == "bad_request_signature"
        stale = sign_request(key, ann.db.device_id, "GET", "/v1/hello", now=1_000_000_000)
        assert client.get("/v1/hello", headers=stale).json()["error"] == "clock"


def test_a_hub_newer_than_the_laptop_is_said_in_plain_words(hub, monkeypatch):
    import app.hub.service as hub_service

    ann = hub.laptop("ann")
    known, head = hub_service.known_revisions()
    monkeypatch.setattr(hub_service, "known_revisions", lambda: (known | {"9999_future"}, "9999_future"))
    with pytest.raises(HubSyncError) as err:
        ann.hub.sync()
    assert err.value.reason == "hub_newer" and "newer Tandem" in str(err.value)
    assert hub.service.received() == []


def test_pushing_the_same_package_twice_applies_it_once(hub, tmp_path):
    ann = hub.laptop("ann")
    add_partner(ann, "Acme")
    path = tmp_path / "p.tandem"
    ann.sync.export(path)
    body = path.read_bytes()
    key = device_key(ann.db.device_id)
    with hub.client() as client:
        answers = [client.post("/v1/push", content=body,
                               headers=sign_request(key, ann.db.device_id, "POST", "/v1/push", body)).json()
                   for _ in range(2)]
    assert answers[0]["total"]["new"] > 0 and not answers[0]["already_received"]
    assert answers[1]["already_received"] and answers[1]["total"] == answers[0]["total"]
    with hub.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubPackage)) == 1
        assert s.scalar(select(func.count()).select_from(Partner)) == 1


def test_the_same_month_recorded_on_two_laptops_is_one_measurement_and_a_conflict_on_both(hub):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    acme = add_partner(ann, "Acme")
    ann.hub.sync()
    bob.hub.sync()
    add_measurement(ann, acme, 5, 80.0)
    add_measurement(bob, acme, 5, 95.0)
    for s in (ann, bob, ann):
        s.hub.sync()
    assert state(ann) == state(bob) == state(hub)
    for s in (ann, bob):
        (conflict,) = open_conflicts(s, "value")
        assert {conflict.local_value, conflict.incoming_value} == {80.0, 95.0}


def test_syncing_often_backs_the_database_up_once_a_day_not_every_time(hub):
    ann, bob = hub.laptop("ann"), hub.laptop("bob")
    acme = add_partner(ann, "Acme")
    ann.hub.sync()
    for n in range(3):  # three syncs that each bring a change
        bob.hub.sync()
        edit(ann, Partner, acme, notes=f"visit {n}")
        ann.hub.sync()
    backups = list((bob.db.path.parent / "backups").glob(f"{bob.db.path.stem}-*.sqlite"))
    assert len(backups) == 1
