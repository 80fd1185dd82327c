"""The comparator dot chart: each member of a group's value, ranked, the city marked, with the
group average and England as reference lines. A pure function returning a Vega-Lite spec."""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthequity.charts.style import base, records, significance_scale

COLUMNS = ["area_name", "value", "rank", "compared_to_group", "member"]


def comparator_chart(
    rows: pd.DataFrame,
    *,
    city: str,
    title: str,
    unit: str,
    group_average: float | None,
    england: float | None,
) -> dict[str, Any]:
    """Members (``area_code``, ``area_name``, ``value``, ``rank``, ``compared_to_group``) as
    dots ordered by value, coloured by significance against the group average; the city is a
    larger square; dashed rule: the group average; solid rule: England."""
    data = rows.dropna(subset=["value"]).sort_values("value", ascending=False).copy()
    data["compared_to_group"] = data["compared_to_group"].fillna("Not compared")
    data["member"] = (data["area_code"] == city).map({True: "The city", False: "Other members"})
    order = list(data["area_name"])
    y = {"field": "area_name", "type": "nominal", "sort": order, "title": None}
    x = {"field": "value", "type": "quantitative", "title": unit, "scale": {"zero": False}}
    n = len(data)
    spec = base(
        title,
        f"{title}: {n} members' values, highest first, coloured by comparison with the group "
        "average; the dashed line is the group average, the solid line England.",
        height=max(120, 22 * n),
    )
    spec["layer"] = [
        {
            "data": {"values": records(data, COLUMNS)},
            "mark": {"type": "point", "filled": True, "stroke": "#212B32", "strokeWidth": 1},
            "encoding": {
                "y": y,
                "x": x,
                "color": {
                    "field": "compared_to_group",
                    "type": "nominal",
                    "title": "Compared with the group average",
                    "legend": {"titleLimit": 400},
                    "scale": significance_scale(data["compared_to_group"]),
                },
                "shape": {
                    "field": "member",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": ["The city", "Other members"],
                        "range": ["square", "circle"],
                    },
                },
                "size": {
                    "field": "member",
                    "type": "nominal",
                    "legend": None,
                    "scale": {"domain": ["The city", "Other members"], "range": [160, 70]},
                },
                "tooltip": [
                    {"field": "area_name", "title": "Area"},
                    {"field": "value", "title": "Value", "format": ",.1f"},
                    {"field": "rank", "title": "Rank (1 = highest)"},
                    {"field": "compared_to_group", "title": "Compared with the group average"},
                ],
            },
        }
    ]
    refs = [("Group average", group_average, [6, 4]), ("England", england, [])]
    for label, value, dash in refs:
        if value is None or pd.isna(value):
            continue
        spec["layer"].append(
            {
                "data": {"values": [{"reference": label, "value": float(value)}]},
                "mark": {"type": "rule", "color": "#425563", "strokeDash": dash, "aria": False},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative"},
                    "tooltip": [
                        {"field": "reference", "title": "Line"},
                        {"field": "value", "title": "Value", "format": ",.2f"},
                    ],
                },
            }
        )
    return spec
