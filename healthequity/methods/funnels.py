"""Funnel plot control limits and significance (PHEindicatormethods ``calculate_funnel_limits``,
``assign_funnel_significance`` and ``calculate_funnel_points``).

Proportions use Wilson-score funnels at 2 and 3 standard deviations (95% and 99.8% two-sided).
Rates and ratios use Poisson funnels; their limits come, as in the reference, from a bisection on
the Poisson distribution that stops at a 1e-7 step. The bisection is reproduced step for step
(vectorised across every point of the funnel) so the limits agree with the reference's exactly,
not only to its step size: decisions are taken with the exact Poisson probability, and where that
probability lies too close to the threshold to be sure of the reference's decision, with the
reference's own series sum.

``funnel_limits`` returns the reference's table and keeps its column names (``Population`` /
``Observed_events`` / ``Events``, ``lower_2s_limit`` ... ``upper_3s_limit``, ``baseline``,
``statistic``, ``method`` and, for ratios and rates, the expected events or populations at which a
point lies on each limit), with the grouping columns first when ``group_by`` is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from healthequity.errors import InputError, describe_rows
from healthequity.methods import _checks as chk

STATISTICS = ("proportion", "ratio", "rate")
RATE_TYPES = ("dsr", "crude")
RATIO_TYPES = ("count", "isr")

HIGH_001 = "High (0.001)"
HIGH_025 = "High (0.025)"
LOW_001 = "Low (0.001)"
LOW_025 = "Low (0.025)"
NOT_SIGNIFICANT = "Not significant"
NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"
#: The reference's factor levels for the ``significance`` column, in its order.
SIGNIFICANCE_LEVELS = (HIGH_001, HIGH_025, LOW_001, LOW_025, NOT_SIGNIFICANT, NOT_APPLICABLE)

#: Below this many events a DSR point is neither charted nor tested (the reference's rule).
DSR_MIN_EVENTS = 10
NOTE_DSR_FEW_EVENTS = "fewer than 10 events: a directly standardised rate is not charted"

#: Number of points on a funnel's x axis.
AXIS_POINTS = 100
#: One-sided tail probabilities of the 2 and 3 standard deviation limits (95% and 99.8%).
P_2S, P_3S = 0.025, 0.001
#: The reference's bisection halves its step from 0.5 until the step is no more than 1e-7.
BISECTION_STOP = 1e-7
#: Where the exact Poisson probability is this close (relative) to the threshold, the
#: reference's series sum decides instead (below SERIES_MAX the two differ by under 1e-5).
AMBIGUOUS = 2e-5
#: Above this mean the series (a loop over that many terms) is not replayed: the exact
#: probability decides, and limits agree with the reference to about its 1e-7 step.
SERIES_MAX = 1e5


# --- arguments -------------------------------------------------------------------------------


def _statistic(statistic: Any) -> str:
    """``statistic`` must be given and be 'proportion', 'ratio' or 'rate'."""
    if statistic is None:
        raise InputError(
            "argument statistic is required: give 'proportion', 'ratio' or 'rate'",
            field="statistic",
            expected="'proportion', 'ratio' or 'rate'",
        )
    if statistic not in STATISTICS:
        raise InputError(
            f"argument statistic={statistic!r} is not recognised; expected 'proportion', "
            "'ratio' or 'rate'",
            field="statistic",
            expected="'proportion', 'ratio' or 'rate'",
        )
    return str(statistic)


def _option(value: Any, arg: str, options: Sequence[str], statistic: str) -> str:
    """A required choice (``rate_type``, ``ratio_type``) for this statistic."""
    allowed = " or ".join(repr(o) for o in options)
    if value is None:
        raise InputError(
            f"argument {arg} is required when statistic={statistic!r}: give {allowed}",
            field=arg,
            expected=allowed,
        )
    if value not in options:
        raise InputError(
            f"argument {arg}={value!r} is not recognised; expected {allowed}",
            field=arg,
            expected=allowed,
        )
    return str(value)


def _required_number(value: Any, arg: str, statistic: str) -> float:
    """A required positive number (``multiplier``, ``years_of_data``)."""
    if value is None:
        raise InputError(
            f"argument {arg} is required when statistic={statistic!r}: give a number greater "
            "than 0",
            field=arg,
            expected="a number greater than 0",
        )
    return chk.check_multiplier(value, field=arg)


def _format_multiplier(multiplier: float) -> str:
    """R's ``format(multiplier, big.mark = ",", scientific = FALSE)``: 1e5 -> '100,000'."""
    if float(multiplier).is_integer() and abs(multiplier) < 1e15:
        return f"{int(multiplier):,}"
    return f"{multiplier:,.7g}"


# --- input columns ---------------------------------------------------------------------------


def _counts(
    data: pd.DataFrame, statistic: str, numerator: Any, denominator: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators (or observed and expected) of proportions and ratios."""
    num = chk.numeric_column(data, "numerator", numerator)
    den = chk.numeric_column(data, "denominator", denominator)
    chk.check_counts(
        num,
        den,
        x=numerator,
        n=denominator,
        x_arg="numerator",
        n_arg="denominator",
        x_within_n=statistic == "proportion",
        n_what="expected counts" if statistic == "ratio" else "denominators",
    )
    return num, den


def _rate_columns(
    data: pd.DataFrame, numerator: Any, denominator: Any, rate: Any
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Events, optional denominators and rates of rate funnels.

    A rate is needed (above zero) wherever there are events; where there are none, the
    denominator is needed instead (the reference's rule).
    """
    num = chk.numeric_column(data, "numerator", numerator)
    chk.check_counts(num, None, x=numerator, x_arg="numerator")
    rates = chk.numeric_column(data, "rate", rate, allow_missing=True)
    chk.check_rows(
        (num > 0) & ~(rates > 0),
        column=rate,
        arg="rate",
        problem="missing, zero or negative rates where there are events",
        expected="a rate > 0 in every row with a numerator above 0",
        values=rates,
    )
    chk.check_rows(
        rates < 0,
        column=rate,
        arg="rate",
        problem="negative values",
        expected="rates >= 0",
        values=rates,
    )
    zero = num == 0
    if denominator is None:
        if zero.any():
            rows = np.flatnonzero(zero) + 1
            raise InputError(
                f"column {numerator!r} (argument numerator) has 0 events at "
                f"{describe_rows(rows)}; where there are 0 events the rate cannot give the "
                "population, so the denominator is needed: give its column with denominator=",
                field="denominator",
                rows=rows.tolist(),
                expected="the denominator column, given where any row has 0 events",
            )
        return num, None, rates
    den = chk.numeric_column(data, "denominator", denominator, allow_missing=True)
    chk.check_counts(num, den, x=numerator, n=denominator, x_arg="numerator", n_arg="denominator")
    chk.check_rows(
        zero & np.isnan(den),
        column=denominator,
        arg="denominator",
        problem="missing values where there are 0 events",
        expected="a denominator in every row with 0 events",
    )
    return num, den, rates


def _rate_denominators(
    num: np.ndarray,
    den: np.ndarray | None,
    rates: np.ndarray,
    rate_type: str,
    multiplier: float,
    *,
    dsr_order: bool = False,
) -> np.ndarray:
    """The populations implied by each rate: ``multiplier * events / rate``.

    A DSR with no events has none (NA); a crude rate with no events takes the denominator.
    ``dsr_order`` reproduces ``events / rate * multiplier``, the reference's order of operations
    when it assigns significance to DSRs.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = num / rates * multiplier if dsr_order else multiplier * num / rates
    zero = num == 0
    if rate_type == "dsr":
        return np.where(zero, np.nan, implied)
    if den is None:
        return implied
    return np.where(zero, den, implied)


def _group_by_codes(
    data: pd.DataFrame, group_by: str | Sequence[str] | None
) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    groups = chk.require_group_by(data, group_by)
    keys, codes = chk.group_codes(data, groups)
    return groups, keys, codes


def _group_extreme(values: np.ndarray, codes: np.ndarray, count: int, how: str) -> np.ndarray:
    """Minimum or maximum per group, ignoring NA."""
    grouped = pd.Series(values).groupby(codes)
    out = grouped.min() if how == "min" else grouped.max()
    return out.reindex(range(count)).to_numpy(dtype="float64")


# --- the reference's numerics ----------------------------------------------------------------


def _sigma_adjustment(
    p: float, population: np.ndarray, average: np.ndarray, side: str, multiplier: float
) -> np.ndarray:
    """Wilson-score funnel point: the proportion whose limit at ``p`` meets the average.

    The discriminant is zero, not negative, when the average is 0 or 1; rounding can take it just
    below zero (where the reference gives NaN), so it is floored at zero: the point is the average.
    """
    q = float(stats.norm.ppf(p))
    q2 = q * q
    first = average * (population / q2 + 1)
    inner = -8 * average * (population / q2 + 1)
    discriminant = inner * inner - 64 * (1 / q2 + 1 / population) * average * (
        population * (average * (population / q2 + 2) - 1) + q2 * (average - 1)
    )
    adj = np.sqrt(np.maximum(discriminant, 0.0))
    last = 1 / q2 + 1 / population
    point = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return np.asarray(point / population * multiplier, dtype="float64")


def _poisson_series(z: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """P(lower <= X <= upper) for X ~ Poisson(z), summed term by term as the reference does.

    Reproduces the reference's floating-point sum (rescaled at 1e30, stopped once a term is below
    1e-10 of the total past the mean) so that threshold decisions agree with it exactly.
    """
    q = np.ones_like(z)
    tot = np.zeros_like(z)
    s = np.zeros_like(z)
    k = 0.0
    active = np.ones(z.shape, dtype=bool)
    while active.any():
        tot = np.where(active, tot + q, tot)
        s = np.where(active & (k >= lower) & (k <= upper), s + q, s)
        big = active & (tot > 1e30)
        s = np.where(big, s / 1e30, s)
        tot = np.where(big, tot / 1e30, tot)
        q = np.where(big, q / 1e30, q)
        k += 1
        q = np.where(active, q * z / k, q)
        active &= (k <= z) | (q > tot * 1e-10)
    return np.asarray(s / tot, dtype="float64")


def _poisson_funnel(obs: np.ndarray, p: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Expected count at which ``obs`` events lie on a Poisson funnel (the reference's bisection).

    ``low``: the mean where P(X >= obs) = p (an upper limit); otherwise where P(X <= obs) = p (a
    lower limit). Bisects on v in (0, 1) with mean (1 + obs) v / (1 - v), all points at once.
    """
    obs, p, low = np.broadcast_arrays(
        np.asarray(obs, dtype="float64"), np.asarray(p, dtype="float64"), np.asarray(low)
    )
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    safe_a = np.where(obs > 0, obs, 1.0)
    while dv > BISECTION_STOP:
        dv /= 2
        mu = (1 + obs) * v / (1 - v)
        prob = np.where(
            low,
            np.where(obs > 0, special.gammainc(safe_a, mu), 1.0),
            special.gammaincc(obs + 1, mu),
        )
        unsure = (np.abs(prob - p) <= AMBIGUOUS * p) & (mu <= SERIES_MAX)
        if unsure.any():
            prob[unsure] = _poisson_series(
                mu[unsure],
                np.where(low[unsure], obs[unsure], 0.0),
                np.where(low[unsure], 1e10, obs[unsure]),
            )
        down = np.where(low, prob > p, prob < p)
        v = np.where(down, v - dv, v + dv)
    return np.asarray((1 + obs) * v / (1 - v), dtype="float64")


def _ratio_test(obs: np.ndarray, expected: np.ndarray, p: float, side: str) -> np.ndarray:
    """The reference's ratio test: a Poisson limit of ``obs`` at two-sided level ``p`` / expected.

    Exact (chi-squared) below 10 events, Byar's from 10; the lower limit of 0 events is 0.
    """
    tail = 0.5 + p / 2
    z = float(stats.norm.ppf(tail))
    with np.errstate(divide="ignore", invalid="ignore"):
        if side == "low":
            exact = stats.chi2.isf(tail, 2 * np.where(obs > 0, obs, 1)) / 2
            byars = obs * np.power(1 - 1 / (9 * obs) - z / 3 / np.sqrt(obs), 3.0)
            limit = np.where(obs == 0, 0.0, np.where(obs < 10, exact, byars))
        else:
            o = obs + 1
            exact = stats.chi2.ppf(tail, 2 * obs + 2) / 2
            byars = o * np.power(1 - 1 / (9 * o) + z / 3 / np.sqrt(o), 3.0)
            limit = np.where(obs < 10, exact, byars)
        return np.asarray(limit / expected, dtype="float64")


def _r_nchar(x: np.ndarray) -> np.ndarray:
    """Characters in R's ``as.character`` of whole numbers from 0 to 1e15: 100000 is '1e+05'.

    R writes a number in scientific notation when that is strictly shorter than fixed notation.
    """
    x = np.asarray(x, dtype="float64")
    whole = np.where(np.isfinite(x) & (x >= 1) & (x < 1e15), x, 0).astype(np.int64)
    digits = np.ones(whole.shape, dtype=np.int64)
    for power in range(1, 16):
        digits += whole >= 10**power
    trailing = np.zeros(whole.shape, dtype=np.int64)
    rest = whole
    for _ in range(15):
        divisible = (rest > 0) & (rest % 10 == 0)
        trailing += divisible
        rest = np.where(divisible, rest // 10, rest)
    significant = digits - trailing
    scientific = np.where(significant == 1, 1, significant + 1) + 4  # 'e+05'
    return np.where(scientific < digits, scientific, digits)


def _signif_floor(x: np.ndarray) -> np.ndarray:
    """The reference's neat axis minimum: 95% of x rounded down to its leading digit."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = _r_nchar(np.floor(x * 0.95)) - 1
        y = np.floor(x * 0.95 / 10.0**n) * 10.0**n
    return np.where(x == 0, 0.0, y)


def _signif_ceiling(x: np.ndarray) -> np.ndarray:
    """The reference's neat axis maximum: 105% of x rounded up to its two leading digits."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = _r_nchar(np.ceil(x * 1.05)) - 2
        y = np.ceil(x * 1.05 / 10.0**n) * 10.0**n
    return np.where(x == 0, 0.0, y)


def _axis(minimum: np.ndarray, maximum: np.ndarray, statistic: str) -> np.ndarray:
    """The 100 x-axis points of each funnel (one row per group), spaced geometrically.

    Each point follows from the previous one (at least one more), so the 100 steps are sequential;
    every group is stepped at once.
    """
    points = np.empty((len(minimum), AXIS_POINTS))
    points[:, 0] = np.maximum(1.0, minimum)
    shift = 1 if statistic == "ratio" else 0
    for j in range(2, AXIS_POINTS + 1):
        prev = points[:, j - 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.round((maximum / prev) ** (1 / (101 - (j - shift))) * prev)
        points[:, j - 1] = np.maximum(step, prev + 1)
    return points


# --- public functions ------------------------------------------------------------------------


def funnel_limits(
    data: pd.DataFrame,
    numerator: str,
    denominator: str | None = None,
    *,
    rate: str | None = None,
    statistic: str | None = None,
    rate_type: str | None = None,
    ratio_type: str | None = None,
    multiplier: float | None = None,
    years_of_data: float | None = None,
    group_by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Control limits of a funnel plot at 100 points of its x axis (``calculate_funnel_limits``).

    ``statistic='proportion'``: Wilson funnels around sum(numerator) / sum(denominator), x axis
    ``Population``; upper limits are capped at 100 and lower at 0 whatever the multiplier, as in
    the reference. ``'ratio'`` (``ratio_type`` 'count': limits of observed/expected - 1; 'isr':
    of 100 * observed/expected), x axis ``Observed_events``, with ``*_exp_events`` the expected
    counts on each limit. ``'rate'`` (``rate_type`` 'dsr' or 'crude', ``rate`` the rate column,
    ``years_of_data`` the years pooled), x axis ``Events``, with ``*_population_1_year`` the
    yearly populations on each limit. With ``group_by``, one funnel (100 rows) per group.
    """
    chk.require_frame(data, "funnel_limits")
    stat = _statistic(statistic)
    groups, keys, codes = _group_by_codes(data, group_by)
    count = len(keys)
    mult = _required_number(multiplier, "multiplier", stat)
    kind = ""
    years = 1.0
    if stat == "rate":
        kind = _option(rate_type, "rate_type", RATE_TYPES, stat)
        years = _required_number(years_of_data, "years_of_data", stat)
        num, den, rates = _rate_columns(data, numerator, denominator, rate)
        derived = _rate_denominators(num, den, rates, kind, mult)
    else:
        if stat == "ratio":
            kind = _option(ratio_type, "ratio_type", RATIO_TYPES, stat)
        num, derived = _counts(data, stat, numerator, denominator)
    total = chk.group_sum(codes, num, count)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = total / chk.group_sum(codes, np.nan_to_num(derived), count)
    if stat == "rate":
        _require_events(total, keys, groups, numerator)
    low = _group_extreme(derived, codes, count, "min")
    high = _group_extreme(derived, codes, count, "max")
    if stat == "rate":
        minimum = _signif_floor(low / years) * years
        maximum = _signif_ceiling(high / years) * years
    else:
        minimum, maximum = _signif_floor(low), _signif_ceiling(high)
    minimum = np.where(high > 2 * low, 0.0, minimum)
    if stat == "rate":
        minimum, maximum = np.floor(minimum * average), np.ceil(maximum * average)
    x = _axis(minimum, maximum, stat)
    av = np.repeat(average, AXIS_POINTS)
    xs = x.ravel()
    table: dict[str, np.ndarray] = {}
    if stat == "proportion":
        table["Population"] = xs
        for name, p in (("2s", 0.975), ("3s", 0.999)):
            lower = _sigma_adjustment(p, xs, av, "low", mult)
            upper = _sigma_adjustment(p, xs, av, "high", mult)
            table[f"lower_{name}_limit"] = np.maximum(0.0, lower)
            table[f"upper_{name}_limit"] = np.minimum(100.0, upper)
        table["baseline"] = av * mult
        label = "proportion"
    else:
        table.update(_poisson_limits(xs, av, stat, kind, mult, years))
        label = f"ratio ({kind})"
        if stat == "rate":
            label = f"rate ({kind} per {_format_multiplier(mult)})"
    out = pd.DataFrame(table)
    if groups:
        repeated = keys.loc[np.repeat(np.arange(count), AXIS_POINTS), groups]
        out = pd.concat([repeated.reset_index(drop=True), out], axis=1)
    out["statistic"] = label
    out["method"] = "Wilson" if stat == "proportion" else "Poisson"
    return out


def _require_events(
    total: np.ndarray, keys: pd.DataFrame, groups: list[str], numerator: str
) -> None:
    """A rate funnel needs some events: with none its average rate (and axis) is zero."""
    empty = ~(total > 0)
    if not empty.any():
        return
    where = (
        "the data"
        if not groups
        else "group(s) " + ", ".join(map(str, keys.loc[empty, groups].to_records(index=False)))
    )
    raise InputError(
        f"column {numerator!r} (argument numerator) has no events in {where}; a rate funnel "
        "needs at least one event to set its average rate",
        field=numerator,
        expected="a total numerator above 0",
    )


def _poisson_limits(
    xs: np.ndarray, av: np.ndarray, statistic: str, kind: str, mult: float, years: float
) -> dict[str, np.ndarray]:
    """Ratio or rate limits at event counts ``xs``: one bisection for all four limits."""
    sides = (
        ("lower_2s", P_2S, False),
        ("upper_2s", P_2S, True),
        ("lower_3s", P_3S, False),
        ("upper_3s", P_3S, True),
    )
    p = np.array([s[1] for s in sides])[:, None]
    low = np.array([s[2] for s in sides])[:, None]
    expected = _poisson_funnel(xs[None, :], p, low)
    table: dict[str, np.ndarray] = {"Observed_events" if statistic == "ratio" else "Events": xs}
    for (name, _, _), exp_events in zip(sides, expected, strict=True):
        if statistic == "ratio":
            limit = xs / exp_events
            table[f"{name}_exp_events"] = exp_events
            table[f"{name}_limit"] = limit - 1 if kind == "count" else limit * 100
        else:
            population = exp_events / av
            table[f"{name}_population_1_year"] = population / years
            table[f"{name}_limit"] = xs / population * mult
    if statistic == "rate":
        table["baseline"] = av * mult
    return table


def funnel_significance(
    data: pd.DataFrame,
    numerator: str,
    denominator: str | None = None,
    *,
    rate: str | None = None,
    statistic: str | None = None,
    rate_type: str | None = None,
    multiplier: float | None = None,
    group_by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """The data with a ``significance`` column: where each point lies against the funnel limits.

    'High (0.001)' / 'Low (0.001)' outside the 99.8% limits, 'High (0.025)' / 'Low (0.025)'
    outside the 95% ones, else 'Not significant' (``assign_funnel_significance``). The average is
    taken over all rows, or per group with ``group_by``. Ratios are tested against 1; rates
    (``rate``, ``rate_type``, ``multiplier`` required) against the average rate, and DSRs with
    fewer than 10 events are 'Not applicable for events less than 10 for dsrs'.
    """
    chk.require_frame(data, "funnel_significance")
    stat = _statistic(statistic)
    _, keys, codes = _group_by_codes(data, group_by)
    count = len(keys)
    if stat == "proportion":
        num, den = _counts(data, stat, numerator, denominator)
        average = (chk.group_sum(codes, num, count) / chk.group_sum(codes, den, count))[codes]
        value = num / den
        lo3, lo2, hi3, hi2 = (
            _sigma_adjustment(p, den, average, side, 1)
            for p, side in ((0.999, "low"), (0.975, "low"), (0.999, "high"), (0.975, "high"))
        )
        conditions = [value < lo3, value < lo2, value > hi3, value > hi2]
    elif stat == "ratio":
        num, den = _counts(data, stat, numerator, denominator)
        conditions = [
            _ratio_test(num, den, 0.998, "low") > 1,
            _ratio_test(num, den, 0.95, "low") > 1,
            _ratio_test(num, den, 0.998, "high") < 1,
            _ratio_test(num, den, 0.95, "high") < 1,
        ]
    else:
        kind = _option(rate_type, "rate_type", RATE_TYPES, stat)
        mult = _required_number(multiplier, "multiplier", stat)
        num, given, rates = _rate_columns(data, numerator, denominator, rate)
        derived = _rate_denominators(num, given, rates, kind, mult, dsr_order=kind == "dsr")
        total = chk.group_sum(codes, np.nan_to_num(derived), count)
        with np.errstate(invalid="ignore", divide="ignore"):
            weighted = (chk.group_sum(codes, num, count) / total)[codes]
        with np.errstate(invalid="ignore"):
            conditions = [
                weighted < _ratio_test(num, derived, 0.998, "low"),
                weighted < _ratio_test(num, derived, 0.95, "low"),
                weighted > _ratio_test(num, derived, 0.998, "high"),
                weighted > _ratio_test(num, derived, 0.95, "high"),
            ]
        if kind == "dsr":
            few = num < DSR_MIN_EVENTS
            conditions = [few] + [c & ~few for c in conditions]
    labels = [HIGH_001, HIGH_025, LOW_001, LOW_025]
    if stat == "proportion":
        labels = [LOW_001, LOW_025, HIGH_001, HIGH_025]
    if len(conditions) == 5:
        labels = [NOT_APPLICABLE, *labels]
    significance = np.select(conditions, labels, default=NOT_SIGNIFICANT)
    out = data.copy()
    levels = list(SIGNIFICANCE_LEVELS if stat == "rate" else SIGNIFICANCE_LEVELS[:5])
    out["significance"] = pd.Categorical(significance, categories=levels)
    return out


def funnel_points(
    data: pd.DataFrame,
    numerator: str,
    denominator: str | None,
    rate: str,
    *,
    rate_type: str | None = None,
    multiplier: float | None = None,
    years_of_data: float | None = None,
) -> pd.DataFrame:
    """Rate funnel points for charting (``calculate_funnel_points``), row by row.

    Appends ``<rate>_chart`` (the rate; NA for a DSR with fewer than 10 events) and
    ``denominator_derived`` (the yearly population implied by the rate: multiplier * events /
    rate / years_of_data; for a crude rate with no events, denominator / years_of_data), and a
    ``value_note`` saying why a point is NA.
    """
    chk.require_frame(data, "funnel_points")
    kind = _option(rate_type, "rate_type", RATE_TYPES, "rate")
    mult = _required_number(multiplier, "multiplier", "rate")
    years = _required_number(years_of_data, "years_of_data", "rate")
    num, den, rates = _rate_columns(data, numerator, denominator, rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = (mult * num / rates) / years
    out = data.copy()
    notes = np.full(len(data), None, dtype=object)
    if kind == "dsr":
        few = num < DSR_MIN_EVENTS
        out[f"{rate}_chart"] = np.where(few, np.nan, rates)
        out["denominator_derived"] = np.where(few, np.nan, implied)
        notes[few] = NOTE_DSR_FEW_EVENTS
    else:
        out[f"{rate}_chart"] = rates
        derived = implied if den is None else np.where(num == 0, den / years, implied)
        out["denominator_derived"] = derived
    out["value_note"] = pd.array(notes, dtype="string")
    return out
