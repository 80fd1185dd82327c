"""Synthetic record-level deaths for Leeds LSOAs, and expected England deaths: demo data only.

How they are made (every choice below is an assumption of the demo, not an estimate):

* Rates: the ONS national life tables for England (mx by sex and single age). Year y takes the
  3-year table centred on it ((y-1)-(y+1)); years before 2002 take 2001-03 and years after 2018
  take 2017-19, held flat (the shipped tables end there; no COVID-period tables are shipped).
  A band's rate is the life table's own band rate, sum(dx) / sum(Lx) with Lx = dx / mx.
* Deprivation: each rate is multiplied by a relative risk for the LSOA's national IMD decile d,
  ``exp(slope[sex] * weight[band] * (5.5 - d) / 4.5)``, divided by its mean over the 10 deciles
  (so England, with a tenth of LSOAs in each decile, keeps the national rate). ``weight`` is 0.6
  in childhood, 1 at 20-64, falling to 0.4 at 90+ (the relative gradient is widest in midlife).
  ``slope`` was calibrated so that the slope index of inequality in life expectancy across
  Leeds' local deprivation deciles, pooled 2021-23, matches Leeds' published SII for 2022-24
  (Fingertips 92901: males 12.8, females 10.3 years): see DEPRIVATION_SLOPE.
* Deaths: Poisson counts per LSOA x sex x age band x year, expanded to one record each; the
  single age within a band follows the life table's deaths (dx) in that band; the date is a
  random day of the year.
* Cause: drawn per record from round-number shares by age group and sex (CAUSE_SHARES: external
  causes lead at 15-34, cancer peaks at 55-74, circulatory and 'Other' (dementia) rise with age),
  tilted by deprivation (CAUSE_TILT: respiratory and external causes take a larger share in
  deprived areas). Each cause has a few representative ICD-10 codes (CAUSE_CODES).
* Level: Leeds' rates are multiplied by PLACE_LEVEL[sex], calibrated so that Leeds' life
  expectancy equals its published 2017-19 value (the national table alone gives Leeds about
  England's life expectancy, 1 to 1.5 years above the real Leeds).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from healthequity.config import Place
from healthequity.geography.deprivation import deprivation_groups
from healthequity.geography.populations import national_life_tables
from healthequity.methods.esp2013 import ESP2013_AGE_LOWER, ESP2013_BANDS
from healthequity.synthetic.populations import (
    band_codes,
    check_place,
    check_years,
    england_population,
    synthetic_population,
)

SOURCE = "synthetic"
CAUSES: tuple[str, ...] = (
    "Circulatory (I00-I99)",
    "Cancer (C00-D48)",
    "Respiratory (J00-J99)",
    "External causes (V01-Y98)",
    "Other",
)
#: Calibrated log relative risk, decile 1 vs the mean, at weight 1 (see the module docstring):
#: decile 1 / decile 10 rate ratio exp(2 * slope) at ages 20-64.
DEPRIVATION_SLOPE: dict[str, float] = {"Male": 0.628, "Female": 0.586}
#: Calibrated multiplier of every Leeds rate, so that Leeds' life expectancy with the 2017-19
#: table equals its published 2017-19 value (Fingertips 90366: males 78.5, females 82.3).
PLACE_LEVEL: dict[str, float] = {"Male": 1.128, "Female": 1.129}
#: Relative weight of the deprivation gradient by ESP2013 band (an assumption).
GRADIENT_WEIGHT: tuple[float, ...] = (
    0.6, 0.6, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4,
)  # fmt: skip
#: Age groups of CAUSE_SHARES: (lowest age, highest age).
CAUSE_AGE_GROUPS: tuple[tuple[int, int], ...] = (
    (0, 0), (1, 14), (15, 34), (35, 54), (55, 74), (75, 84), (85, 200),
)  # fmt: skip
#: Share (%) of deaths by cause (CAUSES order), per age group, by sex: assumptions, not data.
CAUSE_SHARES: dict[str, tuple[tuple[int, int, int, int, int], ...]] = {
    "Male": (
        (2, 1, 4, 3, 90), (5, 20, 8, 25, 42), (8, 10, 3, 60, 19), (24, 28, 5, 23, 20),
        (28, 40, 11, 3, 18), (28, 32, 14, 1, 25), (28, 18, 15, 1, 38),
    ),
    "Female": (
        (2, 1, 4, 3, 90), (4, 20, 8, 20, 48), (8, 18, 4, 40, 30), (15, 42, 6, 15, 22),
        (20, 46, 12, 2, 20), (23, 30, 14, 1, 32), (25, 12, 14, 1, 48),
    ),
}  # fmt: skip
#: Cause share multiplier in the most deprived decile relative to the least (log-linear in d).
CAUSE_TILT: tuple[float, ...] = (1.2, 0.9, 1.6, 1.5, 1.0)
#: Representative ICD-10 codes per cause, by sex, with their shares within the cause.
CAUSE_CODES: dict[str, tuple[tuple[tuple[str, ...], tuple[float, ...]], ...]] = {
    "Male": (
        (("I21", "I25", "I64", "I50"), (0.35, 0.25, 0.25, 0.15)),
        (("C34", "C61", "C18", "C25"), (0.35, 0.2, 0.25, 0.2)),
        (("J44", "J18", "J84", "J45"), (0.45, 0.35, 0.15, 0.05)),
        (("X70", "X44", "W19", "V89"), (0.35, 0.3, 0.2, 0.15)),
        (("F03", "G30", "K70", "E11"), (0.4, 0.2, 0.25, 0.15)),
    ),
    "Female": (
        (("I21", "I25", "I64", "I50"), (0.25, 0.2, 0.35, 0.2)),
        (("C34", "C50", "C18", "C25"), (0.35, 0.25, 0.2, 0.2)),
        (("J44", "J18", "J84", "J45"), (0.45, 0.4, 0.1, 0.05)),
        (("X70", "X44", "W19", "V89"), (0.25, 0.3, 0.35, 0.1)),
        (("F03", "G30", "K70", "E11"), (0.45, 0.3, 0.1, 0.15)),
    ),
}
#: 'Other' deaths under 1 are perinatal (P07) or congenital (Q24); external deaths at 75+ falls.
INFANT_CODES: tuple[tuple[str, ...], tuple[float, ...]] = (("P07", "Q24"), (0.6, 0.4))
OLD_EXTERNAL_CODE = "W19"
#: ICD-10 chapter (roman numeral) of every code used.
CHAPTERS: dict[str, str] = {
    "I": "IX", "C": "II", "J": "X", "X": "XX", "W": "XX", "V": "XX",
    "F": "V", "G": "VI", "K": "XI", "E": "IV", "P": "XVI", "Q": "XVII",
}  # fmt: skip

_BAND_START = np.array(ESP2013_AGE_LOWER)
_BAND_WIDTH = np.append(np.diff(_BAND_START), 11)  # 90+ spans 90-100 in the life tables


def life_table_period(year: int) -> str:
    """The shipped 3-year national life table used for ``year`` (centred, else nearest)."""
    centre = min(max(year, 2002), 2018)
    return f"{centre - 1}-{centre + 1}"


def _band_rates(years: list[int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Band death rates by year, sex, band; and each band's age distribution of deaths.

    The second value has shape (years, 2 sexes, 19 bands, 11 ages) of cumulative shares.
    """
    table = national_life_tables()
    rows = []
    cumulative = np.zeros((len(years), 2, len(ESP2013_BANDS), 11))
    for i, year in enumerate(years):
        period = table[table["period"] == life_table_period(year)]
        for j, sex in enumerate(("Male", "Female")):
            one = period[period["sex"] == sex].sort_values("age")
            dx = one["dx"].to_numpy(dtype="float64")
            lx_years = dx / one["mx"].to_numpy(dtype="float64")
            band = np.minimum(one["age"].to_numpy() // 5, len(ESP2013_BANDS) - 1)
            deaths = np.bincount(band, weights=dx, minlength=len(ESP2013_BANDS))
            exposure = np.bincount(band, weights=lx_years, minlength=len(ESP2013_BANDS))
            rows.append(
                pd.DataFrame(
                    {"year": year, "sex": sex, "age_band": ESP2013_BANDS, "mx": deaths / exposure}
                )
            )
            offset = one["age"].to_numpy() - _BAND_START[band]
            within = np.zeros((len(ESP2013_BANDS), 11))
            np.add.at(within, (band, offset), dx)
            cumulative[i, j] = np.cumsum(within, axis=1) / within.sum(axis=1, keepdims=True)
    return pd.concat(rows, ignore_index=True), cumulative


def relative_risk(decile: np.ndarray, band: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Deprivation relative risk of death by national IMD decile, band index and sex."""
    slope = np.where(sex == "Male", DEPRIVATION_SLOPE["Male"], DEPRIVATION_SLOPE["Female"])
    scale = slope * np.asarray(GRADIENT_WEIGHT)[band]
    steps = (5.5 - np.arange(1, 11)) / 4.5
    norm = np.exp(scale[:, None] * steps[None, :]).mean(axis=1)
    return np.exp(scale * (5.5 - decile) / 4.5) / norm


def expected_deaths(place: Place, years: Iterable[int]) -> pd.DataFrame:
    """Expected deaths (Poisson means) per LSOA x year x sex x ESP2013 band, with population.

    Columns: lsoa_code, year, sex, age_band, population, imd_decile, mx (rate after the
    deprivation relative risk), expected, source, synthetic.
    """
    check_place(place)
    wanted = check_years(years)
    pop = synthetic_population(place, wanted).drop(columns=["source", "synthetic"])
    rates, _ = _band_rates(wanted)
    groups = deprivation_groups(place.la_codes, place.iod_version)[["lsoa_code", "imd_decile"]]
    groups = groups.assign(lsoa_code=groups["lsoa_code"].astype(str))
    frame = pop.merge(groups, on="lsoa_code", how="left").merge(
        rates, on=["year", "sex", "age_band"], how="left"
    )
    decile = frame["imd_decile"].to_numpy(dtype="float64")
    band = band_codes(frame["age_band"])
    frame["imd_decile"] = frame["imd_decile"].astype("int64")
    sex = frame["sex"].to_numpy()
    level = np.where(sex == "Male", PLACE_LEVEL["Male"], PLACE_LEVEL["Female"])
    frame["mx"] = frame["mx"] * relative_risk(decile, band, sex) * level
    frame["expected"] = frame["population"] * frame["mx"]
    frame["source"] = SOURCE
    frame["synthetic"] = True
    return frame


def _choose(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """One index per row of a (rows x k) array of cumulative probabilities."""
    u = rng.random(len(cumulative))
    return np.minimum((u[:, None] > cumulative).sum(axis=1), cumulative.shape[1] - 1)


def _causes(
    rng: np.random.Generator, age: np.ndarray, male: np.ndarray, decile: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cause index and ICD-10 code per death record."""
    lows = np.array([lo for lo, _ in CAUSE_AGE_GROUPS])
    group = np.searchsorted(lows, age, side="right") - 1
    shares = np.stack([np.array(CAUSE_SHARES[s], dtype="float64") for s in ("Female", "Male")])
    p = shares[male.astype(int), group]
    tilt = np.asarray(CAUSE_TILT) ** ((5.5 - decile[:, None]) / 9.0)
    p = p * tilt
    cause = _choose(rng, np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1))
    codes = np.empty((2, len(CAUSES), 4), dtype=object)
    weights = np.empty((2, len(CAUSES), 4))
    for i, sex in enumerate(("Female", "Male")):
        for c, (names, shares_c) in enumerate(CAUSE_CODES[sex]):
            codes[i, c], weights[i, c] = names, shares_c
    pick = _choose(rng, np.cumsum(weights[male.astype(int), cause], axis=1))
    code = codes[male.astype(int), cause, pick]
    infant = (age == 0) & (cause == len(CAUSES) - 1)
    infant_pick = _choose(rng, np.tile(np.cumsum(INFANT_CODES[1]), (int(infant.sum()), 1)))
    code[infant] = np.asarray(INFANT_CODES[0], dtype=object)[infant_pick]
    code[(age >= 75) & (cause == CAUSES.index("External causes (V01-Y98)"))] = OLD_EXTERNAL_CODE
    return cause, code


def synthetic_deaths(place: Place, years: Iterable[int], seed: int = 2024) -> pd.DataFrame:
    """Record-level synthetic deaths, one row per death (see the module docstring for how).

    Columns: age (int), sex, lsoa_code, date (datetime64), code (ICD-10), cause, icd10_chapter,
    imd_decile, source ('synthetic'), synthetic (True). Same seed, same records.
    """
    wanted = check_years(years)
    rng = np.random.default_rng(seed)
    frame = expected_deaths(place, wanted)
    counts = rng.poisson(frame["expected"].to_numpy())
    at = np.repeat(np.arange(len(frame)), counts)
    year = frame["year"].to_numpy()[at]
    sex = frame["sex"].to_numpy(dtype=object)[at]
    male = sex == "Male"
    band = band_codes(frame["age_band"])[at]
    _, cumulative = _band_rates(wanted)
    year_index = np.searchsorted(np.asarray(wanted), year)
    offset = _choose(rng, cumulative[year_index, male.astype(int) ^ 1, band])
    age = _BAND_START[band] + np.minimum(offset, _BAND_WIDTH[band] - 1)
    decile = frame["imd_decile"].to_numpy()[at]
    cause, code = _causes(rng, age, male, decile.astype("float64"))
    start = pd.to_datetime(pd.Series(year).astype(str) + "-01-01").to_numpy()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = np.where(leap, 366, 365)
    date = start + (rng.random(len(at)) * days).astype("int64").astype("timedelta64[D]")
    out = pd.DataFrame(
        {
            "age": age.astype("int64"),
            "sex": sex.astype(str),
            "lsoa_code": frame["lsoa_code"].to_numpy(dtype=object)[at].astype(str),
            "date": date.astype("datetime64[ns]"),
            "code": code.astype(str),
            "cause": np.asarray(CAUSES, dtype=object)[cause].astype(str),
            "icd10_chapter": pd.Series(code).str[0].map(CHAPTERS).to_numpy(dtype=str),
            "imd_decile": decile.astype("int64"),
        }
    )
    out["source"] = SOURCE
    out["synthetic"] = True
    return out.sort_values(["date", "lsoa_code", "age"], kind="stable").reset_index(drop=True)


def england_deaths(years: Iterable[int]) -> pd.DataFrame:
    """Expected England deaths by year, sex and ESP2013 band: life-table rate x ONS MYE, rounded.

    Columns: year, sex, age_band, population, deaths, infant_share (share of a 0-4 band's deaths
    under 1, from the life table; 0 elsewhere), source, synthetic.
    """
    wanted = check_years(years)
    pop = england_population(wanted).drop(columns=["source", "synthetic"])
    rates, cumulative = _band_rates(wanted)
    frame = pop.merge(rates, on=["year", "sex", "age_band"], how="left")
    frame["deaths"] = np.rint(frame["population"] * frame["mx"]).astype("int64")
    year_index = np.searchsorted(np.asarray(wanted), frame["year"].to_numpy())
    sex_index = (frame["sex"] == "Female").to_numpy().astype(int)
    first = cumulative[year_index, sex_index, 0, 0]
    frame["infant_share"] = np.where(frame["age_band"] == ESP2013_BANDS[0], first, 0.0)
    frame["source"] = SOURCE
    frame["synthetic"] = True
    return frame.drop(columns=["mx"])
