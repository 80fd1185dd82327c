"""Published Leeds facts come out of the shipped data through the public API."""

from __future__ import annotations

import pandas as pd
import pytest

from healthequity import geography as geo
from healthequity.config import load_place

LEEDS = "E08000035"


@pytest.mark.parametrize(("vintage", "lsoas"), [(2011, 482), (2021, 488)])
def test_hierarchy_sizes(vintage: int, lsoas: int) -> None:
    lookup = geo.lsoa_lookup(vintage)
    assert lookup["lsoa_code"].nunique() == lsoas
    assert lookup["msoa_code"].nunique() == 107
    assert lookup["ward_code"].nunique() == 33
    assert set(lookup["la_code"]) == {LEEDS}


def test_most_deprived_decile_iod2019() -> None:
    groups = geo.deprivation_groups([LEEDS], 2019)
    assert len(groups) == 482
    assert int(groups["most_deprived_10"].sum()) == 114


def test_share_in_decile_1_iod2025_equals_official_summary() -> None:
    groups = geo.deprivation_groups([LEEDS], 2025)
    share = round(float((groups["imd_decile"] == 1).mean()), 4)
    official = (
        geo.la_summaries()
        .set_index("ltla24_code")
        .loc[LEEDS, "imd_proportion_of_lsoas_in_most_deprived_10_percent_nationally"]
    )
    assert share == 0.1721 == official


def test_local_fifths_rank_within_the_city() -> None:
    groups = geo.deprivation_groups([LEEDS], 2025)
    sizes = groups["local_fifth"].value_counts().sort_index()
    # the reference's rule gives fifths of 98, 98, 97, 98, 97 of the 488 LSOAs
    assert sizes.sum() == 488 and sizes.max() - sizes.min() == 1
    worst = groups.sort_values("imd_rank")
    assert (worst.head(sizes[1])["local_fifth"] == 1).all()
    assert (worst.iloc[sizes[1] :]["local_fifth"] > 1).all()
    assert groups.groupby("local_fifth")["imd_score"].mean().is_monotonic_decreasing


def test_aggregate_population_to_wards_and_fifths() -> None:
    pops = geo.lsoa11_populations()
    pops = pops[pops["year"] == 2019]
    lookup = geo.lsoa_lookup(2011)
    wards = geo.aggregate(pops, "ward", values=["population"], lookup=lookup, by=["age_band"])
    assert wards["area_code"].nunique() == 33
    assert wards["population"].sum() == 793_139
    groups = geo.deprivation_groups([LEEDS], 2019)
    fifths = geo.aggregate(
        pops,
        "local_fifth",
        values=["population"],
        lookup=lookup,
        deprivation=groups,
        iod_version=2019,
    )
    assert fifths["category"].tolist()[0] == "Most deprived quintile"
    assert fifths["category"].tolist()[-1] == "Least deprived quintile"
    assert fifths["population"].sum() == 793_139
    top10 = geo.aggregate(
        pops, "most_deprived_10", values=["population"], lookup=lookup, deprivation=groups
    )
    assert top10["category_rank"].tolist() == [1, 2]


def test_bridge_keeps_the_total() -> None:
    pops = geo.lsoa11_populations()
    pops = pops[pops["year"] == 2020].drop(columns=["lsoa_name"])
    moved = geo.bridge_to_lsoa21(pops, geo.lsoa11_to_lsoa21(), values=["population"])
    assert moved["lsoa_code"].nunique() == 488
    assert moved["population"].sum() == pytest.approx(798_786)


def test_ethnic_groups_total_leeds() -> None:
    eth = geo.ethnic_groups_lsoa([LEEDS])
    totals = eth.groupby("ethnic_group")["population"].sum()
    assert totals["Asian, Asian British or Asian Welsh"] == 78_516
    assert totals.sum() == 812_017


def test_boundaries_match_lookup() -> None:
    wards = geo.boundaries("ward")
    codes = {f["properties"]["area_code"] for f in wards["features"]}
    assert codes == set(geo.lsoa_lookup(2021)["ward_code"])


def test_leeds_place_loads() -> None:
    place = load_place()
    assert place.name == "Leeds" and place.la_codes == (LEEDS,)
    assert place.iod_version == 2025 and place.lsoa_vintage == 2021


def test_codes_checked() -> None:
    assert geo.area_type("E05011549") is geo.AreaType.WARD
    assert geo.area_type("E92000001") is geo.AreaType.ENGLAND
    with pytest.raises(ValueError, match="malformed"):
        geo.area_type("E0101126")
    with pytest.raises(ValueError, match="unknown GSS entity"):
        geo.area_type("E03000001")
    with pytest.raises(ValueError, match=r"rows 2 \('X1'\), 3 \('E01'\)"):
        geo.check_codes(pd.Series(["E01011264", "X1", "E01"]))
