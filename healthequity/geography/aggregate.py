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


def sum_by_codes(
    keys: dict[str, np.ndarray], values: dict[str, np.ndarray], dims: dict[str, int]
) -> pd.DataFrame:
    """Sum ``values`` over rows with equal integer ``keys`` (each in ``0 .. dims[key] - 1``);
    missing values count as 0, as in pandas.

    Used to aggregate many indicators at once without text keys: the keys are combined into
    one integer, grouped by a dense count when the key space is small (else by hashing), and
    summed with ``bincount``. Whole numbers sum exactly in any order; groups holding fractions
    are summed again with pandas' compensated sums, in row order, so results do not depend on
    how rows were stacked.
    """
    names = list(keys)
    shape = tuple(max(int(dims[k]), 1) for k in names)
    columns = tuple(np.asarray(keys[k], dtype=np.int64) for k in names)
    combined = np.ravel_multi_index(columns, shape) if names else np.zeros(0, dtype=np.int64)
    size = int(np.prod(shape, dtype=np.float64))
    if size <= max(4 * len(combined), 1 << 22):
        present = np.bincount(combined, minlength=size) > 0
        uniques = np.flatnonzero(present)
        codes = (np.cumsum(present) - 1)[combined]
    else:
        codes, uniques = pd.factorize(combined, sort=False)
    n = len(uniques)
    decoded = np.unravel_index(np.asarray(uniques, dtype=np.int64), shape)
    out = pd.DataFrame({k: d.astype(np.int64) for k, d in zip(names, decoded, strict=True)})
    for col, raw in values.items():
        v = np.asarray(raw, dtype="float64")
        known = ~np.isnan(v)
        out[col] = np.bincount(codes, weights=np.where(known, v, 0.0), minlength=n)
        fractional = known & (v != np.floor(v))
        if fractional.any():
            has_fraction = np.zeros(n, dtype=bool)
            has_fraction[codes[fractional]] = True
            rows = has_fraction[codes]
            exact = pd.Series(v[rows]).groupby(codes[rows], sort=True).sum()
            out.loc[exact.index.to_numpy(), col] = exact.to_numpy()
    return out


@dataclass(frozen=True)
class Areas:
    """Every area a lookup reports, and where each of its LSOAs belongs at each level.

    ``table`` has one row per area (England first, then local authorities, wards, MSOAs and
    LSOAs, each sorted by code): area_code, area_name, area_type, parent_code and la_code (the
    local authority an area lies in; NA for England). ``member[level]`` gives, per LSOA of the
    lookup (in lookup order), the row of ``table`` of its area at that level; ``rank[target]``
    its deprivation group (1 = most deprived; -1 when the LSOA has none).
    """

    table: pd.DataFrame
    lsoa_codes: pd.Index
    member: dict[str, np.ndarray]
    rank: dict[str, np.ndarray]

    @property
    def levels(self) -> list[str]:
        """The geographic levels the lookup has, smallest first (wards and MSOAs optional)."""
        return [level for level in ("lsoa", "msoa", "ward", "la") if level in self.member]


def areas(lookup: pd.DataFrame, deprivation: pd.DataFrame | None = None) -> Areas:
    """The :class:`Areas` of a lookup with lsoa_code, lsoa_name, la_code, la_name and, optionally,
    msoa_code/msoa_name and ward_code/ward_name; ``deprivation`` adds every group target."""
    lookup = lookup.reset_index(drop=True)
    levels = ["la", *(lv for lv in ("ward", "msoa") if f"{lv}_code" in lookup), "lsoa"]
    parents = {"la": None, "ward": "la", "msoa": "la", "lsoa": "msoa" if "msoa" in levels else "la"}
    frames = [
        pd.DataFrame(
            {
                "area_code": [ENGLAND_CODE],
                "area_name": ["England"],
                "area_type": [str(AreaType.ENGLAND)],
                "parent_code": [None],
                "la_code": [None],
            }
        )
    ]
    member: dict[str, np.ndarray] = {}
    start = 1
    for level in levels:
        parent = parents[level]
        up = [f"{parent}_code"] if parent else []
        cols = [f"{level}_code", f"{level}_name", "la_code", *up]
        first = lookup[list(dict.fromkeys(cols))].drop_duplicates(f"{level}_code")
        first = first.sort_values(f"{level}_code").reset_index(drop=True)
        frames.append(
            pd.DataFrame(
                {
                    "area_code": first[f"{level}_code"].to_numpy(dtype=object),
                    "area_name": first[f"{level}_name"].to_numpy(dtype=object),
                    "area_type": str(GEOGRAPHIC[level].area_type),
                    "parent_code": (
                        first[f"{parent}_code"].to_numpy(dtype=object) if parent else ENGLAND_CODE
                    ),
                    "la_code": first["la_code"].to_numpy(dtype=object),
                }
            )
        )
        index = pd.Index(first[f"{level}_code"].to_numpy(dtype=object))
        member[level] = start + index.get_indexer(lookup[f"{level}_code"].to_numpy(dtype=object))
        start += len(first)
    table = pd.concat(frames, ignore_index=True)
    lsoa_codes = pd.Index(lookup["lsoa_code"].to_numpy(dtype=object))
    rank: dict[str, np.ndarray] = {}
    if deprivation is not None:
        where = pd.Index(deprivation["lsoa_code"].to_numpy(dtype=object)).get_indexer(lsoa_codes)
        for target in DEPRIVATION:
            if target not in deprivation:
                continue
            column = deprivation[target]
            if target == "most_deprived_10":
                raw = np.where(column.fillna(False).to_numpy(dtype=bool), 1, 2)
            else:
                raw = column.to_numpy(dtype="float64", na_value=np.nan)
            values = np.where(where >= 0, raw[np.maximum(where, 0)], np.nan)
            rank[target] = np.where(np.isnan(values), -1, values).astype(np.int64)
    return Areas(table, lsoa_codes, member, rank)
