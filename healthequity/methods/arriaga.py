"""Arriaga's decomposition of a life-expectancy gap by age band and by cause of death.

Source: Arriaga EE (1984), *Measuring and explaining the change in life expectancies*,
Demography 21(1):83-96; by cause as in Preston, Heuveline & Guillot (2001), *Demography*, 4.4.2
(the method of OHID's Segment Tool). Both life tables are built exactly as
``healthequity.methods.life_expectancy`` builds them (Chiang II, 20 bands, a = 0.1 at age 0 and
0.5 elsewhere, the open band's length 2 / m), so the contributions add up to the difference of
the two published life expectancies. With ``l``, ``L``, ``T`` the survivors, person-years and
person-years remaining of tables 1 (base) and 2 (comparison), radix ``l_0``, band ``x``:

    direct_x   = l1_x / l1_0 * (L2_x / l2_x - L1_x / l1_x)
    indirect_x = T2_{x+1} / l1_0 * (l1_x / l2_x - l1_{x+1} / l2_{x+1})      (0 for the open band)
    open band  = l1_x / l1_0 * (T2_x / l2_x - T1_x / l1_x)

and by cause ``i`` with cause-specific rates ``m_{x,i}`` (summing to ``m_x``):
``contribution_{x,i} = contribution_x * (m2_{x,i} - m1_{x,i}) / (m2_x - m1_x)`` (0 where the
band's rates are equal, where the band contributes nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods.life_expectancy import (
    DEFAULT_AGE_CONTENTS,
    NUMBER_AGE_BANDS,
    RADIX,
    AgeBand,
    _band_index,
    _check_age_contents,
)


def chiang_table(mx: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """The Chiang II life table of each row of ``mx`` (groups x 20 bands): l, L, T and e.

    Operation by operation as ``life_expectancy`` computes it (its probability of death capped
    at 1, the open band's n = 2 / m), so ``e[:, 0]`` equals its life expectancy at birth.
    """
    last = NUMBER_AGE_BANDS - 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = np.asarray(mx, dtype="float64")
        n = np.empty_like(m)
        n[:, :last] = np.diff(starts).astype("float64")
        n[:, last] = 2 / m[:, last]
        a = np.where(starts == 0, 0.1, 0.5)
        q = np.where(m <= 1 / n / a, m * n / (1 + m * n * (1 - a)), 1.0)
        factors = np.empty_like(m)
        factors[:, 0] = RADIX
        factors[:, 1:] = (1 - q)[:, :last]
        survivors = np.cumprod(factors, axis=1)
        following = np.zeros_like(m)
        following[:, :last] = survivors[:, 1:]
        dying = survivors - following
        years = np.empty_like(m)
        years[:, :last] = n[:, :last] * (following[:, :last] + a[:last] * dying[:, :last])
        years[:, last] = survivors[:, last] / m[:, last]
        total = np.cumsum(years[:, ::-1], axis=1)[:, ::-1]
        e = np.where(survivors == 0, 0.0, total / survivors)
    return {"l": survivors, "L": years, "T": total, "e": e}


def _by_age(t1: dict[str, np.ndarray], t2: dict[str, np.ndarray]) -> np.ndarray:
    """Arriaga's contribution of each band (groups x bands); rows sum to e2_0 - e1_0."""
    l1, l2, big1, big2, tt1, tt2 = t1["l"], t2["l"], t1["L"], t2["L"], t1["T"], t2["T"]
    radix = l1[:, :1]
    out = np.empty_like(l1)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = l1[:, :-1] / radix * (big2[:, :-1] / l2[:, :-1] - big1[:, :-1] / l1[:, :-1])
        indirect = tt2[:, 1:] / radix * (l1[:, :-1] / l2[:, :-1] - l1[:, 1:] / l2[:, 1:])
        out[:, :-1] = direct + indirect
        out[:, -1] = l1[:, -1] / radix[:, 0] * (tt2[:, -1] / l2[:, -1] - tt1[:, -1] / l1[:, -1])
    return out


def arriaga(
    data: pd.DataFrame,
    mx1: str,
    mx2: str,
    startage: str,
    *,
    cause: str | None = None,
    group_by: str | Sequence[str] | None = None,
    age_contents: Sequence[AgeBand] = DEFAULT_AGE_CONTENTS,
) -> pd.DataFrame:
    """Contributions of each age band (and cause) to the gap in life expectancy at birth.

    ``mx1`` and ``mx2`` are the death rates of the base and comparison populations per band;
    with ``cause`` there is one row per band and cause and the rates are cause-specific (a
    band's all-cause rate is their sum). Returns one row per group, band (and cause) with
    ``contribution`` (years; positive where population 2 lives longer), ``share`` of the gap,
    and the group's ``le_1``, ``le_2`` and ``gap`` (= le_2 - le_1 = the sum of contributions).
    """
    chk.require_frame(data, "arriaga")
    groups = chk.require_group_by(data, group_by)
    starts = _check_age_contents(age_contents)
    m1 = chk.numeric_column(data, "mx1", mx1)
    m2 = chk.numeric_column(data, "mx2", mx2)
    for arg, column, values in (("mx1", mx1, m1), ("mx2", mx2, m2)):
        chk.check_rows(
            ~np.isfinite(values) | (values < 0),
            column=column,
            arg=arg,
            problem="negative or infinite death rates",
            expected="death rates >= 0",
            values=values,
        )
    band = _band_index(data, startage, age_contents)
    keys, codes = chk.group_codes(data, groups)
    if cause is not None:
        chk.require_column(data, "cause", cause)
        cause_keys, cause_codes = chk.group_codes(data, [cause])
    else:
        cause_keys, cause_codes = pd.DataFrame(index=pd.RangeIndex(1)), np.zeros(len(data), int)
    ng, nc, nb = len(keys), len(cause_keys), NUMBER_AGE_BANDS
    cell = (codes * nb + band) * nc + cause_codes
    dup = np.bincount(cell, minlength=ng * nb * nc)[cell] > 1
    chk.check_rows(
        dup,
        column=startage,
        arg="startage",
        problem="an age band repeated" + (" for a cause" if cause else "") + " within a group",
        expected="one row per age band" + (" and cause" if cause else "") + " in each group",
        values=data[startage].to_numpy(),
    )
    grid1 = np.bincount(cell, weights=m1, minlength=ng * nb * nc).reshape(ng, nb, nc)
    grid2 = np.bincount(cell, weights=m2, minlength=ng * nb * nc).reshape(ng, nb, nc)
    have = np.bincount(codes * nb + band, minlength=ng * nb).reshape(ng, nb) > 0
    if not have.all():
        g = int(np.flatnonzero(~have.all(axis=1))[0])
        absent = [str(list(age_contents)[b]) for b in np.flatnonzero(~have[g])]
        where = f" in group {keys.iloc[g].to_dict()}" if groups else ""
        raise InputError(
            f"column {startage!r} (argument startage) has no rows for age band(s) "
            f"{', '.join(absent)}{where}; every group needs all {nb} bands",
            field=startage,
            expected=f"all {nb} age bands in each group",
        )
    total1, total2 = grid1.sum(axis=2), grid2.sum(axis=2)
    for column, total in ((mx1, total1), (mx2, total2)):
        if (total[:, -1] <= 0).any():
            raise InputError(
                f"column {column!r}: the open age band ({list(age_contents)[-1]}) has a death "
                "rate of zero, so life expectancy is infinite",
                field=column,
                expected="a death rate above zero in the open age band",
            )
    t1, t2 = chiang_table(total1, starts), chiang_table(total2, starts)
    by_age = _by_age(t1, t2)
    diff = total2 - total1
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(diff[..., None] != 0, (grid2 - grid1) / diff[..., None], 0.0)
    contribution = by_age[..., None] * weight
    le1, le2 = t1["e"][:, 0], t2["e"][:, 0]
    gap = le2 - le1

    mesh = np.meshgrid(np.arange(ng), np.arange(nb), np.arange(nc), indexing="ij")
    g_idx, b_idx, c_idx = (m.ravel() for m in mesh)
    out = (
        keys.iloc[g_idx].reset_index(drop=True) if groups else pd.DataFrame(index=range(len(g_idx)))
    )
    out[startage] = np.asarray(list(age_contents), dtype=object)[b_idx]
    if cause is not None:
        out[cause] = cause_keys[cause].to_numpy()[c_idx]
    out["contribution"] = contribution.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(gap[g_idx] != 0, out["contribution"] / gap[g_idx], np.nan)
    out["le_1"], out["le_2"], out["gap"] = le1[g_idx], le2[g_idx], gap[g_idx]
    return out
