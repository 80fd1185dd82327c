"""Fingertips' comparison of each area's value with a benchmark (England, or the parent area).

Source: the Fingertips code (UKHSA, github.com/ukhsa-collaboration/fingertips-open,
PholioVisualisationWS/Analysis). Two comparator methods are provided:

* confidence-interval overlap (``SingleOverlappingCIsComparer``, the default in Fingertips): the
  area differs significantly from the benchmark when the benchmark value lies outside the area's
  confidence interval (a benchmark exactly on a limit is 'Similar'); the direction is that of the
  area's value against the benchmark;
* SPC for proportions (``SpcForProportionsComparer``), used when counts ``x`` and ``n`` are given:
  Wilson control limits are drawn around the benchmark proportion for the area's denominator and
  the area's proportion ``x / n`` differs significantly when strictly outside them.

Labels follow Fingertips: 'Better' / 'Similar' / 'Worse' for a RAG polarity, 'Higher' /
'Similar' / 'Lower' for 'BOB - Blue orange blue' (no judgement), 'Not compared' where the value,
the interval or the benchmark is missing, and for polarity 'Not applicable' (Fingertips makes no
comparison for such indicators).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows
from healthequity.methods import _checks as chk
from healthequity.methods._intervals import wilson
from healthequity.methods._result import note_where

BETTER, SIMILAR, WORSE = "Better", "Similar", "Worse"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = "Not compared"

#: Polarity kinds, as codes in the arrays below.
HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT, NOT_APPLICABLE = 0, 1, 2, 3

#: Accepted polarity names (Fingertips names and short forms), compared case-insensitively.
POLARITIES: dict[str, int] = {
    "rag - high is good": HIGH_IS_GOOD,
    "high is good": HIGH_IS_GOOD,
    "high": HIGH_IS_GOOD,
    "rag - low is good": LOW_IS_GOOD,
    "low is good": LOW_IS_GOOD,
    "low": LOW_IS_GOOD,
    "bob - blue orange blue": NO_JUDGEMENT,
    "blue orange blue": NO_JUDGEMENT,
    "bob": NO_JUDGEMENT,
    "no judgement": NO_JUDGEMENT,
    "none": NO_JUDGEMENT,
    "not applicable": NOT_APPLICABLE,
}
POLARITY_CHOICES = (
    "'RAG - High is good', 'RAG - Low is good', 'BOB - Blue orange blue', 'Not applicable', "
    "or the short forms 'high', 'low', 'none'"
)


def _polarity_code(text: object) -> int | None:
    """The polarity kind of one name, or None when it is not a polarity name."""
    if not isinstance(text, str):
        return None
    return POLARITIES.get(" ".join(text.strip().lower().split()))


def parse_polarity(data: pd.DataFrame, polarity: object) -> np.ndarray:
    """Polarity kind per row: one Fingertips polarity name, or a column holding one per row.

    A recognised polarity name wins over a column of the same name.
    """
    code = _polarity_code(polarity)
    if code is not None:
        return np.full(len(data), code, dtype=np.int8)
    if isinstance(polarity, str) and polarity in data.columns:
        series = data[polarity]
        codes = np.array([_polarity_code(v) for v in series.array], dtype=object)
        bad = np.array([c is None for c in codes], dtype=bool)
        if bad.any():
            rows = np.flatnonzero(bad) + 1
            raise InputError(
                f"column {polarity!r} (argument polarity) has unknown polarities at "
                f"{describe_rows(rows, series.to_numpy()[bad])}; expected {POLARITY_CHOICES}",
                field=polarity,
                rows=rows.tolist(),
                expected=POLARITY_CHOICES,
            )
        return codes.astype(np.int8)
    raise InputError(
        f"polarity={polarity!r} is neither a polarity nor a column of data; expected "
        f"{POLARITY_CHOICES}",
        field="polarity",
        expected=POLARITY_CHOICES,
    )


def parse_levels(confidence: chk.Confidence, arg: str = "confidence") -> tuple[float, ...]:
    """Confidence levels by the package's rules, with errors naming argument ``arg``."""
    try:
        levels = chk.parse_confidence(confidence)
    except InputError as err:
        raise InputError(
            err.message.replace("confidence:", f"{arg}:", 1),
            field=arg,
            expected=err.expected,
        ) from None
    if not levels:
        raise InputError(
            f"{arg}: no confidence level given; expected 0.95, 0.998 or both",
            field=arg,
            expected="0.95, 0.998 or (0.95, 0.998)",
        )
    return levels


def _benchmark(data: pd.DataFrame, benchmark: object) -> np.ndarray:
    """The benchmark per row: one number, or the name of a column (each row its own parent)."""
    if isinstance(benchmark, str):
        return chk.numeric_column(data, "benchmark", benchmark, allow_missing=True)
    if isinstance(benchmark, bool | np.bool_) or not isinstance(benchmark, int | float | np.number):
        raise InputError(
            f"benchmark={benchmark!r} must be a number or the name of a column of data",
            field="benchmark",
            expected="a finite number or a column name",
        )
    if not np.isfinite(float(benchmark)):
        raise InputError(
            f"benchmark={benchmark!r} must be a finite number",
            field="benchmark",
            expected="a finite number or a column name",
        )
    return np.full(len(data), float(benchmark))


def _interval_names(
    names: str | Sequence[str] | None, side: str, levels: Sequence[float]
) -> list[str]:
    """Interval column names per level: the standard names by default, else one per level."""
    if names is None:
        return [f"{side}_{chk.level_label(level)}" for level in levels]
    given = [names] if isinstance(names, str) else list(names)
    if len(given) != len(levels):
        raise InputError(
            f"argument {side}={names!r} gives {len(given)} column(s) for {len(levels)} "
            f"confidence level(s) {list(levels)}; give one {side} column per level",
            field=side,
            expected=f"{len(levels)} column name(s), in the order of level",
        )
    return given


def _labels(direction: np.ndarray, polarity: np.ndarray, compared: np.ndarray) -> np.ndarray:
    """Fingertips' text from the direction (+1 higher, -1 lower, 0 similar) and the polarity."""
    out = np.full(len(direction), NOT_COMPARED, dtype=object)
    high, low = polarity == HIGH_IS_GOOD, polarity == LOW_IS_GOOD
    none = polarity == NO_JUDGEMENT
    up, down = direction > 0, direction < 0
    out[up & high], out[up & low], out[up & none] = BETTER, WORSE, HIGHER
    out[down & high], out[down & low], out[down & none] = WORSE, BETTER, LOWER
    out[direction == 0] = SIMILAR
    out[~compared | (polarity == NOT_APPLICABLE)] = NOT_COMPARED
    return out


def compare_to_benchmark(
    data: pd.DataFrame,
    *,
    benchmark: float | str,
    polarity: str,
    value: str = "value",
    lower: str | Sequence[str] | None = None,
    upper: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    x: str | None = None,
    n: str | None = None,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Fingertips' 'compared with benchmark' for every row, at each confidence level.

    Returns the rows of ``data`` with ``compared_to_benchmark_95`` / ``_99_8`` (one per level)
    and ``comparison_note`` (why a row was not compared). By default the benchmark is compared
    with the interval columns ``lower_95`` / ``upper_95`` etc. (a result of the other methods);
    give ``x`` and ``n`` to use Fingertips' SPC-for-proportions method on counts instead, with
    the benchmark a proportion times ``multiplier``.
    """
    chk.require_frame(data, "compare_to_benchmark")
    levels = parse_levels(confidence)
    kinds = parse_polarity(data, polarity)
    bench = _benchmark(data, benchmark)
    notes = np.full(len(data), None, dtype=object)
    notes = note_where(notes, np.isnan(bench), "benchmark missing")
    notes = note_where(notes, kinds == NOT_APPLICABLE, "polarity 'Not applicable': not compared")
    results: dict[str, np.ndarray] = {}
    if x is not None or n is not None:
        if lower is not None or upper is not None:
            raise InputError(
                "compare_to_benchmark: give either the interval columns (lower, upper) or the "
                "counts (x, n), not both",
                field="lower",
                expected="lower/upper, or x and n",
            )
        xs = chk.numeric_column(data, "x", x, allow_missing=True)
        ns = chk.numeric_column(data, "n", n, allow_missing=True)
        _check_counts(xs, ns, str(x), str(n))
        mult = chk.check_multiplier(multiplier)
        _check_benchmark_proportion(bench, benchmark, mult)
        missing = np.isnan(xs) | np.isnan(ns) | np.isnan(bench)
        notes = note_where(notes, np.isnan(xs) | np.isnan(ns), "numerator or denominator missing")
        with np.errstate(invalid="ignore", divide="ignore"):
            area = xs / ns
            expected_events = ns * bench / mult
        for lev in levels:
            low, high = wilson(expected_events, ns, lev)
            direction = np.where(area > high, 1, np.where(area < low, -1, 0))
            results[comparison_column(lev)] = _labels(direction, kinds, ~missing)
    else:
        values = chk.numeric_column(data, "value", value, allow_missing=True)
        notes = note_where(notes, np.isnan(values), "value missing")
        lowers = _interval_names(lower, "lower", levels)
        uppers = _interval_names(upper, "upper", levels)
        for lev, lo_name, hi_name in zip(levels, lowers, uppers, strict=True):
            lo = chk.numeric_column(data, "lower", lo_name, allow_missing=True)
            hi = chk.numeric_column(data, "upper", hi_name, allow_missing=True)
            chk.check_rows(
                lo > hi,
                column=lo_name,
                arg="lower",
                problem=f"values above the upper limit in column {hi_name!r}",
                expected="lower <= upper",
                values=lo,
            )
            no_ci = np.isnan(lo) | np.isnan(hi)
            pct = chk.level_label(lev).replace("_", ".")
            notes = note_where(notes, no_ci, f"{pct}% confidence interval missing")
            inside = (bench >= lo) & (bench <= hi)
            direction = np.where(inside, 0, np.where(values < bench, -1, 1))
            compared = ~(no_ci | np.isnan(values) | np.isnan(bench))
            results[comparison_column(lev)] = _labels(direction, kinds, compared)
    out = data.reset_index(drop=True).drop(columns=[*results, "comparison_note"], errors="ignore")
    for name, labels in results.items():
        out[name] = pd.array(labels, dtype="string")
    out["comparison_note"] = pd.array(notes, dtype="string")
    return out


def comparison_column(level: float) -> str:
    """Output column for a level: 'compared_to_benchmark_95', 'compared_to_benchmark_99_8'."""
    return f"compared_to_benchmark_{chk.level_label(level)}"


def _check_benchmark_proportion(bench: np.ndarray, benchmark: object, mult: float) -> None:
    """A benchmark for the SPC method is a proportion times the multiplier."""
    bad = (bench < 0) | (bench > mult)
    if isinstance(benchmark, str):
        chk.check_rows(
            bad,
            column=benchmark,
            arg="benchmark",
            problem=f"values outside 0 to {mult:g}",
            expected=f"benchmark proportions between 0 and the multiplier {mult:g}",
            values=bench,
        )
    elif bad.any():
        raise InputError(
            f"benchmark={benchmark!r} is not a proportion times the multiplier {mult:g}; "
            f"expected a number between 0 and {mult:g}",
            field="benchmark",
            expected=f"between 0 and {mult:g}",
        )


def _check_counts(xs: np.ndarray, ns: np.ndarray, x: str, n: str) -> None:
    """Counts for a proportion: 0 <= x <= n and n > 0 (as ``proportion`` refuses them)."""
    chk.check_counts(xs, ns, x=x, n=n, x_within_n=True)
