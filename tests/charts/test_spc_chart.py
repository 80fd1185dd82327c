"""The SPC chart spec: layers, colours by variation, valid Vega-Lite (rendered offline)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import vl_convert as vlc

from healthequity.charts.spc import COLOURS, spc_chart
from healthequity.errors import InputError
from healthequity.methods.spc import xmr

VALUES = [10.0, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 20]


def _points() -> pd.DataFrame:
    return xmr(pd.DataFrame({"year": range(2010, 2023), "value": VALUES}), "value", "year",
               polarity="low", baseline=12)  # fmt: skip


def test_spec_has_points_mean_limits_and_target() -> None:
    spec = spc_chart(_points(), time="year", title="Test", target=12)
    assert spec["$schema"].endswith("vega-lite/v5.json")
    rows = spec["data"]["values"]
    assert len(rows) == 13 and rows[-1]["variation"] == "concern"
    fields = [layer["encoding"]["y"].get("field") for layer in spec["layer"]]
    assert fields == ["value", "value", "mean", "lower_limit", "upper_limit", None]
    assert spec["layer"][-1]["encoding"]["y"]["datum"] == 12.0
    colour = spec["layer"][1]["encoding"]["color"]["scale"]
    assert colour["domain"] == list(COLOURS)
    json.dumps(spec)  # JSON-safe: no NaN, no numpy types


def test_spec_renders_to_svg_offline() -> None:
    spec = spc_chart(_points(), time="year", width=400)
    svg = vlc.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and "2022" in svg


def test_wrong_input_names_the_missing_columns() -> None:
    with pytest.raises(InputError, match="spc_chart: points lack column\\(s\\) mean"):
        spc_chart(pd.DataFrame({"year": [1], "value": [1.0]}), time="year")
