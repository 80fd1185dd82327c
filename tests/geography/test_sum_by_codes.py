"""sum_by_codes: sums over integer keys equal pandas' group sums, whole numbers exactly, and a
group's sum does not depend on which other blocks of rows were stacked with it, nor in what
order (the build stacks many indicators into one call)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.geography.aggregate import sum_by_codes


def _data(rng: np.random.Generator, n: int, dims: dict[str, int]) -> pd.DataFrame:
    frame = pd.DataFrame({k: rng.integers(0, d, n) for k, d in dims.items()})
    frame["whole"] = rng.integers(0, 1_000_000, n).astype("float64")
    frame["fraction"] = rng.random(n) * 1e4
    frame.loc[rng.random(n) < 0.1, "fraction"] = np.nan
    frame.loc[rng.random(n) < 0.5, "fraction"] = np.floor(frame["fraction"])  # mixed groups
    return frame


def _run(frame: pd.DataFrame, dims: dict[str, int]) -> pd.DataFrame:
    out = sum_by_codes(
        {k: frame[k].to_numpy() for k in dims},
        {c: frame[c].to_numpy() for c in ("whole", "fraction")},
        dims,
    )
    return out.sort_values(list(dims)).reset_index(drop=True)


@pytest.mark.parametrize(
    "dims",
    [{"area": 50, "year": 10}, {"a": 5_000, "b": 5_000, "c": 400}],  # dense, then hashed keys
)
def test_equals_pandas_and_ignores_row_order(dims: dict[str, int]) -> None:
    rng = np.random.default_rng(7)
    frame = _data(rng, 20_000, dims)
    got = _run(frame, dims)
    expected = frame.groupby(list(dims))[["whole", "fraction"]].sum().reset_index()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)
    assert (got["whole"].to_numpy() == expected["whole"].to_numpy()).all()  # exact
    shuffled = _run(frame.sample(frac=1.0, random_state=3), dims)
    pd.testing.assert_frame_equal(shuffled, got, rtol=1e-12)


def test_a_group_sums_the_same_whatever_is_stacked_with_it() -> None:
    rng = np.random.default_rng(11)
    dims = {"indicator": 2, "area": 300}
    first = _data(rng, 5_000, dims).assign(indicator=0)
    second = _data(rng, 5_000, dims).assign(indicator=1)
    alone = _run(first, dims)
    one_way = _run(pd.concat([first, second], ignore_index=True), dims)
    other_way = _run(pd.concat([second, first], ignore_index=True), dims)
    mine = one_way[one_way["indicator"] == 0].reset_index(drop=True)
    assert (mine["fraction"].to_numpy() == alone["fraction"].to_numpy()).all()  # bit for bit
    assert (one_way["fraction"].to_numpy() == other_way["fraction"].to_numpy()).all()


def test_no_keys_and_empty_input() -> None:
    empty = sum_by_codes({"a": np.zeros(0, dtype=np.int64)}, {"x": np.zeros(0)}, {"a": 3})
    assert empty.empty and list(empty.columns) == ["a", "x"]
