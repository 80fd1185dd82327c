"""The area hierarchy: LSOA -> MSOA -> ward -> local authority, for 2011 and 2021 LSOAs.

Shipped for Leeds; another place passes its own lookup file with the same columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from healthequity.errors import InputError
from healthequity.geography._files import read_csv

Vintage = Literal[2011, 2021]

#: Standard column names of a hierarchy lookup, whatever the vintage.
HIERARCHY_COLUMNS = [
    "lsoa_code", "lsoa_name", "msoa_code", "msoa_name",
    "ward_code", "ward_name", "la_code", "la_name",
]  # fmt: skip

_SHIPPED: dict[int, tuple[str, dict[str, str]]] = {
    2011: (
        "lookups/leeds_lsoa11_msoa11_ward19_lad19.csv",
        {
            "lsoa11_code": "lsoa_code", "lsoa11_name": "lsoa_name",
            "msoa11_code": "msoa_code", "msoa11_name": "msoa_name",
            "wd19_code": "ward_code", "wd19_name": "ward_name",
            "lad19_code": "la_code", "lad19_name": "la_name",
        },
    ),
    2021: (
        "lookups/leeds_lsoa21_msoa21_ward24_lad24.csv",
        {
            "lsoa21_code": "lsoa_code", "lsoa21_name": "lsoa_name",
            "msoa21_code": "msoa_code", "msoa21_name": "msoa_name",
            "wd24_code": "ward_code", "wd24_name": "ward_name",
            "lad24_code": "la_code", "lad24_name": "la_name",
        },
    ),
}  # fmt: skip


def check_vintage(vintage: int) -> Vintage:
    """LSOA vintages are 2011 and 2021."""
    if vintage not in (2011, 2021):
        raise InputError(
            f"LSOA vintage {vintage!r} is not known; expected 2011 or 2021",
            field="lsoa_vintage",
            expected="2011 or 2021",
        )
    return vintage  # type: ignore[return-value]


def lsoa_lookup(vintage: int = 2021, path: str | Path | None = None) -> pd.DataFrame:
    """LSOA -> MSOA -> ward -> LA with standard column names (the shipped Leeds file by default)."""
    check_vintage(vintage)
    relative, renames = _SHIPPED[vintage]
    if path is None:
        table = read_csv(relative).rename(columns=renames)
    else:
        table = pd.read_csv(path, dtype="string").rename(columns=renames)
    missing = [c for c in HIERARCHY_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: lookup lacks the columns {', '.join(missing)}",
            field=", ".join(missing),
            expected=", ".join(HIERARCHY_COLUMNS),
        )
    return table[HIERARCHY_COLUMNS].astype("string").reset_index(drop=True)


def lsoa11_to_lsoa21() -> pd.DataFrame:
    """The 2011 -> 2021 LSOA bridge (ONS change codes: U unchanged, S split, M merged).

    Adds ``weight``: the share of a 2011 LSOA that goes to each 2021 LSOA when it was split
    (equal shares, as ONS publishes no population split in this lookup), 1 otherwise.
    """
    bridge = read_csv("lookups/leeds_lsoa11_to_lsoa21.csv")
    parts = bridge.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    bridge["weight"] = 1.0 / parts.astype("float64")
    return bridge


def wards() -> pd.DataFrame:
    """The wards of the shipped place with their 2024 and 2019 codes."""
    return read_csv("lookups/leeds_wards.csv").rename(
        columns={"wd24_code": "ward_code", "wd19_code": "ward19_code"}
    )
