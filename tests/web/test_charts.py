"""Chart spec functions: worked examples of the geometry and the specs' shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import vl_convert as vlc

from healthequity.charts import (
    caterpillar_chart,
    gradient_chart,
    sii_line,
    spine_positions,
    trend_chart,
)


def test_sii_line_passes_through_the_weighted_mean_at_half() -> None:
    groups = pd.DataFrame(
        {
            "category": list("ABCDE"),
            "category_rank": [1, 2, 3, 4, 5],
            "value": [10.0, 8, 6, 4, 2],
            "lower_95": np.nan,
            "upper_95": np.nan,
            "denominator": [100.0, 100, 200, 300, 300],
        }
    )
    out = sii_line(groups, sii=-9.0)
    mids = out.loc[out["kind"] == "group", "rank_mid"].to_numpy()
    np.testing.assert_allclose(mids, [0.05, 0.15, 0.3, 0.55, 0.85])
    mean = (10 * 100 + 8 * 100 + 6 * 200 + 4 * 300 + 2 * 300) / 1000  # 4.8
    ends = out[out["kind"] == "SII line"]["value"].to_numpy()
    np.testing.assert_allclose(ends, [mean + 4.5, mean - 4.5])


def test_spine_positions_put_the_city_in_the_middle_and_better_right() -> None:
    rows = pd.DataFrame(
        {
            "indicator_name": ["rate", "life"],
            "polarity": ["lower_is_better", "higher_is_better"],
            "value": [30.0, 80.0],
            "city": [20.0, 79.0],
            "england": [15.0, 81.0],
            "low": [10.0, 75.0],
            "q25": [15.0, 77.0],
            "q75": [25.0, 80.0],
            "high": [40.0, 83.0],
        }
    )
    pos = spine_positions(rows)
    # rate: furthest mark is 40 (20 from the city); 30 -> 0.5 + 10/40 = 0.75, flipped = 0.25
    assert pos.loc[0, "pos_value"] == 0.25
    assert pos.loc[0, "pos_england"] == 1 - (0.5 - 5 / 40)
    assert (pos.loc[0, "pos_left"], pos.loc[0, "pos_right"]) == (0.0, 0.75)
    # life: furthest is 83 (4 from the city); 80 -> 0.5 + 1/8
    assert pos.loc[1, "pos_value"] == 0.625
    assert pos.loc[1, "pos_left"] == 0.5 - 4 / 8


def test_specs_compile_and_draw_marks() -> None:
    points = pd.DataFrame(
        {
            "series": ["City", "City", "England", "England"],
            "period": ["2021", "2022"] * 2,
            "period_start": [2021, 2022] * 2,
            "value": [1.0, 2.0, 1.5, 1.6],
            "lower_95": [0.5, 1.5, 1.4, 1.5],
            "upper_95": [1.5, 2.5, 1.6, 1.7],
        }
    )
    spec = trend_chart(points, title="X", unit="%")
    assert spec["$schema"].endswith("vega-lite/v6.json")
    assert spec["data"]["values"][0] == {
        "series": "City",
        "period": "2021",
        "period_start": 2021,
        "value": 1.0,
        "lower_95": 0.5,
        "upper_95": 1.5,
    }
    spec["width"] = 400
    svg = vlc.vegalite_to_svg(vl_spec=spec)
    assert svg.count("<path") >= 2
    wards = pd.DataFrame(
        {
            "area_code": ["a", "b"],
            "area_name": ["A", "B"],
            "value": [3.0, np.nan],
            "lower_95": [2.0, np.nan],
            "upper_95": [4.0, np.nan],
            "compared_to_city": ["Worse", None],
        }
    )
    cat = caterpillar_chart(wards, city_value=2.5, title="X", unit="%")
    assert [r["area_code"] for r in cat["layer"][0]["data"]["values"]] == ["a"]
    groups = pd.DataFrame(
        {
            "category": ["1", "2"],
            "category_rank": [1, 2],
            "value": [5.0, 3.0],
            "lower_95": [4.0, 2.0],
            "upper_95": [6.0, 4.0],
            "denominator": [1.0, 1.0],
        }
    )
    grad = gradient_chart(groups, sii=-2.0, title="X", unit="%", period="2023")
    assert "slope index of inequality is -2.00" in grad["description"]
