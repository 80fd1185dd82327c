"""The social needs charts: recorded need and coverage as two panels, suppressed values left
out and counted in the description, fifths in order with their colours, valid Vega-Lite."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from healthequity.charts.social_needs import (
    COVERAGE,
    FIFTH_COLOURS,
    PREVALENCE,
    breakdown_chart,
    deprivation_chart,
)
from healthequity.errors import InputError

FIFTHS = ["Fifth 1 (most deprived)", "Fifth 2", "Fifth 3", "Fifth 4", "Fifth 5 (least deprived)"]


def _fifths() -> pd.DataFrame:
    """Two domains by five fifths, listed least deprived first; one suppressed prevalence."""
    rows = []
    for domain, base in (("Housing", 10.0), ("Food", 4.0)):
        for q in (5, 4, 3, 2, 1):
            value = base + 2 * (5 - q)
            rows.append({"domain": domain, "group_code": str(q), "group_name": FIFTHS[q - 1],
                         "value": value, "lower_95": value - 1, "upper_95": value + 1,
                         "coverage_value": 30.0 + q, "coverage_lower_95": 29.0 + q,
                         "coverage_upper_95": 31.0 + q})  # fmt: skip
    frame = pd.DataFrame(rows)
    hidden = (frame["domain"] == "Food") & (frame["group_code"] == "1")
    frame.loc[hidden, ["value", "lower_95", "upper_95"]] = np.nan
    return frame


def test_deprivation_chart_has_both_panels_and_leaves_out_suppressed_values() -> None:
    spec = deprivation_chart(_fifths(), period="2024/25", place="Leeds")
    values = spec["data"]["values"]
    assert len(values) == 2 * 10 - 1
    assert sum(v["measure"] == COVERAGE for v in values) == 10
    assert spec["facet"]["column"]["sort"] == [PREVALENCE, COVERAGE]
    assert spec["resolve"] == {"scale": {"x": "independent"}}
    food_1 = [v for v in values if v["domain"] == "Food" and v["group_name"] == FIFTHS[0]]
    assert [v["measure"] for v in food_1] == [COVERAGE]
    assert food_1[0]["value"] == 31.0
    point = spec["spec"]["layer"][1]["encoding"]
    assert point["color"]["scale"] == {"domain": FIFTHS, "range": list(FIFTH_COLOURS)}
    assert point["yOffset"]["sort"] == FIFTHS
    assert point["y"]["sort"] == ["Housing", "Food"]
    assert spec["description"].startswith(
        "Recorded social needs by local deprivation fifth, with recording coverage, Leeds, 2024/25."
    )
    assert spec["description"].endswith(
        " 1 value is not shown: suppressed for disclosure control or not available."
    )
    json.dumps(spec, allow_nan=False)  # JSON-safe: no NaN, no numpy types


def test_breakdown_chart_keeps_the_group_order_and_adds_coverage_only_to_a_prevalence() -> None:
    rows = pd.DataFrame(
        {
            "group_name": ["Zeta ward", "Alpha ward", "Mid ward"],
            "value": [12.0, np.nan, 8.0],
            "lower_95": [10.0, np.nan, 6.0],
            "upper_95": [14.0, np.nan, 10.0],
            "coverage_value": [40.0, 20.0, np.nan],
            "coverage_lower_95": [38.0, 18.0, np.nan],
            "coverage_upper_95": [42.0, 22.0, np.nan],
        }
    )
    spec = breakdown_chart(rows, title="Recorded food need (%)", breakdown="Ward",
                           period="2024/25", with_coverage=True)  # fmt: skip
    assert spec["spec"]["layer"][1]["encoding"]["y"]["sort"] == [
        "Zeta ward",
        "Alpha ward",
        "Mid ward",
    ]
    shown = [(v["measure"], v["group_name"]) for v in spec["data"]["values"]]
    assert shown == [
        (PREVALENCE, "Zeta ward"), (PREVALENCE, "Mid ward"),
        (COVERAGE, "Zeta ward"), (COVERAGE, "Alpha ward"),
    ]  # fmt: skip
    assert spec["title"] == "Recorded food need (%)"
    assert "2 values are not shown" in spec["description"]
    assert "with the recording coverage of its domain beside it" in spec["description"]
    alone = breakdown_chart(rows.drop(columns=["coverage_value"]), title="Asked (%)",
                            breakdown="Ward", period="2024/25", with_coverage=False)  # fmt: skip
    assert {v["measure"] for v in alone["data"]["values"]} == {"Asked (%)"}
    assert "coverage" not in alone["description"]


def test_specs_render_offline() -> None:
    svg = vlc.vegalite_to_svg(deprivation_chart(_fifths(), period="2024/25", place="Leeds"))
    assert svg.startswith("<svg") and "Fifth 5 (least deprived)" in svg and "Housing" in svg


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError) as err:
        deprivation_chart(_fifths().drop(columns=["coverage_value"]), period="x", place="y")
    assert str(err.value) == "deprivation_chart: rows lack column(s) coverage_value"
    assert err.value.field == "coverage_value"
    with pytest.raises(InputError, match=r"breakdown_chart: rows lack column\(s\) coverage_value"):
        breakdown_chart(_fifths().drop(columns=["coverage_value"]), title="t", breakdown="Ward",
                        period="x", with_coverage=True)  # fmt: skip
