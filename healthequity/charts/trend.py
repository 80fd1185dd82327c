"""Trend over time with 95% intervals: the city, England and the most and least deprived groups."""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthequity.charts.style import SERIES_COLOURS, base, records

COLUMNS = ["series", "period", "period_start", "value", "lower_95", "upper_95"]


def trend_chart(points: pd.DataFrame, *, title: str, unit: str) -> dict[str, Any]:
    """A line per ``series`` over ``period`` (ordered by ``period_start``) with error bars for
    the 95% interval; ``points`` has the columns in ``COLUMNS``."""
    data = points.sort_values(["period_start", "series"])
    order = [s for s in SERIES_COLOURS if s in set(data["series"])]
    order += sorted(set(data["series"]) - set(order))
    colours = {"domain": order, "range": [SERIES_COLOURS.get(s, "#768692") for s in order]}
    periods = list(dict.fromkeys(data["period"]))
    x = {
        "field": "period",
        "type": "ordinal",
        "sort": periods,
        "title": "Period",
        "axis": {"labelAngle": -40},
    }
    y = {"field": "value", "type": "quantitative", "title": unit, "scale": {"zero": False}}
    tooltip = [
        {"field": "series", "title": "Series"},
        {"field": "period", "title": "Period"},
        {"field": "value", "title": "Value", "format": ",.1f"},
        {"field": "lower_95", "title": "Lower 95% limit", "format": ",.1f"},
        {"field": "upper_95", "title": "Upper 95% limit", "format": ",.1f"},
    ]
    colour = {"field": "series", "type": "nominal", "scale": colours, "title": None}
    spec = base(title, f"Trend of {title} over time with 95% confidence intervals, by series.")
    spec["data"] = {"values": records(data, COLUMNS)}
    spec["encoding"] = {"x": x, "color": colour}
    spec["layer"] = [
        {
            "mark": {"type": "rule", "strokeWidth": 1.5, "opacity": 0.7},
            "encoding": {"y": {**y, "field": "lower_95"}, "y2": {"field": "upper_95"}},
        },
        {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {"y": y}},
        {
            "mark": {"type": "point", "filled": True, "size": 50},
            "encoding": {
                "y": y,
                "shape": {"field": "series", "type": "nominal", "title": None},
                "tooltip": tooltip,
            },
        },
    ]
    return spec
