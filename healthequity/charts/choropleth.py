"""The ward map: a choropleth of ward values from the shipped boundaries, coloured by
significance against the city (colour-blind-safe, words in legend and tooltip) or by quintile."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from healthequity.charts.style import base, records, significance_scale

COLUMNS = ["area_code", "area_name", "value", "lower_95", "upper_95", "compared_to_city"]
ColourBy = Literal["significance", "quintile"]


def ward_map(
    wards: pd.DataFrame,
    boundaries: dict[str, Any] | str,
    *,
    title: str,
    unit: str,
    colour_by: ColourBy = "significance",
) -> dict[str, Any]:
    """A choropleth of ``wards`` (``COLUMNS``) joined on ``area_code`` to ``boundaries``: a GeoJSON
    FeatureCollection (drawn inline, for server-side rendering) or a URL serving one."""
    if isinstance(boundaries, str):
        geo: dict[str, Any] = {
            "url": boundaries,
            "format": {"type": "json", "property": "features"},
        }
    else:
        geo = {"values": boundaries["features"]}
    data = wards.reindex(columns=COLUMNS)
    data["compared_to_city"] = data["compared_to_city"].fillna("Not compared")
    if colour_by == "quintile":
        colour: dict[str, Any] = {
            "field": "value",
            "type": "quantitative",
            "title": f"{unit} (fifths of wards)",
            "scale": {"type": "quantile", "scheme": "blues", "nice": False},
        }
    else:
        colour = {
            "field": "compared_to_city",
            "type": "nominal",
            "title": "Compared with the city",
            "scale": significance_scale(data["compared_to_city"]),
        }
    spec = base(title, f"Map of {title} by ward, coloured by {colour_by}.", height=460)
    spec["data"] = geo
    spec["projection"] = {"type": "mercator"}
    spec["transform"] = [
        {"calculate": "datum.properties.area_code", "as": "area_code"},
        {"calculate": "datum.properties.area_name", "as": "ward"},
        {
            "lookup": "area_code",
            "from": {
                "data": {"values": records(data, COLUMNS)},
                "key": "area_code",
                "fields": ["value", "lower_95", "upper_95", "compared_to_city"],
            },
        },
    ]
    spec["mark"] = {"type": "geoshape", "stroke": "#212B32", "strokeWidth": 0.6}
    spec["encoding"] = {
        "color": colour,
        "tooltip": [
            {"field": "ward", "title": "Ward"},
            {"field": "value", "title": "Value", "format": ",.1f"},
            {"field": "lower_95", "title": "Lower 95% limit", "format": ",.1f"},
            {"field": "upper_95", "title": "Upper 95% limit", "format": ",.1f"},
            {"field": "compared_to_city", "title": "Compared with the city"},
        ],
    }
    return spec
