"""The indicator table made publishable: every published figure passes through disclosure control.

The table's additive structure is declared to the disclosure gate so that secondary suppression
protects it: LSOAs sum to MSOAs and MSOAs to the city; wards sum to the city; each deprivation
grouping and the ethnic groups sum to the city's total; Male + Female = Persons. Rows taken as
published by OHID carry no counts and stand outside those sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthequity.disclosure import DisclosureRules, Hierarchy, Relation, SiblingGroup, publish
from healthequity.geography.codes import AreaType

COUNT_COLUMNS = ["count", "denominator"]
VALUE_COLUMNS = [
    "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
    "compared_to_england", "compared_to_england_99_8", "compared_to_city",
    "compared_to_city_99_8", "recent_trend",
]  # fmt: skip
ETHNIC = "Ethnic group (Census 2021 broad)"
_TOTAL = "Total"
_SERIES = ["indicator_id", "period", "sex"]


def _code(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (missing values are a value)."""
    codes = [pd.factorize(table[c], use_na_sentinel=False)[0].astype(np.int64) for c in columns]
    shape = tuple(int(c.max()) + 1 if len(c) else 1 for c in codes)
    return pd.factorize(np.ravel_multi_index(tuple(codes), shape))[0].astype(np.int64)


def relation_columns(table: pd.DataFrame) -> tuple[pd.DataFrame, list[Relation]]:
    """The table with helper columns that state its sums, and the relations over them.

    The helper columns are integer codes (groups of indicator, period, sex, category; areas
    and their parents), so the disclosure gate groups and joins numbers, not text.
    """
    out = table.reset_index(drop=True)
    area_type = out["area_type"].astype(str).to_numpy(dtype=object)
    whole = (out["category_type"] == "").to_numpy(dtype=bool)
    city_total = (area_type == str(AreaType.LOCAL_AUTHORITY)) & whole
    ward = area_type == str(AreaType.WARD)
    small = (area_type == str(AreaType.LSOA)) | (area_type == str(AreaType.MSOA))
    codes, uniques = pd.factorize(out["area_code"])
    parent = pd.Index(uniques).get_indexer(out["parent_code"].astype(object))
    known = parent >= 0
    extra = {
        "_area": codes.astype("float64"),
        "_ward_parent": np.where(ward & known, parent, np.nan),
        "_small_parent": np.where(small & known, parent, np.nan),
        "_series_category": _code(out, [*_SERIES, "category_type", "category"]),
        "_series_area": _code(out, [*_SERIES, "area_code"]),
        # Male + Female = Persons: grouped without sex (sex is the member)
        "_area_category": _code(
            out, ["indicator_id", "period", "area_code", "category_type", "category"]
        ),
    }
    relations: list[Relation] = [
        Hierarchy(by=("_series_category",), code_column="_area", parent_column="_ward_parent"),
        Hierarchy(by=("_series_category",), code_column="_area", parent_column="_small_parent"),
        SiblingGroup(
            by=("_area_category",),
            member_column="sex",
            total_value="Persons",
            parts=("Male", "Female"),
        ),
    ]
    types = {str(c) for c in out["category_type"].unique()}
    groupings = [t for t in types if t == ETHNIC or t.startswith(("deprivation", "most deprived"))]
    category = out["category"].to_numpy(dtype=object)
    ctype = out["category_type"].to_numpy(dtype=object)
    for i, category_type in enumerate(sorted(groupings)):
        column = f"_group_{i}"
        member = np.full(len(out), None, dtype=object)
        mine = ctype == category_type
        member[mine] = category[mine]
        member[city_total] = _TOTAL
        extra[column] = member
        relations.append(
            SiblingGroup(by=("_series_area",), member_column=column, total_value=_TOTAL)
        )
    return pd.concat([out, pd.DataFrame(extra)], axis=1), relations


def publishable(table: pd.DataFrame, rules: DisclosureRules | None = None) -> pd.DataFrame:
    """The copy of the indicator table that may be published (the input is not changed)."""
    computed = table["source"] != "published"
    framed, relations = relation_columns(table[computed])
    safe = publish(framed, rules, relations=relations, count_columns=COUNT_COLUMNS,
                   value_columns=[c for c in VALUE_COLUMNS if c in framed.columns])  # fmt: skip
    safe = safe.drop(columns=[c for c in safe.columns if c.startswith("_")])
    return pd.concat([safe, table[~computed]], ignore_index=True)[table.columns]
