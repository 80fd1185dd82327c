"""Published values taken as published: the city's and England's rows from a shipped extract."""

from __future__ import annotations

from functools import cache

import pandas as pd

from healthequity.config import Place
from healthequity.geography.codes import ENGLAND_CODE, AreaType
from healthequity.indicators.definition import Definition
from healthequity.sources.fingertips_extracts import extracts_dir, read_extract
from healthequity.store.warehouse import sha256_of

#: Raw extract column -> our fingertips-layout column, for a definition's ``where`` filter.
_WHERE_COLUMNS = {"indicator": "indicator_name", "area_type": "area_type"}


@cache
def _extract(file: str) -> pd.DataFrame:
    return read_extract(file)


def normalise_period(period: pd.Series) -> pd.Series:
    """Fingertips' '2018 - 20' and '2020/21 - 24/25' written as ours: '2018-20', '2020/21-24/25'."""
    return period.astype(str).str.replace(r"\s*-\s*", "-", regex=True).str.strip()


def published_rows(d: Definition, place: Place) -> pd.DataFrame:
    """The place's and England's published rows of ``d`` (empty if it has no extract)."""
    if d.published is None:
        return pd.DataFrame()
    raw = _extract(d.published.file)
    keep = raw["area_code"].isin([ENGLAND_CODE, *place.la_codes])
    for column, wanted in d.published.where.items():
        keep &= raw[_WHERE_COLUMNS.get(column, column)].astype(str) == str(wanted)
    rows = raw[keep]
    england = rows["area_code"] == ENGLAND_CODE
    sha = sha256_of(extracts_dir() / d.published.file)[:12]
    out = pd.DataFrame(
        {
            "area_code": rows["area_code"].astype(str),
            "area_name": rows["area_name"].where(~england, "England").fillna(place.name),
            "area_type": [
                str(AreaType.ENGLAND) if e else str(AreaType.LOCAL_AUTHORITY) for e in england
            ],
            "parent_code": pd.Series(ENGLAND_CODE, index=rows.index).where(~england),
            "category_type": rows["category_type"].fillna("").astype(str),
            "category": rows["category"].fillna("").astype(str),
            "category_rank": pd.array([pd.NA] * len(rows), dtype="Int64"),
            "period": normalise_period(rows["time_period"]),
            "sex": rows["sex"].astype(str),
            "value": rows["value"].astype(float),
            "lower_95": rows["lower_95"].astype(float),
            "upper_95": rows["upper_95"].astype(float),
            "lower_99_8": rows["lower_99_8"].astype(float),
            "upper_99_8": rows["upper_99_8"].astype(float),
            "count": rows["count"].astype(float),
            "denominator": rows["denominator"].astype(float),
            "value_note": rows["value_note"].astype("string"),
            "method": "published by OHID (Fingertips)",
            "statistic": str(d.value_type),
            "published_comparison": rows["compared_to_england"].astype("string"),
            "source": "published",
            "data_version": f"published extract {d.published.file} (sha256 {sha})",
        }
    )
    return out.reset_index(drop=True)
