"""A mean indicator built end to end from a loaded tidy counts CSV (sum, number and sd of each
LSOA's values) equals ``methods.mean`` on the individual values: LSOAs, wards and the city."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthequity import geography as geo
from healthequity.config import example_place_dir, load_place
from healthequity.indicators.build import build
from healthequity.indicators.compute import NOTE_NO_SD, Params, compute, sums_of_squares
from healthequity.indicators.count_rules import place_count_rules
from healthequity.indicators.definition import ValueType
from healthequity.methods import mean
from healthequity.sources.tabular import load_counts
from healthequity.store.warehouse import Warehouse

LEEDS = "E08000035"
INTERVALS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]
YAML = """\
id: hw_mean
name: Hand-worked mean
principle: 6
definition: Mean score of residents
value_type: mean
numerator: sum of scores
denominator: number of residents scored
polarity: higher_is_better
unit: score
source: tests
lowest_geography: lsoa
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: hw_scores
"""


@pytest.fixture(scope="module")
def lsoas() -> pd.DataFrame:
    """The LSOAs of three Leeds wards."""
    lookup = geo.lsoa_lookup(2021)
    wards = lookup["ward_code"].drop_duplicates().iloc[:3]
    return lookup[lookup["ward_code"].isin(wards)].reset_index(drop=True)


@pytest.fixture(scope="module")
def people(lsoas: pd.DataFrame) -> pd.DataFrame:
    """Individual scores: 0 to 30 people in each LSOA (the first has 1, the second none)."""
    rng = np.random.default_rng(11)
    size = rng.integers(0, 31, size=len(lsoas))
    size[:3] = [1, 0, 1]
    at = np.repeat(np.arange(len(lsoas)), size)
    return pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[at],
            "ward_code": lsoas["ward_code"].to_numpy()[at],
            "la_code": LEEDS,
            "score": np.round(rng.normal(480.0, 95.0, size=len(at)), 2),
        }
    )


def _csv(people: pd.DataFrame, lsoas: pd.DataFrame, path: Path) -> None:
    """The tidy counts of ``people``: per LSOA the sum, number and sd of its scores (an LSOA
    of no one: 0, 0 and a blank; of one person: a blank sd)."""
    by = people.groupby("lsoa_code")["score"]
    summary = pd.DataFrame({"numerator": by.sum(), "denominator": by.size(), "sd": by.std()})
    summary = summary.reindex(lsoas["lsoa_code"]).fillna({"numerator": 0, "denominator": 0})
    summary["sd"] = summary["sd"].where(summary["denominator"] >= 2)
    frame = (
        summary.rename_axis("area_code")
        .reset_index()
        .assign(indicator_id="hw_scores", period="2023", sex="Persons", age_band="All ages")
    )
    columns = ["indicator_id", "area_code", "period", "sex", "age_band"]
    frame[[*columns, "numerator", "denominator", "sd"]].to_csv(path, index=False)


@pytest.fixture(scope="module")
def built(
    people: pd.DataFrame, lsoas: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    (folder / "indicators").mkdir()
    (folder / "indicators" / "hw_mean.yaml").write_text(YAML)
    _csv(people, lsoas, folder / "scores.csv")
    wh = Warehouse(folder / "warehouse.duckdb")
    assert load_counts(wh, folder / "scores.csv", rules=place_count_rules(folder)) == 1
    result = build(load_place(folder), warehouse=wh, only=["hw_mean"])
    assert result.built == ["hw_mean"]
    table = result.table
    return table[(table["category_type"] == "") & (table["sex"] == "Persons")]


@pytest.mark.parametrize("level", ["lsoa_code", "ward_code", "la_code"])
def test_a_loaded_mean_equals_the_direct_method(
    built: pd.DataFrame, people: pd.DataFrame, level: str
) -> None:
    direct = mean(people, "score", group_by=level).set_index(level)
    ours = built.set_index("area_code").loc[direct.index]
    assert len(direct) == {"lsoa_code": 41, "ward_code": 3, "la_code": 1}[level]
    np.testing.assert_allclose(ours["value"], direct["value"], rtol=1e-12)
    np.testing.assert_allclose(ours[INTERVALS], direct[INTERVALS], rtol=1e-9)  # NaN for 1 value
    assert (ours["count"] == direct["value_count"]).all()
    assert ours["method"].eq("Student's t-distribution").all()
    single = direct["value_count"] == 1
    assert single.sum() == (2 if level == "lsoa_code" else 0)
    assert ours.loc[single, "value_note"].eq("fewer than 2 values: no interval").all()


def test_an_lsoa_of_no_values_has_no_value_and_adds_nothing(
    built: pd.DataFrame, people: pd.DataFrame, lsoas: pd.DataFrame
) -> None:
    empty = lsoas["lsoa_code"].iloc[1]
    assert empty not in set(people["lsoa_code"])
    row = built.set_index("area_code").loc[empty]
    assert row["count"] == 0 and np.isnan(row["value"])


def test_sums_of_squares_pool_rows_exactly() -> None:
    values = [np.array([3.0, 5.0, 10.0]), np.array([7.0]), np.array([])]
    total = [v.sum() for v in values]
    n = [len(v) for v in values]
    sd = [v.std(ddof=1) if len(v) > 1 else np.nan for v in values]
    assert sums_of_squares(total, n, sd) == pytest.approx([134.0, 49.0, 0.0])
    assert np.isnan(sums_of_squares([12.0], [2.0], [np.nan])).all()


def test_a_group_with_a_row_of_unknown_spread_has_no_interval() -> None:
    counts = pd.DataFrame(
        {
            "g": ["a", "a", "b"],
            "age_band": "All ages",
            "numerator": [18.0, 30.0, 12.0],
            "denominator": [3.0, 5.0, 2.0],
            "sd": [1.0, np.nan, 2.0],
        }
    )
    out = compute(counts, ValueType.MEAN, ["g"], Params("test")).set_index("g")
    assert out["value"].to_dict() == {"a": 6.0, "b": 6.0}
    assert out.loc["a", INTERVALS].isna().all() and out.loc["a", "value_note"] == NOTE_NO_SD
    assert out.loc["b", INTERVALS].notna().all() and pd.isna(out.loc["b", "value_note"])
