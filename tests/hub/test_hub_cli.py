"""`tandem key`, `tandem hub init | enrol | signers | revoke | packages` and `tandem sync`, as a user types them."""

from __future__ import annotations

import json

from app.cli import main
from tests.sync.conftest import add_partner


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
    assert main(["hub", "enrol", "--database-url", hub_url, "--public-key", str(key),
                 "--role", "partner:Nobody"]) == 1
    assert "no partner" in capsys.readouterr().err.lower()
    assert main(["hub", "packages", "--database-url", hub_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert acme
