"""Deprivation: IoD2019 (2011 LSOAs) and IoD2025 (2021 LSOAs) for all of England, and groups.

Rank 1 and decile 1 are the most deprived, nationally. Local fifths and tenths rank a place's
own LSOAs (1 = most deprived within the place), as Fingertips' 'deprivation deciles within area'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from healthequity.errors import InputError
from healthequity.geography._files import read_csv
from healthequity.methods.quantiles import assign_quantiles

IodVersion = Literal[2019, 2025]

_FILES: dict[int, tuple[str, str, str]] = {
    2019: ("deprivation/iod2019_lsoa11_england.csv", "lsoa11", "lad19"),
    2025: ("deprivation/iod2025_lsoa21_england.csv", "lsoa21", "lad24"),
}

#: The LSOA vintage each IoD release is published on.
IOD_VINTAGE = {2019: 2011, 2025: 2021}


def check_iod_version(version: int) -> IodVersion:
    """IoD releases shipped: 2019 and 2025."""
    if version not in _FILES:
        raise InputError(
            f"IoD version {version!r} is not shipped; expected 2019 or 2025",
            field="iod_version",
            expected="2019 or 2025",
        )
    return version  # type: ignore[return-value]


def iod(version: int = 2025) -> pd.DataFrame:
    """Every English LSOA of that release: lsoa_code, lsoa_name, la_code, la_name and all domains.

    Adds ``imd_quintile`` (national, from the decile) and ``most_deprived_10`` (decile 1).
    """
    relative, lsoa, lad = _FILES[check_iod_version(version)]
    table = read_csv(relative).rename(
        columns={
            f"{lsoa}_code": "lsoa_code",
            f"{lsoa}_name": "lsoa_name",
            f"{lad}_code": "la_code",
            f"{lad}_name": "la_name",
        }
    )
    table["imd_quintile"] = (table["imd_decile"] + 1) // 2
    table["most_deprived_10"] = table["imd_decile"] == 1
    return table


def la_summaries() -> pd.DataFrame:
    """IoD2025 local authority summaries (File 10), one row per lower-tier LA."""
    return read_csv("deprivation/iod2025_lad24_summaries_england.csv")


def local_quantile(rank: pd.Series, nquantiles: int) -> pd.Series:
    """Quantile of each LSOA among the place's LSOAs by national rank, 1 = most deprived.

    Uses the reference's quantile rule (``assign_quantiles``, as Fingertips' 'deprivation deciles
    within area'), so local fifths match those Fingertips would assign.
    """
    frame = pd.DataFrame({"rank": rank.to_numpy(dtype="float64")})
    out = assign_quantiles(frame, "rank", nquantiles=nquantiles, invert=False)
    return pd.Series(out["quantile"].to_numpy(), index=rank.index, dtype="Int64")


def deprivation_groups(
    la_codes: Sequence[str], version: int = 2025, *, iod_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The place's LSOAs with every deprivation grouping the indicator set reports.

    Columns: lsoa_code, lsoa_name, la_code, imd_score, imd_rank, imd_decile (national),
    imd_quintile (national), most_deprived_10, local_fifth, local_tenth (1 = most deprived
    within the place).
    """
    table = iod(version) if iod_table is None else iod_table
    codes = list(la_codes)
    place = table[table["la_code"].isin(codes)].copy()
    unknown = sorted(set(codes) - set(place["la_code"]))
    if unknown:
        raise InputError(
            f"local authority codes {', '.join(unknown)} have no LSOAs in IoD{version}",
            field="la_codes",
            values=unknown,
            expected=f"lower-tier LA codes used by IoD{version}",
        )
    place["local_fifth"] = local_quantile(place["imd_rank"], 5)
    place["local_tenth"] = local_quantile(place["imd_rank"], 10)
    keep = [
        "lsoa_code", "lsoa_name", "la_code", "imd_score", "imd_rank", "imd_decile",
        "imd_quintile", "most_deprived_10", "local_fifth", "local_tenth",
    ]  # fmt: skip
    return place[keep].sort_values("lsoa_code").reset_index(drop=True)
