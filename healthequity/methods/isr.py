"""Indirectly standardised ratios and rates (PHEindicatormethods ``calculate_ISRatio`` /
``calculate_ISRate``): observed events against those expected from reference rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods._intervals import poisson, poisson_method
from healthequity.methods._result import Interval, assemble, blank_where, note_where

NOTE_NO_OBSERVED = "no observed total for this group in observed_totals"
NOTE_NO_EXPECTED = "expected events are zero (no population in the group)"
MAX_GROUPS_LISTED = 10

RefValues = str | Sequence[float] | np.ndarray | pd.Series


def _r_format(number: float) -> str:
    """A number as R's ``format(number, scientific = FALSE)`` writes it (7 significant digits)."""
    if float(number).is_integer():
        return str(int(number))
    return np.format_float_positional(float(f"{number:.7g}"), trim="-")


def _group_label(keys: pd.DataFrame, index: int) -> str:
    """'area='I002'' or '(area='I002', kind='x')': how a group is named in messages."""
    parts = [f"{col}={keys[col].iloc[index]!r}" for col in keys.columns]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _rows_per_group(keys: pd.DataFrame, codes: np.ndarray) -> int:
    """Every group must hold one row per standardisation category, so the same number of rows."""
    sizes = np.bincount(codes, minlength=len(keys))
    distinct, counts = np.unique(sizes, return_counts=True)
    if len(distinct) > 1:
        usual = distinct[np.lexsort((-distinct, -counts))[0]]
        odd = np.flatnonzero(sizes != usual)
        named = ", ".join(
            f"{_group_label(keys, int(i))} has {_rows(int(sizes[i]))}"
            for i in odd[:MAX_GROUPS_LISTED]
        )
        if len(odd) > MAX_GROUPS_LISTED:
            named += f" and {len(odd) - MAX_GROUPS_LISTED} more groups differ"
        raise InputError(
            "data must contain the same number of rows (one per standardisation category) for "
            f"each group: {int(counts[distinct == usual][0])} group(s) have {_rows(int(usual))}, "
            f"but {named}",
            field="group_by",
            expected=f"{_rows(int(usual))} in every group",
        )
    return int(distinct[0]) if len(distinct) else 0


def _ref_vector(values: Any, arg: str, size: int, keys: pd.DataFrame) -> np.ndarray:
    """A reference vector (refpoptype='vector'): numbers, one per row of each group."""
    if isinstance(values, str) or np.ndim(values) != 1:
        raise InputError(
            f"argument {arg} must be a sequence of numbers (one per row of each group) when "
            f"refpoptype='vector', got {type(values).__name__}",
            field=arg,
            expected="a sequence of numbers",
        )
    try:
        arr = np.asarray(pd.to_numeric(pd.Series(values), errors="raise"), dtype="float64")
    except (TypeError, ValueError):
        raise InputError(
            f"argument {arg} must hold numbers only when refpoptype='vector'",
            field=arg,
            expected="a sequence of numbers",
        ) from None
    if len(arr) != size:
        where = "each group" if len(keys.columns) else "data"
        raise InputError(
            f"argument {arg} has {len(arr)} values but {where} has {size} rows; with "
            f"refpoptype='vector' {arg} needs one value per row of each group (in the order "
            "of the standardisation categories)",
            field=arg,
            expected=f"{size} values",
        )
    return arr


def _reference(
    data: pd.DataFrame,
    x_ref: RefValues,
    n_ref: RefValues,
    refpoptype: str,
    codes: np.ndarray,
    keys: pd.DataFrame,
    size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each data row's reference events and population, from columns or from vectors."""
    if refpoptype == "field":
        xr = chk.numeric_column(data, "x_ref", x_ref, allow_missing=True)
        nr = chk.numeric_column(data, "n_ref", n_ref, allow_missing=False)
        chk.check_rows(
            xr < 0,
            column=str(x_ref),
            arg="x_ref",
            problem="negative values",
            expected="reference events >= 0",
            values=xr,
        )
        chk.check_rows(
            nr <= 0,
            column=str(n_ref),
            arg="n_ref",
            problem="zero or negative values",
            expected="reference populations > 0",
            values=nr,
        )
        return xr, nr
    # refpoptype "vector" (checked by the caller): one value per row of each group, by position
    xv = _ref_vector(x_ref, "x_ref", size, keys)
    nv = _ref_vector(n_ref, "n_ref", size, keys)
    _check_vector(xv < 0, "x_ref", "negative values", "reference events >= 0", xv)
    _check_vector(np.isnan(nv), "n_ref", "missing values", "a number in every position", nv)
    _check_vector(nv <= 0, "n_ref", "zero or negative values", "reference populations > 0", nv)
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    return xv[position], nv[position]


def _check_vector(
    bad: np.ndarray, arg: str, problem: str, expected: str, values: np.ndarray
) -> None:
    """Refuse a reference vector with bad values, naming their positions (1 = first)."""
    if not bad.any():
        return
    where = np.flatnonzero(bad)
    shown = ", ".join(f"{i + 1} ({values[i].item()!r})" for i in where[:MAX_GROUPS_LISTED])
    if len(where) > MAX_GROUPS_LISTED:
        shown += f" and {len(where) - MAX_GROUPS_LISTED} more"
    raise InputError(
        f"argument {arg} has {problem} at position(s) {shown}; expected {expected}",
        field=arg,
        rows=(where + 1).tolist(),
        expected=expected,
    )


def _observed_from_totals(
    observed_totals: Any, x: str, groups: list[str], keys: pd.DataFrame
) -> np.ndarray:
    """Observed events per group looked up in ``observed_totals`` (NaN where a group is absent)."""
    totals = chk.require_frame(observed_totals, "observed_totals")
    for col in [*groups, x]:
        if col not in totals.columns:
            role = (
                f"the observed total column {col!r} (argument x)"
                if col == x
                else (f"the grouping column {col!r} to join to data")
            )
            raise InputError(
                f"observed_totals must hold {role} "
                f"(columns: {', '.join(map(str, totals.columns))})",
                field="observed_totals",
                expected=f"columns {', '.join([*groups, x])}",
            )
    values = chk.numeric_column(totals, "x of observed_totals", x, allow_missing=True)
    chk.check_rows(
        values < 0,
        column=x,
        arg="x of observed_totals",
        problem="negative values",
        expected="observed totals >= 0",
        values=values,
    )
    if not groups:
        if len(totals) != 1:
            raise InputError(
                f"observed_totals has {len(totals)} rows; without group_by it must have one "
                "row, the observed total",
                field="observed_totals",
                expected="one row",
            )
        return values.copy()
    dup = totals.duplicated(groups, keep=False).to_numpy()
    chk.check_rows(
        dup,
        column=", ".join(groups),
        arg="observed_totals",
        problem="more than one observed total for the same group",
        expected="one row per group",
    )
    lookup = totals[groups].assign(_observed=values)
    try:
        merged = keys.merge(lookup, on=groups, how="left", sort=False)
    except ValueError as err:
        raise InputError(
            f"observed_totals: its grouping columns cannot be joined to data's ({err})",
            field="observed_totals",
            expected="grouping columns of the same types as in data",
        ) from None
    return merged["_observed"].to_numpy(dtype="float64", na_value=np.nan)


def _indirect(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: RefValues,
    n_ref: RefValues,
    *,
    func: str,
    refpoptype: str,
    group_by: str | Sequence[str] | None,
    observed_totals: pd.DataFrame | None,
    confidence: chk.Confidence,
) -> dict[str, Any]:
    """Observed and expected events per group, ref rate (per unit), notes and Poisson limits."""
    chk.require_frame(data, func)
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    if refpoptype not in ("field", "vector"):
        raise InputError(
            f"refpoptype: {refpoptype!r} is not valid; valid values for refpoptype are "
            "'vector' and 'field'",
            field="refpoptype",
            expected="'field' or 'vector'",
        )
    keys, codes = chk.group_codes(data, groups)
    count = len(keys)
    size = _rows_per_group(keys, codes)
    notes = np.full(count, None, dtype=object)

    if observed_totals is None:
        xs = chk.numeric_column(data, "x", x, allow_missing=True)
        chk.check_rows(
            xs < 0,
            column=x,
            arg="x",
            problem="negative values",
            expected="numerators >= 0",
            values=xs,
        )
        observed = chk.group_sum(codes, np.nan_to_num(xs), count)
        missing_x = chk.group_sum(codes, np.isnan(xs).astype(float), count)
        notes = note_where(notes, missing_x > 0, f"missing values of {x} counted as zero")
    else:
        observed = _observed_from_totals(observed_totals, x, groups, keys)
    ns = chk.numeric_column(data, "n", n, allow_missing=True)
    chk.check_rows(
        ns < 0,
        column=n,
        arg="n",
        problem="negative values",
        expected="denominators >= 0",
        values=ns,
    )
    xr, nr = _reference(data, x_ref, n_ref, refpoptype, codes, keys, size)

    missing_n = chk.group_sum(codes, np.isnan(ns).astype(float), count) > 0
    notes = note_where(notes, missing_n, f"missing values of {n} counted as zero")
    missing_xr = chk.group_sum(codes, np.isnan(xr).astype(float), count) > 0
    notes = note_where(notes, missing_xr, "missing reference events (x_ref) counted as zero")

    expected = chk.group_sum(codes, np.nan_to_num(xr) / nr * np.nan_to_num(ns), count)
    ref_rate = chk.group_sum(codes, np.nan_to_num(xr), count) / chk.group_sum(codes, nr, count)

    no_observed = np.isnan(observed)
    notes = note_where(notes, no_observed, NOTE_NO_OBSERVED)
    no_expected = ~no_observed & (expected <= 0)
    notes = note_where(notes, no_expected, NOTE_NO_EXPECTED)
    invalid = no_observed | no_expected

    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = observed / expected
        intervals: dict[float, Interval] = {}
        for level in levels:
            lower, upper = poisson(observed, level)
            intervals[level] = (lower / expected, upper / expected)
    method = poisson_method(observed)
    method[no_observed] = pd.NA
    return {
        "keys": keys,
        "observed": observed,
        "expected": expected,
        "ref_rate": ref_rate,
        "ratio": ratio,
        "intervals": intervals,
        "invalid": invalid,
        "notes": notes,
        "method": method if levels else pd.NA,
        "levels": levels,
    }


def isratio(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: RefValues,
    n_ref: RefValues,
    *,
    refpoptype: str = "field",
    group_by: str | Sequence[str] | None = None,
    observed_totals: pd.DataFrame | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    refvalue: float = 1,
) -> pd.DataFrame:
    """Indirectly standardised ratio (SMR) observed / expected x ``refvalue`` per group.

    Expected events apply the reference rates ``x_ref / n_ref`` (columns, or with
    refpoptype='vector' one value per row of each group) to the populations ``n``; limits are
    exact Poisson below 10 observed events and Byar's from 10. ``observed_totals`` (grouping
    columns plus column ``x``) supplies the observed events when they have no breakdown.
    """
    scale = chk.check_multiplier(refvalue, field="refvalue")
    parts = _indirect(
        data,
        x,
        n,
        x_ref,
        n_ref,
        func="isratio",
        refpoptype=refpoptype,
        group_by=group_by,
        observed_totals=observed_totals,
        confidence=confidence,
    )
    invalid = parts["invalid"]
    with np.errstate(invalid="ignore", divide="ignore"):
        (value,) = blank_where(invalid, parts["ratio"] * scale)
        intervals: dict[float, Interval] = {}
        for level, (lower, upper) in parts["intervals"].items():
            lo, hi = blank_where(invalid, lower * scale, upper * scale)
            intervals[level] = (lo, hi)
    return assemble(
        parts["keys"],
        value=value,
        intervals=intervals,
        counts={"observed": parts["observed"], "expected": parts["expected"]},
        value_note=parts["notes"],
        method=parts["method"],
        statistic=f"indirectly standardised ratio x {_r_format(scale)}",
        levels=parts["levels"],
    )


def israte(
    data: pd.DataFrame,
    x: str,
    n: str,
    x_ref: RefValues,
    n_ref: RefValues,
    *,
    refpoptype: str = "field",
    group_by: str | Sequence[str] | None = None,
    observed_totals: pd.DataFrame | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    multiplier: float = 100000,
) -> pd.DataFrame:
    """Indirectly standardised rate: the ratio observed / expected times the reference rate.

    Same inputs as :func:`isratio`; the reference rate is sum(x_ref) / sum(n_ref) x
    ``multiplier`` per group, reported as ``ref_rate``.
    """
    mult = chk.check_multiplier(multiplier)
    parts = _indirect(
        data,
        x,
        n,
        x_ref,
        n_ref,
        func="israte",
        refpoptype=refpoptype,
        group_by=group_by,
        observed_totals=observed_totals,
        confidence=confidence,
    )
    invalid = parts["invalid"]
    ref_rate = parts["ref_rate"] * mult
    with np.errstate(invalid="ignore", divide="ignore"):
        (value,) = blank_where(invalid, parts["ratio"] * ref_rate)
        intervals: dict[float, Interval] = {}
        for level, (lower, upper) in parts["intervals"].items():
            lo, hi = blank_where(invalid, lower * ref_rate, upper * ref_rate)
            intervals[level] = (lo, hi)
    return assemble(
        parts["keys"],
        value=value,
        intervals=intervals,
        counts={
            "observed": parts["observed"],
            "expected": parts["expected"],
            "ref_rate": ref_rate,
        },
        value_note=parts["notes"],
        method=parts["method"],
        statistic=f"indirectly standardised rate per {_r_format(mult)}",
        levels=parts["levels"],
    )
