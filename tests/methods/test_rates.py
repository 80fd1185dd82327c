"""Rates against the reference outputs, error messages and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.rates import NOTE_MISSING, NOTE_NO_LOWER, rate, rate_statistic
from tests.reference import assert_close, ours_from_reference, reference_input, reference_output

RUNS = {
    "conf95_998_mult1e5": dict(confidence=(0.95, 0.998), multiplier=100000),
    "conf95_mult1000": dict(confidence=0.95, multiplier=1000),
    "conf90pct_mult100": dict(confidence=90, multiplier=100),
    "conf99_mult1": dict(confidence=0.99, multiplier=1),
}
LABELS = {"conf95_mult1000": "95", "conf90pct_mult100": "90", "conf99_mult1": "99"}


def interval_cols(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("lower_", "upper_"))]


@pytest.mark.parametrize("run", list(RUNS))
def test_matches_reference(run: str) -> None:
    data = reference_input("rate")
    ours = rate(data, "x", "n", **RUNS[run])  # type: ignore[arg-type]
    ref = ours_from_reference(reference_output("rate", run), LABELS.get(run))
    assert len(ours) == len(ref)
    assert (ours["case_id"].to_numpy() == ref["case_id"].to_numpy()).all()
    assert_close(ours["x"], ref["x"], what=f"{run} x")
    assert_close(ours["n"], ref["n"], what=f"{run} n")
    assert_close(ours["value"], ref["value"], what=f"{run} value")
    assert interval_cols(ours) == [c for c in ref.columns if c.startswith(("lower_", "upper_"))]
    for col in interval_cols(ours):
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    na_rows = ref["value"].isna().to_numpy()
    assert na_rows.sum() == 10
    assert (ours.loc[na_rows, "value_note"] == NOTE_MISSING).all()
    assert ours.loc[~na_rows, "value_note"].isna().all()
    assert ours.loc[na_rows, "method"].isna().all()
    assert (ours.loc[~na_rows, "method"] == ref.loc[~na_rows, "method"]).all()
    assert (ours["statistic"] == ref["statistic"]).all()
    assert (ours["confidence"] == ref["confidence"]).all()


def test_result_shape_grouped() -> None:
    data = pd.DataFrame({"g": ["b", "a", "b"], "x": [1, 2, 30], "n": [10, 20, 40]})
    out = rate(data, "x", "n", group_by="g")
    assert list(out.columns) == [
        "g", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "x", "n",
        "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert list(out["g"]) == ["a", "b"]
    assert list(out["x"]) == [2, 31]
    assert list(out["n"]) == [20, 50]
    assert list(out["method"]) == ["Exact", "Byars"]
    assert out["confidence"].iloc[0] == "95%, 99.8%"
    assert out["statistic"].iloc[0] == "rate per 100000"


def test_grouped_missing_count_gives_na_with_note() -> None:
    data = pd.DataFrame({"g": ["a", "a", "b"], "x": [1, None, 3], "n": [10, 20, 40]})
    out = rate(data, "x", "n", group_by="g")
    assert np.isnan(out["value"].iloc[0]) and np.isnan(out["lower_95"].iloc[0])
    assert out["value_note"].iloc[0] == NOTE_MISSING
    assert pd.isna(out["value_note"].iloc[1])


def test_grouped_equals_reference_on_summed_rows() -> None:
    data = reference_input("rate")
    data = data[data["kind"] != "na_x"].assign(g=lambda d: d["case_id"] % 7)
    grouped = rate(data, "x", "n", group_by="g")
    summed = data.groupby("g")[["x", "n"]].sum().reset_index()
    plain = rate(summed, "x", "n")
    for col in ["value", *interval_cols(grouped)]:
        assert_close(grouped[col], plain[col], rtol=1e-12, what=col)


def test_statistic_text() -> None:
    assert rate_statistic(100000) == "rate per 100000"
    assert rate_statistic(1) == "rate per 1"
    assert rate_statistic(1e6) == "rate per 1000000"
    assert rate_statistic(0.5) == "rate per 0.5"


def test_confidence_one_is_accepted_and_byars_lower_is_na() -> None:
    # errors.csv: "confidence=1 is accepted (no error; Byar lower limit becomes NA)"
    out = rate(pd.DataFrame({"x": [0, 5, 10, 500], "n": [100, 100, 100, 1000]}), "x", "n",
               confidence=1, multiplier=1)  # fmt: skip
    assert list(out["method"]) == ["Exact", "Exact", "Byars", "Byars"]
    assert list(out["lower_100"][:2]) == [0.0, 0.0]
    assert out["lower_100"][2:].isna().all()
    assert np.isinf(out["upper_100"]).all()
    assert list(out["value"]) == [0.0, 0.05, 0.1, 0.5]
    assert out["value_note"][:2].isna().all()
    assert (out["value_note"][2:] == NOTE_NO_LOWER).all()
    assert out["confidence"].iloc[0] == "100%"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        # errors.csv: negative numerator
        ({"x": [1, -2, 3], "n": [5, 5, 5]}, "column 'x' (argument x) has negative values at row 2 (-2.0); expected numerators >= 0"),
        # errors.csv: zero denominator
        ({"x": [1, 2], "n": [5, 0]}, "column 'n' (argument n) has zero or negative values at row 2 (0.0); expected denominators > 0"),
        ({"x": [1, 2, 3], "n": [-5, 5, -1]}, "has zero or negative values at rows 1 (-5.0), 3 (-1.0)"),
        ({"x": [1, "a"], "n": [5, 5]}, "column 'x' (argument x) must be numeric; non-numeric values at row 2 ('a')"),
    ],
)  # fmt: skip
def test_refuses_bad_input_naming_rows(frame: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        rate(pd.DataFrame(frame), "x", "n")
    assert message in str(err.value)


def test_numerator_may_exceed_denominator() -> None:
    out = rate(pd.DataFrame({"x": [50], "n": [10]}), "x", "n", multiplier=1)
    assert out["value"].iloc[0] == 5.0


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        (50, "confidence level must be between 0.9 and 1 or between 90 and 100"),  # errors.csv
        (0.8, "confidence level must be between 0.9 and 1 or between 90 and 100"),
        ((0.9, 0.95, 0.998), "a maximum of two confidence levels can be provided"),
        ((0.9, 0.95), "two confidence levels can only be produced if they are specified"),
    ],
)
def test_refuses_bad_confidence(confidence: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        rate(pd.DataFrame({"x": [1], "n": [2]}), "x", "n", confidence=confidence)  # type: ignore[arg-type]


def test_refuses_bad_multiplier_and_columns() -> None:
    with pytest.raises(InputError, match="multiplier must be greater than 0"):
        rate(pd.DataFrame({"x": [1], "n": [2]}), "x", "n", multiplier=0)
    with pytest.raises(InputError, match=r"argument n='pop' is not a column of data"):
        rate(pd.DataFrame({"x": [1], "n": [2]}), "x", "pop")
    with pytest.raises(InputError, match="argument group_by='area' is not a column"):
        rate(pd.DataFrame({"x": [1], "n": [2]}), "x", "n", group_by="area")


counts = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(1, 10**7), st.integers(0, 3)),
    min_size=1,
    max_size=30,
)


def frame_of(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["x", "n", "g"])


@settings(max_examples=50, deadline=None)
@given(counts)
def test_interval_contains_value_and_nests(rows: list[tuple[int, int, int]]) -> None:
    out = rate(frame_of(rows), "x", "n")
    v = out["value"].to_numpy()
    tol = 1e-12 * np.abs(v)
    assert (out["lower_95"] <= v + tol).all() and (v - tol <= out["upper_95"]).all()
    assert (out["lower_99_8"] <= out["lower_95"] * (1 + 1e-12)).all()
    assert (out["upper_95"] <= out["upper_99_8"] * (1 + 1e-12)).all()
    assert out["value_note"].isna().all()


@settings(max_examples=50, deadline=None)
@given(counts, st.randoms(use_true_random=False))
def test_grouped_independent_of_row_order(rows: list[tuple[int, int, int]], rnd: object) -> None:
    data = frame_of(rows)
    shuffled = data.sample(frac=1, random_state=rnd.randint(0, 10**6))  # type: ignore[attr-defined]
    a = rate(data, "x", "n", group_by="g")
    b = rate(shuffled, "x", "n", group_by="g")
    pd.testing.assert_frame_equal(a, b)
    c = rate(shuffled, "x", "n").set_index(shuffled.index).sort_index()
    d = rate(data, "x", "n")
    for col in ["value", *interval_cols(d)]:
        assert_close(c[col], d[col], rtol=0, what=col)


@settings(max_examples=50, deadline=None)
@given(counts)
def test_grouped_equals_one_call_per_group(rows: list[tuple[int, int, int]]) -> None:
    data = frame_of(rows)
    grouped = rate(data, "x", "n", group_by="g", confidence=0.95, multiplier=1000)
    for i, (g, part) in enumerate(data.groupby("g")):
        single = rate(part.assign(k=0), "x", "n", group_by="k", confidence=0.95, multiplier=1000)
        assert grouped["g"].iloc[i] == g
        for col in ["value", "lower_95", "upper_95", "x", "n", "method"]:
            assert grouped[col].iloc[i] == single[col].iloc[0]
