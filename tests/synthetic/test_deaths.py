"""Synthetic record-level deaths: repeatable, realistic rates, the Leeds deprivation gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.config import Place
from healthequity.geography import deprivation_groups
from healthequity.methods import life_expectancy
from healthequity.sources.records import validate_records
from healthequity.synthetic import (
    CAUSES,
    england_deaths,
    expected_deaths,
    synthetic_deaths,
    synthetic_population,
)
from healthequity.synthetic.deaths import CHAPTERS, life_table_period

YEARS = [2021, 2022, 2023]
#: Leeds' published SII in life expectancy, 2022-24 (Fingertips 92901, shipped extract).
LEEDS_SII = {"Male": 12.8, "Female": 10.3}


@pytest.fixture(scope="module")
def deaths(leeds: Place) -> pd.DataFrame:
    return synthetic_deaths(leeds, YEARS, seed=7)


def test_same_seed_same_records(leeds: Place, deaths: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(deaths, synthetic_deaths(leeds, YEARS, seed=7))


def test_other_seed_other_records(leeds: Place, deaths: pd.DataFrame) -> None:
    other = synthetic_deaths(leeds, YEARS, seed=8)
    assert len(other) != len(deaths) or not other.equals(deaths)


def test_columns_and_values(deaths: pd.DataFrame) -> None:
    assert list(deaths.columns) == [
        "age",
        "sex",
        "lsoa_code",
        "date",
        "code",
        "cause",
        "icd10_chapter",
        "imd_decile",
        "source",
        "synthetic",
    ]
    assert deaths["age"].between(0, 100).all()
    assert set(deaths["sex"]) == {"Male", "Female"}
    assert set(deaths["cause"]) == set(CAUSES)
    assert deaths["date"].dt.year.isin(YEARS).all()
    assert (deaths["icd10_chapter"] == deaths["code"].str[0].map(CHAPTERS)).all()
    assert (deaths.loc[deaths["cause"] == "Circulatory (I00-I99)", "code"].str[0] == "I").all()
    assert (deaths.loc[deaths["cause"] == "Cancer (C00-D48)", "code"].str[0] == "C").all()
    assert (deaths["source"] == "synthetic").all() and deaths["synthetic"].all()


def test_records_pass_the_record_file_checks(deaths: pd.DataFrame) -> None:
    clean = validate_records(deaths[["age", "sex", "lsoa_code", "date", "code"]])
    assert len(clean) == len(deaths)


def test_cause_shares_follow_age(deaths: pd.DataFrame) -> None:
    young = deaths[deaths["age"].between(15, 34)]["cause"].value_counts(normalize=True)
    assert young.idxmax() == "External causes (V01-Y98)"
    midlife = deaths[deaths["age"].between(55, 74)]["cause"].value_counts(normalize=True)
    assert midlife.idxmax() == "Cancer (C00-D48)"


def test_crude_death_rates_are_realistic(leeds: Place, deaths: pd.DataFrame) -> None:
    england = england_deaths([2019])
    # ONS: 495,716 deaths registered in England in 2019, 8.8 per 1,000 (the life table is 2017-19)
    assert 1000 * england["deaths"].sum() / england["population"].sum() == pytest.approx(
        8.8, abs=0.5
    )
    pop = synthetic_population(leeds, YEARS)["population"].sum()
    # Leeds is young: fewer deaths per 1,000 than England (real Leeds: about 8)
    assert 6.5 < 1000 * len(deaths) / pop < 8.8


def test_life_table_periods() -> None:
    assert life_table_period(2001) == "2001-2003"
    assert life_table_period(2010) == "2009-2011"
    assert life_table_period(2023) == "2017-2019"


def test_expected_deaths_match_records(leeds: Place, deaths: pd.DataFrame) -> None:
    expected = expected_deaths(leeds, YEARS)["expected"].sum()
    assert len(deaths) == pytest.approx(expected, rel=0.05)


def _life_table_rows(deaths: pd.DataFrame, pop: pd.DataFrame, by: str) -> pd.DataFrame:
    """Deaths and populations by ``by`` x sex x the 20 life-table bands."""
    starts = np.array([0, 1, *range(5, 95, 5)])
    band = starts[np.searchsorted(starts, deaths["age"].to_numpy(), side="right") - 1]
    dead = deaths.assign(start=band).groupby([by, "sex", "start"]).size().rename("deaths")
    pop = pop.assign(start=pop["age_band"].str.extract(r"(\d+)")[0].astype(int))
    pop = pop.groupby([by, "sex", "start"], as_index=False)[["population"]].sum()
    young = pop["start"] == 0
    split = pd.concat(
        [
            pop[young].assign(population=pop.loc[young, "population"] / 5),
            pop[young].assign(start=1, population=pop.loc[young, "population"] * 0.8),
            pop[~young],
        ]
    )
    rows = split.merge(dead.reset_index(), on=[by, "sex", "start"], how="left")
    return rows.fillna({"deaths": 0})


def test_leeds_life_expectancy_and_deprivation_gap(leeds: Place, deaths: pd.DataFrame) -> None:
    groups = deprivation_groups(leeds.la_codes, leeds.iod_version)
    groups = groups.astype({"lsoa_code": str})[["lsoa_code", "local_fifth", "local_tenth"]]
    pop = synthetic_population(leeds, YEARS).merge(groups, on="lsoa_code").assign(all="Leeds")
    dead = deaths.merge(groups, on="lsoa_code").assign(all="Leeds")

    total = life_expectancy(
        _life_table_rows(dead, pop, "all"),
        "deaths",
        "population",
        "start",
        group_by=["all", "sex"],
        le_age=0,
    ).set_index("sex")["value"]
    assert 75 < total["Male"] < total["Female"] < 85
    # calibrated to real Leeds 2017-19: males 78.5, females 82.3
    assert total["Male"] == pytest.approx(78.5, abs=1.0)
    assert total["Female"] == pytest.approx(82.3, abs=1.0)

    fifths = life_expectancy(
        _life_table_rows(dead, pop, "local_fifth"),
        "deaths",
        "population",
        "start",
        group_by=["local_fifth", "sex"],
        le_age=0,
    ).pivot_table(index="local_fifth", columns="sex", values="value")
    ends = fifths.loc[[1, 5], ["Male", "Female"]].to_numpy(dtype=float)
    gap = dict(zip(("Male", "Female"), (ends[1] - ends[0]).tolist(), strict=True))
    # linear in rank, the gap between the fifths' midpoints is 0.8 x SII
    for sex in ("Male", "Female"):
        assert gap[sex] > 0
        assert gap[sex] == pytest.approx(0.8 * LEEDS_SII[sex], abs=1.5)

    tenths = life_expectancy(
        _life_table_rows(dead, pop, "local_tenth"),
        "deaths",
        "population",
        "start",
        group_by=["local_tenth", "sex"],
        le_age=0,
    )
    pops = pop.groupby(["local_tenth", "sex"], as_index=False)["population"].sum()
    tenths = tenths.merge(pops, on=["local_tenth", "sex"]).sort_values("local_tenth")
    for sex in ("Male", "Female"):
        one = tenths[tenths["sex"] == sex]
        share = one["population"].to_numpy() / one["population"].sum()
        rank = np.cumsum(share) - share / 2
        design = np.column_stack([np.ones_like(rank), rank])
        w = share[:, None]
        slope = np.linalg.solve(design.T @ (w * design), design.T @ (share * one["value"]))[1]
        assert slope == pytest.approx(LEEDS_SII[sex], abs=2.0)


def test_most_deprived_fifth_dies_more(leeds: Place, deaths: pd.DataFrame) -> None:
    """Indirectly standardised: observed over expected at England's band rates."""
    england = england_deaths(YEARS)
    rates = england.assign(rate=england["deaths"] / england["population"])
    groups = deprivation_groups(leeds.la_codes, leeds.iod_version).astype({"lsoa_code": str})
    pop = synthetic_population(leeds, YEARS).merge(rates[["year", "sex", "age_band", "rate"]])
    pop = pop.merge(groups[["lsoa_code", "local_fifth"]], on="lsoa_code")
    expected = (pop["population"] * pop["rate"]).groupby(pop["local_fifth"]).sum()
    observed = deaths.merge(groups[["lsoa_code", "local_fifth"]]).groupby("local_fifth").size()
    smr = observed / expected
    assert smr[1] > 1.3 > 1.0 > smr[5]
    assert smr.is_monotonic_decreasing


def test_england_deaths_layout() -> None:
    eng = england_deaths([2019, 2020])
    assert len(eng) == 2 * 2 * 19
    assert (eng["deaths"] >= 0).all() and eng["deaths"].dtype == np.int64
    assert eng.loc[eng["age_band"] == "0-4", "infant_share"].between(0.7, 0.9).all()
    assert (eng["source"] == "synthetic").all()
