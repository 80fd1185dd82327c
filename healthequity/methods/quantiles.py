"""Quantiles of small areas within parent areas (PHEindicatormethods ``phe_quantile``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows
from healthequity.methods import _checks as chk

INVERTED = "lowest quantile represents highest values"
NOT_INVERTED = "lowest quantile represents lowest values"
NOTE_MISSING = "value missing"


def _check_nquantiles(nquantiles: object) -> int:
    """A whole number of quantiles, at least 1."""
    if isinstance(nquantiles, numbers.Real) and not isinstance(nquantiles, bool | np.bool_):
        number = float(nquantiles)
        if number.is_integer() and number >= 1:
            return int(number)
    raise InputError(
        f"nquantiles: {nquantiles!r}; expected a whole number of quantiles of at least 1",
        field="nquantiles",
        expected="a whole number >= 1",
    )


def _bool_mask(series: pd.Series) -> np.ndarray:
    """Which rows hold a genuine True/False (not 1/0, text or missing)."""
    if pd.api.types.is_bool_dtype(series):
        return series.notna().to_numpy(dtype=bool)
    return series.map(type).isin([bool, np.bool_]).to_numpy(dtype=bool)


def _logical_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """Column ``column`` (argument invert) as booleans: True/False in every row, nothing else."""
    series = data[column]
    is_bool = _bool_mask(series)
    values = series.to_numpy(dtype=object)
    if not is_bool.all():
        rows = np.flatnonzero(~is_bool) + 1
        raise InputError(
            f"column {column!r} (argument invert) must hold True or False in every row; "
            f"other values at {describe_rows(rows, values[~is_bool])}",
            field=column,
            rows=rows.tolist(),
            expected="True or False",
            values=values[~is_bool].tolist(),
        )
    return values.astype(bool)


def _invert_per_row(
    data: pd.DataFrame, invert: object, codes: np.ndarray, groups: list[str]
) -> np.ndarray:
    """Each row's direction, from a logical or a column that is constant within each group."""
    if isinstance(invert, bool | np.bool_):
        flag = bool(invert)
        if "invert" in data.columns:
            # The reference resolves a logical `invert` to a data column of that name when one
            # exists; refuse unless the column agrees, so the two can never silently differ.
            is_bool = _bool_mask(data["invert"])
            given = data["invert"].to_numpy(dtype=object)
            differs = ~is_bool | (np.where(is_bool, given, flag) != flag)
            chk.check_rows(
                differs,
                column="invert",
                arg="invert",
                problem=f"values that differ from invert={flag}",
                expected=(
                    f"a column named 'invert' to agree with invert={flag} (the reference would "
                    "use the column instead); pass invert='invert' to use the column, or "
                    "rename it"
                ),
                values=given,
            )
        return np.full(len(data), flag)
    if isinstance(invert, str):
        column = chk.require_column(data, "invert", invert)
        flags = _logical_column(data, column)
        ngroups = int(codes.max()) + 1 if len(codes) else 0
        trues = np.bincount(codes, weights=flags.astype(float), minlength=ngroups)
        sizes = np.bincount(codes, minlength=ngroups)
        mixed = (trues > 0) & (trues < sizes)
        where = f"each group of {', '.join(groups)}" if groups else "the data (no group_by)"
        chk.check_rows(
            mixed[codes],
            column=column,
            arg="invert",
            problem="True and False mixed within one group",
            expected=(
                f"the same logical value in every row of {where}: invert field values must "
                "take the same logical value for each data grouping set"
            ),
            values=flags,
        )
        return flags
    raise InputError(
        f"invert: {invert!r}; invert expressed as a logical must equal TRUE or FALSE "
        "(give True, False, or the name of a column of True/False values)",
        field="invert",
        expected="True, False, or a column name",
    )


def assign_quantiles(
    data: pd.DataFrame,
    values: str,
    *,
    group_by: str | Sequence[str] | None = None,
    nquantiles: int = 10,
    invert: bool | str = True,
) -> pd.DataFrame:
    """Each row's quantile (1..nquantiles) of ``values`` within its group, as the reference does.

    Ranks take the lowest rank for ties; ``invert`` (True/False, or a column constant within each
    group; True by default, as in the reference) puts the highest values in quantile 1, so that
    quantile 1 of IMD scores is the most deprived. A missing value, or a group with fewer areas
    with values than quantiles, gives an NA quantile with a value note.
    """
    chk.require_frame(data, "assign_quantiles")
    groups = chk.require_group_by(data, group_by)
    nq = _check_nquantiles(nquantiles)
    vals = chk.numeric_column(data, "values", values, allow_missing=True)
    _, codes = chk.group_codes(data, groups)
    inverted = _invert_per_row(data, invert, codes, groups)

    present = ~np.isnan(vals)
    ngroups = int(codes.max()) + 1 if len(codes) else 0
    count = chk.group_sum(codes, present.astype(float), ngroups)[codes]
    adjusted = np.where(inverted, -vals, vals)
    rank = pd.Series(adjusted).groupby(codes).rank(method="min", na_option="keep").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = np.floor((nq + 1) - np.ceil(((count + 1) - rank) / (count / nq)))
    quantile[quantile == 0] = 1
    too_few = count < nq
    quantile[too_few | ~present] = np.nan

    scope = "group" if groups else "data"
    few = (
        f"too few small areas with values to assign {nq} quantiles (the {scope} has "
        + pd.Series(count, dtype="int64").astype("string")
        + " with values)"
    )
    notes = pd.Series(pd.NA, index=few.index, dtype="string")
    notes = notes.mask(too_few, few)
    notes = notes.mask(~present, NOTE_MISSING)
    notes = notes.mask(~present & too_few, NOTE_MISSING + "; " + few)

    out = data.reset_index(drop=True).copy()
    out["quantile"] = pd.Series(quantile).astype("Int64")
    out["nquantiles"] = nq
    out["qinverted"] = pd.array(np.where(inverted, INVERTED, NOT_INVERTED), dtype="string")
    out["value_note"] = notes
    return out
