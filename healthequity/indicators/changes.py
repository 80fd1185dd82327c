"""'New data' flags: what changed in the indicator table between two builds.

Rows are matched on the table's key columns. A row of the current build is 'new period' when its
indicator had no row for that period before, 'new row' when the period existed but the row did
not (a new area or breakdown), 'revised' when its value (or an interval limit) moved by more than
``tolerance`` (absolute) or ``relative_tolerance`` (of the previous value), else 'unchanged';
a row only in the previous build is 'removed'. Per indicator: the new periods, counts of each
flag and ``new_data`` (True when the indicator has a new period, Fingertips' 'New data').
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthequity.errors import InputError

NEW_PERIOD, NEW_ROW, REVISED, UNCHANGED, REMOVED = (
    "new period",
    "new row",
    "revised",
    "unchanged",
    "removed",
)
#: Key columns, in preference order; those present in both tables are used.
DEFAULT_KEYS: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "time_period",
)
COMPARED: tuple[str, ...] = ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8")


@dataclass
class Changes:
    """Row flags (``rows``) and the summary per indicator (``indicators``)."""

    rows: pd.DataFrame
    indicators: pd.DataFrame


def _period_column(keys: Sequence[str]) -> str:
    for name in ("period", "time_period"):
        if name in keys:
            return name
    raise InputError(
        "changes: neither table has a 'period' or 'time_period' key column",
        field="period",
        expected="a period column in both tables",
    )


def _check(table: pd.DataFrame, name: str, keys: list[str]) -> None:
    missing = [k for k in [*keys, "value"] if k not in table.columns]
    if missing:
        raise InputError(
            f"{name}: missing column(s) {', '.join(missing)}",
            field=missing[0],
            expected="an indicator table",
        )
    dup = table.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        rows = (np.flatnonzero(dup) + 1).tolist()
        raise InputError(
            f"{name}: rows {', '.join(map(str, rows[:10]))} repeat a key "
            f"({', '.join(keys)}); each row must be unique",
            field=keys[0],
            rows=rows,
            expected="one row per key",
        )


def compare_builds(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    tolerance: float = 1e-9,
    relative_tolerance: float = 0.0,
) -> Changes:
    """Flag every row of ``current`` (and removed rows of ``previous``) and sum up per indicator."""
    if keys is None:
        keys = [k for k in DEFAULT_KEYS if k in previous.columns and k in current.columns]
    key_list = list(keys)
    if "indicator_id" not in key_list:
        raise InputError(
            "changes: the key columns must include 'indicator_id'",
            field="indicator_id",
            expected="indicator_id among the keys",
        )
    period = _period_column(key_list)
    _check(previous, "previous", key_list)
    _check(current, "current", key_list)
    if tolerance < 0 or relative_tolerance < 0:
        raise InputError("tolerance: must be 0 or more", field="tolerance", expected=">= 0")

    def keyed(table: pd.DataFrame) -> pd.DataFrame:
        out = table.copy()
        for k in key_list:
            out[k] = out[k].astype("string").fillna("")
        return out

    prev, curr = keyed(previous), keyed(current)
    compared = [c for c in COMPARED if c in prev.columns and c in curr.columns]
    left = curr[[*key_list, *compared]]
    right = prev[[*key_list, *compared]].rename(columns={c: f"{c}_previous" for c in compared})
    merged = left.merge(right, on=key_list, how="outer", indicator=True)
    seen_periods = set(zip(prev["indicator_id"], prev[period], strict=True))
    pairs = zip(merged["indicator_id"], merged[period], strict=True)
    period_known = np.fromiter((p in seen_periods for p in pairs), bool, len(merged))
    revised = np.zeros(len(merged), dtype=bool)
    for c in compared:
        a = pd.to_numeric(merged[c], errors="coerce").to_numpy(dtype="float64")
        b = pd.to_numeric(merged[f"{c}_previous"], errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            limit = np.maximum(tolerance, relative_tolerance * np.abs(b))
            moved = np.abs(a - b) > limit
        revised |= moved | (np.isnan(a) != np.isnan(b))
    both = (merged["_merge"] == "both").to_numpy()
    only_new = (merged["_merge"] == "left_only").to_numpy()
    flag = np.where(
        only_new,
        np.where(period_known, NEW_ROW, NEW_PERIOD),
        np.where(both, np.where(revised, REVISED, UNCHANGED), REMOVED),
    )
    merged["change"] = flag
    rows = merged.drop(columns="_merge").sort_values(key_list, kind="stable")
    rows = rows.reset_index(drop=True)
    return Changes(rows=rows, indicators=_summary(rows, period))


def _summary(rows: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per indicator: counts of each flag, the new periods, and the 'new data' flag."""
    counts = pd.crosstab(rows["indicator_id"], rows["change"])
    for flag in (NEW_PERIOD, NEW_ROW, REVISED, UNCHANGED, REMOVED):
        if flag not in counts.columns:
            counts[flag] = 0
    counts = counts[[NEW_PERIOD, NEW_ROW, REVISED, UNCHANGED, REMOVED]]
    counts.columns = [f"{c.replace(' ', '_')}_rows" for c in counts.columns]
    new = rows[rows["change"] == NEW_PERIOD].groupby("indicator_id")[period]
    periods = new.agg(lambda s: ", ".join(sorted(set(s))))
    out = counts.reset_index()
    out["new_periods"] = out["indicator_id"].map(periods).astype("string").fillna("")
    out["new_data"] = out["new_period_rows"] > 0
    out["changed"] = (
        out[[c for c in out.columns if c.endswith("_rows") and c != "unchanged_rows"]].sum(axis=1)
        > 0
    )
    out.columns.name = None
    return out
