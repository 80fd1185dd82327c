"""Synthetic populations: calibrated to the real Leeds and England mid-year estimates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from healthequity.config import Place
from healthequity.errors import InputError
from healthequity.geography import mid_year_estimates
from healthequity.methods.esp2013 import ESP2013_BANDS
from healthequity.synthetic import england_population, synthetic_population
from healthequity.synthetic.populations import allocate


def _mye(area: str) -> pd.DataFrame:
    mye = mid_year_estimates()
    mye = mye[mye["area_code"] == area].astype({"sex": str, "age_band": str})
    return mye[["year", "sex", "age_band", "population"]].astype({"year": "int64"})


def test_488_lsoas_19_bands_2_sexes(leeds: Place) -> None:
    pop = synthetic_population(leeds, [2019])
    assert pop["lsoa_code"].nunique() == 488
    assert pop["lsoa_code"].str.fullmatch(r"E01\d{6}").all()
    assert list(pop.columns) == [
        "lsoa_code",
        "year",
        "sex",
        "age_band",
        "population",
        "source",
        "synthetic",
    ]
    assert len(pop) == 488 * 2 * 19
    assert list(pop["age_band"].iloc[:19]) == list(ESP2013_BANDS)
    assert set(pop["sex"]) == {"Male", "Female"}
    assert (pop["population"] >= 0).all()
    assert pop["population"].dtype == np.int64


@pytest.mark.parametrize("year", [2011, 2019, 2020, 2021, 2022])
def test_sums_to_real_leeds_mye_exactly(leeds: Place, year: int) -> None:
    pop = synthetic_population(leeds, [year])
    got = pop.groupby(["sex", "age_band"])["population"].sum()
    mye = _mye("E08000035")
    want = mye[mye["year"] == year].set_index(["sex", "age_band"])["population"]
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index().astype("int64"), check_names=False
    )


def test_years_between_2011_and_2019_interpolate(leeds: Place) -> None:
    totals = synthetic_population(leeds, range(2011, 2020)).groupby("year")["population"].sum()
    assert totals[2011] == 750_683 and totals[2019] == 793_139
    assert totals[2015] == pytest.approx(750_683 + (793_139 - 750_683) * 4 / 8, abs=40)
    assert totals.is_monotonic_increasing


def test_after_2022_holds_2022(leeds: Place) -> None:
    pop = synthetic_population(leeds, [2022, 2023])
    by_year = pop.pivot_table(
        index=["lsoa_code", "sex", "age_band"], columns="year", values="population"
    )
    assert (by_year[2022] == by_year[2023]).all()


def test_labelled_synthetic(leeds: Place) -> None:
    pop = synthetic_population(leeds, [2020])
    assert (pop["source"] == "synthetic (calibrated to ONS MYE)").all()
    assert pop["synthetic"].all()


def test_repeatable(leeds: Place) -> None:
    pd.testing.assert_frame_equal(
        synthetic_population(leeds, [2016, 2021]), synthetic_population(leeds, [2021, 2016])
    )


def test_england_population_is_the_mye() -> None:
    eng = england_population([2019, 2023])
    mye = _mye("E92000001")
    for year in (2019, 2023):
        got = eng[eng["year"] == year].set_index(["sex", "age_band"])["population"]
        want = mye[mye["year"] == year].set_index(["sex", "age_band"])["population"]
        assert got.sort_index().tolist() == want.sort_index().tolist()
    assert eng.loc[eng["year"] == 2019, "population"].sum() == 56_286_961
    assert eng["source"].str.startswith("synthetic").all()


def test_other_place_refused(leeds: Place) -> None:
    bradford = dataclasses.replace(leeds, la_codes=("E08000032",))
    with pytest.raises(InputError, match=r"Leeds \(E08000035\) only") as err:
        synthetic_population(bradford, [2019])
    assert err.value.field == "la_codes"


@pytest.mark.parametrize("years", [[], [1999], [2019.5], ["2019"]])
def test_bad_years_refused(leeds: Place, years: list[object]) -> None:
    with pytest.raises(InputError) as err:
        synthetic_population(leeds, years)  # type: ignore[arg-type]
    assert err.value.field == "years"


def test_allocate_keeps_totals() -> None:
    totals = pd.Series([10, 10, 10, 7])
    shares = pd.Series([1 / 3, 1 / 3, 1 / 3, 1.0])
    groups = pd.Series(["a", "a", "a", "b"])
    assert allocate(totals, shares, groups).tolist() == [4, 3, 3, 7]
