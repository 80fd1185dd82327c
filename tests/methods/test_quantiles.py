"""Quantile assignment against the reference outputs, error messages and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.quantiles import INVERTED, NOT_INVERTED, assign_quantiles
from tests.reference import reference_input, reference_output, run_args

FUNC = "phe_quantile"


def _quantiles(frame: pd.DataFrame) -> np.ndarray:
    return frame["quantile"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _check_against_reference(ours: pd.DataFrame, run: str, *, full: bool = True) -> None:
    ref = reference_output("quantile", run)
    assert len(ours) == len(ref)
    for col in ["group", "id", "variant"]:
        assert (ours[col].to_numpy() == ref[col].to_numpy()).all(), f"{run} {col}"
    np.testing.assert_array_equal(ours["value"].to_numpy(), ref["value"].to_numpy())
    expected = ref["quantile"].to_numpy(dtype=float)
    got = _quantiles(ours)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=f"{run} NA")
    np.testing.assert_array_equal(got, expected, err_msg=f"{run} quantile")
    assert (ours["value_note"].notna().to_numpy() == np.isnan(expected)).all()
    assert ours["quantile"].dtype == "Int64"
    if full:
        assert (ours["qinverted"] == ref["qinverted"]).all()
        assert (ours["nquantiles"] == ref["nquantiles"]).all()


@pytest.mark.parametrize("nq", [4, 5, 10, 20])
def test_grouped_invert_field_matches_reference(nq: int) -> None:
    run = f"grouped_nq{nq}_invertfield"
    assert f"nquantiles={nq}, invert=invert, inverttype='field'" in run_args(FUNC, run)
    data = reference_input("quantile")
    data = data[data["nquantiles"] == nq]
    ours = assign_quantiles(data, "value", group_by="group", nquantiles=nq, invert="invert")
    _check_against_reference(ours, run)


def test_ungrouped_not_inverted_matches_reference() -> None:
    run = "ungrouped_nq10_invertFALSE"
    assert "continuous rows pooled" in run_args(FUNC, run)
    data = reference_input("quantile")
    data = data[(data["nquantiles"] == 10) & (data["variant"] == "continuous")]
    # The reference's runs dropped the `invert` column (it would override a logical invert).
    ours = assign_quantiles(data.drop(columns="invert"), "value", nquantiles=10, invert=False)
    _check_against_reference(ours, run)


def test_ungrouped_inverted_matches_reference() -> None:
    run = "ungrouped_nq5_invertTRUE_standard"
    assert "all nquantiles==5 rows pooled" in run_args(FUNC, run)
    data = reference_input("quantile")
    data = data[data["nquantiles"] == 5].drop(columns="invert")
    ours = assign_quantiles(data, "value", nquantiles=5, invert=True)
    _check_against_reference(ours, run, full=False)
    assert (ours["qinverted"] == INVERTED).all()


def test_result_shape_and_notes() -> None:
    data = pd.DataFrame(
        {
            "la": ["a"] * 4 + ["b"] * 2,
            "v": [1.0, np.nan, 3.0, 2.0, 5.0, np.nan],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = assign_quantiles(data, "v", group_by="la", nquantiles=2, invert=False)
    assert list(out.columns) == ["la", "v", "quantile", "nquantiles", "qinverted", "value_note"]
    assert list(out.index) == list(range(6))
    assert out["quantile"].tolist() == [1, pd.NA, 2, 1, pd.NA, pd.NA]
    assert (out["qinverted"] == NOT_INVERTED).all()
    notes = out["value_note"].tolist()
    assert notes[1] == "value missing"
    assert notes[4] == (
        "too few small areas with values to assign 2 quantiles (the group has 1 with values)"
    )
    assert notes[5].startswith("value missing; too few small areas")
    assert pd.isna(notes[0])


def test_ties_share_the_lowest_rank() -> None:
    data = pd.DataFrame({"v": [1, 2, 2, 2, 3, 4, 5, 6, 7, 8]})
    out = assign_quantiles(data, "v", nquantiles=5, invert=False)
    assert out["quantile"].tolist() == [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    inv = assign_quantiles(data, "v", nquantiles=5, invert=True)
    assert inv["quantile"].tolist() == [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]


def test_empty_frame() -> None:
    out = assign_quantiles(pd.DataFrame({"v": pd.Series([], dtype=float)}), "v")
    assert len(out) == 0
    assert "quantile" in out.columns


# errors.csv: every refused input of phe_quantile, with our clearer messages
def _invert_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "v": [1.0, 2.0, 3.0, 4.0], "inv": [True, False, True, True]}
    )


def test_refuses_logical_invert_when_data_has_invert_column() -> None:
    data = _invert_frame().rename(columns={"inv": "invert"})
    with pytest.raises(InputError) as err:
        assign_quantiles(data, "v", nquantiles=2, invert=True)
    assert "column 'invert' (argument invert) has values that differ from invert=True at row 2" in (
        str(err.value)
    )
    assert "pass invert='invert' to use the column" in str(err.value)
    # A column that agrees with the logical is harmless.
    data["invert"] = True
    assert assign_quantiles(data, "v", nquantiles=2, invert=True)["quantile"].notna().all()


@pytest.mark.parametrize("invert", [6, None, 1, "TRUE"])
def test_refuses_invert_not_logical(invert: object) -> None:
    with pytest.raises(InputError) as err:
        assign_quantiles(_invert_frame(), "v", nquantiles=2, invert=invert)  # type: ignore[arg-type]
    if invert == "TRUE":
        assert "argument invert='TRUE' is not a column of data" in str(err.value)
    else:
        assert "invert expressed as a logical must equal TRUE or FALSE" in str(err.value)
        assert "give True, False, or the name of a column" in str(err.value)


def test_refuses_non_numeric_values() -> None:
    data = pd.DataFrame({"v": [1, "a", 3]})
    with pytest.raises(InputError) as err:
        assign_quantiles(data, "v", nquantiles=2)
    assert "column 'v' (argument values) must be numeric; non-numeric values at row 2 ('a')" in (
        str(err.value)
    )


def test_refuses_invert_varying_within_group() -> None:
    with pytest.raises(InputError) as err:
        assign_quantiles(_invert_frame(), "v", group_by="g", nquantiles=2, invert="inv")
    message = str(err.value)
    assert "column 'inv' (argument invert) has True and False mixed within one group at rows 1" in (
        message
    )
    assert "2 (False)" in message
    assert "invert field values must take the same logical value" in message
    # Ungrouped, the column must be constant over all the data.
    with pytest.raises(InputError, match="mixed within one group"):
        assign_quantiles(_invert_frame(), "v", nquantiles=2, invert="inv")


@pytest.mark.parametrize(
    ("inv", "message"),
    [
        ([True, None, True, True], "must hold True or False in every row; other values at row 2"),
        ([1, 1, 0, 0], "must hold True or False in every row; other values at rows 1 (1)"),
    ],
)
def test_refuses_invert_column_not_logical(inv: list[object], message: str) -> None:
    data = _invert_frame().assign(inv=pd.Series(inv, dtype=object))
    with pytest.raises(InputError) as err:
        assign_quantiles(data, "v", group_by="g", nquantiles=2, invert="inv")
    assert message in str(err.value)


@pytest.mark.parametrize("nq", [0, -1, 2.5, True, "10"])
def test_refuses_bad_nquantiles(nq: object) -> None:
    with pytest.raises(InputError, match=r"nquantiles: .*expected a whole number of quantiles"):
        assign_quantiles(_invert_frame(), "v", nquantiles=nq)  # type: ignore[arg-type]


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match=r"argument values='x' is not a column of data"):
        assign_quantiles(_invert_frame(), "x")
    with pytest.raises(InputError, match=r"argument group_by='la' is not a column of data"):
        assign_quantiles(_invert_frame(), "v", group_by="la")
    with pytest.raises(InputError, match=r"argument invert='pol' is not a column of data"):
        assign_quantiles(_invert_frame(), "v", invert="pol")


# properties
@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    nq = draw(st.integers(1, 12))
    n = draw(st.integers(0, 80))
    ties = draw(st.booleans())
    element = (
        st.integers(0, 6).map(float)
        if ties
        else st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
    )
    vals = draw(st.lists(st.one_of(element, st.just(np.nan)), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    flags = draw(st.fixed_dictionaries({g: st.booleans() for g in "abc"}))
    data = pd.DataFrame({"g": pd.Series(groups, dtype=object), "v": pd.Series(vals, dtype=float)})
    data["inv"] = data["g"].map(flags).astype(bool)
    return data, nq


@settings(max_examples=50, deadline=None)
@given(frames())
def test_quantiles_in_range_and_monotone(case: tuple[pd.DataFrame, int]) -> None:
    data, nq = case
    out = assign_quantiles(data, "v", group_by="g", nquantiles=nq, invert="inv")
    q = _quantiles(out)
    assigned = ~np.isnan(q)
    assert ((q[assigned] >= 1) & (q[assigned] <= nq)).all()
    counts = data.groupby("g")["v"].transform("count").to_numpy()
    np.testing.assert_array_equal(assigned, data["v"].notna().to_numpy() & (counts >= nq))
    assert (out["value_note"].notna().to_numpy() == ~assigned).all()
    for _, part in out[assigned].groupby("g"):
        v = part["v"].to_numpy()
        pq = part["quantile"].to_numpy(dtype=float)
        direction = -1 if part["inv"].iloc[0] else 1
        order = np.argsort(direction * v, kind="stable")
        assert (np.diff(pq[order]) >= 0).all()  # higher value never lower quantile
        for value in np.unique(v):
            assert len(set(pq[v == value])) == 1  # ties share a quantile


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 20),
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=300, unique=True),
)
def test_quantile_sizes_differ_by_at_most_one_without_ties(nq: int, vals: list[float]) -> None:
    out = assign_quantiles(pd.DataFrame({"v": vals}), "v", nquantiles=nq)
    n = len(vals)
    if n < nq:
        assert out["quantile"].isna().all()
        return
    sizes = np.bincount(out["quantile"].to_numpy(dtype=int), minlength=nq + 1)[1:]
    assert sizes.min() >= n // nq
    assert sizes.max() <= -(-n // nq)


@settings(max_examples=50, deadline=None)
@given(frames(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(case: tuple[pd.DataFrame, int], rnd: object) -> None:
    data, nq = case
    perm = np.arange(len(data))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    first = assign_quantiles(data, "v", group_by="g", nquantiles=nq, invert="inv")
    shuffled = assign_quantiles(data.iloc[perm], "v", group_by="g", nquantiles=nq, invert="inv")
    back = np.empty_like(perm)
    back[perm] = np.arange(len(perm))
    np.testing.assert_array_equal(_quantiles(shuffled)[back], _quantiles(first))
    assert shuffled["value_note"].iloc[back].reset_index(drop=True).equals(first["value_note"])


@settings(max_examples=50, deadline=None)
@given(frames())
def test_grouped_equals_one_call_per_group(case: tuple[pd.DataFrame, int]) -> None:
    data, nq = case
    grouped = assign_quantiles(data, "v", group_by="g", nquantiles=nq, invert="inv")
    for _, rows in data.groupby("g").groups.items():
        part = data.loc[rows]
        alone = assign_quantiles(part, "v", nquantiles=nq, invert=bool(part["inv"].iloc[0]))
        pos = data.index.get_indexer(rows)
        np.testing.assert_array_equal(_quantiles(grouped)[pos], _quantiles(alone))
        assert (grouped["qinverted"].to_numpy()[pos] == alone["qinverted"].to_numpy()).all()


def test_default_inverts_as_the_reference() -> None:
    out = assign_quantiles(pd.DataFrame({"v": [10.0, 20.0, 30.0, 40.0]}), "v", nquantiles=2)
    assert out["quantile"].tolist() == [2, 2, 1, 1]
