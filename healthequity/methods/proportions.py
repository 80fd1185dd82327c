"""Proportions with Wilson score confidence intervals (PHEindicatormethods ``phe_proportion``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.methods import _checks as chk
from healthequity.methods._intervals import wilson
from healthequity.methods._result import assemble, note_where

NOTE_MISSING = "numerator or denominator missing"


def proportion_statistic(multiplier: float) -> str:
    """The reference's label: 'percentage' for 100, otherwise 'proportion of <multiplier>'."""
    return "percentage" if multiplier == 100 else f"proportion of {multiplier:g}"


def proportion(
    data: pd.DataFrame,
    x: str,
    n: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportion ``x / n`` with Wilson score intervals.

    Without ``group_by`` every row is kept with its columns and a result appended; with it,
    numerators and denominators are summed per group first. A row with a missing count gives
    NA with a value note.
    """
    chk.require_frame(data, "proportion")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    mult = chk.check_multiplier(multiplier)
    xs = chk.numeric_column(data, "x", x, allow_missing=True)
    ns = chk.numeric_column(data, "n", n, allow_missing=True)
    chk.check_counts(xs, ns, x=x, n=n, x_within_n=True)
    if groups:
        keys, codes = chk.group_codes(data, groups)
        count = len(keys)
        missing = chk.group_sum(codes, (np.isnan(xs) | np.isnan(ns)).astype(float), count) > 0
        xs = chk.group_sum(codes, np.nan_to_num(xs), count)
        ns = chk.group_sum(codes, np.nan_to_num(ns), count)
        xs[missing] = np.nan
        counts = {x: xs, n: ns}
    else:
        keys, counts = data.reset_index(drop=True), {}
    missing = np.isnan(xs) | np.isnan(ns)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xs / ns * mult
    intervals = {}
    for level in levels:
        lower, upper = wilson(xs, ns, level)
        intervals[level] = (lower * mult, upper * mult)
    notes = note_where(np.full(len(value), None, dtype=object), missing, NOTE_MISSING)
    return assemble(
        keys,
        value=value,
        intervals=intervals,
        counts=counts,
        value_note=notes,
        method="Wilson" if levels else pd.NA,  # type: ignore[arg-type]
        statistic=proportion_statistic(mult),
        levels=levels,
    )
