"""`tandem key`, `tandem hub init | enrol | signers | revoke | packages` and `tandem sync`, as a user types them."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.sync.conftest import add_partner, partner_names


def test_the_commands_set_up_a_hub_enrol_a_laptop_and_sync_it(hub_url, tmp_path, laptops, capsys, monkeypatch):
    monkeypatch.setenv("TANDEM_HUB_FILES", str(tmp_path / "hubfiles"))
    assert main(["hub", "init", "--database-url", hub_url]) == 0  # again on a set-up hub: nothing to upgrade
    ann = laptops.new("ann")
    acme = add_partner(ann, "Acme")
    db = str(ann.db.path)
    ann.db.close()
    laptops.opened.remove(ann)
    key = tmp_path / "ann.key"
    assert main(["key", "--db", db, "--out", str(key)]) == 0
    assert json.loads(key.read_text())["format"] == "tandem-public-key"
    assert main(["hub", "enrol", "--database-url", hub_url, "--public-key", str(key), "--role", "team"]) == 0
    assert "as team" in capsys.readouterr().out

    # `tandem sync` against a real uvicorn server is in test_hub_process; here the refusal of a revoked key
    assert main(["hub", "signers", "--database-url", hub_url, "--json"]) == 0
    (signer,) = json.loads(capsys.readouterr().out)
    assert signer["name"] == "Ann" and signer["role_text"] == "team"
    assert main(["hub", "revoke", signer["device_id"][:8], "--database-url", hub_url, "--reason", "stolen"]) == 0
    assert main(["sync", "--db", db, "--hub", "http://127.0.0.1:9"]) == 1  # nobody listens there: offline
    assert "cannot be reached" in capsys.readouterr().err
    # a partner the hub does not hold yet: the key waits for it (docs/hub.md, enrolling partners ahead)
    assert main(["hub", "enrol", "--database-url", hub_url, "--public-key", str(key),
                 "--role", "partner:Nobody"]) == 0
    out = capsys.readouterr().out
    assert "partner: Nobody (waiting: the hub does not hold it yet)" in out and "may change nothing" in out
    assert main(["hub", "signers", "--database-url", hub_url, "--json"]) == 0
    (signer,) = json.loads(capsys.readouterr().out)
    assert signer["waiting"] and signer["partner_name"] == "Nobody"
    assert main(["hub", "packages", "--database-url", hub_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert acme


def test_serve_hands_root_path_and_workers_to_uvicorn_and_answers_under_the_root_path(hub, tmp_path, monkeypatch,
                                                                                       capsys):
    import uvicorn
    from starlette.testclient import TestClient

    from app.hub import web
    from app.services.hub_sync import HubSync

    for var in (web.DATABASE_URL_VAR, web.FILES_VAR, web.MAX_PUSH_VAR):
        monkeypatch.delenv(var, raising=False)  # what `serve` sets for its workers is undone after the test
    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, kw=kw))
    assert main(["hub", "serve", "--database-url", hub.url, "--files", str(tmp_path / "hubfiles"),
                 "--root-path", "tandem/", "--workers", "3", "--port", "9876"]) == 0
    assert "under /tandem with 3 worker(s)" in capsys.readouterr().out
    config = uvicorn.Config(served["app"], **served["kw"])
    assert (config.root_path, config.workers, config.port, config.factory) == ("/tandem", 3, 9876, True)
    assert config.timeout_keep_alive == 75 and config.proxy_headers
    config.load()  # what each worker does: import the factory, which opens the hub's database named for it
    ann = hub.laptops.new("ann")
    hub.enrol(ann)
    acme = add_partner(ann, "Acme")
    # uvicorn gives the app the root path and, after it, the path the proxy forwarded, as TestClient does here
    ann.hub = HubSync(ann.db, ann.sync, ann.identity, ann.settings,
                      http=lambda url: TestClient(config.loaded_app, base_url=url, root_path=config.root_path))
    result = ann.hub.sync("http://hub.test/tandem")  # requests signed over /tandem/v1/…, as the laptop sees them
    assert result.pushed["total"]["new"] > 0 and ann.hub.url() == "http://hub.test/tandem"
    assert partner_names(hub) == {"Acme"} and acme
    with TestClient(config.loaded_app, base_url="http://hub.test", root_path="/tandem") as client:
        assert client.get("/tandem/health").json() == {"ok": True}  # its lifespan's end closes the database
    for bad in (["--workers", "0"], ["--workers", "many"], ["--root-path", "/a b"]):
        with pytest.raises(SystemExit):
            main(["hub", "serve", "--database-url", hub.url, *bad])
        assert "error: argument" in capsys.readouterr().err
