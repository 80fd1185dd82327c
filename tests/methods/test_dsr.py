"""Directly standardised rates against the reference outputs, error messages and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.dsr import METHOD_NONINDEPENDENT, dsr
from healthequity.methods.esp2013 import ESP2013, ESP2013_BANDS
from tests.reference import assert_close, ours_from_reference, reference_input, reference_output

GROUPS = ["area", "kind"]
RUNS = {
    "conf95_998_mult1e5": (dict(confidence=(0.95, 0.998), multiplier=100000), None),
    "conf90_mult1000": (dict(confidence=0.9, multiplier=1000), "90"),
    "conf998pct_standard": (dict(confidence=99.8), "99_8"),
}
NONINDEPENDENT = dict(independent_events=False, eventfreq="eventfreq", ageband="ageband")


def _compare(ours: pd.DataFrame, ref: pd.DataFrame, keys: list[str], run: str) -> None:
    """Same groups in the same order, every number to 1e-9, a note wherever the value is NA."""
    assert len(ours) == len(ref)
    for key in keys:
        assert list(ours[key]) == list(ref[key]), f"{run} {key}"
    intervals = [c for c in ours.columns if c.startswith(("lower_", "upper_"))]
    assert intervals, run
    for col in ["value", "total_count", "total_pop", *intervals]:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    na_rows = ref["value"].isna().to_numpy()
    assert ours.loc[na_rows, "value_note"].notna().all()
    assert ours.loc[~na_rows, "value_note"].isna().all()
    if ref["method"].notna().any():  # type="standard" runs drop the metadata columns
        assert (ours.loc[~na_rows, "statistic"] == ref.loc[~na_rows, "statistic"]).all()
        assert (ours["method"] == ref["method"]).all()
        assert (ours["confidence"] == ref["confidence"]).all()


def _nineteen_band_areas() -> pd.DataFrame:
    data = reference_input("dsr")
    return data[data.groupby(GROUPS)["x"].transform("size") == 19].reset_index(drop=True)


@pytest.mark.parametrize("run", list(RUNS))
def test_calculate_dsr_matches_reference(run: str) -> None:
    kwargs, label = RUNS[run]
    ours = dsr(reference_input("dsr"), "x", "n", stdpop="stdpop", group_by=GROUPS, **kwargs)  # type: ignore[arg-type]
    _compare(ours, ours_from_reference(reference_output("dsr", run), label), GROUPS, run)


def test_na_below_ten_events_has_note() -> None:
    ours = dsr(reference_input("dsr"), "x", "n", stdpop="stdpop", group_by=GROUPS)
    few = (ours["total_count"] < 10).to_numpy()
    assert few.any() and ours.loc[few, "value"].isna().all()
    assert ours.loc[few, "value_note"].str.contains("total count < 10").all()
    assert ours.loc[~few, "value"].notna().all()


def test_deprecated_field_matches_reference() -> None:
    ours = dsr(_nineteen_band_areas(), "x", "n", stdpop="stdpop", group_by=GROUPS)
    ref = ours_from_reference(reference_output("dsr", "deprecated_field_conf95_998"))
    _compare(ours, ref, GROUPS, "deprecated_field_conf95_998")


def test_deprecated_vector_esp2013_matches_reference() -> None:
    data = _nineteen_band_areas()
    ref = ours_from_reference(reference_output("dsr", "deprecated_vector_esp2013_conf95"), "95")
    default = dsr(data, "x", "n", group_by=GROUPS, confidence=0.95)
    _compare(default, ref, GROUPS, "deprecated_vector_esp2013_conf95")
    as_vector = dsr(data, "x", "n", stdpop=list(ESP2013), group_by=GROUPS, confidence=0.95)
    _compare(as_vector, ref, GROUPS, "deprecated_vector_esp2013_conf95 (vector)")


@pytest.mark.parametrize(
    ("run", "kwargs", "label"),
    [
        ("nonindependent_conf95_998", dict(confidence=(0.95, 0.998)), None),
        ("nonindependent_conf95_mult1000", dict(confidence=0.95, multiplier=1000), "95"),
    ],
)
def test_nonindependent_matches_reference(run: str, kwargs: dict, label: str | None) -> None:
    data = reference_input("dsr_nonindependent")
    ours = dsr(data, "x", "n", stdpop="stdpop", group_by="area", **NONINDEPENDENT, **kwargs)
    ref = ours_from_reference(reference_output("dsr_nonindependent", run), label)
    _compare(ours, ref, ["area"], run)
    assert (ours["method"] == METHOD_NONINDEPENDENT).all()


def test_same_events_as_independent_matches_reference() -> None:
    data = reference_input("dsr_nonindependent")
    events = (
        data.assign(x=data["x"] * data["eventfreq"])
        .groupby(["area", "ageband", "n", "stdpop"], as_index=False)["x"]
        .sum()
    )
    ours = dsr(events, "x", "n", stdpop="stdpop", group_by="area")
    ref = ours_from_reference(reference_output("dsr_nonindependent", "same_events_as_independent"))
    _compare(ours, ref, ["area"], "same_events_as_independent")
    assert (ours["method"] == "Dobson").all()


def test_nonindependent_positional_stdpop_per_event_frequency() -> None:
    data = reference_input("dsr_nonindependent").sort_values(["area", "eventfreq", "ageband"])
    by_column = dsr(data, "x", "n", stdpop="stdpop", group_by="area", **NONINDEPENDENT)
    by_default = dsr(data, "x", "n", group_by="area", **NONINDEPENDENT)  # ESP2013 per frequency
    for col in ["value", "lower_95", "upper_99_8", "total_count"]:
        assert_close(by_default[col], by_column[col], what=col)


def test_result_shape_and_esp2013() -> None:
    assert len(ESP2013) == len(ESP2013_BANDS) == 19
    assert sum(ESP2013) == 100000
    frame = pd.DataFrame({"g": ["a"] * 19, "x": range(19), "n": [1000] * 19})
    out = dsr(frame, "x", "n", group_by="g")
    assert list(out.columns) == [
        "g", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "total_count",
        "total_pop", "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert out["confidence"].iloc[0] == "95%, 99.8%"
    assert out["statistic"].iloc[0] == "dsr per 100000"
    assert out["method"].iloc[0] == "Dobson"
    ungrouped = dsr(frame.drop(columns="g"), "x", "n")
    assert len(ungrouped) == 1
    assert ungrouped["value"].iloc[0] == pytest.approx(out["value"].iloc[0], rel=1e-12)


FRAME = {"area": ["a", "a", "a"], "x": [5, 6, 7], "n": [100, 200, 300], "sp": [1, 2, 3]}


def _frame(**changes: list) -> pd.DataFrame:
    return pd.DataFrame({**FRAME, **changes})


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        # errors.csv "negative x", "zero n", "NA n", "NA stdpop", "negative stdpop", "character x"
        (_frame(x=[5, -6, 7]), {}, "column 'x' (argument x) has negative values at row 2 (-6.0); expected numerators >= 0"),
        (_frame(n=[100, 0, 300]), {}, "column 'n' (argument n) has zero or negative values at row 2 (0.0); expected denominators > 0"),
        (_frame(n=[100, None, 300]), {}, "column 'n' (argument n) cannot have missing values; missing at row 2"),
        (_frame(sp=[1, 2, None]), {}, "column 'sp' (argument stdpop) cannot have missing values; missing at row 3"),
        (_frame(sp=[1, -2, 3]), {}, "column 'sp' (argument stdpop) has negative values at row 2 (-2.0); expected standard populations >= 0"),
        (_frame(x=[5, "a", 7]), {}, "column 'x' (argument x) must be numeric; non-numeric values at row 2 ('a')"),
        # "stdpop not a field"
        (_frame(), dict(stdpop="pop"), "argument stdpop='pop' is not a column of data (columns: area, x, n, sp)"),
        # "multiplier 0", "independent_events NA"
        (_frame(), dict(multiplier=0), "multiplier must be greater than 0"),
        (_frame(), dict(independent_events=None), "independent_events must be True or False"),
        # "nonindependent without eventfreq", "... without ageband"
        (_frame(), dict(independent_events=False, ageband="sp"), "argument eventfreq is required when independent_events is False"),
        (_frame(), dict(independent_events=False, eventfreq="sp"), "argument ageband is required when independent_events is False"),
        # "nonindependent inconsistent n": rows 1 and 2 share age band 1 but not n
        (
            _frame(sp=[1, 1, 1]).assign(band=[1, 1, 2], freq=[1, 2, 1]),
            dict(independent_events=False, eventfreq="freq", ageband="band"),
            "column 'n' (argument n) or column 'sp' (argument stdpop) differs between rows with the same grouping and ageband at rows 1, 2",
        ),
        (_frame(sp=[1, 1, 1]).assign(freq=[1, 0, 1]), dict(independent_events=False, eventfreq="freq", ageband="sp"), "column 'freq' (argument eventfreq) has zero or negative values at row 2"),
    ],
)  # fmt: skip
def test_refuses_bad_input_naming_rows(frame: pd.DataFrame, kwargs: dict, message: str) -> None:
    kwargs = {"stdpop": "sp", "group_by": "area", **kwargs}
    with pytest.raises(InputError) as err:
        dsr(frame, "x", "n", **kwargs)
    assert message in str(err.value)


def test_refuses_default_stdpop_on_groups_without_19_bands() -> None:
    """errors.csv "missing stdpop": without a stdpop column the ESP2013 needs 19 rows per group."""
    with pytest.raises(InputError) as err:
        dsr(reference_input("dsr"), "x", "n", group_by=GROUPS)
    text = str(err.value)
    assert "the default standard population (ESP2013, 19 age bands) needs one value per row" in text
    assert "area='D0029', kind='bands_0_74' (15 rows)" in text
    assert "expected 19 rows per group" in text
    with pytest.raises(InputError, match=r"the data \(3 rows, ungrouped\)"):
        dsr(_frame(), "x", "n")


def test_refuses_stdpop_vector_of_wrong_length() -> None:
    """errors.csv phe_dsr "stdpop vector wrong length": the lengths and groups are named."""
    frame = pd.concat([_frame(), _frame(area=["b", "b", "b"])]).iloc[:5]
    with pytest.raises(InputError) as err:
        dsr(frame, "x", "n", stdpop=[1, 2, 3], group_by="area")
    assert "stdpop (3 values) needs one value per row of each group" in str(err.value)
    assert "groups area='b' (2 rows); expected 3 rows per group" in str(err.value)
    assert err.value.rows == (4, 5)
    with pytest.raises(
        InputError, match="stdpop has missing, infinite or negative values at positions 2"
    ):
        dsr(_frame(), "x", "n", stdpop=[1, -1, 3], group_by="area")


@pytest.mark.parametrize(
    ("confidence", "message"),
    [
        (0.8, "confidence level must be between 0.9 and 1 or between 90 and 100"),
        ((0.9, 0.95, 0.998), "a maximum of two confidence levels can be provided"),
        ((0.9, 0.95), "two confidence levels can only be produced if they are specified as 0.95"),
    ],
)
def test_refuses_bad_confidence(confidence: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        dsr(_frame(), "x", "n", stdpop="sp", confidence=confidence)  # type: ignore[arg-type]


def test_missing_x_counts_as_zero() -> None:
    frame = _frame(x=[15, None, 7])
    out = dsr(frame, "x", "n", stdpop="sp")
    zero = dsr(frame.fillna({"x": 0}), "x", "n", stdpop="sp")
    assert out["total_count"].iloc[0] == 22
    assert out["value"].iloc[0] == zero["value"].iloc[0]


# ---- properties ----------------------------------------------------------------------------


@st.composite
def grouped_frames(draw: st.DrawFn) -> pd.DataFrame:
    groups = draw(st.integers(1, 4))
    bands = draw(st.integers(1, 5))
    size = groups * bands
    ints = st.lists
    return pd.DataFrame(
        {
            "g": np.repeat(np.arange(groups), bands),
            "x": draw(ints(st.integers(0, 300), min_size=size, max_size=size)),
            "n": draw(ints(st.integers(1, 100_000), min_size=size, max_size=size)),
            "sp": draw(ints(st.integers(1, 10_000), min_size=size, max_size=size)),
        }
    )


@given(grouped_frames())
@settings(max_examples=50, deadline=None)
def test_intervals_contain_value_and_nest(frame: pd.DataFrame) -> None:
    out = dsr(frame, "x", "n", stdpop="sp", group_by="g")
    ok = out["value"].notna().to_numpy()
    assert (out.loc[ok, "total_count"] >= 10).all()
    v = out.loc[ok, "value"].to_numpy()
    slack = 1e-12 * np.abs(v)
    lo95, hi95 = out.loc[ok, "lower_95"].to_numpy(), out.loc[ok, "upper_95"].to_numpy()
    lo998, hi998 = out.loc[ok, "lower_99_8"].to_numpy(), out.loc[ok, "upper_99_8"].to_numpy()
    assert (lo95 <= v + slack).all() and (v <= hi95 + slack).all()
    assert (lo998 <= lo95 + slack).all() and (hi95 <= hi998 + slack).all()


@given(grouped_frames(), st.randoms(use_true_random=False))
@settings(max_examples=50, deadline=None)
def test_row_order_does_not_matter(frame: pd.DataFrame, rnd: object) -> None:
    order = np.random.default_rng(rnd.randrange(2**32)).permutation(len(frame))  # type: ignore[attr-defined]
    a = dsr(frame, "x", "n", stdpop="sp", group_by="g")
    b = dsr(frame.iloc[order], "x", "n", stdpop="sp", group_by="g")
    for col in ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "total_count"]:
        assert_close(b[col], a[col], rtol=1e-12, what=col)


@given(grouped_frames())
@settings(max_examples=50, deadline=None)
def test_grouped_equals_one_call_per_group(frame: pd.DataFrame) -> None:
    grouped = dsr(frame, "x", "n", stdpop="sp", group_by="g", multiplier=1000)
    single = pd.concat(
        [dsr(part, "x", "n", stdpop="sp", multiplier=1000) for _, part in frame.groupby("g")]
    )
    for col in ["value", "lower_95", "upper_99_8", "total_count", "total_pop"]:
        assert_close(grouped[col], single[col], rtol=1e-12, what=col)
    assert list(grouped["value_note"].isna()) == list(single["value_note"].isna())


@given(grouped_frames())
@settings(max_examples=50, deadline=None)
def test_single_event_frequency_equals_independent(frame: pd.DataFrame) -> None:
    banded = frame.assign(band=frame.groupby("g").cumcount(), freq=1)
    independent = dsr(banded, "x", "n", stdpop="sp", group_by="g")
    adjusted = dsr(
        banded, "x", "n", stdpop="sp", group_by="g",
        independent_events=False, eventfreq="freq", ageband="band",
    )  # fmt: skip
    for col in ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "total_count"]:
        assert_close(adjusted[col], independent[col], rtol=1e-12, what=col)
