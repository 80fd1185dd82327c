"""Indirectly standardised ratios and rates against the reference outputs, errors and properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.isr import israte, isratio
from tests.reference import assert_close, ours_from_reference, reference_input, reference_output

FUNCS: dict[str, Callable[..., pd.DataFrame]] = {"isratio": isratio, "israte": israte}
INTERVALS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]


def _field(_: pd.DataFrame) -> dict[str, Any]:
    return {}


def _vector_inputs() -> tuple[pd.DataFrame, dict[str, Any]]:
    """The vector runs: areas of kind != 'na_xref', reference vectors of area I001."""
    data = reference_input("isr")
    i001 = data[data["area"] == "I001"].sort_values("ageband")
    refs = {"x_ref": i001["x_ref"].to_numpy(), "n_ref": i001["n_ref"].to_numpy()}
    return data[data["kind"] != "na_xref"], refs


def _totals_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observed_totals runs: the first 100 random areas, x dropped and given as totals."""
    data = reference_input("isr")
    data = data[data["kind"] == "random"]
    data = data[data["area"].isin(data["area"].drop_duplicates().iloc[:100])]
    totals = data.groupby("area")["x"].sum().reset_index()
    return data.drop(columns=["x", "kind"]), totals


# (function, run, keyword arguments, single-level label)
RUNS: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("isratio", "field_conf95_998_ref1", {"confidence": (0.95, 0.998), "refvalue": 1}, None),
    ("isratio", "field_conf95_ref100", {"confidence": 0.95, "refvalue": 100}, "95"),
    ("isratio", "field_conf90pct_standard", {"confidence": 90}, "90"),
    ("israte", "field_conf95_998_mult1e5", {"multiplier": 100000}, None),
    ("israte", "field_conf90_mult1000", {"confidence": 0.9, "multiplier": 1000}, "90"),
]


def _compare(func: str, ours: pd.DataFrame, ref: pd.DataFrame, run: str, keys: list[str]) -> None:
    assert len(ours) == len(ref), run
    for key in keys:
        assert list(ours[key]) == list(ref[key]), f"{run} {key}"
    counts = ["observed", "expected"] + (["ref_rate"] if func == "israte" else [])
    cols = ["value", *counts] + [c for c in ours.columns if c.startswith(("lower_", "upper_"))]
    for col in cols:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    if "value_note" in ours.columns:
        assert ours.loc[ref["value"].isna().to_numpy(), "value_note"].notna().all()
    for text in ["method", "statistic", "confidence"]:
        if ref[text].notna().all():  # type='standard' runs drop them
            assert list(ours[text]) == list(ref[text]), f"{run} {text}"


@pytest.mark.parametrize(("func", "run", "kwargs", "label"), RUNS)
def test_field_runs_match_reference(
    func: str, run: str, kwargs: dict[str, Any], label: str | None
) -> None:
    data = reference_input("isr")
    ours = FUNCS[func](
        data, "x", "n", "x_ref", "n_ref", refpoptype="field", group_by=["area", "kind"], **kwargs
    )
    ref = ours_from_reference(reference_output(func, run), label)
    _compare(func, ours, ref, run, ["area", "kind"])


@pytest.mark.parametrize("func", ["isratio", "israte"])
def test_vector_runs_match_reference(func: str) -> None:
    """Vector runs match, except three areas where the reference did not use the vector.

    In R, ``mutate(data, xrefpop_calc = x_ref)`` finds the data's own column x_ref before the
    function's argument, so the recorded vector runs equal the field runs. Three zero_pop_band
    areas have a missing x_ref in their own column: there the reference counted it as zero,
    while we use the vector given (I001's values), as documented.
    """
    data, refs = _vector_inputs()
    ours = FUNCS[func](
        data.drop(columns=["x_ref", "n_ref"]),
        "x",
        "n",
        refs["x_ref"],
        refs["n_ref"],
        refpoptype="vector",
        group_by=["area", "kind"],
    )
    ref = ours_from_reference(reference_output(func, "vector_conf95_998"))
    shadowed = ref["area"].isin(data.loc[data["x_ref"].isna(), "area"]).to_numpy()
    assert shadowed.sum() == 3
    _compare(func, ours[~shadowed], ref[~shadowed], "vector_conf95_998", ["area", "kind"])
    # the three areas: the reference equals its field run; ours equals the field computation
    # with the band's x_ref taken from the vector
    field_run = "field_conf95_998_ref1" if func == "isratio" else "field_conf95_998_mult1e5"
    field_ref = ours_from_reference(reference_output(func, field_run))
    field_ref = field_ref.set_index("area").loc[ref.loc[shadowed, "area"]].reset_index()
    _compare(func, field_ref, ref[shadowed], "vector = field in R", ["area", "kind"])
    filled = data.assign(x_ref=np.tile(refs["x_ref"], len(data) // len(refs["x_ref"])))
    ours_field = FUNCS[func](filled, "x", "n", "x_ref", "n_ref", group_by=["area", "kind"])
    for col in ["value", "expected", *INTERVALS]:
        assert_close(ours.loc[shadowed, col], ours_field.loc[shadowed, col], rtol=1e-12)
    differ = ours.loc[shadowed, "value"].to_numpy() / ref.loc[shadowed, "value"].to_numpy() - 1
    assert (np.abs(differ) > 1e-4).all()


@pytest.mark.parametrize(
    ("func", "run", "kwargs", "label"),
    [
        ("isratio", "observed_totals_conf95_998", {}, None),
        ("israte", "observed_totals_conf95", {"confidence": 0.95}, "95"),
    ],
)
def test_observed_totals_runs_match_reference(
    func: str, run: str, kwargs: dict[str, Any], label: str | None
) -> None:
    data, totals = _totals_inputs()
    ours = FUNCS[func](
        data, "x", "n", "x_ref", "n_ref", group_by="area", observed_totals=totals, **kwargs
    )
    ref = ours_from_reference(reference_output(func, run), label)
    _compare(func, ours, ref, run, ["area"])


def test_missing_counts_are_zero_with_a_note() -> None:
    """As the reference: missing x and x_ref count as zero; the value stays, with a note."""
    data = reference_input("isr")
    out = isratio(data, "x", "n", "x_ref", "n_ref", group_by=["area", "kind"])
    notes = out.set_index("kind")["value_note"]
    assert notes.loc["na_x"].str.contains("missing values of x counted as zero").all()
    assert notes.loc["na_xref"].str.contains("x_ref").all()
    assert out.loc[out["kind"] == "random", "value_note"].isna().all()
    assert out["value"].notna().all()


def test_result_shape_and_texts() -> None:
    data = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "x": [3, 4, 20, 30], "n": [100, 200, 1000, 900]}
    )
    ratio = isratio(data, "x", "n", [10, 30], [1000, 2000], refpoptype="vector", group_by="g")
    assert list(ratio.columns) == [
        "g", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "observed", "expected",
        "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert list(ratio["method"]) == ["Exact", "Byars"]
    assert ratio["statistic"].iloc[0] == "indirectly standardised ratio x 1"
    rate = israte(data, "x", "n", [10, 30], [1000, 2000], refpoptype="vector", group_by="g")
    assert list(rate.columns[6:9]) == ["observed", "expected", "ref_rate"]
    assert rate["statistic"].iloc[0] == "indirectly standardised rate per 100000"
    assert israte(
        data, "x", "n", [1, 3], [9, 9], refpoptype="vector", group_by="g", multiplier=1e6
    )["statistic"].iloc[0] == ("indirectly standardised rate per 1000000")
    ungrouped = isratio(data, "x", "n", [1, 3, 2, 2], [9, 9, 9, 9], refpoptype="vector")
    assert len(ungrouped) == 1
    assert ungrouped["observed"].iloc[0] == 57


def test_unreliable_groups_are_na_with_a_note() -> None:
    data = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "n": [0, 0, 10, 20], "xr": [1, 2, 1, 2], "nr": [9, 9, 9, 9]}
    )
    totals = pd.DataFrame({"g": ["a", "c"], "x": [5, 7]})
    out = israte(data, "x", "n", "xr", "nr", group_by="g", observed_totals=totals)
    assert out["value"].isna().all()
    assert out["lower_95"].isna().all()
    assert list(out["value_note"]) == [
        "expected events are zero (no population in the group)",
        "no observed total for this group in observed_totals",
    ]


BASE = {"area": ["a", "a", "b", "b"], "x": [1, 2, 3, 4], "n": [10, 20, 30, 40]}
REFS = {"x_ref": [5, 6, 5, 6], "n_ref": [100, 200, 100, 200]}


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        # errors.csv: "negative x"
        ({"x": [1, -2, 3, 4]}, {}, "column 'x' (argument x) has negative values at row 2 (-2.0); expected numerators >= 0"),
        # errors.csv: "refpoptype bad"
        ({}, {"refpoptype": "columns"}, "refpoptype: 'columns' is not valid; valid values for refpoptype are 'vector' and 'field'"),
        # errors.csv: "unequal rows per group" (and the same for refpoptype='vector')
        ({"area": ["a", "a", "a", "b"]}, {}, "data must contain the same number of rows (one per standardisation category) for each group: 1 group(s) have 3 rows, but area='b' has 1 row"),
        ({"n": [10, -1, 30, 40]}, {}, "column 'n' (argument n) has negative values at row 2 (-1.0)"),
        ({"n_ref": [100, 0, 100, np.nan]}, {}, "column 'n_ref' (argument n_ref) cannot have missing values; missing at row 4"),
        ({"n_ref": [100, 0, 100, 200]}, {}, "column 'n_ref' (argument n_ref) has zero or negative values at row 2 (0.0)"),
        ({"x_ref": [5, 6, -5, 6]}, {}, "column 'x_ref' (argument x_ref) has negative values at row 3 (-5.0)"),
        ({"x": [1, "two", 3, 4]}, {}, "column 'x' (argument x) must be numeric; non-numeric values at row 2 ('two')"),
        ({}, {"refvalue": 0}, "refvalue: 0; multiplier must be greater than 0"),
        ({}, {"confidence": 0.8}, "confidence level must be between 0.9 and 1 or between 90 and 100"),
    ],
)  # fmt: skip
def test_refuses_bad_input(change: dict[str, Any], kwargs: dict[str, Any], message: str) -> None:
    data = pd.DataFrame({**BASE, **REFS, **change})
    with pytest.raises(InputError) as err:
        isratio(data, "x", "n", "x_ref", "n_ref", group_by="area", **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("x_ref", "n_ref", "area", "message"),
    [
        # errors.csv: "vector ref wrong length"
        ([5, 6, 7], [100, 200], BASE["area"], "argument x_ref has 3 values but each group has 2 rows; with refpoptype='vector' x_ref needs one value per row of each group"),
        ([5, 6], [100, 200, 300], BASE["area"], "argument n_ref has 3 values but each group has 2 rows"),
        ([5, 6, 7], [1, 2, 3], ["a", "a", "b", "c"], "2 group(s) have 1 row, but area='a' has 2 rows"),
        ([5, -6], [100, 200], BASE["area"], "argument x_ref has negative values at position(s) 2 (-6.0)"),
        ([5, 6], [100, np.nan], BASE["area"], "argument n_ref has missing values at position(s) 2"),
        ([5, 6], [0, 100], BASE["area"], "argument n_ref has zero or negative values at position(s) 1 (0.0)"),
        ("x_ref", [100, 200], BASE["area"], "argument x_ref must be a sequence of numbers"),
    ],
)  # fmt: skip
def test_refuses_bad_vectors(x_ref: Any, n_ref: Any, area: list[str], message: str) -> None:
    data = pd.DataFrame({**BASE, "area": area})
    with pytest.raises(InputError) as err:
        israte(data, "x", "n", x_ref, n_ref, refpoptype="vector", group_by="area")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ({"area": ["a", "b"], "obs": [1, 2]}, "observed_totals must hold the observed total column 'x' (argument x) (columns: area, obs)"),
        ({"region": ["a", "b"], "x": [1, 2]}, "observed_totals must hold the grouping column 'area'"),
        ({"area": ["a", "b"], "x": [1, -2]}, "column 'x' (argument x of observed_totals) has negative values at row 2 (-2.0)"),
        ({"area": ["a", "a", "b"], "x": [1, 2, 3]}, "has more than one observed total for the same group at rows 1, 2"),
    ],
)  # fmt: skip
def test_refuses_bad_observed_totals(totals: dict[str, Any], message: str) -> None:
    data = pd.DataFrame({**BASE, **REFS}).drop(columns="x")
    with pytest.raises(InputError) as err:
        isratio(
            data, "x", "n", "x_ref", "n_ref", group_by="area", observed_totals=pd.DataFrame(totals)
        )
    assert message in str(err.value)


def test_missing_column_is_named() -> None:
    data = pd.DataFrame({**BASE, **REFS})
    with pytest.raises(InputError, match=r"argument n_ref='pop' is not a column of data"):
        israte(data, "x", "n", "x_ref", "pop", group_by="area")


# --- properties -------------------------------------------------------------------------------


@st.composite
def isr_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Groups with the same bands, counts small and large, reference rates per band."""
    groups = draw(st.integers(1, 4))
    bands = draw(st.integers(1, 5))
    size = groups * bands
    ints = st.integers

    def column(low: int, high: int, length: int) -> list[int]:
        return draw(st.lists(ints(low, high), min_size=length, max_size=length))

    x_ref = column(0, 5000, bands)
    n_ref = column(10_000, 1_000_000, bands)
    return pd.DataFrame(
        {
            "g": np.repeat([f"g{i}" for i in range(groups)], bands),
            "band": np.tile(np.arange(bands), groups),
            "x": column(0, 300, size),
            "n": column(1, 20_000, size),
            "x_ref": np.tile(x_ref, groups),
            "n_ref": np.tile(n_ref, groups),
        }
    )


@settings(max_examples=50, deadline=None)
@given(isr_frames(), st.sampled_from(["isratio", "israte"]))
def test_limits_contain_value_and_nest(data: pd.DataFrame, func: str) -> None:
    out = FUNCS[func](data, "x", "n", "x_ref", "n_ref", group_by="g")
    ok = out["value"].notna()
    v, lo, hi = out["value"][ok], out["lower_95"][ok], out["upper_95"][ok]
    assert (lo <= v * (1 + 1e-12)).all() and (v <= hi * (1 + 1e-12)).all()
    assert (out["lower_99_8"][ok] <= lo * (1 + 1e-12)).all()
    assert (out["upper_99_8"][ok] >= hi * (1 - 1e-12)).all()


@settings(max_examples=50, deadline=None)
@given(isr_frames(), st.randoms(use_true_random=False), st.sampled_from(["isratio", "israte"]))
def test_row_order_does_not_matter(data: pd.DataFrame, rnd: Any, func: str) -> None:
    order = list(range(len(data)))
    rnd.shuffle(order)
    base = FUNCS[func](data, "x", "n", "x_ref", "n_ref", group_by="g")
    shuffled = FUNCS[func](data.iloc[order], "x", "n", "x_ref", "n_ref", group_by="g")
    for col in ["value", "observed", "expected", *INTERVALS]:
        assert_close(shuffled[col], base[col], rtol=1e-12, what=col)


@settings(max_examples=50, deadline=None)
@given(isr_frames(), st.sampled_from(["isratio", "israte"]))
def test_grouped_equals_one_call_per_group(data: pd.DataFrame, func: str) -> None:
    grouped = FUNCS[func](data, "x", "n", "x_ref", "n_ref", group_by="g")
    singles = pd.concat(
        [FUNCS[func](data[data["g"] == g], "x", "n", "x_ref", "n_ref") for g in grouped["g"]]
    )
    for col in ["value", "observed", "expected", *INTERVALS]:
        assert_close(grouped[col], singles[col], rtol=1e-12, what=col)


@settings(max_examples=50, deadline=None)
@given(isr_frames(), st.sampled_from(["isratio", "israte"]))
def test_vector_and_totals_agree_with_field(data: pd.DataFrame, func: str) -> None:
    field = FUNCS[func](data, "x", "n", "x_ref", "n_ref", group_by="g")
    first = data[data["g"] == "g0"]
    vector = FUNCS[func](
        data.drop(columns=["x_ref", "n_ref"]),
        "x",
        "n",
        first["x_ref"].to_numpy(),
        first["n_ref"].to_numpy(),
        refpoptype="vector",
        group_by="g",
    )
    totals = data.groupby("g")["x"].sum().reset_index()
    by_totals = FUNCS[func](
        data.drop(columns="x"), "x", "n", "x_ref", "n_ref", group_by="g", observed_totals=totals
    )
    for col in ["value", "observed", "expected", *INTERVALS]:
        assert_close(vector[col], field[col], rtol=1e-12, what=col)
        assert_close(by_totals[col], field[col], rtol=1e-12, what=col)
