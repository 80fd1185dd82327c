"""The evidence filled in for the areas: equal to the publishable table's figures, and the
shares of residents in the most deprived 10% and in Core20 worked by hand from IoD2025 and the
Census, counts rounded by the disclosure gate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthequity.assessment import evidence, geo
from healthequity.geography import census2021_lsoa_ages, iod
from healthequity.indicators.publication import publishable
from healthequity.store.results import read_build
from healthequity.store.warehouse import Warehouse
from tests.assessment.webapp import assessment_place

__all__ = ["assessment_place"]
CITY = "E08000035"


@pytest.fixture(scope="module")
def table(assessment_place: Path) -> pd.DataFrame:
    return publishable(
        read_build(Warehouse(assessment_place / "warehouse.duckdb"), "indicator_values")
    )


def test_indicator_values_are_the_published_ones(table: pd.DataFrame) -> None:
    areas = geo.resolve(["Armley", "Beeston & Holbeck"])
    found = evidence.evidence_for(table, areas, city_code=CITY, principles=[4], build_id=1)
    assert found["area_codes"] == ["E05011385", "E05012647"]
    (item,) = found["indicators"]
    assert item["indicator_id"] == "children_relative_low_income"
    rows = table[
        (table["indicator_id"] == item["indicator_id"])
        & (table["period"] == item["period"])
        & (table["sex"] == item["sex"])
        & (table["category_type"] == "")
    ].set_index("area_code")
    assert (
        item["period"] == table.loc[table["indicator_id"] == item["indicator_id"], "period"].max()
    )
    for area in item["areas"]:
        assert area["value"] == pytest.approx(rows.loc[area["area_code"], "value"])
        assert area["compared_to_england"] == rows.loc[area["area_code"], "compared_to_england"]
        assert area["series"][-1]["period"] == item["period"]
    assert item["city_value"] == pytest.approx(rows.loc[CITY, "value"])
    assert item["england_value"] == pytest.approx(rows.loc["E92000001", "value"])
    gap = item["gap"]
    assert gap["absolute_gap"] == pytest.approx(gap["most_deprived"] - gap["least_deprived"])


def test_suppressed_values_stay_suppressed(table: pd.DataFrame) -> None:
    found = evidence.evidence_for(table, geo.resolve(["Armley"]), city_code=CITY, principles=[1])
    for item in found["indicators"]:
        for area in item["areas"]:
            published = table[
                (table["indicator_id"] == item["indicator_id"])
                & (table["area_code"] == area["area_code"])
                & (table["period"] == item["period"])
                & (table["sex"] == item["sex"])
                & (table["category_type"] == "")
            ]["value"]
            assert (area["value"] is None) == bool(published.isna().all())


def test_deprivation_shares_by_hand() -> None:
    lsoas = geo.lsoas_of(geo.resolve(["Armley", "Beeston & Holbeck"]))
    people = census2021_lsoa_ages().groupby("lsoa_code")["population"].sum()
    dep = iod(2025).set_index("lsoa_code")
    total = int(people[lsoas].sum())
    in_10 = int(people[[c for c in lsoas if dep.loc[c, "most_deprived_10"]]].sum())
    in_20 = int(people[[c for c in lsoas if dep.loc[c, "imd_quintile"] == 1]].sum())

    def to5(x: int) -> int:
        return int(5 * ((x + 2.5) // 5))

    found = evidence.deprivation_shares(lsoas, lsoas)["affected"]
    assert found["residents"] == to5(total)
    assert found["residents_most_deprived_10"] == to5(in_10)
    assert found["residents_core20"] == to5(in_20)
    assert found["share_most_deprived_10"] == round(100 * to5(in_10) / to5(total), 1)
    assert found["share_core20"] == round(100 * to5(in_20) / to5(total), 1)


def test_baseline_text(table: pd.DataFrame) -> None:
    found = evidence.evidence_for(table, geo.resolve(["Armley"]), city_code=CITY, build_id=7)
    text = evidence.baseline_text(found, "children_relative_low_income")
    assert text.startswith("Armley ") and ", build 7)" in text and "city " in text
    assert evidence.baseline_text(found, "not_there") == ""
