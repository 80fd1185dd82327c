"""The social needs charts: recorded need with the recording coverage beside it, as two panels
side by side (a recorded prevalence alone misleads where few patients were asked).

``deprivation_chart``: every domain's recorded need and coverage by the place's deprivation
fifths. ``breakdown_chart``: one indicator by the groups of one breakdown. Points are values with
their 95% intervals; a suppressed value (missing) is left out and counted in the description.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthequity.charts.style import CONFIG, SCHEMA, records
from healthequity.errors import InputError

PREVALENCE = "Recorded need among patients asked (%)"
COVERAGE = "Patients asked: recording coverage (%)"
#: Local deprivation fifths, most to least deprived: Okabe-Ito orange to blue (colour-blind safe).
FIFTH_COLOURS: tuple[str, ...] = ("#D55E00", "#E69F00", "#999999", "#56B4E9", "#0072B2")
VALUES = ("value", "lower_95", "upper_95")
COVERAGE_VALUES = ("coverage_value", "coverage_lower_95", "coverage_upper_95")
DEPRIVATION_COLUMNS = ("domain", "group_code", "group_name", *VALUES, *COVERAGE_VALUES)
BREAKDOWN_COLUMNS = ("group_name", *VALUES)
_LONG = ("measure", "value", "lower_95", "upper_95")


def deprivation_chart(rows: pd.DataFrame, *, period: str, place: str) -> dict[str, Any]:
    """Recorded need (left) and coverage (right) of each domain by local deprivation fifth.

    ``rows``: one per domain and fifth (``DEPRIVATION_COLUMNS``; group_code 1 = most deprived,
    group_name its label); values in percent, missing where suppressed.
    """
    _require(rows, DEPRIVATION_COLUMNS, "deprivation_chart")
    ordered = rows.assign(_q=pd.to_numeric(rows["group_code"], errors="coerce"))
    ordered = ordered.sort_values("_q", kind="stable")
    fifths = list(dict.fromkeys(ordered["group_name"].astype(str)))
    domains = list(dict.fromkeys(rows["domain"].astype(str)))
    long = _long(ordered, ("domain", "group_name"), coverage=True)
    shown = long.dropna(subset=["value"])
    missing = int(long["value"].isna().sum())
    fifth = {
        "field": "group_name",
        "type": "nominal",
        "sort": fifths,
        "title": "Local deprivation fifth",
        "scale": {"domain": fifths, "range": list(FIFTH_COLOURS[: len(fifths)])},
    }
    y = {"field": "domain", "type": "nominal", "sort": domains, "title": None}
    offset = {"field": "group_name", "type": "nominal", "sort": fifths}
    tooltip = [
        {"field": "domain", "title": "Need"},
        {"field": "group_name", "title": "Deprivation fifth"},
        *_value_tooltip(),
    ]
    title = "Recorded social needs by local deprivation fifth, with recording coverage"
    description = (
        f"{title}, {place}, {period}. For each need, the left panel shows the percentage of "
        "patients asked who had the need recorded and the right panel the percentage of "
        "registered patients asked about it, for each local deprivation fifth from most to "
        "least deprived, with 95% confidence intervals." + _left_out(missing)
    )
    layer = _points(y, {"yOffset": offset, "color": fifth}, tooltip)
    return _faceted(title, description, shown, layer, height=max(160, 14 * len(long) // 2))


def breakdown_chart(
    rows: pd.DataFrame,
    *,
    title: str,
    breakdown: str,
    period: str,
    with_coverage: bool,
) -> dict[str, Any]:
    """One indicator's value for each group of a breakdown (``BREAKDOWN_COLUMNS``, in the
    order given), and, for a recorded prevalence, the coverage of its domain beside it (the
    panels are then headed PREVALENCE and COVERAGE; a coverage alone is headed ``title``)."""
    needed = (*BREAKDOWN_COLUMNS, *(COVERAGE_VALUES if with_coverage else ()))
    _require(rows, needed, "breakdown_chart")
    groups = list(dict.fromkeys(rows["group_name"].astype(str)))
    label = PREVALENCE if with_coverage else title
    long = _long(rows, ("group_name",), coverage=with_coverage, label=label)
    shown = long.dropna(subset=["value"])
    missing = int(long["value"].isna().sum())
    y = {"field": "group_name", "type": "nominal", "sort": groups, "title": breakdown,
         "axis": {"labelLimit": 240}}  # fmt: skip
    tooltip = [{"field": "group_name", "title": breakdown}, *_value_tooltip()]
    beside = " with the recording coverage of its domain beside it," if with_coverage else ""
    description = (
        f"{title} by {breakdown.lower()}, {period},{beside} with 95% confidence intervals."
        + _left_out(missing)
    )
    layer = _points(y, {"color": {"value": "#005EB8"}}, tooltip)
    return _faceted(title, description, shown, layer, height={"step": 20})


def _long(
    rows: pd.DataFrame, keys: tuple[str, ...], *, coverage: bool, label: str = PREVALENCE
) -> pd.DataFrame:
    """Values (and coverage values) stacked as rows of ``keys`` + measure, value, interval."""
    parts = [rows[list(keys)].assign(measure=label, **{c: rows[c] for c in VALUES})]
    if coverage:
        renamed = {c: rows[s] for c, s in zip(VALUES, COVERAGE_VALUES, strict=True)}
        parts.append(rows[list(keys)].assign(measure=COVERAGE, **renamed))
    long = pd.concat(parts, ignore_index=True)
    for col in VALUES:
        long[col] = pd.to_numeric(long[col], errors="coerce").astype("float64")
    return long[[*keys, *_LONG]]


def _points(
    y: dict[str, Any], extra: dict[str, Any], tooltip: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """An interval rule and a point per row; ``extra`` adds channels (colour, offset)."""
    x = {"field": "value", "type": "quantitative", "title": "%", "scale": {"zero": True}}
    return [
        {
            "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.8},
            "encoding": {
                "y": y,
                "x": {**x, "field": "lower_95"},
                "x2": {"field": "upper_95"},
                **extra,
                "tooltip": tooltip,
            },
        },
        {
            "mark": {
                "type": "point",
                "filled": True,
                "size": 60,
                "stroke": "#212B32",
                "strokeWidth": 0.5,
                "opacity": 1,
            },
            "encoding": {"y": y, "x": x, **extra, "tooltip": tooltip},
        },
    ]


def _faceted(
    title: str,
    description: str,
    data: pd.DataFrame,
    layer: list[dict[str, Any]],
    *,
    height: int | dict[str, int],
) -> dict[str, Any]:
    """Panels side by side, one per measure, each with its own value axis."""
    measures = list(dict.fromkeys(data["measure"])) or [PREVALENCE]
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "config": CONFIG,
        "data": {
            "values": records(data, ["measure", *[str(c) for c in data.columns if c != "measure"]])
        },
        "facet": {
            "column": {
                "field": "measure",
                "type": "nominal",
                "sort": measures,
                "title": None,
                "header": {"labelFontSize": 13, "labelFontWeight": "bold", "labelLimit": 320},
            }
        },
        "spec": {"width": 300, "height": height, "layer": layer},
        "resolve": {"scale": {"x": "independent"}},
    }


def _value_tooltip() -> list[dict[str, Any]]:
    return [
        {"field": "measure", "title": "Measure"},
        {"field": "value", "title": "Value (%)", "format": ",.1f"},
        {"field": "lower_95", "title": "Lower 95% limit", "format": ",.1f"},
        {"field": "upper_95", "title": "Upper 95% limit", "format": ",.1f"},
    ]


def _left_out(missing: int) -> str:
    if not missing:
        return ""
    values = "value is" if missing == 1 else "values are"
    return f" {missing} {values} not shown: suppressed for disclosure control or not available."


def _require(rows: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise InputError(
            f"{name}: rows lack column(s) {', '.join(missing)}",
            field=missing[0],
            expected=", ".join(columns),
        )
