"""Fingertips' recent trend: a chi-squared test for linear trend over the latest five periods.

Source: OHID Fingertips, 'Recent trends' (the Fingertips code, github.com/ukhsa-collaboration/
fingertips-open, ``TrendMarkerCalculator``): the latest 5 points, a chi-squared test for trend
on the counts with 1 degree of freedom at 99.8% (chi-square > 9.5495, i.e. |z| > 3.0902), the
direction from the sign of the trend, the wording from ``TrendMarkerLabelProvider``.

* proportions: the Cochran-Armitage (extended Mantel-Haenszel) test, scores 1..k for the
  periods, ``T = U^2 / (p (1 - p) V)`` with ``U = sum x_i (t_i - tbar)``,
  ``V = sum n_i (t_i - tbar)^2``, ``tbar = sum n_i t_i / N``, ``p = X / N`` (equal to R's
  ``prop.trend.test`` and to Fingertips' ``N (N Sxt - X Snt)^2 / (X (N - X)(N Snt2 - Snt^2))``);
* rates: the same test for counts over populations taken as Poisson, the score test for trend
  in rates ``T = U^2 / (X V / N)`` (Breslow and Day, vol. II, 1987, s. 3.4). It is the
  proportion statistic without the ``1 - p`` factor: the two agree for rare events, and the rate
  form stays valid when events outnumber the population (repeat events per person).

'Cannot be calculated' (with a value note) for: fewer than ``points`` periods; a missing count
or population, or a zero population, among the latest ``points``; latest periods not equally
spaced (a gap in the series); no events at all, or (proportions) every case an event. Not
implemented: Fingertips' extra guard that drops each point in turn and requires the slope's sign
to stay the same (a single-outlier check).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods._result import note_where
from healthequity.methods.significance import (
    HIGH_IS_GOOD,
    LOW_IS_GOOD,
    parse_levels,
    parse_polarity,
)

INCREASING, DECREASING = "Increasing", "Decreasing"
NO_CHANGE = "No significant change"
CANNOT = "Cannot be calculated"
BETTER, WORSE = " and getting better", " and getting worse"


def _points(points: object) -> int:
    """The number of latest periods tested: a whole number of at least 3."""
    if isinstance(points, bool) or not isinstance(points, int | np.integer) or points < 3:
        raise InputError(
            f"points={points!r}; expected a whole number of periods of at least 3 (Fingertips "
            "uses 5)",
            field="points",
            expected="an integer >= 3",
        )
    return int(points)


def _window(
    codes: np.ndarray, periods: np.ndarray, ngroups: int, points: int, *columns: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows available per group and each column's latest ``points`` values as a 2-D array.

    The grid is groups x points, oldest to latest from left to right, NaN-padded on the left
    when a group has fewer rows.
    """
    order = np.lexsort((periods, codes))
    sorted_codes = codes[order]
    counts = np.bincount(codes, minlength=ngroups)
    start = np.cumsum(counts) - counts
    from_end = counts[sorted_codes] - 1 - (np.arange(len(order)) - start[sorted_codes])
    keep = from_end < points
    rows, cols = sorted_codes[keep], points - 1 - from_end[keep]
    grids = []
    for values in (periods, *columns):
        grid = np.full((ngroups, points), np.nan)
        grid[rows, cols] = values[order][keep]
        grids.append(grid)
    return np.minimum(counts, points), grids


def recent_trend(
    data: pd.DataFrame,
    x: str,
    n: str,
    period: str,
    *,
    polarity: str,
    group_by: str | Sequence[str] | None = None,
    points: int = 5,
    confidence: float = 0.998,
    value_type: Literal["proportion", "rate"] = "proportion",
) -> pd.DataFrame:
    """Fingertips' recent trend of ``x / n`` over the latest ``points`` periods, per group.

    One row per group: the grouping columns, ``recent_trend`` (Fingertips' wording for the
    polarity), ``trend_statistic`` (chi-square, 1 df), ``trend_p_value``, ``points_used``,
    ``first_period``, ``last_period`` and ``value_note``. ``period`` holds numbers (e.g. the
    year a period starts); the test uses the latest periods, which must be equally spaced.
    """
    chk.require_frame(data, "recent_trend")
    groups = chk.require_group_by(data, group_by)
    k = _points(points)
    levels = parse_levels(confidence)
    if len(levels) != 1:
        raise InputError(
            f"confidence={confidence!r}; the trend test takes one level (Fingertips: 0.998)",
            field="confidence",
            expected="one level, e.g. 0.998",
        )
    if value_type not in ("proportion", "rate"):
        raise InputError(
            f"value_type={value_type!r}; expected 'proportion' or 'rate'",
            field="value_type",
            expected="'proportion' or 'rate'",
        )
    kinds = parse_polarity(data, polarity)
    xs = chk.numeric_column(data, "x", x, allow_missing=True)
    ns = chk.numeric_column(data, "n", n, allow_missing=True)
    ts = chk.numeric_column(data, "period", period)
    chk.check_counts(xs, ns, x=x, n=n, zero_n=True, x_within_n=value_type == "proportion")
    keys, codes = chk.group_codes(data, groups)
    ngroups = len(keys)
    repeated = pd.DataFrame({"g": codes, "t": ts}).duplicated(keep=False).to_numpy()
    chk.check_rows(
        repeated,
        column=period,
        arg="period",
        problem="repeated periods within a group",
        expected="one row per period" + (f" for each {', '.join(groups)}" if groups else ""),
        values=ts,
    )
    if len(np.unique(kinds)) > 1:
        mixed = pd.Series(kinds).groupby(codes).transform("nunique").to_numpy() > 1
        chk.check_rows(
            mixed,
            column=str(polarity),
            arg="polarity",
            problem="different polarities within a group",
            expected="one polarity per group",
        )
    kind = np.zeros(ngroups, dtype=np.int8)
    kind[codes] = kinds
    used, (t_grid, x_grid, n_grid) = _window(codes, ts, ngroups, k, xs, ns)

    notes = np.full(ngroups, None, dtype=object)
    too_few = used < k
    notes = note_where(notes, too_few, f"fewer than {k} periods")
    missing = ~too_few & (np.isnan(x_grid) | np.isnan(n_grid)).any(axis=1)
    notes = note_where(notes, missing, f"count or denominator missing in the latest {k} periods")
    zero_n = ~too_few & (n_grid == 0).any(axis=1)
    notes = note_where(notes, zero_n, f"zero denominator in the latest {k} periods")
    steps = np.diff(t_grid, axis=1)
    gap = ~too_few & ~np.isclose(steps, steps[:, :1], rtol=1e-9, atol=0).all(axis=1)
    notes = note_where(notes, gap, f"a gap in the periods: the latest {k} are not equally spaced")
    cannot = too_few | missing | zero_n | gap

    t = np.arange(1, k + 1, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        total_x = x_grid.sum(axis=1)
        total_n = n_grid.sum(axis=1)
        tbar = (n_grid * t).sum(axis=1) / total_n
        centred = t - tbar[:, None]
        u = (x_grid * centred).sum(axis=1)
        v = (n_grid * centred**2).sum(axis=1)
        if value_type == "proportion":
            p = total_x / total_n
            statistic = u**2 / (p * (1 - p) * v)
            degenerate = (total_x == 0) | (total_x == total_n)
            why = "no events, or every case an event, in the latest periods"
        else:
            statistic = u**2 * total_n / (total_x * v)
            degenerate = total_x == 0
            why = "no events in the latest periods"
    degenerate &= ~cannot
    notes = note_where(notes, degenerate, why)
    cannot |= degenerate
    statistic = np.where(cannot, np.nan, statistic)
    p_value = np.asarray(stats.chi2.sf(statistic, 1), dtype="float64")

    significant = ~cannot & (statistic > stats.chi2.ppf(levels[0], 1))
    up, down = significant & (u > 0), significant & (u < 0)
    judged = (kind == HIGH_IS_GOOD) | (kind == LOW_IS_GOOD)
    good_up = kind == HIGH_IS_GOOD
    trend = np.full(ngroups, NO_CHANGE, dtype=object)
    trend[up] = INCREASING
    trend[down] = DECREASING
    trend[up & judged] = np.where(good_up[up & judged], INCREASING + BETTER, INCREASING + WORSE)
    trend[down & judged] = np.where(good_up[down & judged], DECREASING + WORSE, DECREASING + BETTER)
    trend[cannot] = CANNOT

    rows = np.arange(ngroups)
    first = t_grid[rows, k - used]
    last = t_grid[:, -1]
    out = keys.reset_index(drop=True).copy()
    out["recent_trend"] = pd.array(trend, dtype="string")
    out["trend_statistic"] = statistic
    out["trend_p_value"] = p_value
    out["points_used"] = used.astype("int64")
    dtype = data[period].dtype
    integer = pd.api.types.is_integer_dtype(dtype)
    for name, arr in (("first_period", first), ("last_period", last)):
        column = pd.Series(arr, dtype="float64")
        out[name] = column.astype(dtype) if integer else column
    out["value_note"] = pd.array(notes, dtype="string")
    return out
