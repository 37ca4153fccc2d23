"""KPI drafts: a lead keeps an edit of a definition aside without changing what scorecards use, edits it again,
publishes it (the KPI's definition from then on, the next numbered version) or discards it; databases and
versions from before drafts stay published, with the numbers they had."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from app.models import KpiVersion
from app.models.enums import TemplateStatus
from app.services import build_services
from app.services.database import _alembic_config, open_database
from app.services.errors import ValidationError
from app.services.measurements import CellEdit
from app.models.enums import PeriodKind
from app.services.partners import PartnerData
from app.services.scorecards import Status

TODAY = date(2026, 11, 23)


@pytest.fixture
def named(services):
    services.identity.set_names("Mira Holm", "Mira's laptop")
    return services


def _otd_at_96(services) -> tuple[str, str]:
    """A partner whose OTD in October 2026 is 96: green while amber starts at 95, amber once it is 97."""
    pid = services.partners.create(PartnerData(name="Nordwerk Components GmbH")).id
    otd = services.kpis.find("OTD")
    services.measurements.save_cells(pid, PeriodKind.MONTH, [CellEdit(otd.id, date(2026, 10, 1), 96)])
    return pid, otd.id


def _status(services, pid: str) -> Status:
    sc = services.scorecards.partner_scorecard(pid, today=TODAY)
    return next(r for r in sc.rows if r.code == "OTD").status


def test_a_draft_changes_nothing_scorecards_use_until_it_is_published(named):
    pid, kpi_id = _otd_at_96(named)
    assert _status(named, pid) is Status.GREEN
    otd = named.kpis.get(kpi_id)

    draft = named.kpis.save_draft(replace(otd, amber_threshold=97, target=99), note="Benchmark raised")
    assert draft.version == 2 and draft.data.amber_threshold == 97 and draft.change_note == "Benchmark raised"
    current = named.kpis.get(kpi_id)
    assert (current.amber_threshold, current.target, current.version, current.draft) == (95, 98, 1, 2)
    assert _status(named, pid) is Status.GREEN  # the scorecard still uses version 1
    history = named.kpis.history(kpi_id)
    assert [h.label for h in history] == ["v2 draft", "v1"]
    assert history[0].changes == ("target 98 → 99", "amber threshold 95 → 97")
    assert history[0].changed_by == "Mira Holm"

    published = named.kpis.publish_draft(kpi_id)
    assert (published.amber_threshold, published.target, published.version, published.draft) == (97, 99, 2, None)
    assert _status(named, pid) is Status.AMBER
    history = named.kpis.history(kpi_id)
    assert [h.label for h in history] == ["v2", "v1"]
    assert history[0].change_note == "Benchmark raised"
    assert history[0].changes == ("target 98 → 99", "amber threshold 95 → 97")


def test_the_draft_is_edited_in_place_and_publish_takes_the_last_note(named):
    otd = named.kpis.find("OTD")
    first = named.kpis.save_draft(replace(otd, amber_threshold=96), note="First idea")
    again = named.kpis.save_draft(replace(first.data, amber_threshold=97, name="On-time delivery (line)"),
                                  note="Second idea")
    assert again.version_id == first.version_id and again.version == 2
    assert named.kpis.draft(otd.id).data.name == "On-time delivery (line)"
    assert [h.label for h in named.kpis.history(otd.id)] == ["v2 draft", "v1"]
    published = named.kpis.publish_draft(otd.id, "Agreed at the quarterly review")
    assert published.name == "On-time delivery (line)" and published.amber_threshold == 97
    assert named.kpis.history(otd.id)[0].change_note == "Agreed at the quarterly review"
    assert named.kpis.draft(otd.id) is None


def test_discarding_a_draft_leaves_the_kpi_as_published(named):
    otd = named.kpis.find("OTD")
    named.kpis.save_draft(replace(otd, red_threshold=85))
    assert named.kpis.discard_draft(otd.id) == 2
    assert named.kpis.find("OTD").red_threshold == 90 and named.kpis.find("OTD").draft is None
    assert [h.label for h in named.kpis.history(otd.id)] == ["v1"]
    with pytest.raises(ValidationError):
        named.kpis.discard_draft(otd.id)
    with pytest.raises(ValidationError):
        named.kpis.publish_draft(otd.id)


def test_save_as_new_version_still_publishes_at_once_and_waits_while_there_is_a_draft(named):
    otd = named.kpis.find("OTD")
    assert named.kpis.update(replace(otd, amber_threshold=96)).version == 2  # no draft: as before
    v2 = named.kpis.find("OTD")
    assert named.kpis.save_draft(v2) is None  # nothing changed: no draft
    named.kpis.save_draft(replace(v2, amber_threshold=97))
    with pytest.raises(ValidationError) as err:
        named.kpis.update(replace(v2, amber_threshold=93))
    assert "Version 3 of OTD is a draft" in err.value.errors["version"]
    assert named.kpis.find("OTD").amber_threshold == 96


def test_a_draft_is_validated_like_any_edit(named):
    otd = named.kpis.find("OTD")
    with pytest.raises(ValidationError) as err:
        named.kpis.save_draft(replace(otd, red_threshold=99))
    assert "red_threshold" in err.value.errors
    with pytest.raises(ValidationError):
        named.kpis.save_draft(replace(otd, code="PPM"))
    assert named.kpis.draft(otd.id) is None


def test_kpi_versions_from_before_drafts_are_published_with_their_numbers(tmp_path):
    """A database of the first schema: its KPI versions become published, one edited since it was made (a
    tombstone) included, and each keeps its number."""
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_initial")
        conn.execute(text("INSERT INTO kpis (id, code, name, category, unit, direction, indicator, target, "
                          "amber_threshold, red_threshold, weight, definition, version, rev, field_revs, seen_revs, "
                          "base_revs, updated_by, seq) VALUES ('k1', 'OLD', 'Old KPI', 'quality', '', 'higher', "
                          "'lagging', 98, 95, 90, 1, '', 1, '0000000001000.0.dev', '{}', '{}', '{}', 'dev', 1)"))
        snapshot = json.dumps({"code": "OLD", "name": "Old KPI", "category": "quality", "unit": "",
                               "direction": "higher", "indicator": "lagging", "target": 98, "amber_threshold": 95,
                               "red_threshold": 90, "weight": 1, "definition": ""})
        # v1 made first but tombstoned (edited) last; v2 made later, never edited.
        for vid, rev, field_revs in (("v1", "0000000009000.0.dev", '{"snapshot":"0000000001000.0.dev",'
                                      '"kpi_id":"0000000001000.0.dev"}'), ("v2", "0000000002000.0.dev", "{}")):
            conn.execute(text("INSERT INTO kpi_versions (id, kpi_id, version, snapshot, change_note, changed_by, rev, "
                              "field_revs, seen_revs, base_revs, updated_by, seq) VALUES (:id, 'k1', 1, :snap, '', "
                              "'', :rev, :fr, '{}', '{}', 'dev', 1)"), {"id": vid, "snap": snapshot, "rev": rev,
                                                                       "fr": field_revs})
    engine.dispose()
    db = open_database(path)
    try:
        services = build_services(db)
        with db.sessions() as s:
            assert {v.id: v.status for v in s.query(KpiVersion).filter(KpiVersion.kpi_id == "k1")} == {
                "v1": TemplateStatus.PUBLISHED, "v2": TemplateStatus.PUBLISHED}
        assert services.kpis.get("k1").version == 2
        from app.services.kpis import VERSIONS

        with db.sessions() as s:
            assert VERSIONS.numbers(s, ["k1"]) == {"v1": 1, "v2": 2}  # as before: by the snapshot's rev
    finally:
        db.close()
