"""XmR statistical process control charts in the NHS "Making Data Count" style.

Source: NHS England / NHS Improvement, *Making Data Count* (2019, 2nd ed. 2021) and its SPC
tools. Per series (time order): the mean of the points, the moving range ``|x_t - x_{t-1}|``,
its mean ``mR``; process limits at ``mean +/- 2.66 mR`` (3 sigma, sigma = mR / 1.128) and the
2-sigma lines at ``mean +/- 2.66 * 2/3 mR``. Special-cause rules, each flagging the points in it:

* ``outside_limits``: a point above the upper or below the lower process limit;
* ``shift``: a run of ``RUN_LENGTH`` (7) or more consecutive points on one side of the mean (a
  point on the mean ends a run);
* ``trend``: ``RUN_LENGTH`` (7) or more consecutive points each higher (or each lower) than the
  one before;
* ``two_of_three``: two of three consecutive points beyond the same 2-sigma line.

A special-cause point is 'improvement' or 'concern' by the indicator's polarity (or 'neither').
The variation icon reads the latest point; the assurance icon compares a target with the limits:
'pass' when the limits are all on the good side of it, 'fail' when all on the bad side, else
'hit and miss'. Vectorised over every series (``group_by``) at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.methods import _checks as chk

LIMIT_FACTOR = 2.66
#: d2 for moving ranges of 2: sigma = mean moving range / 1.128.
D2 = 1.128
RUN_LENGTH = 7
MIN_POINTS = 2
POLARITIES = ("high", "low", "neither")

COMMON = "common cause"
IMPROVEMENT, CONCERN, NEITHER = "improvement", "concern", "neither"
ASSURE_PASS, ASSURE_FAIL, ASSURE_HIT_MISS = "pass", "fail", "hit and miss"
NOTE_FEW = f"fewer than {MIN_POINTS} points: no limits"


def _runs(flag_key: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Length of the run each position belongs to; a run is equal ``flag_key`` without a break."""
    n = len(flag_key)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    new = np.ones(n, dtype=bool)
    new[1:] = (flag_key[1:] != flag_key[:-1]) | breaks[1:]
    run_id = np.cumsum(new) - 1
    return np.bincount(run_id)[run_id]


def _check_polarity(polarity: str) -> str:
    if polarity not in POLARITIES:
        raise InputError(
            f"polarity: {polarity!r}; expected 'high' (higher is better), 'low' (lower is "
            "better) or 'neither'",
            field="polarity",
            expected="high, low or neither",
        )
    return polarity


def xmr(
    data: pd.DataFrame,
    value: str,
    time: str,
    *,
    group_by: str | Sequence[str] | None = None,
    polarity: str = "neither",
    baseline: int | None = None,
) -> pd.DataFrame:
    """Every point of every series with its XmR statistics and special-cause flags.

    ``time`` orders the points. ``baseline`` (a number of points) fixes the mean and limits on
    the first points of each series. Returns the rows sorted by series and time with ``mean``,
    ``moving_range``, ``mean_moving_range``, ``lower_limit``, ``upper_limit``,
    ``lower_2sigma``, ``upper_2sigma``, the four rule flags, ``special_cause``, ``side``
    ('high'/'low') and ``variation`` (improvement / concern / neither / common cause).
    """
    chk.require_frame(data, "xmr")
    groups = chk.require_group_by(data, group_by)
    _check_polarity(polarity)
    chk.require_column(data, "time", time)
    x_all = chk.numeric_column(data, "value", value)
    if baseline is not None and (isinstance(baseline, bool) or int(baseline) < MIN_POINTS):
        raise InputError(
            f"baseline: {baseline!r}; expected a number of points of at least {MIN_POINTS}",
            field="baseline",
            expected=f"an integer >= {MIN_POINTS}",
        )
    dup = data.duplicated([*groups, time], keep=False).to_numpy()
    chk.check_rows(
        dup,
        column=time,
        arg="time",
        problem="a time point repeated within a series",
        expected="one point per time in each series",
        values=data[time].to_numpy(),
    )
    keys, codes = chk.group_codes(data, groups)
    order = np.lexsort((data[time].to_numpy(), codes))
    out = data.iloc[order].reset_index(drop=True)
    g = codes[order]
    x = x_all[order]
    ng = len(keys)
    first = np.ones(len(x), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    position = np.arange(len(x)) - np.maximum.accumulate(np.where(first, np.arange(len(x)), 0))
    in_base = position < baseline if baseline is not None else np.ones(len(x), dtype=bool)

    mr = np.full(len(x), np.nan)
    mr[1:] = np.abs(np.diff(x))
    mr[first] = np.nan
    base_n = np.bincount(g, weights=in_base, minlength=ng)
    mean = np.bincount(g, weights=np.where(in_base, x, 0), minlength=ng) / np.maximum(base_n, 1)
    mr_in = in_base & ~np.isnan(mr)
    mr_n = np.bincount(g, weights=mr_in, minlength=ng)
    with np.errstate(invalid="ignore", divide="ignore"):
        mr_bar = np.bincount(g, weights=np.where(mr_in, mr, 0), minlength=ng) / mr_n
    few = np.bincount(g, minlength=ng) < MIN_POINTS
    mr_bar = np.where(few, np.nan, mr_bar)
    centre = mean[g]
    width = LIMIT_FACTOR * mr_bar[g]
    upper, lower = centre + width, centre - width
    upper2, lower2 = centre + width * 2 / 3, centre - width * 2 / 3

    with np.errstate(invalid="ignore"):
        outside = (x > upper) | (x < lower)
        side = np.sign(x - centre)
        side_run = _runs(side, first)
        shift = (side != 0) & (side_run >= RUN_LENGTH) & ~few[g]
        step = np.zeros(len(x))
        step[1:] = np.sign(np.diff(x))
        step[first] = 0
        # a trend of k points is k - 1 steps the same way; the point before the steps joins it
        step_run = _runs(step, first)
        in_trend = (step != 0) & (step_run >= RUN_LENGTH - 1) & ~few[g]
        trend = in_trend.copy()
        prev_step = np.r_[0.0, step[:-1]]
        starts = np.flatnonzero(in_trend & (np.r_[True, ~in_trend[:-1]] | (prev_step != step)))
        trend[starts - 1] = True
        above2, below2 = x > upper2, x < lower2
    two = _two_of_three(above2, g) | _two_of_three(below2, g)

    special = outside | shift | trend | two
    side_label = _sides(side)
    trend_dir = np.zeros(len(x))
    trend_dir[in_trend] = step[in_trend]
    trend_dir[starts - 1] = step[starts]
    direction = np.where(trend & ~(outside | shift | two), trend_dir, side)
    special_side = _sides(direction)
    good = {"high": "high", "low": "low"}.get(polarity)
    variation = np.where(
        ~special,
        COMMON,
        np.where(
            good is None,
            NEITHER,
            np.where(special_side == good, IMPROVEMENT, CONCERN),
        ),
    ).astype(object)
    variation[few[g]] = None

    out["mean"] = centre
    out["moving_range"] = mr
    out["mean_moving_range"] = mr_bar[g]
    out["lower_limit"], out["upper_limit"] = lower, upper
    out["lower_2sigma"], out["upper_2sigma"] = lower2, upper2
    out["outside_limits"] = outside
    out["shift"] = shift
    out["trend"] = trend
    out["two_of_three"] = two
    out["special_cause"] = special
    out["side"] = np.where(special, special_side, side_label)
    out["variation"] = variation
    out["polarity"] = polarity
    return out


def _sides(sign: np.ndarray) -> np.ndarray:
    """'high' / 'low' / None for a positive / negative / zero sign."""
    out = np.full(len(sign), None, dtype=object)
    out[sign > 0] = "high"
    out[sign < 0] = "low"
    return out


def _two_of_three(beyond: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Points beyond a 2-sigma line that are two (or three) of three consecutive in a series."""
    n = len(beyond)
    flag = np.zeros(n, dtype=bool)
    if n < 3:
        return flag
    b = beyond.astype(int)
    same = g[:-2] == g[2:]  # windows of three points inside one series
    count = b[:-2] + b[1:-1] + b[2:]
    window = same & (count >= 2)
    idx = np.flatnonzero(window)
    for offset in range(3):
        hit = idx + offset
        flag[hit] |= beyond[hit]
    return flag


def spc_summary(
    points: pd.DataFrame,
    *,
    group_by: str | Sequence[str] | None = None,
    target: float | None = None,
    time: str | None = None,
) -> pd.DataFrame:
    """One row per series from ``xmr`` output: latest point, limits, variation and assurance.

    ``variation_icon`` is Making Data Count's: 'common cause', or '<improvement|concern|neither>
    (<high|low>)' from the latest point. ``assurance_icon`` (with ``target``): 'pass', 'fail' or
    'hit and miss'; None without a target or for polarity 'neither'.
    """
    groups = chk.require_group_by(points, group_by)
    last = points.groupby(groups, sort=True).tail(1) if groups else points.tail(1)
    out = last.reset_index(drop=True)
    icon = np.where(  # type: ignore[call-overload]
        out["variation"].isna().to_numpy(),
        None,
        np.where(
            out["special_cause"].fillna(False).astype(bool),
            out["variation"].astype(str) + " (" + out["side"].astype(str) + ")",
            COMMON,
        ),
    )
    out["variation_icon"] = icon
    if target is None:
        out["assurance_icon"] = None
    else:
        pol = out["polarity"].to_numpy()
        lo, hi = out["lower_limit"].to_numpy(), out["upper_limit"].to_numpy()
        passes = np.where(pol == "high", lo > target, hi < target)
        fails = np.where(pol == "high", hi < target, lo > target)
        label = np.where(passes, ASSURE_PASS, np.where(fails, ASSURE_FAIL, ASSURE_HIT_MISS))
        blank = (pol == "neither") | np.isnan(lo)
        out["assurance_icon"] = pd.Series(label, dtype=object).where(~blank, None).to_numpy()
        out["target"] = target
    keep = [
        *groups,
        *([time] if time else []),
        "mean",
        "lower_limit",
        "upper_limit",
        "variation_icon",
        "assurance_icon",
    ]
    return out[[c for c in keep if c in out.columns] + (["target"] if target is not None else [])]
