"""Populations for the synthetic demo: Leeds LSOAs by year, sex and 5-year band, and England.

Real-calibrated, not real: the LSOA split of each band comes from the real Leeds 2011-LSOA
mid-2019 / mid-2020 estimates (persons), bridged to 2021 LSOAs; every year's LA totals by sex and
band equal the real Leeds MYE. Years without a Leeds MYE (2012-2018) take the straight line
between the 2011 and 2019 MYEs; years before 2011 or after 2022 take the nearest MYE (2011 or
2022). LSOA shapes: mid-2019 for years up to 2019, mid-2020 after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd

from healthequity.config import Place
from healthequity.errors import InputError
from healthequity.geography.aggregate import bridge_to_lsoa21
from healthequity.geography.lookups import lsoa11_to_lsoa21
from healthequity.geography.populations import lsoa11_populations, mid_year_estimates
from healthequity.methods.esp2013 import ESP2013_BANDS

LEEDS = "E08000035"
ENGLAND = "E92000001"
#: Years with a real Leeds mid-year estimate by sex and band in the shipped data.
LEEDS_MYE_YEARS: tuple[int, ...] = (2011, 2019, 2020, 2021, 2022)
#: Years the synthetic generator accepts.
FIRST_YEAR, LAST_YEAR = 2001, 2035
SEXES: tuple[str, ...] = ("Male", "Female")
SOURCE = "synthetic (calibrated to ONS MYE)"
BAND_INDEX: dict[str, int] = {band: i for i, band in enumerate(ESP2013_BANDS)}


def check_place(place: Place) -> None:
    """The synthetic data are calibrated to Leeds only: refuse any other place."""
    if tuple(place.la_codes) != (LEEDS,):
        raise InputError(
            f"synthetic demo data exist for Leeds ({LEEDS}) only; the place has la_codes "
            f"{', '.join(place.la_codes)}",
            field="la_codes",
            expected=LEEDS,
        )


def check_years(years: Iterable[int]) -> list[int]:
    """Distinct whole years in FIRST_YEAR..LAST_YEAR, sorted; at least one."""
    raw = list(years)
    bad: list[object] = [
        y for y in raw if isinstance(y, bool) or not isinstance(y, int | np.integer)
    ]
    bad += [y for y in raw if y not in bad and not FIRST_YEAR <= int(y) <= LAST_YEAR]
    if bad or not raw:
        raise InputError(
            f"years: {bad!r} are not whole years from {FIRST_YEAR} to {LAST_YEAR}"
            if bad
            else "years: no years given",
            field="years",
            values=bad,
            expected=f"whole years from {FIRST_YEAR} to {LAST_YEAR}",
        )
    return sorted({int(y) for y in raw})


def band_codes(bands: pd.Series) -> np.ndarray:
    """Index of each ESP2013 band label (0 for '0-4' ... 18 for '90+'; -1 if not a band)."""
    return np.asarray(pd.Categorical(bands, categories=list(ESP2013_BANDS)).codes, dtype="int64")


def _band_order(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sort by ``keys``, reading ``age_band`` in ESP2013 order."""
    order = frame.assign(_band=band_codes(frame["age_band"]))
    keys = ["_band" if k == "age_band" else k for k in keys]
    return order.sort_values(keys).drop(columns=["_band"]).reset_index(drop=True)


def _year_weights(year: int, have: np.ndarray) -> np.ndarray:
    """Weights on the known years: 1 on an equal year, a straight line between the two around
    it, 1 on the nearest end outside the known range."""
    weights = np.zeros(len(have))
    clipped = min(max(year, int(have[0])), int(have[-1]))
    upper = int(np.searchsorted(have, clipped))
    if have[upper] == clipped:
        weights[upper] = 1.0
    else:
        lo, hi = int(have[upper - 1]), int(have[upper])
        weights[upper - 1], weights[upper] = (hi - clipped) / (hi - lo), (clipped - lo) / (hi - lo)
    return weights


def _mye_by_year(area_code: str, years: list[int], known: Sequence[int]) -> pd.DataFrame:
    """MYE by year, sex and band for ``area_code``: real where known, else interpolated/nearest."""
    mye = mid_year_estimates()
    mye = mye[mye["area_code"] == area_code]
    wide = mye.pivot_table(
        index=["sex", "age_band"], columns="year", values="population", aggfunc="sum"
    ).astype("float64")
    have = np.array(sorted(int(y) for y in known))
    cols = []
    for year in years:
        cols.append(np.rint(wide[list(have)].to_numpy() @ _year_weights(year, have)))
    values = np.column_stack(cols)
    out = pd.DataFrame(values, index=wide.index, columns=pd.Index(years, name="year"))
    long = out.reset_index().melt(
        id_vars=["sex", "age_band"], var_name="year", value_name="population"
    )
    long["population"] = long["population"].astype("int64")
    long["year"] = long["year"].astype("int64")
    return long[["year", "sex", "age_band", "population"]]


def _lsoa_shares(vintage: int) -> pd.DataFrame:
    """Each LSOA's share of its band, by base year (2019, 2020), on the place's LSOA vintage."""
    base = lsoa11_populations()[["year", "lsoa_code", "age_band", "population"]]
    base["population"] = base["population"].astype("float64")
    if vintage == 2021:
        base = bridge_to_lsoa21(base, lsoa11_to_lsoa21(), values=["population"])
    total = base.groupby(["year", "age_band"])["population"].transform("sum")
    base["share"] = base["population"] / total
    base["year"] = base["year"].astype("int64")
    base["lsoa_code"] = base["lsoa_code"].astype(str)
    return base.rename(columns={"year": "base_year"})[
        ["base_year", "lsoa_code", "age_band", "share"]
    ]


def allocate(totals: pd.Series, shares: pd.Series, groups: pd.Series) -> np.ndarray:
    """Whole numbers summing exactly to each group's total, split by share (largest remainder)."""
    exact = totals.to_numpy(dtype="float64") * shares.to_numpy(dtype="float64")
    floor = np.floor(exact)
    frame = pd.DataFrame({"g": groups.to_numpy(), "frac": exact - floor, "floor": floor})
    short = np.rint(totals.to_numpy(dtype="float64") - frame.groupby("g")["floor"].transform("sum"))
    rank = frame.groupby("g")["frac"].rank(method="first", ascending=False).to_numpy()
    return (floor + (rank <= short)).astype("int64")


def synthetic_population(place: Place, years: Iterable[int]) -> pd.DataFrame:
    """The place's LSOAs by year, sex and ESP2013 band, summing to the Leeds MYE each year.

    Columns: lsoa_code, year, sex ('Male'/'Female'), age_band ('0-4' ... '90+'), population
    (int), source ('synthetic (calibrated to ONS MYE)'), synthetic (True).
    """
    check_place(place)
    return _population(place.lsoa_vintage, tuple(check_years(years))).copy()


@cache
def _population(vintage: int, wanted: tuple[int, ...]) -> pd.DataFrame:
    """synthetic_population, cached by LSOA vintage and years (callers get copies)."""
    targets = _mye_by_year(LEEDS, list(wanted), LEEDS_MYE_YEARS)
    targets["base_year"] = np.where(targets["year"] <= 2019, 2019, 2020)
    shares = _lsoa_shares(vintage)
    cells = targets.merge(shares, on=["base_year", "age_band"], how="inner")
    group = cells["year"].astype(str) + "|" + cells["sex"].astype(str) + "|" + cells["age_band"]
    cells["population"] = allocate(cells["population"], cells["share"], group)
    cells["sex"] = cells["sex"].astype(str)
    cells["age_band"] = cells["age_band"].astype(str)
    out = cells[["lsoa_code", "year", "sex", "age_band", "population"]]
    out = _band_order(out, ["year", "lsoa_code", "sex", "age_band"])
    out["source"] = SOURCE
    out["synthetic"] = True
    return out


def england_population(years: Iterable[int]) -> pd.DataFrame:
    """England by year, sex and ESP2013 band from the ONS MYE (2001-2023; nearest year outside).

    Columns: year, sex, age_band, population, source, synthetic.
    """
    return _england_population(tuple(check_years(years))).copy()


@cache
def _england_population(wanted: tuple[int, ...]) -> pd.DataFrame:
    """England's populations for these years, worked out once per set of years."""
    mye = mid_year_estimates()
    known = sorted(int(y) for y in mye.loc[mye["area_code"] == ENGLAND, "year"].unique())
    out = _mye_by_year(ENGLAND, list(wanted), known)
    out["sex"] = out["sex"].astype(str)
    out["age_band"] = out["age_band"].astype(str)
    out = _band_order(out, ["year", "sex", "age_band"])
    out["source"] = SOURCE
    out["synthetic"] = True
    return out
