"""Means with Student's t confidence intervals (PHEindicatormethods ``phe_mean``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.methods import _checks as chk
from healthequity.methods._intervals import student_t
from healthequity.methods._result import assemble, note_where

NOTE_MISSING = "missing values in x"
NOTE_NO_VALUES = "no values"
NOTE_ONE_VALUE = "only one value: standard deviation and interval undefined"
METHOD = "Student's t-distribution"


def _group_stdev(
    codes: np.ndarray, values: np.ndarray, count: np.ndarray, ngroups: int
) -> np.ndarray:
    """Sample standard deviation per group, two-pass and shifted by each group's first value.

    The shift keeps precision when the spread is tiny next to the mean, and makes a group of
    identical values give exactly 0 (as R's ``sd`` does).
    """
    first = np.zeros(ngroups)
    first[codes[::-1]] = values[::-1]  # the last write wins: each group's first value
    shifted = values - first[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = chk.group_sum(codes, shifted, ngroups) / count
        squares = chk.group_sum(codes, (shifted - centre[codes]) ** 2, ngroups)
        return np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)


def mean(
    data: pd.DataFrame,
    x: str,
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Mean of column ``x`` (per group, or of all rows) with Student's t intervals.

    A group with a missing value, no values, or only one value (standard deviation undefined)
    gives NA where the statistic is undefined, with a value note saying why.
    """
    chk.require_frame(data, "mean")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    xs = chk.numeric_column(data, "x", x, allow_missing=True)
    keys, codes = chk.group_codes(data, groups)
    ngroups = len(keys)
    count = chk.group_sum(codes, np.ones(len(xs)), ngroups)
    missing = chk.group_sum(codes, np.isnan(xs).astype(float), ngroups) > 0
    clean = np.nan_to_num(xs)
    total = np.where(missing, np.nan, chk.group_sum(codes, clean, ngroups))
    stdev = np.where(missing, np.nan, _group_stdev(codes, clean, count, ngroups))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total / count
    intervals = {level: student_t(value, stdev, count, level) for level in levels}
    empty = count == 0
    single = count == 1
    notes = np.full(ngroups, None, dtype=object)
    notes = note_where(notes, missing, NOTE_MISSING)
    notes = note_where(notes, empty, NOTE_NO_VALUES)
    notes = note_where(notes, single & ~missing, NOTE_ONE_VALUE)
    return assemble(
        keys,
        value=value,
        intervals=intervals,
        counts={"value_sum": total, "value_count": count.astype(np.int64), "stdev": stdev},
        value_note=notes,
        method=METHOD if levels else pd.NA,  # type: ignore[arg-type]
        statistic="mean",
        levels=levels,
    )
