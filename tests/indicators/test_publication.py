"""The indicator table through the disclosure gate: nothing suppressed can be recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.disclosure import check_published
from healthequity.indicators.publication import COUNT_COLUMNS, publishable, relation_columns

CITY = "E08000035"
WARDS = ["E05000001", "E05000002", "E05000003"]
FIFTHS = ["Most deprived quintile", "Second", "Third", "Fourth", "Least deprived quintile"]
FIFTH_TYPE = "deprivation quintiles within area (IMD2025)"


def _row(area: str, area_type: str, parent: object, sex: str, x: int, n: int,
         ctype: str = "", cat: str = "") -> dict[str, object]:  # fmt: skip
    return {
        "indicator_id": "i", "period": "2023", "sex": sex, "area_code": area,
        "area_name": area, "area_type": area_type, "parent_code": parent,
        "category_type": ctype, "category": cat, "value": x / n * 100, "lower_95": 0.0,
        "upper_95": 100.0, "count": float(x), "denominator": float(n), "value_note": pd.NA,
        "source": "synthetic",
    }  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """Wards and deprivation fifths of a city by sex, with random (often small) counts; the
    city's rows and every Persons row are the sums, as the build makes them."""
    small = st.integers(0, 12)
    rows = []
    for sex in ("Male", "Female"):
        for w in WARDS:
            x = draw(small)
            rows.append(_row(w, "Ward", CITY, sex, x, x + draw(st.integers(1, 30))))
        for f in FIFTHS:
            x = draw(small)
            rows.append(
                _row(
                    CITY,
                    "Local authority",
                    "E92000001",
                    sex,
                    x,
                    x + draw(st.integers(1, 30)),
                    FIFTH_TYPE,
                    f,
                )
            )
    frame = pd.DataFrame(rows)
    wards = frame[frame["area_type"] == "Ward"].groupby("sex")[COUNT_COLUMNS].sum()
    fifth = frame[frame["category_type"] != ""].groupby("sex")[COUNT_COLUMNS].sum()
    # one city total per sex: fifths and wards must agree, so rescale the fifths' denominators
    extra = []
    for sex in ("Male", "Female"):
        x, n = wards.loc[sex, "count"], wards.loc[sex, "denominator"]
        extra.append(_row(CITY, "Local authority", "E92000001", sex, int(x), int(n)))
        gap_x, gap_n = x - fifth.loc[sex, "count"], n - fifth.loc[sex, "denominator"]
        last = frame.index[(frame["sex"] == sex) & (frame["category"] == FIFTHS[-1])][0]
        frame.loc[last, "count"] = max(frame.loc[last, "count"] + gap_x, 0)
        frame.loc[last, "denominator"] = frame.loc[last, "count"] + max(gap_n + 0, 1) + 30
    frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    keys = ["area_code", "area_type", "parent_code", "category_type", "category"]
    persons = frame.groupby(keys, dropna=False)[COUNT_COLUMNS].sum().reset_index()
    persons = persons.merge(
        frame.drop(columns=[*COUNT_COLUMNS, "sex"]).drop_duplicates(keys), on=keys
    )
    frame = pd.concat([frame, persons.assign(sex="Persons")], ignore_index=True)
    return frame.sample(frac=1, random_state=draw(st.integers(0, 1000))).reset_index(drop=True)


@settings(max_examples=40, deadline=None)
@given(tables())
def test_no_published_table_lets_a_suppressed_count_be_recovered(table: pd.DataFrame) -> None:
    safe = publishable(table)
    framed, relations = relation_columns(safe)
    assert check_published(framed, relations=relations, count_columns=COUNT_COLUMNS) == []
    visible = safe["count"].dropna().to_numpy()
    assert not ((visible >= 1) & (visible <= 7)).any()
    assert (np.mod(visible, 5) == 0).all()
    hidden = safe["count"].isna()
    assert safe.loc[hidden, "value"].isna().all()


def test_published_rows_pass_through_untouched() -> None:
    row = _row(CITY, "Local authority", "E92000001", "Persons", 3, 10) | {
        "source": "published", "count": np.nan, "denominator": np.nan, "value": 78.2,
    }  # fmt: skip
    safe = publishable(pd.DataFrame([row]))
    assert safe["value"].iloc[0] == 78.2
