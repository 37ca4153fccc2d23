"""The week's agenda on a known week: what is listed, what is mine, where each line opens, the CLI's JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.cli import main
from app.services import agenda as agenda_module
from app.services.agenda import AgendaLine, AgendaSource, AgendaTarget
from tests.services.week_data import TODAY, build_week


@pytest.fixture
def week(services):
    return build_week(services)


def _titles(agenda, kind=None):
    return {x.title for x in agenda.lines if kind is None or x.kind == kind}


def test_the_week_lists_every_kind_due_or_overdue_and_nothing_else(services, week):
    agenda = services.agenda.week(7, TODAY)
    assert _titles(agenda, "action") == {"Send the audit plan", "Share scrap data", "Call back about pallets"}
    assert _titles(agenda, "pdca_check") == {"Check: Two-bin kanban on line 3"}
    assert _titles(agenda, "checklist_item") == {"Kick-off", "Certificates sent"}
    assert _titles(agenda, "milestone") == {"First PPAP approved"}
    assert _titles(agenda, "session") == {"November review"}
    assert _titles(agenda, "kpi_red") == {"OTD is red"}
    # done, beyond the window or closed: not on the agenda
    assert not _titles(agenda) & {"Book the plant visit", "Quarterly letter", "Kick-off held", "Ølands weekly"}


def test_lines_are_by_day_overdue_first_and_flagged(services, week):
    agenda = services.agenda.week(7, TODAY)
    days = [x.due for x in agenda.lines]
    assert days == sorted(days)
    overdue = {x.title for x in agenda.lines if x.overdue}
    assert overdue == {"Send the audit plan", "Kick-off"}
    assert agenda.lines[0].title == "Kick-off" and agenda.lines[0].due == date(2026, 11, 14)
    assert [d for d, _lines in agenda.by_day()][:2] == [date(2026, 11, 14), date(2026, 11, 20)]


def test_mine_is_what_names_me_or_what_i_lead_without_an_owner(services, week):
    mine = _titles(services.agenda.week(7, TODAY, only_mine=True))
    # my action (named in another case), the milestone I own, the session I attend, the KPI of my partner
    assert mine == {"Send the audit plan", "First PPAP approved", "November review", "OTD is red"}
    # Jonas leads Ølands: its unowned action is not mine, and the partner's own items are not mine either
    assert "Call back about pallets" not in mine and "Share scrap data" not in mine


def test_days_ahead_widens_the_window_and_overdue_always_shows(services, week):
    one_day = services.agenda.week(1, TODAY)
    assert _titles(one_day) >= {"Send the audit plan", "Kick-off"}
    assert "Share scrap data" not in _titles(one_day)
    month = services.agenda.week(30, TODAY)
    assert {"Quarterly letter", "Ølands weekly"} <= _titles(month)
    with pytest.raises(ValueError):
        services.agenda.week(0, TODAY)


def test_each_line_opens_its_partner_tab_and_record(services, week):
    lines = {x.title: x for x in services.agenda.week(7, TODAY).lines}
    assert lines["Send the audit plan"].target == AgendaTarget(week.nordwerk, "Sessions", week.ids["overdue_mine"])
    assert lines["Kick-off"].target == AgendaTarget(week.olands, "Onboarding", week.ids["kickoff"])
    assert lines["First PPAP approved"].target == AgendaTarget(week.nordwerk, "Success plan", week.ids["milestone"])
    assert lines["November review"].target == AgendaTarget(week.nordwerk, "Sessions", week.ids["session"])
    assert lines["OTD is red"].target == AgendaTarget(week.nordwerk, "Scorecard", week.ids["otd"])
    assert lines["Kick-off"].partner_name == "Ølands Fisk AB"


def test_one_partner_only(services, week):
    agenda = services.agenda.week(7, TODAY, partner_id=week.olands)
    assert {x.partner_id for x in agenda.lines} == {week.olands}
    assert _titles(agenda) == {"Call back about pallets", "Kick-off", "Certificates sent"}


def test_a_source_is_one_line(services, week, monkeypatch):
    def audits(window):
        return [AgendaLine("audit", week.nordwerk, "Nordwerk Components GmbH", "ISO 9001 expires",
                           window.until, "Mira Holm", None, window.is_me("Mira Holm"), False,
                           AgendaTarget(week.nordwerk, "Profile"))]

    monkeypatch.setattr(agenda_module, "SOURCES",
                        agenda_module.SOURCES + [AgendaSource("audit", "Audits due", audits)])
    agenda = services.agenda.week(7, TODAY, only_mine=True)
    assert "ISO 9001 expires" in _titles(agenda, "audit")
    assert list(agenda.by_kind())[-1] == "audit"


def test_deleted_partner_leaves_the_agenda(services, week):
    services.partners.delete(week.olands)
    assert week.olands not in {x.partner_id for x in services.agenda.week(7, TODAY).lines}


def test_cli_json_lists_by_kind(services, week, db_path, capsys):
    services.db.close()
    assert main(["agenda", "--db", str(db_path), "--days", "7", "--today", TODAY.isoformat(), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out)[:2] == ["today", "until"] and out["until"] == "2026-11-29"
    assert [x["title"] for x in out["milestone"]] == ["First PPAP approved"]
    action = next(x for x in out["action"] if x["title"] == "Send the audit plan")
    assert action["overdue"] and action["mine"] and action["open"] == {
        "partner_id": week.nordwerk, "tab": "Sessions", "record_id": week.ids["overdue_mine"]}
    assert out["pdca_check"][0]["partner"] == "Nordwerk Components GmbH"


def test_cli_text_and_bad_days(services, week, db_path, capsys):
    services.db.close()
    assert main(["agenda", "--db", str(db_path), "--today", TODAY.isoformat(), "--mine"]) == 0
    text = capsys.readouterr().out
    assert "Send the audit plan" in text and "Call back about pallets" not in text
    assert main(["agenda", "--db", str(db_path), "--days", "0"]) == 1
    assert "--days" in capsys.readouterr().err
