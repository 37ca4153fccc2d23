"""A signed package may carry values no Tandem would write (a forged or damaged package, a newer version's
data): each such record is refused with the field and the reason, nothing of it is stored, the rest of the
package applies, and every list and report on the receiving laptop keeps working."""

from __future__ import annotations

from app.reports.scorecard import write_scorecard_pdf
from tests.sync.conftest import add_partner, partner_names
from tests.sync.helpers import KPI_OTD, add_measurement, build_package, read_records


def test_records_with_values_the_app_would_refuse_are_rejected_and_the_rest_applies(laptops, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    good = add_partner(alice, "Good Supply GmbH")
    for name in ("Alien Kind", "Bad Tier", "Lots Of Spend", "Long Name"):
        add_partner(alice, name)
    add_measurement(alice, good, 3, 91.5)
    add_measurement(alice, good, 4, 92.5)
    out = tmp_path / "all.tandem"
    alice.sync.export(out)
    records = read_records(out)
    forged = {"Alien Kind": {"kind": "alien"}, "Bad Tier": {"tier": "abc"}, "Lots Of Spend": {"annual_spend": "lots"},
              "Long Name": {"name": "x" * 10_000}}
    for row in records["partners"]:
        row.update(forged.get(row["name"], {}))
    april = next(m for m in records["measurements"] if m["period_start"] == "2026-04-01")
    april["value"] = "lots"  # not a number at all
    result = bob.sync.import_package(build_package(tmp_path / "forged.tandem", alice, records),
                                     trust_new_signer=True)
    assert result.tables["partners"]["rejected"] == 4 and result.tables["partners"]["new"] == 1
    assert result.tables["measurements"]["rejected"] == 1 and result.tables["measurements"]["new"] == 1
    reasons = " | ".join(result.rejections)
    for expected in ("kind: not one of customer, distributor, supplier", "tier: not a whole number",
                     "annual_spend: not a whole number", "name: longer than 200 characters", "value: not a number"):
        assert expected in reasons, expected
    assert partner_names(bob) == {"Good Supply GmbH"}  # nothing of a refused record is stored
    assert [p.name for p in bob.partners.list()] == ["Good Supply GmbH"]  # and the lists keep working
    card = bob.scorecards.partner_scorecard(good)  # the figure that arrived shows, the refused one is not there
    assert write_scorecard_pdf(tmp_path / "card.pdf", card, [bob.scorecards.trend(good, KPI_OTD)]).exists()
