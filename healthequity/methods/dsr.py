"""Directly standardised rates by Dobson's method (PHEindicatormethods ``calculate_dsr``).

The rate is the standard-population-weighted sum of age-specific rates; its interval is Byar's
interval on the total count, scaled by Dobson's adjustment ``sqrt(var(DSR) / total count)``.
With ``independent_events=False`` the variance is the sum, over event frequencies ``f``, of the
variance of the unique-person rate times ``f**2`` (people with several events).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows
from healthequity.methods import _checks as chk
from healthequity.methods._intervals import byars
from healthequity.methods._result import assemble, blank_where, note_where
from healthequity.methods.esp2013 import ESP2013

#: A DSR with fewer events than this is NA (the reference's rule).
MIN_TOTAL_COUNT = 10

NOTE_FEW_EVENTS = "value is NA when total count < 10: too few events for a reliable rate"
NOTE_ZERO_STDPOP = "value is NA when the standard populations of the group sum to zero"
METHOD = "Dobson"
METHOD_NONINDEPENDENT = "Dobson, with confidence adjusted for non-independent events"
MAX_GROUPS_LISTED = 10

StdPop = str | Sequence[float] | np.ndarray | pd.Series | None


def dsr_statistic(multiplier: float) -> str:
    """The reference's label, 'dsr per 100000' (the multiplier written without exponent)."""
    if float(multiplier).is_integer() and abs(multiplier) < 1e15:
        return f"dsr per {int(multiplier)}"
    return f"dsr per {np.format_float_positional(multiplier, trim='-')}"


def dsr(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    stdpop: StdPop = None,
    group_by: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    multiplier: float = 100000,
    independent_events: bool = True,
    eventfreq: str | None = None,
    ageband: str | None = None,
) -> pd.DataFrame:
    """Directly standardised rate per group (one row per group, or one row without ``group_by``).

    ``stdpop`` is a column name, or a sequence with one value per row of each group in row order
    (as the reference's ``phe_dsr`` vector), or None for the ESP2013 (19 rows per group). With
    ``independent_events=False``, ``x`` counts unique people per event frequency (column
    ``eventfreq``) and age band (column ``ageband``); a sequence ``stdpop`` then applies per
    group and event frequency. A missing ``x`` counts as 0 events, as in the reference.
    """
    chk.require_frame(data, "dsr")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    mult = chk.check_multiplier(multiplier)
    xs = chk.numeric_column(data, "x", x, allow_missing=True)
    ns = chk.numeric_column(data, "n", n)
    if not isinstance(independent_events, bool | np.bool_):
        raise InputError(
            f"independent_events: {independent_events!r}; independent_events must be True or False",
            field="independent_events",
            expected="True or False",
        )
    std_col = stdpop if isinstance(stdpop, str) else None
    stds = chk.numeric_column(data, "stdpop", std_col) if std_col is not None else None
    chk.check_counts(xs, ns, x=x, n=n)
    if stds is not None and std_col is not None:
        chk.check_rows(
            stds < 0,
            column=std_col,
            arg="stdpop",
            problem="negative values",
            expected="standard populations >= 0",
            values=stds,
        )
    keys, codes = chk.group_codes(data, groups)
    ngroups = len(keys)
    x0 = np.nan_to_num(xs, nan=0.0)

    if independent_events:
        if stds is None:
            stds = _positional_stdpop(data, stdpop, codes, ngroups, groups)
        parts = _sums(codes, ngroups, x0, ns, stds)
        total_count, total_pop, sum_std, wt = parts[:4]
        vardsr = 1 / sum_std**2 * parts[4]
        method = METHOD
    else:
        freqs, bands = _nonindependent_columns(data, eventfreq, ageband)
        fcodes, fvalues = pd.factorize(freqs, sort=True)
        sub = codes * len(fvalues) + fcodes
        if stds is None:
            stds = _positional_stdpop(
                data, stdpop, sub, ngroups * len(fvalues), [*groups, eventfreq or ""]
            )
        total_count, total_pop, sum_std, wt, vardsr = _nonindependent(
            codes, ngroups, x0, ns, stds, sub, np.asarray(fvalues, dtype="float64"), bands,
            (n, std_col),
        )  # fmt: skip
        method = METHOD_NONINDEPENDENT

    with np.errstate(divide="ignore", invalid="ignore"):
        value = wt / sum_std * mult
        scale = np.sqrt(vardsr / total_count)
    few = total_count < MIN_TOTAL_COUNT
    no_std = (sum_std == 0) & ~few
    unreliable = few | no_std
    intervals = {}
    for level in levels:
        lo, hi = byars(total_count, level)
        with np.errstate(invalid="ignore"):
            lower = value + scale * (lo - total_count) * mult
            upper = value + scale * (hi - total_count) * mult
        lower, upper = blank_where(unreliable, lower, upper)
        intervals[level] = (lower, upper)
    (value,) = blank_where(unreliable, value)
    notes = np.full(ngroups, None, dtype=object)
    notes = note_where(notes, few, NOTE_FEW_EVENTS)
    notes = note_where(notes, no_std, NOTE_ZERO_STDPOP)
    return assemble(
        keys,
        value=value,
        intervals=intervals,
        counts={"total_count": total_count, "total_pop": total_pop},
        value_note=notes,
        method=method,
        statistic=dsr_statistic(mult),
        levels=levels,
    )


def _sums(
    codes: np.ndarray, ngroups: int, x0: np.ndarray, ns: np.ndarray, stds: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Per group: total count, total population, sum of stdpop, weighted and squared rates."""
    ratio = stds / ns
    return (
        chk.group_sum(codes, x0, ngroups),
        chk.group_sum(codes, ns, ngroups),
        chk.group_sum(codes, stds, ngroups),
        chk.group_sum(codes, x0 * stds / ns, ngroups),
        chk.group_sum(codes, x0 * ratio**2, ngroups),
    )


def _nonindependent_columns(
    data: pd.DataFrame, eventfreq: str | None, ageband: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """The event frequency (numbers > 0) and age band (no missing) columns, both required."""
    for arg, col in (("eventfreq", eventfreq), ("ageband", ageband)):
        if col is None:
            raise InputError(
                f"argument {arg} is required when independent_events is False: give the column "
                f"that holds the {'event frequency' if arg == 'eventfreq' else 'age band'}",
                field=arg,
                expected="a column name",
            )
    freqs = chk.numeric_column(data, "eventfreq", eventfreq)
    chk.check_rows(
        freqs <= 0,
        column=str(eventfreq),
        arg="eventfreq",
        problem="zero or negative values",
        expected="event frequencies > 0",
        values=freqs,
    )
    band_col = chk.require_column(data, "ageband", ageband)
    missing = data[band_col].isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing) + 1
        raise InputError(
            f"column {band_col!r} (argument ageband) cannot have missing values; missing at "
            f"{describe_rows(rows)}",
            field=band_col,
            rows=rows.tolist(),
            expected="an age band in every row",
        )
    return freqs, data[band_col].to_numpy()


def _nonindependent(
    codes: np.ndarray,
    ngroups: int,
    x0: np.ndarray,
    ns: np.ndarray,
    stds: np.ndarray,
    sub: np.ndarray,
    fvalues: np.ndarray,
    bands: np.ndarray,
    names: tuple[str, str | None],
) -> tuple[np.ndarray, ...]:
    """Dobson's DSR with the variance summed over event frequencies (the reference's two passes).

    Pass 1: per group and frequency f, var = sum(x (s/n)^2) / sum(s)^2; the group's variance is
    sum(var f^2). Pass 2: events f x summed per group and age band give the rate and counts.
    """
    nfreq = len(fvalues)
    nsub = ngroups * nfreq
    present = np.bincount(sub, minlength=nsub) > 0
    sq_sub = chk.group_sum(sub, x0 * (stds / ns) ** 2, nsub)
    std_sub = chk.group_sum(sub, stds, nsub)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_sub = 1 / std_sub**2 * sq_sub * np.tile(fvalues, ngroups) ** 2
    group_of_sub = np.repeat(np.arange(ngroups), nfreq)
    vardsr = chk.group_sum(group_of_sub[present], var_sub[present], ngroups)

    bcodes, bvalues = pd.factorize(bands, sort=True)
    nband = len(bvalues)
    cell = codes * nband + bcodes
    _check_consistent(cell, ngroups * nband, ns, stds, names)
    ncell = ngroups * nband
    cell_present = np.bincount(cell, minlength=ncell) > 0
    events = chk.group_sum(cell, fvalues[sub % nfreq] * x0, ncell)[cell_present]  # f x
    n_cell = np.zeros(ncell)
    n_cell[cell] = ns
    s_cell = np.zeros(ncell)
    s_cell[cell] = stds
    n_cell, s_cell = n_cell[cell_present], s_cell[cell_present]
    group_of_cell = np.flatnonzero(cell_present) // nband
    total_count, total_pop, sum_std, wt, _ = _sums(group_of_cell, ngroups, events, n_cell, s_cell)
    return total_count, total_pop, sum_std, wt, vardsr


def _check_consistent(
    cell: np.ndarray, ncell: int, ns: np.ndarray, stds: np.ndarray, names: tuple[str, str | None]
) -> None:
    """Rows of one group and age band must share one population and one standard population."""
    bad = np.zeros(len(cell), dtype=bool)
    for values in (ns, stds):
        last = np.zeros(ncell)
        last[cell] = values
        bad |= values != last[cell]
    if not bad.any():
        return
    rows_mask = (np.bincount(cell, weights=bad, minlength=ncell) > 0)[cell]
    rows = np.flatnonzero(rows_mask) + 1
    n_name, std_name = names
    std_text = f"column {std_name!r}" if std_name else "stdpop"
    raise InputError(
        f"column {n_name!r} (argument n) or {std_text} (argument stdpop) differs between rows "
        f"with the same grouping and ageband at {describe_rows(rows)}; expected one population "
        "and one standard population per group and age band when independent_events is False",
        field=n_name,
        rows=rows.tolist(),
        expected="one n and one stdpop per group and age band",
    )


def _positional_stdpop(
    data: pd.DataFrame,
    stdpop: Any,
    codes: np.ndarray,
    ngroups: int,
    groups: list[str],
) -> np.ndarray:
    """A standard population given by position: the same vector for the rows of every group."""
    if stdpop is None:
        vector = np.asarray(ESP2013, dtype="float64")
        what = "the default standard population (ESP2013, 19 age bands)"
    else:
        try:
            vector = np.asarray(stdpop, dtype="float64").reshape(-1)
        except (TypeError, ValueError):
            raise InputError(
                "stdpop must be a column name or a sequence of numbers (one per row of each "
                f"group); got {type(stdpop).__name__}",
                field="stdpop",
                expected="a column name or a sequence of numbers",
            ) from None
        bad = ~np.isfinite(vector) | (vector < 0)
        if bad.any():
            pos = np.flatnonzero(bad) + 1
            raise InputError(
                f"stdpop has missing, infinite or negative values at positions "
                f"{', '.join(map(str, pos[:10].tolist()))}; expected standard populations >= 0",
                field="stdpop",
                expected="standard populations >= 0",
            )
        what = f"stdpop ({len(vector)} values)"
    sizes = np.bincount(codes, minlength=ngroups)
    wrong = (sizes != len(vector)) & (sizes > 0)
    if len(codes) == 0 and not groups:
        wrong = np.array([True])
    if wrong.any():
        raise _length_error(data, codes, sizes, wrong, groups, len(vector), what)
    order = np.argsort(codes, kind="stable")
    starts = np.cumsum(sizes) - sizes
    position = np.empty(len(codes), dtype=np.intp)
    position[order] = np.arange(len(codes)) - starts[codes[order]]
    return vector[position]


def _length_error(
    data: pd.DataFrame,
    codes: np.ndarray,
    sizes: np.ndarray,
    wrong: np.ndarray,
    groups: list[str],
    length: int,
    what: str,
) -> InputError:
    """Name the groups whose row count differs from the standard population's length."""
    rows_mask = wrong[codes] if len(codes) else np.zeros(0, dtype=bool)
    rows = np.flatnonzero(rows_mask) + 1
    cols = [g for g in groups if g in data.columns]
    if cols:
        first = np.full(len(sizes), -1)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        bad_groups = np.flatnonzero(wrong)
        shown = []
        for g in bad_groups[:MAX_GROUPS_LISTED]:  # only to format the message
            key = ", ".join(f"{c}={data[c].iloc[first[g]]!r}" for c in cols)
            shown.append(f"{key} ({sizes[g]} rows)")
        listed = "; ".join(shown)
        if len(bad_groups) > MAX_GROUPS_LISTED:
            listed += f"; and {len(bad_groups) - MAX_GROUPS_LISTED} more groups"
        where = f"groups {listed}"
    else:
        where = f"the data ({len(codes)} rows, ungrouped)"
    return InputError(
        f"{what} needs one value per row of each group, but these have a different number of "
        f"rows: {where}; expected {length} rows per group (in age band order) or a stdpop column",
        field="stdpop",
        rows=rows.tolist(),
        expected=f"{length} rows per group",
    )
