"""Life expectancy against the reference outputs, error messages and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.life_expectancy import DEFAULT_AGE_CONTENTS, life_expectancy
from tests.reference import (
    assert_close,
    ours_from_reference,
    reference_input,
    reference_output,
    runs,
)

KEY = ["area", "startage"]
COUNTS = ["pops_used", "dths_used"]
METHOD = "Chiang, using Silcocks et al for confidence limits"


def _subset(data: pd.DataFrame) -> pd.DataFrame:
    """Areas L0001-L0100 and all E* edge areas (the reduced runs)."""
    return data[data["area"].str.startswith("E") | (data["area"] <= "L0100")]


GROUPED = {
    "grouped_conf95_998_full": (False, dict(confidence=(0.95, 0.998)), None),
    "grouped_conf90_standard": (True, dict(confidence=0.9), "90"),
    "grouped_conf95_age0_65": (True, dict(confidence=0.95, le_age=[0, 65]), "95"),
}


@pytest.mark.parametrize("run", list(GROUPED))
def test_grouped_matches_reference(run: str) -> None:
    reduced, kwargs, label = GROUPED[run]
    data = reference_input("life_expectancy")
    if reduced:
        data = _subset(data)
    ours = life_expectancy(data, "deaths", "pops", "startage", group_by="area", **kwargs)  # type: ignore[arg-type]
    ref = ours_from_reference(reference_output("life_expectancy", run), label)
    assert len(ours) == len(ref)
    ref = ref.sort_values(KEY).reset_index(drop=True)
    assert (ours["area"].to_numpy() == ref["area"].to_numpy()).all()
    assert (ours["startage"].to_numpy() == ref["startage"].to_numpy()).all()
    limits = [c for c in ours.columns if c.startswith(("lower_", "upper_"))]
    compared = ["value", *limits] + (COUNTS if ref["pops_used"].notna().any() else [])
    for col in compared:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    na = ref["value"].isna().to_numpy()
    assert ours.loc[na, "value_note"].notna().all()
    if "statistic" in ref and ref["statistic"].notna().all():
        assert (ours["statistic"] == ref["statistic"]).all()
        assert (ours["method"] == ref["method"]).all()
        assert (ours["confidence"] == ref["confidence"]).all()


@pytest.mark.parametrize("run", runs("life_expectancy_ungrouped"))
def test_ungrouped_matches_reference(run: str) -> None:
    ref = ours_from_reference(reference_output("life_expectancy_ungrouped", run), "95")
    data = reference_input("life_expectancy")
    data = data[data["area"] == ref["area"].iloc[0]]
    ours = life_expectancy(data, "deaths", "pops", "startage", confidence=0.95)
    assert list(ours.columns[:4]) == ["startage", "value", "lower_95", "upper_95"]
    assert (ours["startage"].to_numpy() == ref["startage"].to_numpy()).all()
    for col in ["value", "lower_95", "upper_95"]:
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    if ref["pops_used"].notna().all():
        for col in COUNTS:
            assert_close(ours[col], ref[col], what=f"{run} {col}")
    na = ref["value"].isna().to_numpy()
    assert ours.loc[na, "value_note"].notna().all()


@pytest.mark.parametrize(
    ("area", "note"),
    [
        ("E001", "no deaths in the final (open) age band"),
        ("E002", "negative deaths"),
        ("E003", "zero or negative population"),
        ("E004", "more deaths than population"),
        ("E005", "total population of the group is 5,000 or less"),
        ("E006", "total population of the group is 5,000 or less"),
        ("E008", "does not have each of the 20 age bands once (19 rows)"),
    ],
)
def test_value_notes_give_the_reason(area: str, note: str) -> None:
    data = reference_input("life_expectancy")
    out = life_expectancy(data[data["area"].isin([area, "L0001"])], "deaths", "pops",
                          "startage", group_by="area")  # fmt: skip
    mine = out[out["area"] == area]
    assert mine["value"].isna().all()
    assert mine["value_note"].str.contains(note, regex=False).all()
    assert out.loc[out["area"] == "L0001", "value_note"].isna().all()


def test_wide_interval_note_and_no_survivors_note() -> None:
    out = life_expectancy(reference_input("life_expectancy"), "deaths", "pops", "startage",
                          group_by="area")  # fmt: skip
    wide = out["value_note"].str.contains("wider than 20 years", regex=False).fillna(False)
    assert wide.any()
    assert out.loc[wide.to_numpy(), "value"].isna().all()
    assert out.loc[wide.to_numpy(), "upper_95"].notna().all()  # limits are kept
    capped = out[(out["area"] == "E010") & (out["startage"] == 90)]
    assert capped["value"].iloc[0] == 0
    assert "no survivors" in capped["value_note"].iloc[0]


def test_result_shape() -> None:
    data = reference_input("life_expectancy")
    out = life_expectancy(data[data["area"] == "L0001"], "deaths", "pops", "startage",
                          group_by="area", le_age=65)  # fmt: skip
    assert list(out.columns) == [
        "area", "startage", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
        "pops_used", "dths_used", "value_note", "method", "confidence", "statistic",
    ]  # fmt: skip
    assert out["statistic"].iloc[0] == "life expectancy at 65"
    assert out["method"].iloc[0] == METHOD
    assert out["confidence"].iloc[0] == "95%, 99.8%"


def test_text_age_bands() -> None:
    labels = ["0", "1-4", *[f"{a}-{a + 4}" for a in range(5, 90, 5)], "90+"]
    data = reference_input("life_expectancy")
    data = data[data["area"] == "L0001"].reset_index(drop=True)
    numeric = life_expectancy(data, "deaths", "pops", "startage")
    text = data.assign(
        startage=data["startage"].map(dict(zip(DEFAULT_AGE_CONTENTS, labels, strict=True)))
    )
    out = life_expectancy(text.iloc[::-1], "deaths", "pops", "startage", age_contents=labels,
                          le_age=["1-4", "90+"])  # fmt: skip
    assert list(out["startage"]) == ["1-4", "90+"]
    assert list(out["statistic"]) == ["life expectancy at 1-4", "life expectancy at 90+"]
    assert_close(out["value"], numeric["value"].iloc[[1, 19]])


# refused inputs: each case of outputs/errors.csv for phe_life_expectancy, and more


def _area(name: str = "L0001") -> pd.DataFrame:
    data = reference_input("life_expectancy")
    return data[data["area"] == name].reset_index(drop=True)


def test_refuses_missing_band_everywhere() -> None:
    # errors.csv 'ungrouped_missing_band': the startage field lacks band 90 altogether
    with pytest.raises(InputError) as err:
        life_expectancy(_area("E008"), "deaths", "pops", "startage")
    assert "column 'startage' (argument startage) has no rows for age band(s) 90" in str(err.value)


def test_refuses_age_contents_not_starting_at_zero() -> None:
    contents = [1, *DEFAULT_AGE_CONTENTS[1:]]
    with pytest.raises(InputError, match="first age band in age_contents must be 0 \\(got 1\\)"):
        life_expectancy(_area(), "deaths", "pops", "startage", age_contents=contents)


def test_refuses_band_not_in_age_contents() -> None:
    # errors.csv 'age band mismatch'
    data = _area()
    data.loc[3, "startage"] = 12
    with pytest.raises(InputError) as err:
        life_expectancy(data, "deaths", "pops", "startage")
    assert (
        "column 'startage' (argument startage) has values that are not age bands of "
        "age_contents at row 4 (12)"
    ) in str(err.value)


def test_refuses_bad_confidence() -> None:
    # errors.csv 'confidence 0.5'
    with pytest.raises(InputError, match=r"confidence level must be between 0\.9 and 1"):
        life_expectancy(_area(), "deaths", "pops", "startage", confidence=0.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deaths": (2, np.nan)}, "column 'deaths' (argument deaths) cannot have missing values; missing at row 3"),
        ({"pops": (5, np.inf)}, "column 'pops' (argument population) has infinite values at row 6 (inf)"),
    ],
)  # fmt: skip
def test_refuses_missing_or_infinite_counts(change: dict, message: str) -> None:
    data = _area()
    for col, (row, val) in change.items():
        data[col] = data[col].astype(float)
        data.loc[row, col] = val
    with pytest.raises(InputError) as err:
        life_expectancy(data, "deaths", "pops", "startage")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(age_contents=[0, 5, 1, *DEFAULT_AGE_CONTENTS[3:]]), "age_contents must list distinct age bands in ascending order"),
        (dict(age_contents=DEFAULT_AGE_CONTENTS[:-1]), "age_contents has 19 age bands; the abridged life table needs 20"),
        (dict(le_age=[0, 66]), "le_age: 66 not in age_contents"),
        (dict(group_by="region"), "argument group_by='region' is not a column of data"),
    ],
)  # fmt: skip
def test_refuses_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        life_expectancy(_area(), "deaths", "pops", "startage", **kwargs)
    assert message in str(err.value)


def test_refuses_text_counts_and_missing_columns() -> None:
    data = _area()
    data["deaths"] = data["deaths"].astype(object)
    data.loc[1, "deaths"] = "x"
    with pytest.raises(InputError, match=r"non-numeric values at row 2 \('x'\)"):
        life_expectancy(data, "deaths", "pops", "startage")
    with pytest.raises(InputError, match="argument population='pop' is not a column of data"):
        life_expectancy(_area(), "deaths", "pop", "startage")


# properties

STARTS = np.array(DEFAULT_AGE_CONTENTS)


@st.composite
def areas(draw: st.DrawFn, max_areas: int = 3) -> pd.DataFrame:
    """Plausible areas: 20 bands, populations of 300 to 30,000, rising death rates."""
    count = draw(st.integers(1, max_areas))
    frames = []
    for k in range(count):
        pops = np.array(draw(st.lists(st.integers(300, 30_000), min_size=20, max_size=20)))
        scale = draw(st.floats(0.2, 3.0))
        rate = np.minimum(0.9, scale * 1e-4 * np.exp(0.09 * STARTS))
        jitter = np.array(draw(st.lists(st.floats(0.5, 1.5), min_size=20, max_size=20)))
        deaths = np.floor(pops * rate * jitter)
        deaths[-1] = max(deaths[-1], 1)
        frames.append(pd.DataFrame({"area": f"A{k}", "startage": STARTS, "deaths": deaths,
                                    "pops": pops.astype(float)}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


@settings(max_examples=50, deadline=None)
@given(areas())
def test_intervals_contain_value_and_nest(data: pd.DataFrame) -> None:
    out = life_expectancy(data, "deaths", "pops", "startage", group_by="area")
    ok = out["value"].notna().to_numpy() & out["lower_95"].notna().to_numpy()
    tol = 1e-9
    assert (out["lower_95"][ok] <= out["value"][ok] + tol).all()
    assert (out["value"][ok] <= out["upper_95"][ok] + tol).all()
    assert (out["lower_99_8"][ok] <= out["lower_95"][ok] + tol).all()
    assert (out["upper_95"][ok] <= out["upper_99_8"][ok] + tol).all()
    assert out.loc[out["value"].isna(), "value_note"].notna().all()


@settings(max_examples=50, deadline=None)
@given(areas(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data: pd.DataFrame, rnd: object) -> None:
    order = list(range(len(data)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a = life_expectancy(data, "deaths", "pops", "startage", group_by="area")
    b = life_expectancy(data.iloc[order], "deaths", "pops", "startage", group_by="area")
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=50, deadline=None)
@given(areas())
def test_grouped_equals_one_call_per_group(data: pd.DataFrame) -> None:
    grouped = life_expectancy(data, "deaths", "pops", "startage", group_by="area")
    for area, part in data.groupby("area"):
        alone = life_expectancy(part, "deaths", "pops", "startage")
        mine = grouped[grouped["area"] == area].drop(columns="area").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_column_type=False)
