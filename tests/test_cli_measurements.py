"""`tandem measurements import|export`, `tandem check` and `tandem partners` over hand-broken rows."""

from __future__ import annotations

import csv
import json

import pytest

from app.cli import main
from app.services import build_services
from app.services.database import open_database
from app.services.partners import PartnerData


@pytest.fixture
def db(db_path):
    """A database with two partners, closed so each command opens it like a user would."""
    database = open_database(db_path)
    services = build_services(database)
    ids = [services.partners.create(PartnerData(name=n)).id for n in ("Nordwerk Components GmbH", "Çelik Döküm A.Ş.")]
    database.close()
    return db_path, ids


def _count(db_path) -> int:
    database = open_database(db_path, lock=False)
    try:
        return build_services(database).measurements.count()
    finally:
        database.close()


def test_import_dry_run_json_lists_rejects_and_writes_nothing(db, tmp_path, capsys):
    path, _ = db
    f = tmp_path / "eu.csv"
    f.write_text("Lieferant;Kennzahl;Monat;Wert\nNordwerk Components GmbH;OTD;2026-08;97,5\n"
                 "Çelik Döküm A.Ş.;PPM;2026-08;0,125\nNobody;OTD;2026-08;90\n"
                 "Nordwerk Components GmbH;OTD;2026-09;1e308\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["measurements", "import", "--db", str(path), str(f), "--dry-run", "--json",
                 "--map", "partner=Lieferant", "--map", "kpi=Kennzahl", "--map", "period=Monat",
                 "--map", "value=Wert"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] is False and out["accepted"] == 2
    assert out["detected"]["delimiter"] == "Semicolon" and out["detected"]["decimal"] == "comma"
    assert [(r["line"], r["reason"].split(":")[0]) for r in out["rejected"]] == \
        [(4, "unknown partner 'Nobody'"), (5, "implausible value")]
    assert _count(path) == 0


def test_import_then_export_csv_and_xlsx(db, tmp_path, capsys):
    path, _ = db
    f = tmp_path / "values.csv"
    f.write_text("partner,kpi,period,value,note\nNordwerk Components GmbH,OTD,2026-08,97.5,=HYPERLINK(1)\n"
                 "Çelik Döküm A.Ş.,OTD,2026-08,91,\n", encoding="utf-8")
    assert main(["measurements", "import", "--db", str(path), str(f)]) == 0
    assert "2 imported" in capsys.readouterr().out
    assert _count(path) == 2
    out = tmp_path / "out.csv"
    assert main(["measurements", "export", "--db", str(path), "--out", str(out),
                 "--partner", "Nordwerk Components GmbH"]) == 0
    assert "Exported 1 measurement to" in capsys.readouterr().out
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1] == ["Nordwerk Components GmbH", "OTD", "month", "2026-08", "97.5", "'=HYPERLINK(1)"]
    book = tmp_path / "out.xlsx"
    assert main(["measurements", "export", "--db", str(path), "--out", str(book)]) == 0
    capsys.readouterr()
    assert main(["measurements", "import", "--db", str(path), str(book), "--dry-run"]) == 0
    assert "2 already recorded with the same value; 0 rejected" in capsys.readouterr().out


def test_import_of_a_binary_file_is_a_message_not_a_traceback(db, tmp_path, capsys):
    path, _ = db
    f = tmp_path / "photo.csv"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    assert main(["measurements", "import", "--db", str(path), str(f)]) == 1
    err = capsys.readouterr().err
    assert "not a text file" in err and "Traceback" not in err


def test_ambiguous_numbers_need_the_decimal_option(db, tmp_path, capsys):
    path, _ = db
    f = tmp_path / "amb.csv"
    f.write_text("partner;kpi;period;value\nNordwerk Components GmbH;PPM;2026-08;1,500\n", encoding="utf-8")
    assert main(["measurements", "import", "--db", str(path), str(f)]) == 2
    assert "give --decimal point or --decimal comma" in capsys.readouterr().out
    assert main(["measurements", "import", "--db", str(path), str(f), "--decimal", "comma"]) == 0
    assert _count(path) == 1


def test_a_value_that_stays_ambiguous_is_rejected_not_guessed_from_other_columns(db, tmp_path, capsys):
    """Periods written '08.2026' used to count as decimal-point numbers, so 1,500 imported as 1500."""
    path, _ = db
    f = tmp_path / "eu.csv"
    f.write_text("partner;kpi;period;value\nNordwerk Components GmbH;PPM;08.2026;1,500\n", encoding="utf-8")
    assert main(["measurements", "import", "--db", str(path), str(f), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["detected"]["decimal"] == "not known" and out["detected"]["ambiguous_numbers"] == 1
    assert out["accepted"] == 0 and out["rejected"][0]["reason"].startswith("ambiguous number")
    assert _count(path) == 0
    assert main(["measurements", "import", "--db", str(path), str(f), "--decimal", "point"]) == 0
    assert "decimal point" in capsys.readouterr().out and _count(path) == 1


def _break(path, ids):
    database = open_database(path)
    with database.engine.begin() as c:
        c.exec_driver_sql("UPDATE partners SET kind = 'alien', tier = 'abc' WHERE id = ?", (ids[0],))
        c.exec_driver_sql("UPDATE partners SET name = x'00ff' WHERE id = ?", (ids[1],))
    database.close()


def test_partners_lists_hand_broken_rows_with_warnings(db, capsys):
    path, ids = db
    _break(path, ids)
    assert main(["partners", "--db", str(path)]) == 0
    captured = capsys.readouterr()
    assert "Nordwerk Components GmbH" in captured.out and "2 partners" in captured.out
    assert f"partners row {ids[0]}, field kind" in captured.err
    assert f"partners row {ids[1]}, field name" in captured.err
    assert main(["partners", "--db", str(path), "--json"]) == 0
    listed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert listed[ids[0]]["kind"] is None and listed[ids[0]]["name"] == "Nordwerk Components GmbH"


def test_check_lists_repairs_and_quarantines(db, capsys):
    path, ids = db
    _break(path, ids)
    assert main(["check", "--db", str(path), "--json"]) == 2
    found = json.loads(capsys.readouterr().out)
    assert {(p["row"], p["field"]) for p in found} == {(ids[0], "kind"), (ids[0], "tier"), (ids[1], "name")}
    assert main(["check", "--db", str(path), "--repair"]) == 2  # kind and name have no default
    out = capsys.readouterr().out
    assert "Repaired 1 value" in out and "use --quarantine" in out
    assert main(["check", "--db", str(path), "--quarantine"]) == 0
    assert "Quarantined 2 row(s)" in capsys.readouterr().out
    assert main(["check", "--db", str(path)]) == 0
    assert "No problems found" in capsys.readouterr().out
    assert path.with_name(path.name + ".quarantine.jsonl").exists()


def test_check_at_a_terminal_offers_the_fixes(db, capsys, monkeypatch):
    path, ids = db
    _break(path, ids)

    class Terminal:
        def isatty(self):
            return True

    answers = iter(["", "q"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert main(["check", "--db", str(path)]) == 2  # Enter: nothing changes
    assert "Run again with --repair" in capsys.readouterr().out
    assert main(["check", "--db", str(path)]) == 0  # q: quarantined as --quarantine would
    assert "Quarantined 2 row(s)" in capsys.readouterr().out
    assert main(["check", "--db", str(path)]) == 0 and "No problems found" in capsys.readouterr().out
