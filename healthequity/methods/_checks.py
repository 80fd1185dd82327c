"""Input checks shared by the methods: one clear error naming the argument, column and rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows

Confidence = float | Sequence[float] | None
DEFAULT_CONFIDENCE: tuple[float, float] = (0.95, 0.998)


def parse_confidence(confidence: Confidence) -> tuple[float, ...]:
    """Normalise ``confidence`` to fractions, with the reference's rules.

    Levels may be given as fractions (0.9 to 1) or percentages (90 to 100); at most two levels,
    and two only as 0.95 and 0.998 (the Fingertips pair). ``None`` means no interval.
    """
    if confidence is None:
        return ()
    levels = [confidence] if np.isscalar(confidence) else list(confidence)  # type: ignore[arg-type]
    if len(levels) == 0:
        return ()
    if len(levels) > 2:
        raise InputError(
            f"confidence: {len(levels)} levels given; a maximum of two confidence levels can be "
            "provided (0.95 and 0.998)",
            field="confidence",
            expected="one level, or the pair 0.95 and 0.998",
        )
    out: list[float] = []
    for level in levels:
        try:
            c = float(level)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(
                f"confidence: {level!r} is not a number; expected a level between 0.9 and 1 "
                "or between 90 and 100",
                field="confidence",
                expected="between 0.9 and 1, or between 90 and 100",
            ) from None
        if 90 <= c <= 100:
            c /= 100
        if not 0.9 <= c <= 1:
            raise InputError(
                f"confidence: {level!r} is out of range; confidence level must be between 0.9 "
                "and 1 or between 90 and 100",
                field="confidence",
                expected="between 0.9 and 1, or between 90 and 100",
            )
        out.append(c)
    if len(out) == 2 and not (np.isclose(out[0], 0.95) and np.isclose(out[1], 0.998)):
        raise InputError(
            f"confidence: {levels!r}; two confidence levels can only be produced if they are "
            "specified as 0.95 and 0.998",
            field="confidence",
            expected="0.95 and 0.998",
        )
    return tuple(out)


def level_label(level: float) -> str:
    """Column suffix for a confidence level: 0.95 -> '95', 0.998 -> '99_8', 0.9 -> '90'."""
    text = f"{level * 100:.10f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


def level_text(levels: Sequence[float]) -> str:
    """The reference's ``confidence`` column: '95%, 99.8%'."""
    return ", ".join(f"{level_label(c).replace('_', '.')}%" for c in levels)


def check_multiplier(multiplier: float, *, field: str = "multiplier") -> float:
    """A multiplier is a finite number above zero."""
    try:
        m = float(multiplier)
    except (TypeError, ValueError):
        raise InputError(
            f"{field}: {multiplier!r} is not a number; expected a number greater than 0",
            field=field,
            expected="a number greater than 0",
        ) from None
    if not np.isfinite(m) or m <= 0:
        raise InputError(
            f"{field}: {multiplier!r}; multiplier must be greater than 0",
            field=field,
            expected="a number greater than 0",
        )
    return m


def require_frame(data: Any, func: str) -> pd.DataFrame:
    """The first argument of every method is a pandas DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"{func}: data must be a pandas DataFrame, got {type(data).__name__}",
            field="data",
            expected="a pandas DataFrame",
        )
    return data


def require_column(data: pd.DataFrame, arg: str, column: Any) -> str:
    """``column`` (given as argument ``arg``) must name a column of ``data``."""
    if column is None:
        raise InputError(
            f"argument {arg} is required: give the name of the column that holds it",
            field=arg,
            expected="a column name",
        )
    if not isinstance(column, str) or column not in data.columns:
        available = ", ".join(map(str, data.columns))
        raise InputError(
            f"argument {arg}={column!r} is not a column of data (columns: {available})",
            field=arg,
            expected=f"one of: {available}",
        )
    return column


def require_group_by(data: pd.DataFrame, group_by: str | Sequence[str] | None) -> list[str]:
    """Grouping columns as a list; each must be a column of ``data``."""
    if group_by is None:
        return []
    cols = [group_by] if isinstance(group_by, str) else list(group_by)
    for col in cols:
        require_column(data, "group_by", col)
    return cols


def _offending(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask) + 1


def numeric_column(
    data: pd.DataFrame,
    arg: str,
    column: Any,
    *,
    allow_missing: bool = False,
) -> np.ndarray:
    """Column ``column`` as float64, refusing text and (unless allowed) missing values."""
    col = require_column(data, arg, column)
    series = data[col]
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        coerced = pd.to_numeric(series, errors="coerce")
        bad = coerced.isna().to_numpy() & series.notna().to_numpy()
        rows = _offending(bad)
        raise InputError(
            f"column {col!r} (argument {arg}) must be numeric; non-numeric values at "
            f"{describe_rows(rows, series.to_numpy()[bad])}",
            field=col,
            rows=rows.tolist(),
            expected="numbers",
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if not allow_missing:
        missing = np.isnan(values)
        if missing.any():
            rows = _offending(missing)
            raise InputError(
                f"column {col!r} (argument {arg}) cannot have missing values; missing at "
                f"{describe_rows(rows)}",
                field=col,
                rows=rows.tolist(),
                expected="a number in every row",
            )
    return values


def check_rows(
    bad: np.ndarray,
    *,
    column: str,
    arg: str,
    problem: str,
    expected: str,
    values: np.ndarray | None = None,
) -> None:
    """Raise one error naming every offending row when ``bad`` has any True."""
    if not bad.any():
        return
    rows = _offending(bad)
    shown = values[bad] if values is not None else None
    raise InputError(
        f"column {column!r} (argument {arg}) has {problem} at {describe_rows(rows, shown)}; "
        f"expected {expected}",
        field=column,
        rows=rows.tolist(),
        expected=expected,
        values=[] if shown is None else shown.tolist(),
    )


def group_codes(data: pd.DataFrame, group_by: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct groups (sorted, a frame of the grouping columns) and each row's group index."""
    if not group_by:
        return pd.DataFrame(index=pd.RangeIndex(1)), np.zeros(len(data), dtype=np.intp)
    grouped = data.groupby(group_by, sort=True, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.intp)
    keys = grouped.size().reset_index()[group_by]
    return keys.reset_index(drop=True), codes


def group_sum(codes: np.ndarray, values: np.ndarray, ngroups: int) -> np.ndarray:
    """Sum of ``values`` per group (a vectorised bincount)."""
    return np.bincount(codes, weights=values, minlength=ngroups).astype("float64")


def check_counts(
    xs: np.ndarray,
    ns: np.ndarray | None,
    *,
    x: str,
    n: str | None = None,
    x_arg: str = "x",
    n_arg: str = "n",
    zero_n: bool = False,
    x_within_n: bool = False,
    n_what: str = "denominators",
) -> None:
    """The count rules shared by the families: x >= 0; n > 0 (or >= 0 with ``zero_n``);
    and x <= n for proportions (``x_within_n``). Missing values pass (callers decide)."""
    check_rows(
        xs < 0,
        column=x,
        arg=x_arg,
        problem="negative values",
        expected="numerators >= 0",
        values=xs,
    )
    if ns is None or n is None:
        return
    if zero_n:
        check_rows(
            ns < 0,
            column=n,
            arg=n_arg,
            problem="negative values",
            expected=f"{n_what} >= 0",
            values=ns,
        )
    else:
        check_rows(
            ns <= 0,
            column=n,
            arg=n_arg,
            problem="zero or negative values",
            expected=f"{n_what} > 0",
            values=ns,
        )
    if x_within_n:
        check_rows(
            xs > ns,
            column=x,
            arg=x_arg,
            problem=f"values greater than the denominator in column {n!r}",
            expected="numerators <= denominators for a proportion",
            values=xs,
        )
