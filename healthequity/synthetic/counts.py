"""Synthetic counts per LSOA and period for a definition with ``data.kind: synthetic``: demo only.

Rows are in the warehouse ``counts`` layout plus ``source`` ('synthetic') and ``synthetic``
(True); means add ``sd``. How they are made (the assumptions of the demo):

* Periods: 'YYYY' for calendar years, months (one period a year), census (2011 and 2021 only),
  snapshots and 'other'; 'YYYY/YY' for financial and academic years; pooled 3-year types are
  rolling sums of three annual draws, labelled by their years 'YYYY-YY' (for financial years,
  '2019-21' means 2019/20 to 2021/22).
* Denominators follow the synthetic population of the definition's age (AGE_RANGES: '<75',
  '65+', '16-64', '5'; 'School age' is 5-15; an age in weeks or months is the under-1s, a births
  proxy) and sex, scaled so that their mean per LSOA per period (persons) is the spec's
  ``denominator``; ``count`` types use the population itself and the spec's ``value`` as the
  mean expected count per LSOA. DSRs and ISRs use the population by ESP2013 band (ages within
  the definition's), unscaled.
* Expected value: spec ``value`` x a deprivation factor log-linear in the LSOA's national IMD
  decile (decile 1 / decile 10 = ``gradient``, mean over deciles 1, so England is ``value``)
  x (1 + ``annual_change``) ** (year - first year). Males and females share the value.
* Numerators: Binomial for proportions (value in % when the multiplier is 100), Poisson for
  crude rates, DSRs, ISRs and counts. Means: numerator = sum of individual values (normal with the
  spec's ``sd``), denominator = people, ``sd`` = the sample standard deviation (pooled when rows
  are summed), so the build takes mean = numerator / denominator and a normal interval from sd.
* DSRs: age-specific rates follow a documented curve (RATE_CURVES, chosen by the indicator id),
  scaled so the DSR with the ESP2013 weights equals ``value``.
* ISRs (indirectly standardised ratios): counts by ESP2013 band as for DSRs, with ``value``
  England's age-standardised rate of the events per ISR_RATE_PER (its ratio is 100 by
  construction, the build taking England's rates from the England rows); the deprivation
  factor makes an LSOA's ratio differ from England's.
* Life expectancy: deaths from ``synthetic_deaths`` and populations by LSOA x sex x the 20
  life-table bands (<1, 1-4, 5-9 ... 90+); the 0-4 population is split 1/5 to <1 and 4/5 to 1-4
  (so denominators can be fractional); the spec's value and gradient are not used (the deaths
  are calibrated to the life tables and Leeds' SII instead); no ethnic rows.
* Ethnicity: rows for the 5 Census 2021 broad groups in addition to the all-groups rows (which
  are their sums), denominators split by each LSOA's real Census 2021 shares, expected values
  multiplied by ETHNIC_RR (on the odds for proportions): arbitrary demo values, not estimates.
* Rows with a zero denominator are left out (except DSR, ISR and life-table bands, kept
  complete).
* Persons rows are never emitted when sex is a breakdown (the build sums Male and Female); an
  indicator for one sex only (e.g. Female) has rows for that sex.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd

from healthequity.config import Place
from healthequity.errors import InputError
from healthequity.geography.deprivation import deprivation_groups
from healthequity.geography.lookups import lsoa11_to_lsoa21
from healthequity.geography.populations import ETHNIC_GROUPS, ethnic_groups_lsoa
from healthequity.indicators.definition import (
    Breakdown,
    Definition,
    PeriodType,
    Sex,
    SyntheticData,
    ValueType,
)
from healthequity.methods.esp2013 import ESP2013, ESP2013_AGE_LOWER, ESP2013_BANDS
from healthequity.store.datasets import COUNTS
from healthequity.synthetic.deaths import england_deaths, synthetic_deaths
from healthequity.synthetic.populations import (
    ENGLAND,
    band_codes,
    check_place,
    check_years,
    england_population,
    synthetic_population,
)

SOURCE = "synthetic"
ETHNIC_TYPE = "Ethnic group (Census 2021 broad)"
#: Synthetic relative risk (odds ratio for proportions) by Census 2021 broad group: demo values.
ETHNIC_RR: dict[str, float] = {
    ETHNIC_GROUPS["asian"]: 1.15,
    ETHNIC_GROUPS["black"]: 1.25,
    ETHNIC_GROUPS["mixed"]: 1.10,
    ETHNIC_GROUPS["white"]: 1.00,
    ETHNIC_GROUPS["other_ethnic_group"]: 1.20,
}
#: 2021 LSOAs in England (the shipped IoD2025 file): England is this many average LSOAs.
ENGLAND_LSOAS = 33_755
#: Age-specific rate curves for DSRs by ESP2013 band (relative; chosen by a word in the id).
RATE_CURVES: dict[str, tuple[float, ...]] = {
    "mortality": tuple(float(np.exp(0.085 * a)) for a in ESP2013_AGE_LOWER),
    "suicide": (0, 0, .2, .6, .8, .9, .9, 1, 1.1, 1.2, 1.2, 1, .8, .7, .6, .6, .6, .6, .6),
    "self_harm": (0, .1, .6, 2, 1.5, 1.1, 1, .9, .8, .7, .5, .4, .3, .3, .2, .2, .2, .2, .2),
    "violence": (.1, .1, .5, 1.5, 2, 1.8, 1.5, 1.2, 1, .8, .6, .4, .3, .2, .2, .2, .2, .2, .2),
    "alcohol": (0, 0, .1, .3, .4, .5, .6, .8, 1, 1.2, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1, .9, .8),
    # emergency admissions: high in infancy, lowest in childhood, rising steeply from 60
    "emergency": (1.6, .5, .5, .7, .8, .8, .8, .8, .85, .9, 1, 1.1, 1.3, 1.6, 2, 2.7, 3.6, 4.8, 6),
}  # fmt: skip
#: What an ISR's synthetic ``value`` is a rate per: England's age-standardised rate per 100,000.
ISR_RATE_PER = 100_000.0
FLAT_CURVE: tuple[float, ...] = (1.0,) * len(ESP2013_BANDS)
#: Ages read from a definition's ``age`` text that is not a plain range.
AGE_WORDS: dict[str, tuple[int, int]] = {"all ages": (0, 100), "school age": (5, 15)}
LIFE_TABLE_BANDS: tuple[str, ...] = ("<1", "1-4", *ESP2013_BANDS[1:])
MAX_PROPORTION = 0.995
_LIFE_TABLE_ORDER = {
    b: i - 0.5 if b in ("<1", "1-4") else i for i, b in enumerate(LIFE_TABLE_BANDS)
}

_BAND_LO = np.array(ESP2013_AGE_LOWER)
_BAND_HI = np.append(_BAND_LO[1:] - 1, 100)
_POOLED = {PeriodType.POOLED_3_CALENDAR_YEARS, PeriodType.POOLED_3_FINANCIAL_YEARS}
#: Value types whose counts are by ESP2013 age band (kept complete, zero bands included).
_BANDED = {ValueType.DSR, ValueType.ISR}
_SLASHED = {PeriodType.FINANCIAL_YEAR, PeriodType.ACADEMIC_YEAR}


def age_range(age: str) -> tuple[int, int]:
    """First and last whole year of age of a definition's ``age`` ('<75' -> (0, 74), '65+' ->
    (65, 100), '16-64', '5' -> (5, 5), '6-8 weeks' -> (0, 0)); InputError if unreadable."""
    text = age.strip().lower()
    if text in AGE_WORDS:
        return AGE_WORDS[text]
    if re.fullmatch(r"\d+\s*-\s*\d+\s*(weeks|months)", text):
        return (0, 0)
    for pattern, make in (
        (r"(\d+)\s*-\s*(\d+)", lambda m: (int(m[1]), int(m[2]))),
        (r"(\d+)\s*\+", lambda m: (int(m[1]), 100)),
        (r"<\s*(\d+)", lambda m: (0, int(m[1]) - 1)),
        (r"(\d+)", lambda m: (int(m[1]), int(m[1]))),
    ):
        match = re.fullmatch(pattern, text)
        if match:
            lo, hi = make(match)
            if 0 <= lo <= hi <= 100:
                return lo, hi
    raise InputError(
        f"age {age!r} cannot be read as an age range",
        field="age",
        expected="All ages, School age, 16-64, 65+, <75, 5 or 6-8 weeks",
    )


def age_band_label(age: str) -> str:
    """The counts' age_band for a definition's age: 'All ages', '65+', '<75', '16-64', '5-5'."""
    lo, hi = age_range(age)
    if (lo, hi) == (0, 100):
        return "All ages"
    if hi == 100:
        return f"{lo}+"
    if lo == 0:
        return f"<{hi + 1}"
    return f"{lo}-{hi}"


def period_plan(period_type: PeriodType, years: list[int]) -> pd.DataFrame:
    """Which annual draws (``year``) make each period label (``period``), for the given years."""
    if period_type == PeriodType.CENSUS:
        years = [y for y in years if y in (2011, 2021)]
    rows: list[tuple[str, int]] = []
    for year in years:
        if period_type in _POOLED:
            rows += [(f"{year - 2}-{year % 100:02d}", y) for y in (year - 2, year - 1, year)]
        elif period_type in _SLASHED:
            rows.append((f"{year}/{(year + 1) % 100:02d}", year))
        else:
            rows.append((str(year), year))
    return pd.DataFrame(rows, columns=["period", "year"])


def _spec(definition: Definition) -> SyntheticData:
    if not isinstance(definition.data, SyntheticData):
        raise InputError(
            f"indicator {definition.id}: data kind is {definition.data.kind!r}, not 'synthetic'",
            field="data.kind",
            expected="synthetic",
        )
    return definition.data


def deprivation_factor(decile: np.ndarray, gradient: float) -> np.ndarray:
    """Log-linear in the national IMD decile: decile 1 / decile 10 = gradient, mean 1."""
    steps = (5.5 - np.arange(1, 11)) / 9.0
    return gradient ** ((5.5 - decile) / 9.0) / np.mean(gradient**steps)


def rate_curve(indicator_id: str) -> tuple[float, ...]:
    """The relative age-specific rate curve of a DSR or ISR indicator (flat if no word matches)."""
    for word, curve in RATE_CURVES.items():
        if word in indicator_id:
            return curve
    return FLAT_CURVE


def _select_sex(frame: pd.DataFrame, definition: Definition, values: list[str]) -> pd.DataFrame:
    """Keep the definition's sex, keep Male and Female (sex breakdown), or sum to Persons."""
    if definition.sex != Sex.PERSONS:
        return frame[frame["sex"] == str(definition.sex)]
    if Breakdown.SEX in definition.breakdowns:
        return frame
    keys = [c for c in frame.columns if c not in (*values, "sex")]
    summed = frame.groupby(keys, as_index=False, sort=False)[values].sum()
    return summed.assign(sex=str(Sex.PERSONS))


def _units(definition: Definition, bands: pd.DataFrame, n_areas: int) -> pd.DataFrame:
    """Annual units (area_code, year, sex, age_band, pop, n) before ethnic split and draws.

    ``bands`` is a population by area_code, year, sex, age_band (ESP2013). ``n`` is the
    denominator (float), ``pop`` the population it follows.
    """
    spec = _spec(definition)
    lo, hi = age_range(definition.age)
    start = band_codes(bands["age_band"])
    overlap = np.minimum(_BAND_HI[start], hi) - np.maximum(_BAND_LO[start], lo) + 1
    width = _BAND_HI[start] - _BAND_LO[start] + 1
    frame = bands.assign(pop=bands["population"] * np.clip(overlap, 0, None) / width)
    frame = frame[overlap > 0].drop(columns=["population"])
    if definition.value_type not in _BANDED:
        frame = frame.groupby(["area_code", "year", "sex"], as_index=False)["pop"].sum()
        frame["age_band"] = age_band_label(definition.age)
    frame = _select_sex(frame, definition, ["pop"])
    persons = frame.groupby("year")["pop"].sum().mean() / n_areas  # mean per area per year
    pooled = 3.0 if definition.period_type in _POOLED else 1.0
    if definition.value_type in _BANDED:
        frame["n"] = frame["pop"]
    elif definition.value_type == ValueType.COUNT:
        frame["n"] = frame["pop"]
        frame["expected_count"] = spec.value * frame["pop"] / persons / pooled
    else:
        frame["n"] = frame["pop"] * float(spec.denominator or 0) / persons / pooled
    return frame.reset_index(drop=True)


def _ethnic_shares(place: Place | None) -> pd.DataFrame:
    """area_code, category, share: each LSOA's (or England's) Census 2021 broad-group shares."""
    return _cached_ethnic_shares(place).copy()


@cache
def _cached_ethnic_shares(place: Place | None) -> pd.DataFrame:
    """The shares, worked out once per place (the England-wide Census file is large)."""
    if place is None:
        table = ethnic_groups_lsoa()
        table = table.groupby(["ethnic_group"], as_index=False)[["population"]].sum()
        table["lsoa_code"] = ENGLAND
    else:
        table = ethnic_groups_lsoa(list(place.la_codes))
        if place.lsoa_vintage == 2011:
            bridge = lsoa11_to_lsoa21()[["lsoa11_code", "lsoa21_code"]]
            bridge["part"] = 1.0 / bridge.groupby("lsoa21_code")["lsoa11_code"].transform("size")
            table = table.merge(bridge, left_on="lsoa_code", right_on="lsoa21_code")
            table["population"] = table["population"] * table["part"]
            table["lsoa_code"] = table["lsoa11_code"]
            table = table.groupby(["lsoa_code", "ethnic_group"], as_index=False)[
                ["population"]
            ].sum()
    table["share"] = table["population"] / table.groupby("lsoa_code")["population"].transform("sum")
    return pd.DataFrame(
        {
            "area_code": table["lsoa_code"].astype(str),
            "category": table["ethnic_group"].astype(str),
            "share": table["share"].astype("float64"),
        }
    )


def _expected(definition: Definition, frame: pd.DataFrame, first_year: int) -> np.ndarray:
    """Expected value per unit in the indicator's unit (DSR and ISR bands: the band's rate)."""
    spec = _spec(definition)
    value = (
        spec.value
        * frame["factor"].to_numpy()
        * (1.0 + spec.annual_change) ** (frame["year"].to_numpy() - first_year)
    )
    if definition.value_type in _BANDED:
        curve = np.asarray(rate_curve(definition.id))
        weights = np.asarray(ESP2013, dtype="float64")
        used = np.isin(np.asarray(ESP2013_BANDS), frame["age_band"].unique())
        scale = weights[used].sum() / (weights[used] * curve[used]).sum()
        index = band_codes(frame["age_band"])
        value = value * curve[index] * scale
    return value


def _draw(
    definition: Definition, frame: pd.DataFrame, value: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Numerators (and sums of squares for means) for whole-number denominators ``n``."""
    spec = _spec(definition)
    n = frame["n"].to_numpy(dtype="float64")
    rr = frame["rr"].to_numpy(dtype="float64")
    kind = definition.value_type
    multiplier = ISR_RATE_PER if kind == ValueType.ISR else float(definition.multiplier or 1.0)
    if kind == ValueType.PROPORTION:
        p = np.clip(value / multiplier, 0.0, MAX_PROPORTION)
        odds = p / (1.0 - p) * rr
        numerator = rng.binomial(n.astype("int64"), odds / (1.0 + odds)).astype("float64")
    elif kind == ValueType.COUNT:
        expected = frame["expected_count"].to_numpy() * value / spec.value * rr
        numerator = rng.poisson(expected).astype("float64")
    elif kind == ValueType.MEAN:
        mu, sd = value * rr, float(spec.sd or 0.0)
        numerator = np.maximum(n * mu + np.sqrt(n) * sd * rng.standard_normal(len(n)), 0.0)
        dof = np.maximum(n - 1.0, 1.0)
        variance = sd**2 * rng.chisquare(dof) / dof
        sumsq = (n - 1.0) * variance + numerator**2 / np.maximum(n, 1.0)
        frame = frame.assign(_sumsq=sumsq)
    else:  # crude rates, DSR and ISR bands
        numerator = rng.poisson(n * value * rr / multiplier).astype("float64")
    return frame.assign(numerator=numerator, denominator=n)


def _generate(
    definition: Definition,
    bands: pd.DataFrame,
    deciles: pd.DataFrame | None,
    shares: pd.DataFrame,
    plan: pd.DataFrame,
    first_year: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Units -> ethnic split -> draws -> all-groups sums -> periods, in the counts layout."""
    spec = _spec(definition)
    n_areas = ENGLAND_LSOAS if deciles is None else bands["area_code"].nunique()
    frame = _units(definition, bands, n_areas)
    if deciles is None:
        frame["factor"] = 1.0
    else:
        frame = frame.merge(deciles, on="area_code", how="left")
        decile = frame["imd_decile"].to_numpy(dtype="float64")
        frame["factor"] = deprivation_factor(decile, spec.gradient)
    ethnic = Breakdown.ETHNICITY in definition.breakdowns
    keep_zero = definition.value_type in _BANDED
    if ethnic:
        frame = frame.merge(shares, on="area_code", how="inner")
        frame["n"] = frame["n"] * frame["share"]
        frame["rr"] = frame["category"].map(ETHNIC_RR).astype("float64")
        frame["category_type"] = ETHNIC_TYPE
    else:
        frame["rr"], frame["category_type"], frame["category"] = 1.0, "", ""
    if "expected_count" in frame:
        frame["expected_count"] = frame["expected_count"] * frame.get("share", 1.0)
    frame["n"] = np.rint(frame["n"])
    if not keep_zero:
        frame = frame[frame["n"] > 0].reset_index(drop=True)
    drawn = _draw(definition, frame, _expected(definition, frame, first_year), rng)
    sums = ["numerator", "denominator", *(["_sumsq"] if "_sumsq" in drawn else [])]
    keys = ["area_code", "year", "sex", "age_band"]
    parts = [drawn[[*keys, "category_type", "category", *sums]]]
    if ethnic:
        total = drawn.groupby(keys, as_index=False, sort=False)[sums].sum()
        parts.append(total.assign(category_type="", category=""))
    rows = pd.concat(parts, ignore_index=True).merge(plan, on="year", how="inner")
    group = ["area_code", "period", "sex", "age_band", "category_type", "category"]
    out = rows.groupby(group, as_index=False, sort=True)[sums].sum()
    if "_sumsq" in out:
        n = out["denominator"].to_numpy()
        spread = out["_sumsq"] - np.divide(out["numerator"] ** 2, np.maximum(n, 1))
        out["sd"] = np.sqrt(np.clip(spread, 0, None) / np.maximum(n - 1, 1))
        out = out.drop(columns=["_sumsq"])
    return _finish(definition, out)


def _finish(definition: Definition, out: pd.DataFrame) -> pd.DataFrame:
    out.insert(0, "indicator_id", definition.id)
    columns = [*COUNTS.column_names, *(["sd"] if "sd" in out else [])]
    order = {**{b: i for i, b in enumerate(ESP2013_BANDS)}, **_LIFE_TABLE_ORDER}
    out = out.sort_values(
        ["period", "area_code", "sex", "age_band", "category_type", "category"],
        key=lambda s: s.map(order) if s.name == "age_band" else s,
    )
    out = out[columns].copy()
    for column in ("numerator", "denominator"):
        out[column] = out[column].astype("float64")
    for column in COUNTS.column_names[:7]:
        out[column] = out[column].astype(str)
    out["source"] = SOURCE
    out["synthetic"] = True
    return out.reset_index(drop=True)


def _empty(definition: Definition) -> pd.DataFrame:
    return _finish(
        definition,
        pd.DataFrame({c: pd.Series(dtype="float64") for c in COUNTS.column_names[1:]}),
    )


def _life_table_bands(frame: pd.DataFrame, infant_share: pd.Series) -> pd.DataFrame:
    """Split the 0-4 rows of ``frame`` (population, deaths) into <1 and 1-4."""
    young = frame["age_band"] == ESP2013_BANDS[0]
    first = frame[young].assign(
        age_band="<1",
        population=frame.loc[young, "population"] / 5.0,
        deaths=frame.loc[young, "deaths"] * infant_share[young],
    )
    rest = frame[young].assign(
        age_band="1-4",
        population=frame.loc[young, "population"] * 0.8,
        deaths=frame.loc[young, "deaths"] * (1.0 - infant_share[young]),
    )
    return pd.concat([first, rest, frame[~young]], ignore_index=True)


def _life_expectancy_counts(
    definition: Definition, place: Place | None, plan: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Deaths (numerator) and population (denominator) by area x sex x 20 life-table bands."""
    years = sorted(plan["year"].unique().tolist())
    if place is None:
        table = england_deaths(years).assign(area_code=ENGLAND)
        table["population"] = table["population"].astype("float64")
        table["deaths"] = table["deaths"].astype("float64")
        frame = _life_table_bands(table, table["infant_share"])
    else:
        pop = synthetic_population(place, years).rename(columns={"lsoa_code": "area_code"})
        pop["population"] = pop["population"].astype("float64")
        pop = pop.assign(deaths=0.0)
        frame = _life_table_bands(pop, pd.Series(0.0, index=pop.index))
        records = synthetic_deaths(place, years, seed=seed)
        start = np.asarray([0, 1, *ESP2013_AGE_LOWER[1:]])
        band = np.searchsorted(start, records["age"].to_numpy(), side="right") - 1
        dead = pd.DataFrame(
            {
                "area_code": records["lsoa_code"],
                "year": records["date"].dt.year.astype("int64"),
                "sex": records["sex"],
                "age_band": np.asarray(LIFE_TABLE_BANDS, dtype=object)[band],
            }
        )
        cell = ["area_code", "year", "sex", "age_band"]
        tally = dead.groupby(cell).size().rename("d").reset_index()
        frame = frame.merge(tally, on=cell, how="left")
        frame["deaths"] = frame["d"].fillna(0).astype("float64")
    frame = frame[["area_code", "year", "sex", "age_band", "population", "deaths"]]
    frame = _select_sex(frame, definition, ["population", "deaths"])
    rows = frame.merge(plan, on="year", how="inner")
    keys = ["area_code", "period", "sex", "age_band"]
    out = rows.groupby(keys, as_index=False, sort=True)[["deaths", "population"]].sum()
    out = out.rename(columns={"deaths": "numerator", "population": "denominator"})
    out["category_type"], out["category"] = "", ""
    return _finish(definition, out)


def synthetic_counts(
    definition: Definition, place: Place, years: Iterable[int], seed: int | None = None
) -> pd.DataFrame:
    """Synthetic counts per LSOA and period for ``definition`` (see the module docstring).

    ``years`` are the calendar years (financial/academic: the starting year; pooled: the last
    year). ``seed`` defaults to the spec's seed. Same seed, same rows.
    """
    spec = _spec(definition)
    check_place(place)
    wanted = check_years(years)
    plan = period_plan(definition.period_type, wanted)
    if plan.empty:
        return _empty(definition)
    seed = spec.seed if seed is None else seed
    if definition.value_type == ValueType.LIFE_EXPECTANCY:
        return _life_expectancy_counts(definition, place, plan, seed)
    bands = synthetic_population(place, sorted(plan["year"].unique().tolist()))
    bands = bands.rename(columns={"lsoa_code": "area_code"})[
        ["area_code", "year", "sex", "age_band", "population"]
    ]
    groups = deprivation_groups(place.la_codes, place.iod_version)
    deciles = pd.DataFrame(
        {"area_code": groups["lsoa_code"].astype(str), "imd_decile": groups["imd_decile"]}
    )
    shares = _ethnic_shares(place)
    rng = np.random.default_rng(seed)
    return _generate(definition, bands, deciles, shares, plan, wanted[0], rng)


def synthetic_england_counts(
    definition: Definition, years: Iterable[int], seed: int | None = None
) -> pd.DataFrame:
    """The England comparator (area E92000001) for ``definition``, in the same layout.

    England is ENGLAND_LSOAS average LSOAs at the spec's value (the deprivation factor averages
    1), with the real England population for ages, sexes and DSR / ISR bands.
    """
    spec = _spec(definition)
    wanted = check_years(years)
    plan = period_plan(definition.period_type, wanted)
    if plan.empty:
        return _empty(definition)
    seed = spec.seed if seed is None else seed
    if definition.value_type == ValueType.LIFE_EXPECTANCY:
        return _life_expectancy_counts(definition, None, plan, seed)
    bands = england_population(sorted(plan["year"].unique().tolist())).assign(area_code=ENGLAND)
    bands = bands[["area_code", "year", "sex", "age_band", "population"]]
    rng = np.random.default_rng([seed, 1])
    return _generate(definition, bands, None, _ethnic_shares(None), plan, wanted[0], rng)
