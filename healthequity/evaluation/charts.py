"""Vega-Lite specs of an evaluation's charts: event study, interrupted time series, balance
(a Love plot) and the two groups' trends. Pure functions: tables in, specs (dicts) out."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH, HEIGHT = 560, 300
NHS_BLUE, GREY, ORANGE = "#005eb8", "#768692", "#ed8b00"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN -> null, numpy scalars -> Python)."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
            if value is pd.NA:
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


def _base(title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": HEIGHT,
        "config": {"font": "Arial", "axis": {"labelFontSize": 12, "titleFontSize": 12}},
    }


def event_study_chart(effects: pd.DataFrame, outcome: str, unit: str) -> dict[str, Any]:
    """Effects by period relative to the start, with intervals; the reference period is 0."""
    spec = _base(
        "Effect by year relative to the start (event study)",
        f"Difference-in-differences effect on {outcome} ({unit}) in each period relative to the "
        "start, with confidence intervals; the period before the start is the reference (0).",
    )
    x = {
        "field": "relative_period",
        "type": "quantitative",
        "title": "Periods since the start",
        "axis": {"tickMinStep": 1, "format": "d"},
    }
    spec["data"] = {"values": _records(effects)}
    spec["layer"] = [
        {"mark": {"type": "rule", "color": GREY}, "encoding": {"y": {"datum": 0}}},
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": GREY},
            "encoding": {"x": {"datum": -0.5}},
        },
        {
            "mark": {"type": "rule", "color": NHS_BLUE},
            "encoding": {
                "x": x,
                "y": {"field": "lower", "type": "quantitative", "title": f"Effect ({unit})"},
                "y2": {"field": "upper"},
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 60, "color": NHS_BLUE},
            "encoding": {
                "x": x,
                "y": {"field": "estimate", "type": "quantitative"},
                "tooltip": [
                    {"field": c, "type": "quantitative", "format": ".3f"}
                    for c in ("relative_period", "estimate", "lower", "upper")
                ],
            },
        },
    ]
    return spec


def its_chart(
    series: pd.DataFrame, start: int, outcome: str, unit: str, label: str
) -> dict[str, Any]:
    """Observed values (as published), the fitted segments and the counterfactual trend."""
    spec = _base(
        f"Interrupted time series: {label}",
        f"{outcome} ({unit}) by year for {label}: observed (points), fitted segmented regression "
        "(solid) and the pre-start trend carried on (dashed).",
    )
    long = series.melt(
        id_vars=["year"],
        value_vars=["fitted", "counterfactual"],
        var_name="line",
        value_name="rate",
    )
    long["line"] = long["line"].map({"fitted": "Fitted", "counterfactual": "Without the change"})
    x = {
        "field": "year",
        "type": "quantitative",
        "title": "Year",
        "axis": {"format": "d"},
        "scale": {"zero": False},
    }
    colours = {"domain": ["Fitted", "Without the change"], "range": [NHS_BLUE, GREY]}
    spec["layer"] = [
        {
            "data": {"values": _records(long)},
            "mark": {"type": "line"},
            "encoding": {
                "x": x,
                "y": {
                    "field": "rate",
                    "type": "quantitative",
                    "title": unit,
                    "scale": {"zero": False},
                },
                "color": {"field": "line", "type": "nominal", "scale": colours, "title": None},
                "strokeDash": {"field": "line", "type": "nominal", "legend": None},
            },
        },
        {
            "data": {"values": _records(series[["year", "value"]])},
            "mark": {"type": "point", "filled": True, "color": "#212b32"},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "tooltip": [{"field": "year"}, {"field": "value", "format": ".2f"}],
            },
        },
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": ORANGE},
            "encoding": {"x": {"datum": start - 0.5}},
        },
    ]
    return spec


def balance_chart(balance: pd.DataFrame) -> dict[str, Any]:
    """Love plot: |standardised mean difference| of each covariate before and after matching."""
    spec = _base(
        "Balance before and after matching",
        "Absolute standardised mean difference between intervention and comparison areas for "
        "each covariate, before matching (all pool areas) and after (matched areas); below 0.1 "
        "is usually taken as balanced.",
    )
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "covariate": balance["covariate"],
                    "when": "Before matching",
                    "smd": balance["smd_before"].abs(),
                }
            ),
            pd.DataFrame(
                {
                    "covariate": balance["covariate"],
                    "when": "After matching",
                    "smd": balance["smd_after"].abs(),
                }
            ),
        ]
    )
    spec["height"] = 40 * max(1, len(balance))
    spec["data"] = {"values": _records(long)}
    spec["layer"] = [
        {
            "mark": {"type": "point", "filled": True, "size": 80},
            "encoding": {
                "y": {"field": "covariate", "type": "nominal", "title": None},
                "x": {
                    "field": "smd",
                    "type": "quantitative",
                    "title": "|Standardised mean difference|",
                },
                "color": {
                    "field": "when",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": ["Before matching", "After matching"],
                        "range": [GREY, NHS_BLUE],
                    },
                },
                "tooltip": [
                    {"field": "covariate"},
                    {"field": "when"},
                    {"field": "smd", "format": ".3f"},
                ],
            },
        },
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": ORANGE},
            "encoding": {"x": {"datum": 0.1}},
        },
    ]
    return spec


def trends_chart(trends: pd.DataFrame, start: int, outcome: str, unit: str) -> dict[str, Any]:
    """The intervention and comparison areas' outcome by year (as published)."""
    spec = _base(
        "Intervention and comparison areas over time",
        f"{outcome} ({unit}) by year in the intervention areas and the comparison areas.",
    )
    spec["data"] = {"values": _records(trends[["year", "group", "value"]])}
    spec["layer"] = [
        {
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "quantitative",
                    "title": "Year",
                    "axis": {"format": "d"},
                    "scale": {"zero": False},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": unit,
                    "scale": {"zero": False},
                },
                "color": {
                    "field": "group",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": ["Intervention", "Comparison"], "range": [NHS_BLUE, GREY]},
                },
                "tooltip": [
                    {"field": "year"},
                    {"field": "group"},
                    {"field": "value", "format": ".2f"},
                ],
            },
        },
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": ORANGE},
            "encoding": {"x": {"datum": start - 0.5}},
        },
    ]
    return spec
