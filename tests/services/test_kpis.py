"""The KPI library: versions with who and what changed, validation, and per-partner overrides."""

from __future__ import annotations

import pytest

from app.models.enums import Direction, KpiCategory
from app.services.errors import NotFound, ValidationError
from app.services.kpis import KpiData
from app.services.partners import PartnerData


@pytest.fixture
def named(services):
    services.identity.set_names("Mira Holm", "Mira's laptop")
    return services


def test_library_is_seeded_and_ordered_by_category(services):
    kpis = services.kpis.list()
    assert {k.code for k in kpis} >= {"OTD", "PPM", "LT", "RESP"}
    categories = [k.category for k in kpis]
    assert categories == sorted(categories, key=list(KpiCategory).index)
    otd = services.kpis.find("otd")
    assert (otd.target, otd.amber_threshold, otd.red_threshold, otd.version) == (98, 95, 90, 1)
    assert services.kpis.find("On-time delivery").id == otd.id


def test_threshold_change_is_a_new_version_with_author_and_what_changed(named):
    otd = named.kpis.find("OTD")
    from dataclasses import replace

    v2 = named.kpis.update(replace(otd, amber_threshold=96), note="Benchmark raised after the 2026 review")
    assert v2.version == 2
    history = named.kpis.history(otd.id)
    assert [h.version for h in history] == [2, 1]
    assert history[0].changed_by == "Mira Holm"
    assert history[0].change_note == "Benchmark raised after the 2026 review"
    assert history[0].changes == ("amber threshold 95 → 96",)
    assert history[0].snapshot["amber_threshold"] == 96
    assert history[1].changes == ("first version",)


def test_definition_change_without_note_describes_itself(named):
    from dataclasses import replace

    ppm = named.kpis.find("PPM")
    named.kpis.update(replace(ppm, definition="Rejected parts per million, incoming and line rejects."))
    top = named.kpis.history(ppm.id)[0]
    assert top.changes == ("definition edited",)
    assert top.change_note == "definition edited"


def test_saving_unchanged_definition_keeps_the_version(named):
    otd = named.kpis.find("OTD")
    assert named.kpis.update(otd).version == 1
    assert len(named.kpis.history(otd.id)) == 1


def test_create_validates_every_field(named):
    with pytest.raises(ValidationError) as err:
        named.kpis.create(KpiData(code="", name="", direction=Direction.HIGHER_IS_BETTER, target=90,
                                  amber_threshold=80, red_threshold=85, weight=-1))
    assert set(err.value.errors) == {"code", "name", "red_threshold", "weight"}
    # lower is better: red must be the highest number
    with pytest.raises(ValidationError) as err:
        named.kpis.create(KpiData(code="SCRAP", name="Scrap rate", direction=Direction.LOWER_IS_BETTER,
                                  target=3, amber_threshold=2, red_threshold=5))
    assert "target" in err.value.errors
    with pytest.raises(ValidationError) as err:
        named.kpis.create(KpiData(code="otd", name="Duplicate", target=98, amber_threshold=95, red_threshold=90))
    assert "already used" in err.value.errors["code"]


def test_create_gives_version_one_and_can_be_retired_and_restored(named):
    k = named.kpis.create(KpiData(code="scrap", name="Scrap rate", category=KpiCategory.QUALITY, unit="%",
                                  direction=Direction.LOWER_IS_BETTER, target=1, amber_threshold=2,
                                  red_threshold=4, weight=2))
    assert k.code == "SCRAP" and k.version == 1
    assert named.kpis.history(k.id)[0].changed_by == "Mira Holm"
    named.kpis.delete(k.id)
    assert "SCRAP" not in {x.code for x in named.kpis.list()}
    with pytest.raises(NotFound):
        named.kpis.get(k.id)
    assert named.kpis.restore(k.id).code == "SCRAP"


def test_override_replaces_only_what_it_sets_and_is_listed_as_override(services):
    p = services.partners.create(PartnerData(name="Nordwerk Components GmbH"))
    otd = services.kpis.find("OTD")
    row = services.kpis.set_override(p.id, otd.id, amber_threshold=92, red_threshold=85,
                                     reason="Segment benchmark: machined parts")
    assert row.effective == (98, 92, 85)
    assert (row.library_amber, row.library_red) == (95, 90)
    listed = services.kpis.overrides(partner_id=p.id)
    assert [(o.kpi_code, o.amber_threshold, o.target) for o in listed] == [("OTD", 92, None)]
    # setting it again replaces, never duplicates
    services.kpis.set_override(p.id, otd.id, target=97)
    assert [(o.target, o.amber_threshold) for o in services.kpis.overrides(partner_id=p.id)] == [(97, None)]
    assert services.kpis.clear_override(p.id, otd.id) is True
    assert services.kpis.overrides(partner_id=p.id) == []
    assert services.kpis.clear_override(p.id, otd.id) is False


def test_override_out_of_order_is_refused(services):
    p = services.partners.create(PartnerData(name="Alpgate Supply Ltd"))
    otd = services.kpis.find("OTD")
    with pytest.raises(ValidationError) as err:
        services.kpis.set_override(p.id, otd.id, red_threshold=96)  # red above the library's amber 95
    assert "Alpgate Supply Ltd, OTD" in str(err.value)
    with pytest.raises(ValidationError):
        services.kpis.set_override(p.id, otd.id)
    assert services.kpis.overrides() == []
