"""The methods' public surface: every family importable from one place, with the same shape."""

from __future__ import annotations

import pandas as pd

import healthequity.methods as methods

STANDARD = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
TAIL = ["value_note", "method", "confidence", "statistic"]


def test_all_is_sorted_and_importable() -> None:
    assert methods.__all__ == sorted(methods.__all__)
    for name in methods.__all__:
        assert getattr(methods, name) is not None


def test_families_share_the_result_shape() -> None:
    counts = pd.DataFrame({"area": ["a", "a", "b"], "x": [10, 20, 30], "n": [100, 200, 300]})
    for result in (
        methods.proportion(counts, "x", "n", group_by="area"),
        methods.rate(counts, "x", "n", group_by="area"),
        methods.mean(counts, "x", group_by="area"),
    ):
        cols = list(result.columns)
        assert cols[:6] == ["area", *STANDARD]
        assert cols[-4:] == TAIL
