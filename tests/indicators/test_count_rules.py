"""Count rules from a catalogue: ids by definition id and by the warehouse id their data reads."""

from __future__ import annotations

from pathlib import Path

from healthequity.indicators.catalogue import load_catalogue
from healthequity.indicators.count_rules import count_rules, place_count_rules

YAML = """\
id: {id}
name: A local indicator
principle: 6
definition: Events / people
value_type: {value_type}
numerator: events
denominator: people
multiplier: 100
polarity: lower_is_better
unit: '%'
source: tests
lowest_geography: lsoa
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: shared_counts
"""


def test_an_id_shared_by_definitions_takes_every_rule(tmp_path: Path) -> None:
    folder = tmp_path / "indicators"
    folder.mkdir()
    (folder / "local_share.yaml").write_text(YAML.format(id="local_share", value_type="proportion"))
    (folder / "local_rate.yaml").write_text(YAML.format(id="local_rate", value_type="crude_rate"))
    rules = count_rules(load_catalogue(folder, include_shipped=False))
    assert dict(rules.kinds) == {
        "local_share": "a proportion",
        "local_rate": "a crude rate",
        "shared_counts": "a crude rate and a proportion",
    }
    assert rules.proportions == {"local_share", "shared_counts"}
    assert rules.means == frozenset()


def test_the_place_rules_add_its_own_definitions_to_the_shipped_ones(tmp_path: Path) -> None:
    (tmp_path / "indicators").mkdir()
    (tmp_path / "indicators" / "local_rate.yaml").write_text(
        YAML.format(id="local_rate", value_type="crude_rate")
    )
    ours, shipped = place_count_rules(tmp_path), place_count_rules(None)
    assert set(ours.kinds) - set(shipped.kinds) == {"local_rate", "shared_counts"}
    assert shipped.describe("weekly_earnings") == "'weekly_earnings' is a mean"
    assert "weekly_earnings" in ours.means and "gld_reception" in ours.proportions
