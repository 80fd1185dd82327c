"""Life expectancy from an abridged life table (PHEindicatormethods ``phe_life_expectancy``).

Chiang II life table over 20 age bands (<1, 1-4, 5-9, ..., 85-89, 90+) with Silcocks et al's
variance, which adds a term for the open final band. Computed for all groups at once on a
(groups x 20 bands) array.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from healthequity.errors import InputError, describe_rows
from healthequity.methods import _checks as chk
from healthequity.methods._intervals import z_score
from healthequity.methods._result import assemble, note_where

AgeBand = int | str

#: The reference's age bands: <1, 1-4, 5-9, ..., 85-89, 90+ (band start ages).
DEFAULT_AGE_CONTENTS: tuple[int, ...] = (0, 1, *range(5, 95, 5))
#: The reference's life table always has 20 bands.
NUMBER_AGE_BANDS = 20
#: The reference's minimum total population: a group with this many or fewer has no value.
MIN_TOTAL_POPULATION = 5000
#: The radix of the life table.
RADIX = 1e5
#: A value is suppressed when its 95% interval is wider than this many years.
MAX_CI_WIDTH = 20.0

METHOD = "Chiang, using Silcocks et al for confidence limits"
NOTE_NEGATIVE_DEATHS = "some age bands have negative deaths"
NOTE_POPULATION = "some age bands have a zero or negative population"
NOTE_DEATHS_GT_POP = "some age bands have more deaths than population"
NOTE_SMALL = f"total population of the group is {MIN_TOTAL_POPULATION:,} or less"
NOTE_WIDE = "95% confidence interval is wider than 20 years"
NOTE_NO_FINAL_DEATHS = "no deaths in the final (open) age band, so life expectancy is infinite"
NOTE_NO_SURVIVORS = (
    "no survivors to this age in the life table (the probability of death is 1 in an earlier "
    "band), so the confidence interval cannot be calculated"
)


def _band_start(band: AgeBand) -> int:
    """The start age of a band label, as the reference reads it: first number in the text."""
    match = re.match(r"\D*(\d+)", str(band))
    if match is None:
        raise InputError(
            f"age_contents: {band!r} does not start with an age; expected band start ages "
            "such as 0, 1, 5 or labels such as '1-4'",
            field="age_contents",
            expected="age bands starting with a number",
        )
    return int(match.group(1))


def _check_age_contents(age_contents: Sequence[AgeBand]) -> np.ndarray:
    """The start ages of the 20 bands: the first 0, ascending, 20 of them."""
    contents = list(age_contents)
    starts = np.array([_band_start(b) for b in contents], dtype=np.int64)
    if len(starts) == 0 or starts[0] != 0:
        first = contents[0] if contents else None
        raise InputError(
            f"age_contents: first age band in age_contents must be 0 (got {first!r})",
            field="age_contents",
            expected="the first band starting at age 0",
        )
    out_of_order = starts != np.sort(starts)
    if out_of_order.any() or len(set(starts.tolist())) != len(starts):
        shown = [contents[i] for i in np.flatnonzero(out_of_order)] or contents
        raise InputError(
            "age_contents must list distinct age bands in ascending order; out of position: "
            + ", ".join(map(str, shown)),
            field="age_contents",
            expected="distinct bands in ascending order of start age",
        )
    if len(starts) != NUMBER_AGE_BANDS:
        raise InputError(
            f"age_contents has {len(starts)} age bands; the abridged life table needs "
            f"{NUMBER_AGE_BANDS} (<1, 1-4, 5-9, ..., 85-89, 90+)",
            field="age_contents",
            expected=f"{NUMBER_AGE_BANDS} age bands",
        )
    return starts


def _band_index(data: pd.DataFrame, startage: str, age_contents: Sequence[AgeBand]) -> np.ndarray:
    """Each row's position in ``age_contents``; every row must hold one of its bands."""
    col = chk.require_column(data, "startage", startage)
    series = data[col]
    contents = list(age_contents)
    numeric = pd.api.types.is_numeric_dtype(series) and all(
        isinstance(b, int | float | np.integer | np.floating) for b in contents
    )
    if numeric:
        index = pd.Index(np.asarray(contents, dtype="float64"))
        band = index.get_indexer(series.to_numpy(dtype="float64", na_value=np.nan))
    else:
        index = pd.Index([str(b) for b in contents])
        band = index.get_indexer(pd.Index(series.astype(str).where(series.notna(), None)))
    bad = band < 0
    if bad.any():
        rows = np.flatnonzero(bad) + 1
        raise InputError(
            f"column {col!r} (argument startage) has values that are not age bands of "
            f"age_contents at {describe_rows(rows, series.to_numpy()[bad])}; the contents in "
            "the startage field must match the contents of the age_contents vector "
            f"({', '.join(map(str, contents))})",
            field=col,
            rows=rows.tolist(),
            expected="one of the age bands in age_contents",
        )
    present = np.bincount(band, minlength=len(contents)) > 0
    if not present.all():
        absent = [str(contents[i]) for i in np.flatnonzero(~present)]
        raise InputError(
            f"column {col!r} (argument startage) has no rows for age band(s) "
            f"{', '.join(absent)} of age_contents; the contents in the startage field must "
            "match the contents of the age_contents vector (every band present)",
            field=col,
            expected="every age band of age_contents",
        )
    return band.astype(np.intp)


def _label(band: object) -> str:
    """A band as text, whole-number floats without '.0' (as R prints them)."""
    if isinstance(band, float | np.floating) and float(band).is_integer():
        return str(int(band))
    return str(band)


def _le_age_bands(
    le_age: str | AgeBand | Sequence[AgeBand], age_contents: Sequence[AgeBand]
) -> np.ndarray:
    """Which bands to report: 'all', or the given start ages (each must be in age_contents)."""
    n = len(age_contents)
    if isinstance(le_age, str) and le_age == "all":
        return np.ones(n, dtype=bool)
    wanted = [le_age] if isinstance(le_age, int | str | float) else list(le_age)
    labels = [_label(b) for b in age_contents]
    keep = np.zeros(n, dtype=bool)
    unknown = []
    for age in wanted:
        text = _label(age)
        if text in labels:
            keep[labels.index(text)] = True
        else:
            unknown.append(age)
    if unknown:
        raise InputError(
            f"le_age: {', '.join(map(repr, unknown))} not in age_contents; expected 'all' or "
            f"age bands of age_contents ({', '.join(labels)})",
            field="le_age",
            expected="'all' or age bands of age_contents",
        )
    return keep


def _reverse_cumsum(a: np.ndarray) -> np.ndarray:
    """Sums from each band to the last (the reference's ``rev(cumsum(rev(x)))``), per row."""
    return np.cumsum(a[:, ::-1], axis=1)[:, ::-1]


def _life_table(
    deaths: np.ndarray, pops: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Life expectancy and its standard error at every band start, per row of (groups x bands).

    The arithmetic follows the reference operation by operation, including its cap of the
    probability of death at 1 and Silcocks' variance term for the open final band.
    """
    last = NUMBER_AGE_BANDS - 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = deaths / pops
        n = np.empty_like(m)
        n[:, :last] = np.diff(starts).astype("float64")
        n[:, last] = 2 / m[:, last]
        a = np.where(starts == 0, 0.1, 0.5)
        q = np.where(deaths <= pops / n / a, m * n / (1 + m * n * (1 - a)), 1.0)
        p = 1 - q
        factors = np.empty_like(m)
        factors[:, 0] = RADIX
        factors[:, 1:] = p[:, :last]
        survivors = np.cumprod(factors, axis=1)
        following = np.zeros_like(m)
        following[:, :last] = survivors[:, 1:]
        dying = survivors - following
        years = np.empty_like(m)
        years[:, :last] = n[:, :last] * (following[:, :last] + a[:last] * dying[:, :last])
        years[:, last] = survivors[:, last] / m[:, last]
        e = np.where(survivors == 0, 0.0, _reverse_cumsum(years) / survivors)
        var_p = np.where(dying == 0, 0.0, q**2 * (1 - q) / deaths)
        var_p[:, last] = 4 / (deaths[:, last] * m[:, last] ** 2)
        weighted = np.empty_like(m)
        tail = (1 - a[:last]) * n[:, :last] + e[:, 1:]
        weighted[:, :last] = var_p[:, :last] * survivors[:, :last] ** 2 * tail**2
        weighted[:, last] = (survivors[:, last] / 2) ** 2 * var_p[:, last]
        se = np.sqrt(_reverse_cumsum(weighted) / survivors**2)
    return e, se


def _add_note(notes: np.ndarray, mask: np.ndarray, text: str) -> np.ndarray:
    """``note_where`` touching only the flagged rows (most rows have no note)."""
    out = notes.copy()
    idx = np.flatnonzero(mask)
    if len(idx):
        out[idx] = note_where(out[idx], np.ones(len(idx), dtype=bool), text)
    return out


def _statistic_labels(age_contents: Sequence[AgeBand]) -> np.ndarray:
    """'life expectancy at <band>' for each band, as the reference writes it."""
    labels = [_label(b) for b in age_contents]
    return np.array([f"life expectancy at {b}" for b in labels], dtype=object)


def life_expectancy(
    data: pd.DataFrame,
    deaths: str,
    population: str,
    startage: str,
    *,
    group_by: str | Sequence[str] | None = None,
    age_contents: Sequence[AgeBand] = DEFAULT_AGE_CONTENTS,
    le_age: str | AgeBand | Sequence[AgeBand] = "all",
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Life expectancy at each band start age (Chiang II, Silcocks' interval), per group.

    One row per group and age band (``le_age`` picks bands), with the population and deaths
    used (those at and above the start age). A group with negative deaths, a zero population,
    deaths above population, a total population of 5,000 or less, or not each of the 20 bands
    once has no value; a value whose 95% interval is wider than 20 years is NA, its limits kept.
    """
    chk.require_frame(data, "life_expectancy")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    starts = _check_age_contents(age_contents)
    reported = _le_age_bands(le_age, age_contents)
    d = chk.numeric_column(data, "deaths", deaths)
    pop = chk.numeric_column(data, "population", population)
    for arg, column, values in (("deaths", deaths, d), ("population", population, pop)):
        chk.check_rows(
            np.isinf(values),
            column=column,
            arg=arg,
            problem="infinite values",
            expected="finite numbers",
            values=values,
        )
    band = _band_index(data, startage, age_contents)

    keys, codes = chk.group_codes(data, groups)
    count = len(keys)
    nb = NUMBER_AGE_BANDS
    cell = codes * nb + band
    size = count * nb

    def per_group(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=mask.astype("float64"), minlength=count) > 0

    negative = per_group(d < 0)
    no_pop = per_group(pop <= 0)
    over = per_group(d > pop)
    small = np.bincount(codes, weights=pop, minlength=count) <= MIN_TOTAL_POPULATION
    rows_in_cell = np.bincount(cell, minlength=size).reshape(count, nb)
    incomplete = (rows_in_cell != 1).any(axis=1)
    rows_in_group = rows_in_cell.sum(axis=1)
    invalid = negative | no_pop | over | small | incomplete

    grid_d = np.bincount(cell, weights=d, minlength=size).reshape(count, nb)
    grid_p = np.bincount(cell, weights=pop, minlength=size).reshape(count, nb)
    ok = ~invalid
    e = np.full((count, nb), np.nan)
    se = np.full((count, nb), np.nan)
    if ok.any():
        e[ok], se[ok] = _life_table(grid_d[ok], grid_p[ok], starts)
    pops_used = _reverse_cumsum(grid_p)
    dths_used = _reverse_cumsum(grid_d)

    # one output row per input row, ordered by group then age band
    order = np.lexsort((band, codes))
    if not reported.all():
        order = order[reported[band[order]]]
    g, b = codes[order], band[order]
    est, err = e[g, b], se[g, b]
    with np.errstate(invalid="ignore"):
        wide = stats.norm.ppf(0.975) * err > MAX_CI_WIDTH / 2
        intervals = {}
        for level in levels:
            z = z_score(level)
            intervals[level] = (est - z * err, est + z * err)
    infinite = np.isinf(est)
    value = np.where(infinite | wide, np.nan, est)

    group_notes = np.full(count, None, dtype=object)
    for mask, text in (
        (negative, NOTE_NEGATIVE_DEATHS),
        (no_pop, NOTE_POPULATION),
        (over, NOTE_DEATHS_GT_POP),
        (small, NOTE_SMALL),
    ):
        group_notes = _add_note(group_notes, mask, text)
    if incomplete.any():
        found = rows_in_group[incomplete].astype(str).astype(object)
        texts = f"group does not have each of the {nb} age bands once (" + found + " rows)"
        current = group_notes[incomplete]
        joined = np.where(pd.isna(current), "", current.astype(str) + "; ").astype(object)
        group_notes[incomplete] = joined + texts
    notes = group_notes[g]
    notes = _add_note(notes, infinite, NOTE_NO_FINAL_DEATHS)
    notes = _add_note(notes, wide & ~infinite, NOTE_WIDE)
    notes = _add_note(notes, ~invalid[g] & ~np.isnan(value) & np.isnan(err), NOTE_NO_SURVIVORS)

    ages = data[startage].iloc[order].reset_index(drop=True)
    out_keys = keys.iloc[g].reset_index(drop=True) if groups else pd.DataFrame(index=ages.index)
    out_keys[startage] = ages
    return assemble(
        out_keys,
        value=value,
        intervals=intervals,
        counts={"pops_used": pops_used[g, b], "dths_used": dths_used[g, b]},
        value_note=notes,
        method=METHOD,
        statistic=_statistic_labels(age_contents)[b],
        levels=levels,
    )
