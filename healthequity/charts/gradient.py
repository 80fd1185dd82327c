"""The deprivation gradient: each group's value with its interval, and the slope index of
inequality (SII) drawn as the regression line across the population ranked by deprivation.

Groups sit at their population mid-point rank (0 = most deprived end, 1 = least deprived). The
SII is the slope of a population-weighted least-squares line through those points; such a line
passes through the weighted mean of the values at the weighted mean rank, which is 0.5 exactly,
so the line is ``mean + sii (x - 0.5)`` (``sii`` as ``healthequity.indicators.inequality``
defines it: least deprived end minus most deprived end).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from healthequity.charts.style import base, records


def sii_line(groups: pd.DataFrame, sii: float) -> pd.DataFrame:
    """Mid-point ranks of the groups (``category_rank`` 1 = most deprived, weights from
    ``denominator``, equal when missing) and the two ends of the SII line."""
    g = groups.sort_values("category_rank").reset_index(drop=True)
    weights = g["denominator"].to_numpy(float)
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        weights = np.ones(len(g))
    share = weights / weights.sum()
    g["rank_mid"] = np.cumsum(share) - share / 2
    values = g["value"].to_numpy(float)
    ok = np.isfinite(values)
    mean = float(np.sum(share[ok] * values[ok]) / np.sum(share[ok])) if ok.any() else np.nan
    ends = pd.DataFrame({"rank_mid": [0.0, 1.0], "value": [mean - sii / 2, mean + sii / 2]})
    return pd.concat([g.assign(kind="group"), ends.assign(kind="SII line")], ignore_index=True)


def gradient_chart(
    groups: pd.DataFrame, *, sii: float | None, title: str, unit: str, period: str
) -> dict[str, Any]:
    """Points with 95% intervals for each deprivation group (columns ``category``,
    ``category_rank``, ``value``, ``lower_95``, ``upper_95``, ``denominator``) and the SII line."""
    frame = (
        sii_line(groups, sii)
        if sii is not None and np.isfinite(sii)
        else sii_line(groups, 0.0).query("kind == 'group'")
    )
    x = {
        "field": "rank_mid",
        "type": "quantitative",
        "scale": {"domain": [0, 1]},
        "title": "Population ranked by deprivation (0 = most deprived, 1 = least deprived)",
        "axis": {"format": ".1f", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]},
    }
    y = {"field": "value", "type": "quantitative", "title": unit, "scale": {"zero": False}}
    group = {"filter": "datum.kind == 'group'"}
    tooltip = [
        {"field": "category", "title": "Group"},
        {"field": "value", "title": "Value", "format": ",.1f"},
        {"field": "lower_95", "title": "Lower 95% limit", "format": ",.1f"},
        {"field": "upper_95", "title": "Upper 95% limit", "format": ",.1f"},
    ]
    described = "" if sii is None else f" The slope index of inequality is {sii:,.2f}."
    spec = base(
        title,
        f"{title} by deprivation group, {period}, with 95% confidence intervals.{described}",
    )
    cols = ["kind", "category", "category_rank", "rank_mid", "value", "lower_95", "upper_95"]
    spec["data"] = {"values": records(frame.reindex(columns=cols), cols)}
    spec["encoding"] = {"x": x}
    spec["layer"] = [
        {
            "transform": [group],
            "mark": {"type": "rule", "color": "#425563", "strokeWidth": 2},
            "encoding": {"y": {**y, "field": "lower_95"}, "y2": {"field": "upper_95"}},
        },
        {
            "transform": [group],
            "mark": {"type": "point", "filled": True, "size": 90, "color": "#005EB8"},
            "encoding": {"y": y, "tooltip": tooltip},
        },
        {
            "transform": [{"filter": "datum.kind == 'SII line'"}],
            "mark": {"type": "line", "color": "#D55E00", "strokeDash": [6, 4], "strokeWidth": 2},
            "encoding": {"y": y},
        },
    ]
    return spec
