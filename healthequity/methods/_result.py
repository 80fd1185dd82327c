"""The one result shape every method returns.

Grouping columns, then ``value``, the interval columns (``lower_95``, ``upper_95``,
``lower_99_8``, ``upper_99_8`` by default), the counts that apply, ``value_note``, ``method``,
``confidence`` and ``statistic``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from healthequity.methods._checks import level_label, level_text

Interval = tuple[np.ndarray, np.ndarray]


def interval_columns(levels: Sequence[float]) -> list[str]:
    """Names of the interval columns for these levels, in output order."""
    cols: list[str] = []
    for level in levels:
        label = level_label(level)
        cols += [f"lower_{label}", f"upper_{label}"]
    return cols


def assemble(
    keys: pd.DataFrame,
    *,
    value: np.ndarray,
    intervals: Mapping[float, Interval],
    counts: Mapping[str, np.ndarray] | None = None,
    value_note: np.ndarray | Sequence[object] | None = None,
    method: str | np.ndarray,
    statistic: str | np.ndarray,
    levels: Sequence[float],
) -> pd.DataFrame:
    """Build the result frame in the standard column order.

    ``keys`` carries the grouping (or passed-through) columns, one row per result.
    """
    n = len(value)
    out = keys.reset_index(drop=True).copy()
    if len(out) != n:
        raise ValueError(f"{len(out)} key rows for {n} values")  # a programming error
    out["value"] = np.asarray(value, dtype="float64")
    for level in levels:
        label = level_label(level)
        lower, upper = intervals[level]
        out[f"lower_{label}"] = np.asarray(lower, dtype="float64")
        out[f"upper_{label}"] = np.asarray(upper, dtype="float64")
    for name, arr in (counts or {}).items():
        out[name] = np.asarray(arr)
    notes = None if value_note is None else np.asarray(value_note, dtype=object)
    if notes is None or pd.isna(notes).all():
        out["value_note"] = pd.Series(pd.NA, index=out.index, dtype="string")
    else:
        out["value_note"] = pd.array(notes, dtype="string")
    out["method"] = method
    out["confidence"] = level_text(levels) if levels else pd.NA
    out["statistic"] = statistic
    return out


def blank_where(mask: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """Copies of ``arrays`` with NaN where ``mask`` holds: an unreliable value is NA."""
    return [np.where(mask, np.nan, np.asarray(a, dtype="float64")) for a in arrays]


def note_where(notes: np.ndarray, mask: np.ndarray, text: str) -> np.ndarray:
    """Add ``text`` to the value note of rows in ``mask`` (keeps earlier notes, joined by '; ')."""
    out = np.asarray(notes, dtype=object).copy()
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    if rows.size:
        current = pd.Series(out[rows], dtype=object)
        out[rows] = np.where(current.notna(), current.astype(str) + "; " + text, text)
    return out
