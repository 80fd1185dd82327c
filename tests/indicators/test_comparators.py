"""Comparator groups: Core Cities from the shipped extracts, nearest neighbours, significance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.indicators.comparators import (
    METHOD_CI,
    METHOD_NONE,
    METHOD_WILSON,
    compare_within_group,
    core_cities,
    core_cities_comparison,
    nearest_neighbours,
)

LEEDS = "E08000035"


def test_core_cities_are_the_eight_with_their_codes() -> None:
    cities = core_cities().set_index("area_name")["area_code"].to_dict()
    assert cities == {
        "Birmingham": "E08000025", "Bristol": "E06000023", "Leeds": LEEDS,
        "Liverpool": "E08000012", "Manchester": "E08000003",
        "Newcastle upon Tyne": "E08000021", "Nottingham": "E06000018", "Sheffield": "E08000019",
    }  # fmt: skip


def test_leeds_life_expectancy_against_the_other_core_cities() -> None:
    out = core_cities_comparison("life_expectancy_at_birth_90366", polarity="high")
    male = out[(out["time_period"] == "2022 - 24") & (out["sex"] == "Male")].set_index("area_code")
    # published 2022-24 male values of the eight cities (Leeds and the seven others)
    published = {LEEDS: 78.8, "E06000023": 78.5, "E08000019": 78.5, "E08000021": 77.5, "E08000025": 77.1,
                 "E06000018": 76.4, "E08000012": 76.1, "E08000003": 75.6}  # fmt: skip
    assert male["value"].to_dict() == published
    average = sum(published.values()) / 8
    assert male["group_average"].iloc[0] == pytest.approx(average)
    assert male.loc[LEEDS, "rank"] == 1 and male.loc["E08000003", "rank"] == 8
    assert male.loc["E06000023", "rank"] == male.loc["E08000019", "rank"] == 2  # a tie
    assert (male["members"] == 8).all()
    # the extract publishes no interval and no counts for life expectancy: not compared
    assert (male["compared_to_group"] == "Not compared").all()
    assert (male["comparison_method"] == METHOD_NONE).all()
    # Fingertips' own comparison with England is kept as published
    assert male.loc[LEEDS, "compared_to_england"] == "Worse"


def _table(**columns: list[object]) -> pd.DataFrame:
    n = len(columns["area_code"])
    base = {"indicator_id": ["1"] * n, "sex": ["Persons"] * n, "age": ["All ages"] * n,
            "category_type": [None] * n, "category": [None] * n, "time_period": ["2023"] * n}  # fmt: skip
    return pd.DataFrame({**base, **columns})


def test_significance_from_published_intervals() -> None:
    # values 10, 20, 30: average 20; A's interval 8-12 excludes 20 (lower), B's includes it,
    # C's 25-35 excludes it (higher); polarity high -> Worse / Similar / Better
    table = _table(area_code=["A", "B", "C"], value=[10.0, 20.0, 30.0],
                   lower_95=[8.0, 15.0, 25.0], upper_95=[12.0, 25.0, 35.0])  # fmt: skip
    out = compare_within_group(table, ["A", "B", "C"], group="g", polarity="high")
    assert out.set_index("area_code")["compared_to_group"].to_dict() == {
        "A": "Worse", "B": "Similar", "C": "Better"}  # fmt: skip
    assert (out["comparison_method"] == METHOD_CI).all()
    plain = compare_within_group(table, ["A", "B", "C"], group="g")
    assert plain.set_index("area_code")["compared_to_group"]["A"] == "Lower"


def test_significance_from_counts_for_proportions() -> None:
    # 100/1000 = 10% (Wilson 95%: 8.3%-12.0%), 300/1000 = 30%: average 20% outside both
    table = _table(area_code=["A", "B"], value=[10.0, 30.0], count=[100, 300],
                   denominator=[1000, 1000])  # fmt: skip
    out = compare_within_group(table, ["A", "B"], group="g", polarity="low",
                               proportion_multiplier=100)  # fmt: skip
    assert out.set_index("area_code")["compared_to_group"].to_dict() == {
        "A": "Better", "B": "Worse"}  # fmt: skip
    assert (out["comparison_method"] == METHOD_WILSON).all()
    no_counts = compare_within_group(table.assign(count=np.nan), ["A", "B"], group="g",
                                     proportion_multiplier=100)  # fmt: skip
    assert (no_counts["compared_to_group"] == "Not compared").all()


def test_nearest_neighbours_of_leeds() -> None:
    near = nearest_neighbours(LEEDS, n=10)
    assert len(near) == 10 and LEEDS not in set(near["area_code"])
    assert near["rank"].tolist() == list(range(1, 11))
    assert near["distance"].is_monotonic_increasing
    # Bristol is Leeds' nearest on these measures (large, mixed-deprivation core cities)
    assert near["area_code"][0] == "E06000023"
    with pytest.raises(InputError, match="area_code: 'E99999999' is not a lower-tier"):
        nearest_neighbours("E99999999")
