"""The command line: help, partners as a table and JSON, demo, and clear failures with non-zero exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.services.partners import PartnerData

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("gui", "partners", "demo", "report"):
        assert command in out


def test_partners_json_lists_the_directory(services, db_path, capsys):
    services.partners.create(PartnerData(name="Nordwerk Components GmbH", tier=1))
    services.db.close()  # the CLI opens the file itself
    assert main(["partners", "--db", str(db_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "Nordwerk Components GmbH"
    assert {"id", "name", "kind", "tier", "status", "quadrant"} <= set(rows[0])


def test_a_partner_not_scored_has_a_null_quadrant_in_json_and_says_so_in_the_table(services, db_path, capsys):
    services.partners.create(PartnerData(name="Candidate Oy"))
    services.partners.create(PartnerData(name="Scored AG", value_score=5, risk_score=1))
    services.db.close()
    assert main(["partners", "--db", str(db_path), "--json"]) == 0
    assert {r["name"]: r["quadrant"] for r in json.loads(capsys.readouterr().out)} == {
        "Candidate Oy": None, "Scored AG": "strategic"}
    assert main(["partners", "--db", str(db_path)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "Candidate Oy" in ln)
    assert "Not scored" in line


def test_partners_table_and_db_option_before_the_command(services, db_path, capsys):
    services.partners.create(PartnerData(name="Beacon Supply"))
    services.db.close()
    assert main(["--db", str(db_path), "partners"]) == 0
    out = capsys.readouterr().out
    assert "Beacon Supply" in out and "1 partner" in out


def test_demo_fills_a_new_database_and_refuses_a_used_one(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--partners", "12", "--months", "3", "--seed", "5"]) == 0
    assert "12  partners" in capsys.readouterr().out.replace(",", "")
    assert main(["demo", "--db", str(path), "--partners", "12"]) == 1
    assert "already holds partners" in capsys.readouterr().err


def test_a_bad_database_file_gives_a_message_and_exit_code_1(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("not a database")
    assert main(["partners", "--db", str(path)]) == 1
    assert "not a Tandem database" in capsys.readouterr().err
    assert path.read_text() == "not a database"


def test_main_py_runs_as_a_script(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "partners", "--db", str(tmp_path / "x.sqlite"),
                             "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
