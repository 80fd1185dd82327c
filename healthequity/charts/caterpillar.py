"""The caterpillar chart: every ward's value with its 95% interval, ranked, against the city."""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthequity.charts.style import base, records, significance_scale

COLUMNS = ["area_code", "area_name", "value", "lower_95", "upper_95", "compared_to_city"]


def caterpillar_chart(
    wards: pd.DataFrame, *, city_value: float | None, title: str, unit: str
) -> dict[str, Any]:
    """Wards (``COLUMNS``) ordered by value, each a point coloured by significance against the
    city, with a rule for its interval and a dashed line at the city's value."""
    data = wards.reindex(columns=COLUMNS).dropna(subset=["value"]).sort_values("value")
    data["compared_to_city"] = data["compared_to_city"].fillna("Not compared")
    x = {
        "field": "area_name",
        "type": "nominal",
        "sort": list(data["area_name"]),
        "title": "Ward (ordered by value)",
        "axis": {"labels": False, "ticks": False},
    }
    y = {"field": "value", "type": "quantitative", "title": unit, "scale": {"zero": False}}
    colour = {
        "field": "compared_to_city",
        "type": "nominal",
        "title": "Compared with the city",
        "scale": significance_scale(data["compared_to_city"]),
    }
    tooltip = [
        {"field": "area_name", "title": "Ward"},
        {"field": "value", "title": "Value", "format": ",.1f"},
        {"field": "lower_95", "title": "Lower 95% limit", "format": ",.1f"},
        {"field": "upper_95", "title": "Upper 95% limit", "format": ",.1f"},
        {"field": "compared_to_city", "title": "Compared with the city"},
    ]
    spec = base(title, f"{title} for each ward with 95% confidence intervals, ordered by value.")
    spec["layer"] = [
        {
            "data": {"values": records(data, COLUMNS)},
            "layer": [
                {
                    "mark": {"type": "rule", "color": "#768692"},
                    "encoding": {
                        "x": x,
                        "y": {**y, "field": "lower_95"},
                        "y2": {"field": "upper_95"},
                    },
                },
                {
                    "mark": {
                        "type": "point",
                        "filled": True,
                        "size": 45,
                        "stroke": "#212B32",
                        "strokeWidth": 0.5,
                    },
                    "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip},
                },
            ],
        },
    ]
    if city_value is not None:
        spec["layer"].append(
            {
                "data": {"values": [{"city": city_value, "label": "City"}]},
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#005EB8"},
                "encoding": {
                    "y": {"field": "city", "type": "quantitative"},
                    "tooltip": [{"field": "city", "title": "City value", "format": ",.1f"}],
                },
            }
        )
    return spec
