"""The spine chart: one ward's value on every indicator against the city and England.

Each row is scaled so the city sits in the middle: position ``0.5 + (v - city) / (2 M)``, with
``M`` the largest distance from the city to any ward, England or the ward itself, so every mark
fits in [0, 1]; rows are flipped for lower-is-better indicators so that better is always to the
right. The bar spans the lowest to highest ward, the darker part the 25th to 75th percentile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from healthequity.charts.style import base, records, significance_scale

#: Columns ``spine_positions`` reads.
COLUMNS = ["indicator_name", "polarity", "value", "city", "england", "low", "q25", "q75", "high"]
_SCALED = ["value", "england", "low", "q25", "q75", "high"]


def spine_positions(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``pos_*`` columns in [0, 1] (better to the right); vectorised over rows."""
    out = rows.copy()
    city = out["city"].to_numpy(float)
    values = out[_SCALED].to_numpy(float)
    with np.errstate(invalid="ignore"):
        reach = np.nanmax(np.abs(values - city[:, None]), axis=1, initial=0.0)
    reach = np.where(np.isfinite(reach) & (reach > 0), reach, 1.0)
    pos = 0.5 + (values - city[:, None]) / (2 * reach[:, None])
    flip = (out["polarity"] == "lower_is_better").to_numpy()
    pos[flip] = 1 - pos[flip]
    for j, name in enumerate(_SCALED):
        out[f"pos_{name}"] = pos[:, j]
    # after a flip the lowest ward is on the right: name the bar ends by side, not by value
    left = np.where(flip, pos[:, _SCALED.index("high")], pos[:, _SCALED.index("low")])
    right = np.where(flip, pos[:, _SCALED.index("low")], pos[:, _SCALED.index("high")])
    q_left = np.where(flip, pos[:, _SCALED.index("q75")], pos[:, _SCALED.index("q25")])
    q_right = np.where(flip, pos[:, _SCALED.index("q25")], pos[:, _SCALED.index("q75")])
    out["pos_left"], out["pos_right"] = left, right
    out["pos_q_left"], out["pos_q_right"] = q_left, q_right
    return out


def spine_chart(rows: pd.DataFrame, *, title: str, comparator: str = "City") -> dict[str, Any]:
    """A spine chart of ``rows`` (``COLUMNS`` plus ``compared_to_city`` and ``period``), one row
    per indicator in the order given."""
    data = spine_positions(rows)
    data["compared_to_city"] = data["compared_to_city"].fillna("Not compared")
    order = list(dict.fromkeys(data["indicator_name"]))
    y = {
        "field": "indicator_name",
        "type": "nominal",
        "sort": order,
        "title": None,
        "axis": {"labelLimit": 320},
    }
    x_axis = {
        "title": f"Worse ← {comparator} → Better (wards' range; darker: middle half)",
        "labels": False,
        "ticks": False,
        "grid": False,
    }
    x = {"type": "quantitative", "scale": {"domain": [0, 1]}, "axis": x_axis}
    tooltip = [
        {"field": "indicator_name", "title": "Indicator"},
        {"field": "period", "title": "Period"},
        {"field": "value", "title": "This ward", "format": ",.1f"},
        {"field": "compared_to_city", "title": "Compared with the city"},
        {"field": "city", "title": comparator, "format": ",.1f"},
        {"field": "england", "title": "England", "format": ",.1f"},
        {"field": "low", "title": "Lowest ward", "format": ",.1f"},
        {"field": "high", "title": "Highest ward", "format": ",.1f"},
    ]
    cols = [
        *COLUMNS,
        "period",
        "compared_to_city",
        "pos_value",
        "pos_england",
        "pos_left",
        "pos_right",
        "pos_q_left",
        "pos_q_right",
    ]
    spec = base(
        title,
        f"Spine chart: {title}, each indicator against the city and England.",
        height=max(60, 30 * len(order)),
    )
    spec["data"] = {"values": records(data, cols)}
    colour = {
        "field": "compared_to_city",
        "type": "nominal",
        "title": "Compared with the city",
        "scale": significance_scale(data["compared_to_city"]),
    }
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": "#D8DDE0", "height": 16},
            "encoding": {
                "y": y,
                "x": {**x, "field": "pos_left"},
                "x2": {"field": "pos_right"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "bar", "color": "#AEB7BD", "height": 16},
            "encoding": {
                "y": y,
                "x": {**x, "field": "pos_q_left"},
                "x2": {"field": "pos_q_right"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "rule", "color": "#005EB8", "strokeWidth": 2, "aria": False},
            "encoding": {"x": {"datum": 0.5, "type": "quantitative", "scale": {"domain": [0, 1]}}},
        },
        {
            "mark": {
                "type": "point",
                "shape": "diamond",
                "filled": True,
                "size": 80,
                "color": "#212B32",
            },
            "encoding": {"y": y, "x": {**x, "field": "pos_england"}, "tooltip": tooltip},
        },
        {
            "mark": {
                "type": "circle",
                "size": 150,
                "stroke": "#212B32",
                "strokeWidth": 1,
                "opacity": 1,
            },
            "encoding": {
                "y": y,
                "x": {**x, "field": "pos_value"},
                "color": colour,
                "tooltip": tooltip,
            },
        },
    ]
    return spec
