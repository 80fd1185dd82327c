"""Shared chart style: colour-blind-safe significance colours (Okabe-Ito) and JSON-safe data."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

#: Comparison wording -> colour. Blue / orange / grey are distinguishable with any common colour
#: vision deficiency; the word is always shown beside the colour (legend, tooltip, table).
SIGNIFICANCE_COLOURS: dict[str, str] = {
    "Better": "#0072B2",
    "Similar": "#B8B8B8",
    "Worse": "#D55E00",
    "Higher": "#56B4E9",
    "Lower": "#E69F00",
    "Not compared": "#FFFFFF",
}

#: Series colours for city / England / most / least deprived lines.
SERIES_COLOURS: dict[str, str] = {
    "City": "#005EB8",
    "England": "#231F20",
    "Most deprived fifth": "#D55E00",
    "Least deprived fifth": "#009E73",
    "Most deprived tenth": "#D55E00",
    "Least deprived tenth": "#009E73",
}

FONT = "Arial, Helvetica, sans-serif"

CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": "#212B32"},
    "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom"},
    "title": {"fontSize": 16, "anchor": "start", "color": "#212B32"},
    "view": {"stroke": None},
}


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def records(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-safe dictionaries (NaN / NA become null, numpy scalars plain Python)."""
    cols = list(columns) if columns is not None else list(frame.columns)
    part = frame[cols].astype(object)
    return [
        {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        for row in part.itertuples(index=False, name=None)
    ]


def significance_scale(values: Iterable[str]) -> dict[str, Any]:
    """A colour scale for the comparison words present, in a fixed order."""
    present = set(values)
    domain = [k for k in SIGNIFICANCE_COLOURS if k in present] or ["Not compared"]
    return {"domain": domain, "range": [SIGNIFICANCE_COLOURS[k] for k in domain]}


def base(
    title: str, description: str, *, width: int | str = "container", height: int = 320
) -> dict[str, Any]:
    """The top of every spec: schema, title, accessible description, size, config."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": width,
        "height": height,
        "config": CONFIG,
    }
