"""A request is judged by its headers before its body is read: an unknown or revoked key, or a declared length
above the hub's limit (`tandem hub serve --max-push`), is refused without a byte of the body read; then the
body is read and its signature checked. Driven through Starlette's TestClient against a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.hub.schema import HubNonce
from app.services.sizes import parse_size, size_text
from app.hub.web import create_app
from app.models import Partner
from app.services.hub_sync import HubSyncError
from app.services.sync.hub_auth import sign_request
from app.services.sync.keys import device_key
from tests.sync.conftest import add_partner
from tests.sync.helpers import state


class Spy:
    """The hub's ASGI app, noting every piece of a request's body the app asks the server for."""

    def __init__(self, app) -> None:
        self.app, self.reads = app, []

    async def __call__(self, scope, receive, send):
        async def counted():
            message = await receive()
            if message["type"] == "http.request":
                self.reads.append(len(message.get("body", b"")))
            return message

        await self.app(scope, counted, send)


def _client(app):
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://hub.test")


def _signed_push(services, body: bytes) -> dict[str, str]:
    return sign_request(device_key(services.db.device_id), services.db.device_id, "POST", "/v1/push", body)


def _package(services, tmp_path) -> bytes:
    path = tmp_path / f"{services.db.device_id}.tandem"
    services.sync.export(path)
    return path.read_bytes()


def _nonces(hub) -> int:
    with hub.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(HubNonce))


def test_an_unknown_or_revoked_key_is_refused_before_its_body_is_read(hub, tmp_path):
    stranger = hub.laptop("eve", role=None)
    add_partner(stranger, "Fake")
    bob = hub.laptop("bob")
    add_partner(bob, "Mallory's Partner")
    hub.service.revoke(bob.db.device_id, "laptop lost on a train")
    spy = Spy(hub.app)
    with _client(spy) as client:
        body = _package(stranger, tmp_path)
        answer = client.post("/v1/push", content=body, headers=_signed_push(stranger, body))
        assert answer.status_code == 401 and answer.json()["error"] == "not_enrolled"
        assert spy.reads == []

        body = _package(bob, tmp_path)
        answer = client.post("/v1/push", content=body, headers=_signed_push(bob, body))
        assert answer.status_code == 403 and answer.json()["error"] == "revoked"
        # nothing proves the push comes from Bob's laptop before its body is read: the reason is not told
        assert "train" not in answer.json()["message"]
        assert spy.reads == []

        # a request without a body (the hello every sync begins with) is checked whole: its signer hears why
        hello = client.get("/v1/hello", headers=sign_request(device_key(bob.db.device_id), bob.db.device_id,
                                                             "GET", "/v1/hello"))
        assert hello.status_code == 403 and "laptop lost on a train" in hello.json()["message"]
        forged = sign_request(device_key(stranger.db.device_id), bob.db.device_id, "GET", "/v1/hello")
        refused = client.get("/v1/hello", headers=forged)  # someone else naming Bob's laptop: told nothing
        assert refused.status_code == 401 and "train" not in refused.text

        unsigned = client.post("/v1/push", content=body, headers={"x-tandem-device": bob.db.device_id})
        assert unsigned.status_code == 401 and unsigned.json()["error"] == "bad_request_signature"
        assert spy.reads == []
    assert hub.service.received() == []
    with hub.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Partner)) == 0


def test_a_push_declared_larger_than_the_limit_is_refused_unread_with_the_limit_named(hub, tmp_path):
    ann = hub.laptop("ann")
    acme = add_partner(ann, "Acme")
    body = _package(ann, tmp_path)
    limit = parse_size("16K")
    assert len(body) > limit
    spy = Spy(create_app(hub.service, max_push=limit))
    with _client(spy) as client:
        answer = client.post("/v1/push", content=body, headers=_signed_push(ann, body))
        assert answer.status_code == 413
        refusal = answer.json()
        assert refusal["error"] == "too_large"
        assert "at most 16 KB" in refusal["message"] and "--max-push" in refusal["message"]
        assert size_text(len(body)) in refusal["message"]
        assert spy.reads == []
        assert _nonces(hub) == 0  # not even its nonce was taken: nothing of the request was accepted

        # a body sent without a length (chunked) is read only up to the limit, then refused the same way
        chunks = iter([body[i:i + 4_096] for i in range(0, len(body), 4_096)])
        answer = client.post("/v1/push", content=chunks, headers=_signed_push(ann, body))
        assert answer.status_code == 413 and "at most 16 KB" in answer.json()["message"]

        # within the limit, the body is read and its signature checked: a byte changed is refused
        small = create_app(hub.service, max_push=parse_size("1G"))
    with _client(small) as client:
        altered = body[:-1] + bytes([body[-1] ^ 1])
        answer = client.post("/v1/push", content=altered, headers=_signed_push(ann, body))
        assert answer.status_code == 401 and answer.json()["error"] == "bad_request_signature"
        answer = client.post("/v1/push", content=body, headers=_signed_push(ann, body))
        assert answer.status_code == 200 and answer.json()["total"]["new"] > 0
    with hub.db.sessions() as s:
        assert s.get(Partner, acme).name == "Acme"


def test_a_laptop_says_in_plain_words_that_its_package_is_over_the_hubs_limit_and_sends_nothing(hub):
    ann = hub.laptop("ann")
    add_partner(ann, "Acme")
    hub.app = create_app(hub.service, max_push=parse_size("16K"))
    before = state(ann)
    with pytest.raises(HubSyncError) as err:
        ann.hub.sync()
    assert err.value.reason == "too_large"
    assert "takes at most 16 KB" in str(err.value) and "--max-push" in str(err.value)
    assert "Nothing was sent" in str(err.value)
    assert hub.service.received() == [] and state(ann) == before


def test_serve_takes_max_push_as_people_write_it(hub, tmp_path, monkeypatch, capsys):
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setenv("TANDEM_HUB_FILES", str(tmp_path / "hubfiles"))
    assert main(["hub", "serve", "--database-url", hub.url, "--max-push", "512M"]) == 0
    assert "pushes up to 512 MB" in capsys.readouterr().out
    app = served["app"]
    if served.get("factory"):
        app = app() if callable(app) else uvicorn.importer.import_from_string(app)()
    ann = hub.laptop("ann")
    with _client(app) as client:
        hello = client.get("/v1/hello", headers=sign_request(device_key(ann.db.device_id), ann.db.device_id,
                                                             "GET", "/v1/hello")).json()
        assert hello["max_push"] == 512 << 20
        huge = {**_signed_push(ann, b""), "content-length": str(600 << 20)}
        answer = client.post("/v1/push", headers=huge)
        assert answer.status_code == 413 and "600 MB" in answer.json()["message"]
        assert "at most 512 MB" in answer.json()["message"]
    assert parse_size("1G") == 1 << 30 and parse_size("1.5g") == 3 << 29 and parse_size("800000") == 800_000
    for bad in ("lots", "0", "-5M"):
        with pytest.raises(SystemExit):
            main(["hub", "serve", "--database-url", hub.url, f"--max-push={bad}"])
        assert "is not a size" in capsys.readouterr().err
