"""How figures are written in the report: one place, so the PDF, HTML and tests agree."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

NOT_AVAILABLE = "–"


def missing(value: Any) -> bool:
    """True for None, NA and NaN (and infinities, which the report never shows)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def figure(value: Any, decimals: int = 1) -> str:
    """A value with thousands separators and ``decimals`` places; '–' when missing."""
    if missing(value):
        return NOT_AVAILABLE
    return f"{float(value):,.{decimals}f}"


def signed(value: Any, decimals: int = 1) -> str:
    """A difference with its sign (+1.2, −0.4); '–' when missing."""
    if missing(value):
        return NOT_AVAILABLE
    text = f"{float(value):+,.{decimals}f}"
    return text.replace("-", "−")


def interval(lower: Any, upper: Any, decimals: int = 1) -> str:
    """'lower to upper'; '–' when either end is missing."""
    if missing(lower) or missing(upper):
        return NOT_AVAILABLE
    return f"{figure(lower, decimals)} to {figure(upper, decimals)}"


def text(value: Any) -> str:
    """A cell as text: '–' when missing."""
    return NOT_AVAILABLE if missing(value) else str(value)
