"""Comparison with a benchmark: worked examples by hand, errors and properties.

Source: the Fingertips code (github.com/ukhsa-collaboration/fingertips-open,
PholioVisualisationWS/Analysis): SingleOverlappingCIsComparer (benchmark inside the area's
interval, limits included -> same; otherwise the area's value against the benchmark),
SpcForProportionsComparer (Wilson control limits around the benchmark for the area's
denominator), IndicatorComparer.AdjustForPolarity, and Fingertips' labels Better / Similar /
Worse, Higher / Lower (BOB) and Not compared (missing data, polarity 'Not applicable').
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.proportions import proportion
from healthequity.methods.significance import compare_to_benchmark

# Five areas, England (the benchmark) = 11.
AREAS = pd.DataFrame(
    {
        "area": ["A", "B", "C", "D", "E"],
        "value": [10.0, 12.0, 14.0, 8.0, 10.2],
        "lower_95": [9.0, 11.5, 13.0, 7.5, 9.4],
        "upper_95": [11.0, 12.5, 15.0, 8.5, 10.9],
        "lower_99_8": [8.5, 10.0, 12.0, 7.0, 9.0],
        "upper_99_8": [11.5, 13.0, 16.0, 9.0, 11.4],
    }
)


def labels(out: pd.DataFrame, level: str = "95") -> list[str]:
    return list(out[f"compared_to_benchmark_{level}"])


def test_worked_example_interval_overlap() -> None:
    # A: 11 in [9, 11] (on the upper limit: limits count as inside)  -> similar at both levels
    # B: 11 < 11.5 at 95%: value 12 above 11 -> higher; 11 in [10, 13] at 99.8% -> similar
    # C: 11 < 13 and 11 < 12: higher at both levels
    # D: 11 > 8.5 and 11 > 9: lower at both levels
    # E: 11 > 10.9 at 95% -> lower; 11 in [9, 11.4] at 99.8% -> similar
    high = compare_to_benchmark(AREAS, benchmark=11, polarity="RAG - High is good")
    assert labels(high) == ["Similar", "Better", "Better", "Worse", "Worse"]
    assert labels(high, "99_8") == ["Similar", "Similar", "Better", "Worse", "Similar"]
    low = compare_to_benchmark(AREAS, benchmark=11, polarity="RAG - Low is good")
    assert labels(low) == ["Similar", "Worse", "Worse", "Better", "Better"]
    bob = compare_to_benchmark(AREAS, benchmark=11, polarity="BOB - Blue orange blue")
    assert labels(bob) == ["Similar", "Higher", "Higher", "Lower", "Lower"]
    assert labels(bob, "99_8") == ["Similar", "Similar", "Higher", "Lower", "Similar"]
    assert list(high.columns) == [
        *AREAS.columns, "compared_to_benchmark_95", "compared_to_benchmark_99_8",
        "comparison_note",
    ]  # fmt: skip
    assert high["comparison_note"].isna().all()


def test_worked_example_spc_for_proportions() -> None:
    # Fingertips' SPC for proportions, benchmark 20% and an area denominator N = 100, 95%:
    # z = 1.959964, z^2 = 3.841459; expected events E = N p0 = 20
    # B = z sqrt(z^2 + 4 E (1 - E / N)) = 1.959964 * sqrt(3.841459 + 64) = 16.143425
    # A = 2 E + z^2 = 43.841459; C = 2 (N + z^2) = 207.682918
    # limits (A -+ B) / C = 0.133367 and 0.288829
    z = 1.959963984540054
    b = z * math.sqrt(z**2 + 4 * 20 * (1 - 20 / 100))
    a, c = 2 * 20 + z**2, 2 * (100 + z**2)
    lower, upper = (a - b) / c, (a + b) / c
    assert (round(lower, 6), round(upper, 6)) == (0.133367, 0.288829)
    # areas with 13, 14, 28, 29 events out of 100: 0.13 < lower; 0.14, 0.28 inside; 0.29 > upper
    data = pd.DataFrame({"x": [13, 14, 28, 29], "n": [100] * 4})
    out = compare_to_benchmark(
        data, benchmark=20, x="x", n="n", multiplier=100, polarity="high", confidence=0.95
    )
    assert labels(out) == ["Worse", "Similar", "Similar", "Better"]
    # the same with the benchmark as a fraction (multiplier 1)
    out = compare_to_benchmark(data, benchmark=0.2, x="x", n="n", polarity="none", confidence=0.95)
    assert labels(out) == ["Lower", "Similar", "Similar", "Higher"]


def test_spc_at_99_8_is_wider() -> None:
    data = pd.DataFrame({"x": [10, 30, 20], "n": [100, 100, 100]})
    out = compare_to_benchmark(data, benchmark=20, polarity="high", x="x", n="n", multiplier=100)
    assert labels(out) == ["Worse", "Better", "Similar"]
    assert labels(out, "99_8") == ["Worse", "Similar", "Similar"]


def test_works_on_proportion_output_with_benchmark_column() -> None:
    data = pd.DataFrame({"area": ["A", "B", "C"], "x": [30, 50, 70], "n": [100, 100, 100]})
    result = proportion(data, "x", "n", multiplier=100).assign(parent=[50.0, 50.0, np.nan])
    out = compare_to_benchmark(result, benchmark="parent", polarity="low")
    # A: 30% with 95% CI about [21.9, 39.6], parent 50 above it -> lower -> better (low is good)
    assert labels(out) == ["Better", "Similar", "Not compared"]
    assert out["comparison_note"].iloc[2] == "benchmark missing"
    assert list(out["value_note"].isna()) == [True, True, True]  # the input's columns are kept


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("RAG - High is good", ["Better", "Worse"]),
        ("rag - high is good", ["Better", "Worse"]),
        ("high", ["Better", "Worse"]),
        ("High is good", ["Better", "Worse"]),
        ("RAG - Low is good", ["Worse", "Better"]),
        ("low", ["Worse", "Better"]),
        ("BOB - Blue orange blue", ["Higher", "Lower"]),
        ("none", ["Higher", "Lower"]),
        ("Not applicable", ["Not compared", "Not compared"]),
    ],
)
def test_polarity_names(polarity: str, expected: list[str]) -> None:
    data = AREAS.iloc[[2, 3]]
    assert labels(compare_to_benchmark(data, benchmark=11, polarity=polarity)) == expected


def test_polarity_column_per_row() -> None:
    data = AREAS.iloc[[2, 2, 2, 2]].assign(
        pol=["high", "low", "BOB - Blue orange blue", "Not applicable"]
    )
    out = compare_to_benchmark(data, benchmark=11, polarity="pol")
    assert labels(out) == ["Better", "Worse", "Higher", "Not compared"]
    assert out["comparison_note"].iloc[3] == "polarity 'Not applicable': not compared"


def test_missing_inputs_are_not_compared_with_a_note() -> None:
    data = pd.DataFrame(
        {
            "value": [np.nan, 5.0, 5.0],
            "lower_95": [1.0, np.nan, 4.0],
            "upper_95": [2.0, 6.0, 6.0],
            "b": [3.0, 3.0, np.nan],
        }
    )
    out = compare_to_benchmark(data, benchmark="b", polarity="high", confidence=0.95)
    assert labels(out) == ["Not compared"] * 3
    assert list(out["comparison_note"]) == [
        "value missing",
        "95% confidence interval missing",
        "benchmark missing",
    ]


def test_custom_interval_columns_and_single_level() -> None:
    data = AREAS.rename(columns={"lower_99_8": "lo", "upper_99_8": "hi"})
    out = compare_to_benchmark(
        data, benchmark=11, polarity="high", confidence=99.8, lower="lo", upper="hi"
    )
    assert labels(out, "99_8") == ["Similar", "Similar", "Better", "Worse", "Similar"]
    assert "compared_to_benchmark_95" not in out.columns


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (AREAS, {"polarity": "up"}, "polarity='up' is neither a polarity nor a column of data"),
        (AREAS.assign(p=["high", "low", "sideways", "high", np.nan]), {"polarity": "p"}, "column 'p' (argument polarity) has unknown polarities at rows 3 ('sideways'), 5 (nan)"),
        (AREAS.assign(lower_95=[9.0, 13.0, 13.0, 7.5, 9.4]), {}, "column 'lower_95' (argument lower) has values above the upper limit in column 'upper_95' at row 2 (13.0); expected lower <= upper"),
        (AREAS.assign(value=["1", "x", "2", "3", "4"]), {}, "column 'value' (argument value) must be numeric; non-numeric values at row 2 ('x')"),
        (AREAS.drop(columns="upper_99_8"), {}, "argument upper='upper_99_8' is not a column of data"),
        (AREAS, {"benchmark": "England"}, "argument benchmark='England' is not a column of data"),
        (AREAS, {"benchmark": [11]}, "benchmark=[11] must be a number or the name of a column"),
        (AREAS, {"benchmark": float("nan")}, "benchmark=nan must be a finite number"),
        (AREAS, {"lower": "lower_95"}, "argument lower='lower_95' gives 1 column(s) for 2 confidence level(s)"),
        (AREAS, {"confidence": 0.8}, "confidence: 0.8 is out of range"),
        (AREAS, {"confidence": None}, "confidence: no confidence level given"),
        (AREAS.assign(x=1, n=2), {"x": "x", "n": "n", "lower": "lower_95"}, "give either the interval columns (lower, upper) or the counts (x, n), not both"),
    ],
)  # fmt: skip
def test_refuses_bad_input(data: pd.DataFrame, kwargs: dict, message: str) -> None:
    kwargs = {"benchmark": 11, "polarity": "high", **kwargs}
    with pytest.raises(InputError) as err:
        compare_to_benchmark(data, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        ({"x": [1, -2], "n": [5, 5]}, {}, "column 'x' (argument x) has negative values at row 2 (-2.0)"),
        ({"x": [1, 6], "n": [5, 5]}, {}, "column 'x' (argument x) has values greater than the denominator in column 'n' at row 2 (6.0)"),
        ({"x": [1, 0], "n": [5, 0]}, {}, "column 'n' (argument n) has zero or negative values at row 2 (0.0)"),
        ({"x": [1, 2], "n": [5, 5]}, {"benchmark": 1.5}, "benchmark=1.5 is not a proportion times the multiplier 1"),
        ({"x": [1, 2], "n": [5, 5], "b": [0.5, 120.0]}, {"benchmark": "b", "multiplier": 100}, "column 'b' (argument benchmark) has values outside 0 to 100 at row 2 (120.0)"),
    ],
)  # fmt: skip
def test_refuses_bad_counts(frame: dict, kwargs: dict, message: str) -> None:
    kwargs = {"benchmark": 0.5, "polarity": "high", "x": "x", "n": "n", **kwargs}
    with pytest.raises(InputError) as err:
        compare_to_benchmark(pd.DataFrame(frame), **kwargs)
    assert message in str(err.value)


# ---- properties -------------------------------------------------------------------------

FLIP = {"Better": "Worse", "Worse": "Better", "Higher": "Lower", "Lower": "Higher"}


@st.composite
def areas(draw: st.DrawFn) -> pd.DataFrame:
    size = draw(st.integers(1, 12))
    finite = st.floats(-1e3, 1e3, allow_nan=False)
    value = np.array(draw(st.lists(finite, min_size=size, max_size=size)))
    h95 = np.array(draw(st.lists(st.floats(0, 50), min_size=size, max_size=size)))
    extra = np.array(draw(st.lists(st.floats(0, 50), min_size=size, max_size=size)))
    bench = np.array(draw(st.lists(finite, min_size=size, max_size=size)))
    return pd.DataFrame(
        {
            "value": value,
            "lower_95": value - h95,
            "upper_95": value + h95,
            "lower_99_8": value - h95 - extra,
            "upper_99_8": value + h95 + extra,
            "b": bench,
        }
    )


@settings(max_examples=50, deadline=None)
@given(areas(), st.sampled_from(["high", "low", "none"]))
def test_99_8_never_stronger_than_95(data: pd.DataFrame, polarity: str) -> None:
    out = compare_to_benchmark(data, benchmark="b", polarity=polarity)
    for c95, c998 in zip(labels(out), labels(out, "99_8"), strict=True):
        assert c998 in ("Similar", c95)  # a difference at 99.8% is one at 95% too
        if c95 == "Similar":
            assert c998 == "Similar"


@settings(max_examples=50, deadline=None)
@given(areas())
def test_polarity_and_mirror_symmetry(data: pd.DataFrame) -> None:
    high = labels(compare_to_benchmark(data, benchmark="b", polarity="high"))
    low = labels(compare_to_benchmark(data, benchmark="b", polarity="low"))
    assert low == [FLIP.get(v, v) for v in high]
    mirrored = pd.DataFrame(
        {
            "value": -data["value"],
            "lower_95": -data["upper_95"],
            "upper_95": -data["lower_95"],
            "lower_99_8": -data["upper_99_8"],
            "upper_99_8": -data["lower_99_8"],
            "b": -data["b"],
        }
    )
    none = labels(compare_to_benchmark(data, benchmark="b", polarity="none"))
    assert labels(compare_to_benchmark(mirrored, benchmark="b", polarity="none")) == [
        FLIP.get(v, v) for v in none
    ]


@settings(max_examples=50, deadline=None)
@given(areas(), st.randoms(use_true_random=False))
def test_row_wise_order_and_parts(data: pd.DataFrame, rnd: object) -> None:
    out = compare_to_benchmark(data, benchmark="b", polarity="low")
    order = list(range(len(data)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = compare_to_benchmark(data.iloc[order], benchmark="b", polarity="low")
    pd.testing.assert_frame_equal(shuffled, out.iloc[order].reset_index(drop=True))
    # a benchmark column is the same as one call per row with that number
    for i in range(len(data)):
        alone = compare_to_benchmark(
            data.iloc[[i]], benchmark=float(data["b"].iloc[i]), polarity="low"
        )
        pd.testing.assert_frame_equal(alone, out.iloc[[i]].reset_index(drop=True))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(1, 2000), min_size=1, max_size=10),
    st.floats(0.01, 0.99),
    st.data(),
)
def test_spc_row_order(ns: list[int], p0: float, draw: st.DataObject) -> None:
    xs = [draw.draw(st.integers(0, k)) for k in ns]
    data = pd.DataFrame({"x": xs, "n": ns})
    out = compare_to_benchmark(data, benchmark=p0, polarity="high", x="x", n="n")
    rev = compare_to_benchmark(data.iloc[::-1], benchmark=p0, polarity="high", x="x", n="n")
    pd.testing.assert_frame_equal(rev, out.iloc[::-1].reset_index(drop=True))
    for c95, c998 in zip(labels(out), labels(out, "99_8"), strict=True):
        assert c998 in ("Similar", c95)
