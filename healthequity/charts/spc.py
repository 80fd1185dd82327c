"""A Vega-Lite spec for a Making Data Count SPC (XmR) chart, from ``methods.spc.xmr`` output."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from healthequity.errors import InputError

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: Making Data Count colours: grey common cause, blue improvement, orange concern, purple neither.
COLOURS: dict[str, str] = {
    "common cause": "#7B7D7D",
    "improvement": "#289DE0",
    "concern": "#FAB428",
    "neither": "#361475",
}
NEEDED = ("value", "mean", "lower_limit", "upper_limit", "variation")


def _clean(value: Any) -> Any:
    """JSON-safe cell: NaN and NA become None, numpy scalars plain Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def spc_chart(
    points: pd.DataFrame,
    *,
    time: str,
    value: str = "value",
    title: str = "",
    y_title: str = "Value",
    target: float | None = None,
    width: int | str = "container",
    height: int = 300,
) -> dict[str, Any]:
    """The XmR chart of one series: points coloured by variation, mean and process limits.

    ``points`` is one series from ``healthequity.methods.spc.xmr`` (``value`` names its value
    column). A ``target`` draws a red dashed line. No data is fetched at run time.
    """
    missing = [c for c in (time, value, *NEEDED[1:]) if c not in points.columns]
    if missing:
        raise InputError(
            f"spc_chart: points lack column(s) {', '.join(missing)}; pass the output of "
            "healthequity.methods.spc.xmr",
            field=missing[0],
            expected="the columns of xmr output",
        )
    cols = [time, value, "mean", "lower_limit", "upper_limit", "variation"]
    rows = [
        {k: _clean(v) for k, v in zip(cols, rec, strict=True)}
        for rec in points[cols].itertuples(index=False, name=None)
    ]
    x = {"field": time, "type": "ordinal", "title": None, "axis": {"labelAngle": -45}}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "color": "#AEB6BF"},
            "encoding": {"x": x, "y": {"field": value, "type": "quantitative", "title": y_title}},
        },
        {
            "mark": {"type": "point", "filled": True, "size": 60},
            "encoding": {
                "x": x,
                "y": {"field": value, "type": "quantitative"},
                "color": {
                    "field": "variation",
                    "type": "nominal",
                    "title": "Variation",
                    "scale": {"domain": list(COLOURS), "range": list(COLOURS.values())},
                },
                "tooltip": [
                    {"field": time, "type": "ordinal"},
                    {"field": value, "type": "quantitative", "format": ".1f"},
                    {"field": "variation", "type": "nominal"},
                ],
            },
        },
        {
            "mark": {"type": "line", "color": "#000000"},
            "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative"}},
        },
    ]
    for limit in ("lower_limit", "upper_limit"):
        layers.append(
            {
                "mark": {"type": "line", "color": "#7B7D7D", "strokeDash": [4, 4]},
                "encoding": {"x": x, "y": {"field": limit, "type": "quantitative"}},
            }
        )
    if target is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": "#DA291C", "strokeDash": [6, 3]},
                "encoding": {"y": {"datum": float(target), "type": "quantitative"}},
            }
        )
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "data": {"values": rows},
        "layer": layers,
    }
