"""Crude rates with exact Poisson / Byar's intervals (PHEindicatormethods ``phe_rate``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.methods import _checks as chk
from healthequity.methods._intervals import poisson, poisson_method
from healthequity.methods._result import assemble, note_where

NOTE_MISSING = "numerator or denominator missing"
NOTE_NO_LOWER = "lower limit undefined: Byar's method gives a negative limit at this confidence"


def format_multiplier(multiplier: float) -> str:
    """The multiplier as R's ``format(x, scientific = FALSE)`` writes it: 1e5 -> '100000'."""
    if float(multiplier).is_integer():
        return str(int(multiplier))
    return np.format_float_positional(multiplier, precision=7, fractional=False, trim="-")


def rate_statistic(multiplier: float) -> str:
    """The reference's label: 'rate per <multiplier>'."""
    return f"rate per {format_multiplier(multiplier)}"


def rate(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    multiplier: float = 100000,
) -> pd.DataFrame:
    """Rate ``x / n * multiplier``: exact Poisson interval below 10 events, Byar's from 10.

    Without ``group_by`` every row is kept with its columns and a result appended; with it,
    numerators and denominators are summed per group first. A missing count gives NA with a note.
    """
    chk.require_frame(data, "rate")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    mult = chk.check_multiplier(multiplier)
    xs = chk.numeric_column(data, "x", x, allow_missing=True)
    ns = chk.numeric_column(data, "n", n, allow_missing=True)
    chk.check_counts(xs, ns, x=x, n=n)
    if groups:
        keys, codes = chk.group_codes(data, groups)
        count = len(keys)
        # Like R's sum(): a group with any missing count has a missing total.
        x_missing = chk.group_sum(codes, np.isnan(xs).astype(float), count) > 0
        n_missing = chk.group_sum(codes, np.isnan(ns).astype(float), count) > 0
        xs = np.where(x_missing, np.nan, chk.group_sum(codes, np.nan_to_num(xs), count))
        ns = np.where(n_missing, np.nan, chk.group_sum(codes, np.nan_to_num(ns), count))
        counts = {x: xs, n: ns}
    else:
        keys, counts = data.reset_index(drop=True), {}
    missing = np.isnan(xs) | np.isnan(ns)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xs / ns * mult
        intervals = {}
        no_lower = np.zeros(len(value), dtype=bool)
        for level in levels:
            lower, upper = poisson(xs, level)
            # The reference sets a negative Byar's lower limit (e.g. at 100% confidence) to NA.
            negative = lower < 0
            no_lower |= negative & ~missing
            lower = np.where(negative, np.nan, lower)
            intervals[level] = (lower / ns * mult, upper / ns * mult)
    notes = note_where(np.full(len(value), None, dtype=object), missing, NOTE_MISSING)
    notes = note_where(notes, no_lower, NOTE_NO_LOWER)
    method: str | np.ndarray = pd.NA  # type: ignore[assignment]
    if levels:
        method = poisson_method(np.nan_to_num(xs))
        method[missing] = None
    return assemble(
        keys,
        value=value,
        intervals=intervals,
        counts=counts,
        value_note=notes,
        method=method,
        statistic=rate_statistic(mult),
        levels=levels,
    )
