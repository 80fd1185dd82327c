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


def _member(table: pd.DataFrame, is_member: np.ndarray, is_total: np.ndarray) -> pd.Series:
    out = pd.Series(pd.NA, index=table.index, dtype="object")
    out[is_member] = table.loc[is_member, "category"]
    out[is_total] = _TOTAL
    return out


def relation_columns(table: pd.DataFrame) -> tuple[pd.DataFrame, list[Relation]]:
    """The table with helper columns that state its sums, and the relations over them."""
    out = table.copy()
    area_type = out["area_type"].astype(str)
    whole = (out["category_type"] == "").to_numpy()
    city_total = ((area_type == str(AreaType.LOCAL_AUTHORITY)).to_numpy()) & whole
    ward = (area_type == str(AreaType.WARD)).to_numpy()
    small = area_type.isin([str(AreaType.LSOA), str(AreaType.MSOA)]).to_numpy()
    out["_ward_parent"] = out["parent_code"].where(ward)
    out["_small_parent"] = out["parent_code"].where(small)
    relations: list[Relation] = [
        Hierarchy(by=(*_SERIES, "category_type", "category"), parent_column="_ward_parent"),
        Hierarchy(by=(*_SERIES, "category_type", "category"), parent_column="_small_parent"),
        SiblingGroup(
            by=(*_SERIES, "area_code", "category_type", "category"),
            member_column="sex",
            total_value="Persons",
            parts=("Male", "Female"),
        ),
    ]
    types = {str(c) for c in out["category_type"].unique()}
    groupings = [t for t in types if t == ETHNIC or t.startswith(("deprivation", "most deprived"))]
    for i, category_type in enumerate(sorted(groupings)):
        column = f"_group_{i}"
        member = (out["category_type"] == category_type).to_numpy()
        out[column] = _member(out, member, city_total)
        relations.append(
            SiblingGroup(by=(*_SERIES, "area_code"), member_column=column, total_value=_TOTAL)
        )
    return out, relations


def publishable(table: pd.DataFrame, rules: DisclosureRules | None = None) -> pd.DataFrame:
    """The copy of the indicator table that may be published (the input is not changed)."""
    computed = table["source"] != "published"
    framed, relations = relation_columns(table[computed])
    safe = publish(framed, rules, relations=relations, count_columns=COUNT_COLUMNS,
                   value_columns=[c for c in VALUE_COLUMNS if c in framed.columns])  # fmt: skip
    safe = safe.drop(columns=[c for c in safe.columns if c.startswith("_")])
    return pd.concat([safe, table[~computed]], ignore_index=True)[table.columns]
