"""Shipped defaults: loaded once, with the same ids on every laptop so packages merge them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Criterion, Kpi, PlaybookStep
from app.services import build_services
from app.services.database import open_database
from app.services.reference_data import load_json, seed_reference_data


def test_defaults_are_loaded_from_resources(services):
    with services.db.sessions() as s:
        codes = set(s.scalars(select(Kpi.code)))
        assert {k["code"] for k in load_json("kpi_library.json")["kpis"]} == codes
        assert {"quality", "delivery", "cost", "responsiveness"} <= {str(c) for c in s.scalars(select(Kpi.category))}
        weights = sum(s.scalars(select(Criterion.weight)))
        assert weights == 100
        titles = list(s.scalars(select(PlaybookStep.title).order_by(PlaybookStep.position)))
    assert any("stakeholder introductions" in t.lower() for t in titles)
    assert any("systems access" in t.lower() for t in titles)
    assert any("30-60-90" in t for t in titles)


def test_defaults_load_once(services):
    assert seed_reference_data(services.db) is False
    with services.db.sessions() as s:
        assert s.scalar(select(func.count(Kpi.id))) == len(load_json("kpi_library.json")["kpis"])


def test_two_laptops_hold_the_same_default_ids(tmp_path):
    ids = []
    for name in ("a.sqlite", "b.sqlite"):
        db = open_database(tmp_path / name)
        build_services(db)
        with db.sessions() as s:
            ids.append(set(s.scalars(select(Kpi.id))))
        db.close()
    assert ids[0] == ids[1] and ids[0]


def test_shipped_editions_file_matches_the_shipped_content():
    """A changed default needs a new edition, or older laptops would never take the change."""
    from tools.shipped_editions import updated_editions

    from app.services.reference_data import shipped_editions

    assert {k: tuple(v) for k, v in updated_editions().items()} == shipped_editions(), \
        "resources changed: run python tools/shipped_editions.py"
