"""'New data' flags between two builds."""

from __future__ import annotations

import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.indicators.changes import compare_builds

PREVIOUS = pd.DataFrame({
    "indicator_id": ["a", "a", "b", "b"], "area_code": ["X", "X", "X", "Z"],
    "period": ["2020", "2021", "2020", "2020"], "value": [1.0, 2.0, 3.0, 7.0],
})  # fmt: skip
CURRENT = pd.DataFrame({
    "indicator_id": ["a", "a", "a", "b", "b"], "area_code": ["X", "X", "X", "X", "Y"],
    "period": ["2020", "2021", "2022", "2020", "2020"], "value": [1.0, 2.5, 4.0, 3.0, 5.0],
})  # fmt: skip


def test_row_flags() -> None:
    rows = compare_builds(PREVIOUS, CURRENT).rows
    flags = {(r.indicator_id, r.area_code, r.period): r.change for r in rows.itertuples()}
    assert flags == {
        ("a", "X", "2020"): "unchanged",
        ("a", "X", "2021"): "revised",
        ("a", "X", "2022"): "new period",
        ("b", "X", "2020"): "unchanged",
        ("b", "Y", "2020"): "new row",
        ("b", "Z", "2020"): "removed",
    }
    revised = rows[rows["change"] == "revised"].iloc[0]
    assert revised["value_previous"] == 2.0 and revised["value"] == 2.5


def test_indicator_summary() -> None:
    ind = compare_builds(PREVIOUS, CURRENT).indicators.set_index("indicator_id")
    assert ind.loc["a", "new_data"] and ind.loc["a", "new_periods"] == "2022"
    assert ind.loc["a", "revised_rows"] == 1
    assert not ind.loc["b", "new_data"] and ind.loc["b", "changed"]
    assert ind.loc["b", "removed_rows"] == 1 and ind.loc["b", "new_row_rows"] == 1


def test_tolerance() -> None:
    tiny = CURRENT.assign(value=CURRENT["value"] + 1e-12)
    assert "revised" not in set(compare_builds(CURRENT, tiny).rows["change"])
    moved = CURRENT.assign(value=CURRENT["value"] * 1.01)
    rel = compare_builds(CURRENT, moved, relative_tolerance=0.02).rows
    assert set(rel["change"]) == {"unchanged"}
    gone = CURRENT.assign(value=[1.0, None, 4.0, 3.0, 5.0])
    assert (compare_builds(CURRENT, gone).rows["change"] == "revised").sum() == 1


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(InputError, match=r"current: rows 1, 6 repeat a key"):
        compare_builds(PREVIOUS, pd.concat([CURRENT, CURRENT.head(1)], ignore_index=True))
