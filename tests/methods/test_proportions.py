"""Proportions against the reference outputs, error messages and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.proportions import proportion
from tests.reference import assert_close, ours_from_reference, reference_input, reference_output

RUNS = {
    "conf95_998_mult1": dict(confidence=(0.95, 0.998), multiplier=1),
    "conf95_mult100": dict(confidence=0.95, multiplier=100),
    "conf90_mult1": dict(confidence=0.9, multiplier=1),
    "conf99pct_mult1000": dict(confidence=99, multiplier=1000),
    "confNA_mult100": dict(confidence=None, multiplier=100),
}
LABELS = {"conf95_mult100": "95", "conf90_mult1": "90", "conf99pct_mult1000": "99"}


@pytest.mark.parametrize("run", list(RUNS))
def test_ungrouped_matches_reference(run: str) -> None:
    data = reference_input("proportion")
    ours = proportion(data, "x", "n", **RUNS[run])  # type: ignore[arg-type]
    ref = ours_from_reference(reference_output("proportion", run), LABELS.get(run))
    assert len(ours) == len(ref)
    assert (ours["case_id"].to_numpy() == ref["case_id"].to_numpy()).all()
    assert_close(ours["value"], ref["value"], what=f"{run} value")
    for col in [c for c in ours.columns if c.startswith(("lower_", "upper_"))]:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    na_rows = ref["value"].isna().to_numpy()
    assert ours.loc[na_rows, "value_note"].notna().all()
    assert ours.loc[~na_rows, "value_note"].isna().all()
    assert (ours["statistic"] == ref["statistic"]).all()


@pytest.mark.parametrize(
    ("run", "kwargs", "label"),
    [
        ("grouped_conf95_998_mult100", dict(confidence=(0.95, 0.998), multiplier=100), None),
        ("grouped_conf95_standard", dict(confidence=0.95, multiplier=1), "95"),
    ],
)
def test_grouped_matches_reference(run: str, kwargs: dict, label: str | None) -> None:
    ours = proportion(reference_input("proportion_grouped"), "x", "n", group_by="group", **kwargs)
    ref = ours_from_reference(reference_output("proportion_grouped", run), label)
    assert list(ours["group"]) == list(ref["group"])
    assert_close(ours["x"], ref["x"])
    assert_close(ours["n"], ref["n"])
    for col in ["value"] + [c for c in ours.columns if c.startswith(("lower_", "upper_"))]:
        assert_close(ours[col], ref[col], what=f"{run} {col}")


def test_result_shape() -> None:
    out = proportion(
        pd.DataFrame({"g": ["a", "b"], "x": [1, 2], "n": [10, 20]}), "x", "n", group_by="g"
    )
    assert list(out.columns) == [
        "g", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "x", "n",
        "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert out["confidence"].iloc[0] == "95%, 99.8%"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"x": [1, -2, 3], "n": [5, 5, 5]}, "column 'x' (argument x) has negative values at row 2 (-2.0); expected numerators >= 0"),
        ({"x": [1, 6, 7], "n": [5, 5, 5]}, "column 'x' (argument x) has values greater than the denominator in column 'n' at rows 2 (6.0), 3 (7.0)"),
        ({"x": [1, 2], "n": [5, 0]}, "column 'n' (argument n) has zero or negative values at row 2 (0.0); expected denominators > 0"),
        ({"x": [1, "a"], "n": [5, 5]}, "column 'x' (argument x) must be numeric; non-numeric values at row 2 ('a')"),
    ],
)  # fmt: skip
def test_refuses_bad_input_naming_rows(frame: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        proportion(pd.DataFrame(frame), "x", "n")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        (0.8, "confidence level must be between 0.9 and 1 or between 90 and 100"),
        ((0.9, 0.95, 0.998), "a maximum of two confidence levels can be provided"),
        (
            (0.9, 0.95),
            "two confidence levels can only be produced if they are specified as 0.95 and 0.998",
        ),
    ],
)
def test_refuses_bad_confidence(confidence: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        proportion(pd.DataFrame({"x": [1], "n": [2]}), "x", "n", confidence=confidence)  # type: ignore[arg-type]


def test_missing_column_is_named() -> None:
    with pytest.raises(
        InputError, match=r"argument n='pop' is not a column of data \(columns: x, n\)"
    ):
        proportion(pd.DataFrame({"x": [1], "n": [2]}), "x", "pop")


# --- properties -------------------------------------------------------------------------------


@st.composite
def count_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Small frames of (group, x, n) with 0 <= x <= n, n >= 1."""
    rows = draw(st.integers(1, 30))
    n = draw(st.lists(st.integers(1, 5000), min_size=rows, max_size=rows))
    x = [draw(st.integers(0, ni)) for ni in n]
    groups = draw(st.lists(st.sampled_from("abcd"), min_size=rows, max_size=rows))
    return pd.DataFrame({"g": groups, "x": x, "n": n})


@settings(max_examples=60, deadline=None)
@given(count_frames())
def test_intervals_hold_the_value_and_nest(frame: pd.DataFrame) -> None:
    out = proportion(frame, "x", "n", multiplier=100)
    assert (out["lower_95"] <= out["value"] + 1e-9).all()
    assert (out["value"] <= out["upper_95"] + 1e-9).all()
    assert (out["lower_99_8"] <= out["lower_95"] + 1e-12).all()
    assert (out["upper_95"] <= out["upper_99_8"] + 1e-12).all()
    assert out["lower_99_8"].min() >= 0 and out["upper_99_8"].max() <= 100 + 1e-9


@settings(max_examples=60, deadline=None)
@given(count_frames(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(frame: pd.DataFrame, seed: int) -> None:
    shuffled = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    a = proportion(frame, "x", "n", group_by="g")
    b = proportion(shuffled, "x", "n", group_by="g")
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(count_frames())
def test_grouped_equals_one_call_per_group(frame: pd.DataFrame) -> None:
    grouped = proportion(frame, "x", "n", group_by="g").set_index("g")
    for g, part in frame.groupby("g"):
        summed = pd.DataFrame({"x": [part["x"].sum()], "n": [part["n"].sum()]})
        one = proportion(summed, "x", "n").iloc[0]
        for col in ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]:
            assert grouped.loc[g, col] == pytest.approx(one[col], rel=1e-12, abs=1e-15)
