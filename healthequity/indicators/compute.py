"""Indicator values from counts: each value type computed with its official method.

Counts arrive in the tidy layout (keys, ``age_band``, ``numerator``, ``denominator``, and for
means ``sd``, or ``sumsq`` and ``unknown_sd``; for indirectly standardised ratios ``expected``,
see ``standardisation``), already aggregated to the areas and groups wanted;
``keys`` say which columns identify one value. Everything is one vectorised call per value type
and parameters (multiplier, start age), whatever the number of areas or indicators: the build
passes one integer group column for many indicators at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from healthequity.errors import InputError
from healthequity.indicators.definition import Definition, ValueType
from healthequity.methods import dsr, isratio, life_expectancy, proportion, rate
from healthequity.methods.esp2013 import ESP2013, ESP2013_BANDS

#: Columns every computed value has, after the keys (the methods' result shape, renamed).
VALUE_COLUMNS = [
    "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
    "count", "denominator", "value_note", "method", "statistic",
]  # fmt: skip

#: The value note of a mean whose rows do not all give the spread of their values.
NOTE_NO_SD = "standard deviation not given for every row: no interval"

#: Life-table band labels and their start ages (the 20 bands of the Chiang II table).
LIFE_TABLE_BANDS: dict[str, int] = {
    "<1": 0, "1-4": 1, **{f"{a}-{a + 4}": a for a in range(5, 90, 5)}, "90+": 90,
}  # fmt: skip


@dataclass(frozen=True)
class Params:
    """What a value type's method needs besides the counts; ``label`` names them in errors."""

    label: str
    multiplier: float | None = None
    le_age: int = 0


def params(d: Definition) -> Params:
    """The method parameters of a definition."""
    return Params(d.id, d.multiplier, life_expectancy_age(d))


def _summed(counts: pd.DataFrame, keys: list[str], extra: Sequence[str] = ()) -> pd.DataFrame:
    cols = ["numerator", "denominator", *extra]
    return counts.groupby(keys, sort=True, dropna=False)[cols].sum().reset_index()


def _banded(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts summed by keys and age band, bands in text order (as a sort of the labels);
    ``age_band`` comes back categorical."""
    bands = counts["age_band"]
    if isinstance(bands.dtype, pd.CategoricalDtype):
        cats = bands.cat.reorder_categories(sorted(bands.cat.categories, key=str))
    else:
        text = bands.astype(str)
        cats = text.astype(pd.CategoricalDtype(sorted(text.unique())))
    frame = counts[[*keys, "numerator", "denominator"]].assign(age_band=cats)
    out = frame.groupby([*keys, "age_band"], sort=True, dropna=False, observed=True)[
        ["numerator", "denominator"]
    ].sum()
    return out.reset_index()


def _standard(result: pd.DataFrame, keys: list[str], count: str, denom: str) -> pd.DataFrame:
    out = result.rename(columns={count: "count", denom: "denominator"})
    return out[[*keys, *VALUE_COLUMNS]]


def _proportion(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    out = proportion(_summed(counts, keys), "numerator", "denominator", group_by=keys,
                     multiplier=p.multiplier or 1)  # fmt: skip
    return _standard(out, keys, "numerator", "denominator")


def _rate(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    out = rate(_summed(counts, keys), "numerator", "denominator", group_by=keys,
               multiplier=p.multiplier or 100_000)  # fmt: skip
    return _standard(out, keys, "numerator", "denominator")


def _count(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    summed = _summed(counts, keys).assign(one=1.0)
    out = rate(summed, "numerator", "one", group_by=keys, multiplier=1)
    out["statistic"] = "count"
    out = out.drop(columns=["one"]).rename(columns={"numerator": "count"})
    out["denominator"] = np.nan
    return out[[*keys, *VALUE_COLUMNS]]


def _unknown_bands(counts: pd.DataFrame, known: Sequence[str]) -> list[str]:
    return sorted({str(b) for b in pd.unique(counts["age_band"])} - set(known))


def _dsr(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    weights = dict(zip(ESP2013_BANDS, ESP2013, strict=True))
    unknown = _unknown_bands(counts, ESP2013_BANDS)
    if unknown:
        raise InputError(
            f"{p.label}: DSR needs ESP2013 age bands; found {', '.join(map(str, unknown))}",
            field="age_band",
            expected=", ".join(ESP2013_BANDS),
        )
    banded = _banded(counts, keys)
    banded["stdpop"] = banded["age_band"].map(weights).to_numpy(dtype="float64")
    # A band with no population and no events adds a zero rate (its weight stays in the
    # standard total): give it a nominal population of 1 for the method, report the real one.
    empty = (banded["denominator"] == 0) & (banded["numerator"] == 0)
    population = banded.groupby(keys, sort=True, dropna=False)["denominator"].sum()
    banded.loc[empty, "denominator"] = 1.0
    out = dsr(banded, "numerator", "denominator", stdpop="stdpop", group_by=keys,
              multiplier=p.multiplier or 100_000)  # fmt: skip
    out["total_pop"] = population.to_numpy()
    return _standard(out, keys, "total_count", "total_pop")


def _isr(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    """Indirectly standardised ratio x multiplier: observed events / expected events.

    ``expected`` holds each row's expected events (population x the reference's rate for the
    row's period, sex and age band: ``standardisation.expected_events``, or summed by the
    build), so groups sum their rows' observed and expected events; ``isratio`` then gives
    the ratio and its intervals (exact Poisson below 10 events, Byar's from 10) with the
    expected events as given (a reference rate of 1 per expected event). ``count`` is the
    observed events and ``denominator`` the population, as for DSRs; expected events are
    count x multiplier / value.
    """
    if "expected" not in counts:
        raise InputError(
            f"{p.label}: an indirectly standardised ratio needs each row's expected events "
            "(column 'expected': population x the reference's rate for its period, sex and "
            "age band)",
            field="expected",
            expected="a column 'expected' (healthequity.indicators.standardisation)",
        )
    summed = _summed(counts, keys, ["expected"]).assign(_per_expected=1.0)
    out = isratio(summed, "numerator", "expected", "_per_expected", "_per_expected",
                  group_by=keys, refvalue=p.multiplier or 100)  # fmt: skip
    out["denominator"] = summed["denominator"].to_numpy()
    return _standard(out, keys, "observed", "denominator")


def life_expectancy_age(d: Definition) -> int:
    """The start age of a life expectancy indicator: 0 for 'All ages' / at birth, else its age."""
    text = (d.age or "All ages").strip().rstrip("+")
    return int(text) if text.isdigit() else 0


def _life_expectancy(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    unknown = _unknown_bands(counts, list(LIFE_TABLE_BANDS))
    if unknown:
        raise InputError(
            f"{p.label}: life expectancy needs the 20 life-table bands; found "
            f"{', '.join(map(str, unknown))}",
            field="age_band",
            expected=", ".join(LIFE_TABLE_BANDS),
        )
    banded = _banded(counts, keys)
    banded["startage"] = banded["age_band"].map(LIFE_TABLE_BANDS).to_numpy(dtype="int64")
    out = life_expectancy(banded, "numerator", "denominator", "startage", group_by=keys,
                          le_age=p.le_age)  # fmt: skip
    out = out.drop(columns=["startage"])
    return _standard(out, keys, "dths_used", "pops_used")


def sums_of_squares(numerator: ArrayLike, denominator: ArrayLike, sd: ArrayLike) -> np.ndarray:
    """Each row's sum of squared values, from the sum, number and sample sd of its values:
    sd² (n - 1) + sum² / n, so that groups of rows pool their variances exactly.

    A row of one value needs no sd (its square is sum²) and a row of none adds 0; a row of
    two or more values without an sd gives NaN (its spread is unknown).
    """
    total = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    spread = np.asarray(sd, dtype="float64") ** 2 * (n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(n > 1, spread, 0.0) + total**2 / n, 0.0)


def _mean(counts: pd.DataFrame, keys: list[str], p: Params) -> pd.DataFrame:
    """Mean of individual values from their sum (numerator), number (denominator) and sd.

    Groups pool their members' variances: the pooled sd comes from the sums of squares implied
    by each row's count, mean and sd; the interval is Student's t, as ``methods.mean``. A group
    holding a row whose spread is unknown (2 or more values, no sd; ``unknown_sd`` counts such
    rows already summed into a row) gets no interval.
    """
    implied = sums_of_squares(counts["numerator"], counts["denominator"], counts.get("sd", np.nan))
    given = counts["sumsq"].to_numpy(float) if "sumsq" in counts else implied
    sumsq = np.where(np.isnan(given), implied, given)
    unknown = np.isnan(sumsq) + (
        counts["unknown_sd"].to_numpy(float) if "unknown_sd" in counts else 0
    )
    g = _summed(counts.assign(sumsq=sumsq, unknown_sd=unknown), keys, ["sumsq", "unknown_sd"])
    n, total = g["denominator"].to_numpy(float), g["numerator"].to_numpy(float)
    missing = g["unknown_sd"].to_numpy(float) > 0
    squares = np.where(missing, np.nan, g["sumsq"].to_numpy(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        sd = np.sqrt(np.maximum(squares - n * mean**2, 0) / (n - 1))
    out = g[keys].copy()
    out["value"] = mean
    for level, label in ((0.95, "95"), (0.998, "99_8")):
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(level + (1 - level) / 2, n - 1) * sd / np.sqrt(n)
        out[f"lower_{label}"], out[f"upper_{label}"] = mean - half, mean + half
    out["count"], out["denominator"] = n, n
    notes = pd.Series(pd.NA, index=out.index, dtype="string")
    notes[missing] = NOTE_NO_SD
    notes[n < 2] = "fewer than 2 values: no interval"
    out["value_note"] = notes
    out["method"], out["statistic"] = "Student's t-distribution", "mean"
    return out[[*keys, *VALUE_COLUMNS]]


_BY_TYPE: dict[ValueType, Callable[[pd.DataFrame, list[str], Params], pd.DataFrame]] = {
    ValueType.PROPORTION: _proportion,
    ValueType.CRUDE_RATE: _rate,
    ValueType.COUNT: _count,
    ValueType.DSR: _dsr,
    ValueType.ISR: _isr,
    ValueType.LIFE_EXPECTANCY: _life_expectancy,
    ValueType.MEAN: _mean,
}


def computable(d: Definition) -> bool:
    """Whether the build computes this indicator from counts (not taken as published)."""
    return d.value_type in _BY_TYPE and d.data.kind != "published"


def compute(
    counts: pd.DataFrame, value_type: ValueType, keys: list[str], p: Params
) -> pd.DataFrame:
    """One row per distinct ``keys`` with the value of ``value_type``, both intervals and notes.

    The keys may span many indicators of the same value type and parameters (one call for all).
    """
    try:
        func = _BY_TYPE[value_type]
    except KeyError:
        raise InputError(
            f"{p.label}: value type {value_type} is not computed from counts", field="value_type"
        ) from None
    return func(counts, keys, p)


def compute_values(counts: pd.DataFrame, definition: Definition, keys: list[str]) -> pd.DataFrame:
    """One row per distinct ``keys`` with the indicator's value, both intervals and notes."""
    return compute(counts, definition.value_type, keys, params(definition))
