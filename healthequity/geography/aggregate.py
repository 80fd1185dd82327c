"""Aggregate LSOA-level counts to MSOAs, wards, the place, England and deprivation groups.

Geographic targets give one row per area; deprivation targets give one row per group of the
place, with Fingertips' category type and category labels and a ``category_rank``
(1 = most deprived) for ordering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows
from healthequity.geography.codes import ENGLAND_CODE, AreaType


@dataclass(frozen=True)
class Target:
    """One way of grouping LSOAs."""

    name: str
    area_type: AreaType
    category_type: str | None = None


GEOGRAPHIC = {
    "lsoa": Target("lsoa", AreaType.LSOA),
    "msoa": Target("msoa", AreaType.MSOA),
    "ward": Target("ward", AreaType.WARD),
    "la": Target("la", AreaType.LOCAL_AUTHORITY),
    "england": Target("england", AreaType.ENGLAND),
}

DEPRIVATION = {
    "imd_decile": "deprivation deciles (IMD{v}, national)",
    "imd_quintile": "deprivation quintiles (IMD{v}, national)",
    "local_fifth": "deprivation quintiles within area (IMD{v})",
    "local_tenth": "deprivation deciles within area (IMD{v})",
    "most_deprived_10": "most deprived 10% nationally (IMD{v})",
}

_ORDINAL = {5: "quintile", 10: "decile"}


def category_label(group: str, rank: int) -> str:
    """'Most deprived decile', 'Second most deprived quintile', ..., 'Least deprived decile'."""
    if group == "most_deprived_10":
        return "In England's most deprived 10%" if rank == 1 else "Not in the most deprived 10%"
    size = 10 if group in ("imd_decile", "local_tenth") else 5
    word = _ORDINAL[size]
    if rank == 1:
        return f"Most deprived {word}"
    if rank == size:
        return f"Least deprived {word}"
    ordinals = ["Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth"]
    return f"{ordinals[rank - 2]} most deprived {word}"


def targets() -> list[str]:
    """Every aggregation target name."""
    return [*GEOGRAPHIC, *DEPRIVATION]


def aggregate(
    data: pd.DataFrame,
    to: str,
    *,
    values: Sequence[str],
    lookup: pd.DataFrame,
    deprivation: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    lsoa_column: str = "lsoa_code",
    iod_version: int = 2025,
) -> pd.DataFrame:
    """Sum ``values`` of LSOA rows to the target, keeping the extra keys ``by`` (period, sex ...).

    ``lookup`` is an LSOA hierarchy (``lsoa_lookup``); ``deprivation`` the place's groups
    (``deprivation_groups``), needed for deprivation targets. Every LSOA must be in the lookup.
    """
    if to not in GEOGRAPHIC and to not in DEPRIVATION:
        raise InputError(
            f"aggregation target {to!r} is not known; expected one of {', '.join(targets())}",
            field="to",
            expected=", ".join(targets()),
        )
    missing = [c for c in [lsoa_column, *values, *by] if c not in data.columns]
    if missing:
        raise InputError(f"data lacks the columns {', '.join(missing)}", field=", ".join(missing))
    unknown = ~data[lsoa_column].isin(lookup["lsoa_code"]).to_numpy()
    if unknown.any():
        rows = np.flatnonzero(unknown) + 1
        raise InputError(
            f"column {lsoa_column!r}: LSOAs not in the place's lookup at "
            f"{describe_rows(rows, data[lsoa_column].to_numpy()[unknown])}",
            field=lsoa_column,
            rows=rows.tolist(),
            expected="LSOA codes of the place (check the LSOA vintage: 2011 or 2021)",
        )
    joined = data.merge(
        lookup, left_on=lsoa_column, right_on="lsoa_code", how="left", suffixes=("", "_lookup")
    )
    keys = list(by)
    if to in GEOGRAPHIC:
        if to == "england":
            joined["area_code"], joined["area_name"] = ENGLAND_CODE, "England"
        else:
            joined["area_code"], joined["area_name"] = joined[f"{to}_code"], joined[f"{to}_name"]
        out = joined.groupby(["area_code", "area_name", *keys], sort=True, dropna=False)[
            list(values)
        ].sum()
        out = out.reset_index()
        out.insert(2, "area_type", str(GEOGRAPHIC[to].area_type))
        return out
    if deprivation is None:
        raise InputError(
            f"aggregation to {to!r} needs the place's deprivation groups", field="deprivation"
        )
    groups = deprivation[["lsoa_code", to]].rename(columns={to: "category_rank"})
    joined = joined.merge(groups, on="lsoa_code", how="left")
    if to == "most_deprived_10":
        joined["category_rank"] = np.where(joined["category_rank"].astype(bool), 1, 2)
    joined["area_code"], joined["area_name"] = joined["la_code"], joined["la_name"]
    out = joined.groupby(["area_code", "area_name", "category_rank", *keys], sort=True)[
        list(values)
    ].sum()
    out = out.reset_index()
    out["category_rank"] = out["category_rank"].astype(int)
    labels = {r: category_label(to, r) for r in out["category_rank"].unique()}
    out.insert(2, "area_type", str(AreaType.LOCAL_AUTHORITY))
    out.insert(3, "category_type", DEPRIVATION[to].format(v=iod_version))
    out.insert(4, "category", out["category_rank"].map(labels))
    return out


def bridge_to_lsoa21(
    data: pd.DataFrame,
    bridge: pd.DataFrame,
    *,
    values: Sequence[str],
    lsoa_column: str = "lsoa_code",
) -> pd.DataFrame:
    """Move counts on 2011 LSOAs onto 2021 LSOAs: merged LSOAs sum, split LSOAs share by weight."""
    joined = data.merge(
        bridge[["lsoa11_code", "lsoa21_code", "weight"]],
        left_on=lsoa_column,
        right_on="lsoa11_code",
        how="left",
    )
    unmatched = joined["lsoa21_code"].isna().to_numpy()
    if unmatched.any():
        rows = np.flatnonzero(unmatched) + 1
        raise InputError(
            f"column {lsoa_column!r}: 2011 LSOAs not in the bridge at {describe_rows(rows)}",
            field=lsoa_column,
            rows=rows.tolist(),
        )
    for col in values:
        joined[col] = joined[col] * joined["weight"]
    keys = [c for c in data.columns if c not in (*values, lsoa_column)]
    out = joined.drop(columns=[lsoa_column, "lsoa11_code", "weight"]).rename(
        columns={"lsoa21_code": lsoa_column}
    )
    return (
        out.groupby([lsoa_column, *keys], sort=True, dropna=False)[list(values)].sum().reset_index()
    )
