"""Arriaga decomposition: contributions add up to the gap on real and demo life tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.config import load_place
from healthequity.errors import InputError
from healthequity.geography import deprivation_groups, national_life_tables
from healthequity.methods import life_expectancy
from healthequity.methods.arriaga import arriaga
from healthequity.synthetic import synthetic_deaths, synthetic_population

STARTS = np.array([0, 1, *range(5, 95, 5)])


def _abridged(period: str, sex: str) -> np.ndarray:
    """Band death rates of an ONS single-year table: sum(dx) / sum(Lx), Lx = dx / mx."""
    t = national_life_tables()
    t = t[(t["period"] == period) & (t["sex"] == sex)]
    mx, dx = t["mx"].astype(float).to_numpy(), t["dx"].astype(float).to_numpy()
    band = np.searchsorted(STARTS, t["age"].to_numpy(), side="right") - 1
    return np.bincount(band, weights=dx) / np.bincount(band, weights=dx / mx)


def _le0(mx: np.ndarray) -> float:
    frame = pd.DataFrame({"d": mx * 1e6, "p": 1e6, "age": STARTS})
    return float(life_expectancy(frame, "d", "p", "age", le_age=0)["value"][0])


def test_england_2001_03_to_2017_19_males_adds_up_to_the_gap() -> None:
    m1, m2 = _abridged("2001-2003", "Male"), _abridged("2017-2019", "Male")
    out = arriaga(pd.DataFrame({"age": STARTS, "m1": m1, "m2": m2}), "m1", "m2", "age")
    assert len(out) == 20
    # the two life expectancies are those of the package's own life table method
    assert out["le_1"][0] == pytest.approx(_le0(m1), abs=1e-12)
    assert out["le_2"][0] == pytest.approx(_le0(m2), abs=1e-12)
    assert abs(out["contribution"].sum() - (out["le_2"][0] - out["le_1"][0])) < 1e-9
    assert out["le_2"][0] - out["le_1"][0] == pytest.approx(3.54, abs=0.01)
    # mortality fell at every age, so every band adds years; 70-79 adds most (over 0.5 each)
    assert (out["contribution"] > 0).all()
    top = out.nlargest(2, "contribution")["age"].tolist()
    assert sorted(top) == [70, 75]


def test_grouped_by_sex_each_group_adds_up() -> None:
    rows = [
        pd.DataFrame({"sex": s, "age": STARTS, "m1": _abridged("2001-2003", s),
                      "m2": _abridged("2017-2019", s)})
        for s in ("Male", "Female")
    ]  # fmt: skip
    out = arriaga(pd.concat(rows), "m1", "m2", "age", group_by="sex")
    sums = out.groupby("sex")["contribution"].sum()
    gaps = out.groupby("sex")["gap"].first()
    assert np.abs(sums - gaps).max() < 1e-9


def test_equal_tables_have_no_gap() -> None:
    m = _abridged("2017-2019", "Female")
    out = arriaga(pd.DataFrame({"age": STARTS, "m1": m, "m2": m}), "m1", "m2", "age")
    assert (out["contribution"] == 0).all() and out["gap"][0] == 0


def test_demo_leeds_most_vs_least_deprived_fifth_by_cause_adds_up() -> None:
    place = load_place()
    years = [2021, 2022, 2023]
    groups = deprivation_groups(list(place.la_codes), place.iod_version)[
        ["lsoa_code", "local_fifth"]
    ]
    pop = synthetic_population(place, years).merge(groups, on="lsoa_code")
    pop = pop[(pop["sex"] == "Male") & pop["local_fifth"].isin([1, 5])]
    # ESP2013 bands 0-4 ... 90+: split 0-4 into <1 (a fifth of the population) and 1-4
    esp_start = pop["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    under5 = pop[esp_start == 0]
    pop = pd.concat([
        under5.assign(start=0, population=under5["population"] / 5),
        under5.assign(start=1, population=under5["population"] * 0.8),
        pop[esp_start > 0].assign(start=esp_start[esp_start > 0]),
    ])  # fmt: skip
    pops = pop.groupby(["local_fifth", "start"])["population"].sum()
    deaths = synthetic_deaths(place, years).merge(groups, on="lsoa_code")
    deaths = deaths[(deaths["sex"] == "Male") & deaths["local_fifth"].isin([1, 5])]
    deaths["start"] = STARTS[np.searchsorted(STARTS, deaths["age"], side="right") - 1]
    counts = deaths.groupby(["local_fifth", "start", "cause"]).size().rename("d").reset_index()
    grid = pd.MultiIndex.from_product(
        [[1, 5], STARTS, sorted(deaths["cause"].unique())], names=["local_fifth", "start", "cause"]
    )
    counts = counts.set_index(["local_fifth", "start", "cause"])["d"].reindex(grid, fill_value=0)
    rates = (counts / pops.reindex(grid.droplevel("cause")).to_numpy()).rename("m").reset_index()
    wide = rates.pivot_table(index=["start", "cause"], columns="local_fifth", values="m")
    data = wide.reset_index().rename(columns={1: "most", 5: "least"})
    # base: most deprived fifth; comparison: least deprived -> the gap is positive
    out = arriaga(data, "most", "least", "start", cause="cause")
    gap = out["gap"][0]
    assert 5 < gap < 15
    assert abs(out["contribution"].sum() - gap) < 1e-9
    # each band's causes add up to that band's all-cause contribution
    by_band = out.groupby("start")["contribution"].sum()
    all_cause = data.groupby("start")[["most", "least"]].sum().reset_index()
    plain = arriaga(all_cause, "most", "least", "start").set_index("start")["contribution"]
    assert np.abs(by_band - plain).max() < 1e-9
    # the life expectancy of each fifth is the life table method's value on the same rates
    assert out["le_1"][0] == pytest.approx(_le0(all_cause["most"].to_numpy()), abs=1e-9)


def test_errors_name_column_and_rows() -> None:
    m = _abridged("2017-2019", "Male")
    data = pd.DataFrame({"age": STARTS, "m1": m, "m2": m})
    with pytest.raises(InputError, match=r"column 'm1' \(argument mx1\) has negative or infinite "
                                         r"death rates at row 3 \(-1.0\)"):  # fmt: skip
        arriaga(data.assign(m1=np.where(STARTS == 5, -1.0, m)), "m1", "m2", "age")
    with pytest.raises(InputError, match="has no rows for age band"):
        arriaga(data.iloc[1:], "m1", "m2", "age")
    with pytest.raises(InputError, match="the open age band \\(90\\) has a death rate of zero"):
        arriaga(data.assign(m2=np.where(STARTS == 90, 0.0, m)), "m1", "m2", "age")
