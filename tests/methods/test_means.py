"""Means against the reference outputs, error messages and properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.means import NOTE_MISSING, NOTE_NO_VALUES, NOTE_ONE_VALUE, mean
from tests.reference import assert_close, ours_from_reference, reference_input, reference_output

RUNS: dict[str, tuple[dict[str, Any], str | None]] = {
    "grouped_conf95_998": (dict(group_by="group", confidence=(0.95, 0.998)), None),
    "grouped_conf90": (dict(group_by="group", confidence=0.9), "90"),
    "ungrouped_conf95": (dict(confidence=0.95), "95"),
}
COUNTS = ["value_sum", "value_count", "stdev"]


def interval_cols(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("lower_", "upper_"))]


@pytest.mark.parametrize("run", list(RUNS))
def test_matches_reference(run: str) -> None:
    kwargs, label = RUNS[run]
    ours = mean(reference_input("mean"), "x", **kwargs)
    ref = ours_from_reference(reference_output("mean", run), label)
    assert len(ours) == len(ref)
    if "group_by" in kwargs:
        assert list(ours["group"]) == list(ref["group"])
    assert interval_cols(ours) == [c for c in ref.columns if c.startswith(("lower_", "upper_"))]
    for col in ["value", *interval_cols(ours), *COUNTS]:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    assert ours["value_note"].isna().all()
    assert (ours["method"] == ref["method"]).all()
    assert (ours["statistic"] == ref["statistic"]).all()
    assert (ours["confidence"] == ref["confidence"]).all()


def test_identical_values_give_zero_stdev_exactly() -> None:
    # The reference gives stdev 0 (interval = value) for groups of identical values.
    out = mean(pd.DataFrame({"x": [16.28] * 34}), "x")
    assert out["stdev"].iloc[0] == 0.0
    assert out["lower_95"].iloc[0] == out["value"].iloc[0] == out["upper_99_8"].iloc[0]


def test_result_shape() -> None:
    out = mean(pd.DataFrame({"g": ["b", "a", "a"], "x": [1.0, 2.0, 4.0]}), "x", group_by="g")
    assert list(out.columns) == [
        "g", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
        "value_sum", "value_count", "stdev", "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert list(out["g"]) == ["a", "b"]
    assert list(out["value_count"]) == [2, 1]
    assert out["method"].iloc[0] == "Student's t-distribution"
    assert out["confidence"].iloc[0] == "95%, 99.8%"
    assert out["statistic"].iloc[0] == "mean"


def test_single_value_group_has_na_interval_with_note() -> None:
    # sd is undefined for one value (R's sd gives NA): keep the mean, NA interval, say why.
    out = mean(pd.DataFrame({"g": ["a", "b", "b"], "x": [5.0, 1.0, 3.0]}), "x", group_by="g")
    assert out["value"].iloc[0] == 5.0 and out["value_sum"].iloc[0] == 5.0
    assert np.isnan(out["stdev"].iloc[0])
    assert out[interval_cols(out)].iloc[0].isna().all()
    assert out["value_note"].iloc[0] == NOTE_ONE_VALUE
    assert pd.isna(out["value_note"].iloc[1])
    assert out[interval_cols(out)].iloc[1].notna().all()


def test_missing_value_gives_na_with_note() -> None:
    out = mean(pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, None, 2.0, 4.0]}), "x",
               group_by="g")  # fmt: skip
    first = out.iloc[0]
    assert np.isnan(first["value"]) and np.isnan(first["value_sum"]) and np.isnan(first["stdev"])
    assert first["value_count"] == 2  # like R's length(x)
    assert first["value_note"] == NOTE_MISSING
    assert out["value"].iloc[1] == 3.0


def test_no_rows_gives_na_with_note() -> None:
    out = mean(pd.DataFrame({"x": pd.Series([], dtype="float64")}), "x")
    assert len(out) == 1 and np.isnan(out["value"].iloc[0]) and np.isnan(out["stdev"].iloc[0])
    assert out["value_note"].iloc[0] == NOTE_NO_VALUES


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        (0.5, "confidence level must be between 0.9 and 1 or between 90 and 100"),
        ((0.9, 0.95, 0.998), "a maximum of two confidence levels can be provided"),
        ((0.9, 0.95), "two confidence levels can only be produced if they are specified"),
    ],
)
def test_refuses_bad_confidence(confidence: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        mean(pd.DataFrame({"x": [1.0, 2.0]}), "x", confidence=confidence)  # type: ignore[arg-type]


def test_refuses_missing_x() -> None:
    # errors.csv: "function phe_mean requires at least 2 arguments: data, x"
    with pytest.raises(InputError, match="argument x is required"):
        mean(pd.DataFrame({"x": [1.0]}), None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mean(pd.DataFrame({"x": [1.0]}))  # type: ignore[call-arg]


def test_refuses_type_argument() -> None:
    # errors.csv: "type must be one of ..."; we always return the full result, no type argument.
    with pytest.raises(TypeError, match="type"):
        mean(pd.DataFrame({"x": [1.0]}), "x", type="bad")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("frame", "column", "message"),
    [
        ({"x": [1, "a", "b"]}, "x", "column 'x' (argument x) must be numeric; non-numeric values at rows 2 ('a'), 3 ('b')"),
        ({"x": [1.0]}, "value", "argument x='value' is not a column of data (columns: x)"),
    ],
)  # fmt: skip
def test_refuses_bad_columns(frame: dict, column: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        mean(pd.DataFrame(frame), column)
    assert message in str(err.value)


values = st.lists(
    st.tuples(st.floats(-1e4, 1e4, allow_nan=False), st.integers(0, 3)), min_size=1, max_size=40
)


def frame_of(rows: list[tuple[float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["x", "g"])


@settings(max_examples=50, deadline=None)
@given(values)
def test_interval_contains_value_and_nests(rows: list[tuple[float, int]]) -> None:
    out = mean(frame_of(rows), "x", group_by="g")
    ok = out["value_count"] > 1
    assert (out.loc[~ok, "value_note"] == NOTE_ONE_VALUE).all()
    assert out.loc[ok, "value_note"].isna().all()
    o = out[ok]
    assert (o["lower_99_8"] <= o["lower_95"]).all() and (o["lower_95"] <= o["value"]).all()
    assert (o["value"] <= o["upper_95"]).all() and (o["upper_95"] <= o["upper_99_8"]).all()


@settings(max_examples=50, deadline=None)
@given(values, st.randoms(use_true_random=False))
def test_independent_of_row_order(rows: list[tuple[float, int]], rnd: object) -> None:
    data = frame_of(rows)
    shuffled = data.sample(frac=1, random_state=rnd.randint(0, 10**6))  # type: ignore[attr-defined]
    a = mean(data, "x", group_by="g")
    b = mean(shuffled, "x", group_by="g")
    assert list(a["g"]) == list(b["g"])
    scale = 1e-9 * (1 + data["x"].abs().max())
    for col in ["value", "value_sum", "stdev", *interval_cols(a)]:
        assert_close(a[col], b[col], rtol=1e-7, atol=scale, what=col)


@settings(max_examples=50, deadline=None)
@given(values)
def test_grouped_equals_one_call_per_group(rows: list[tuple[float, int]]) -> None:
    data = frame_of(rows)
    grouped = mean(data, "x", group_by="g", confidence=0.9)
    for i, (g, part) in enumerate(data.groupby("g")):
        single = mean(part, "x", confidence=0.9)
        assert grouped["g"].iloc[i] == g
        for col in ["value", "lower_90", "upper_90", "value_sum", "value_count", "stdev"]:
            assert_close(grouped[col].iloc[[i]], single[col], rtol=0, what=col)
