"""Synthetic panels with planted effects for the evaluation tests (vectorised, seeded)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def panel(
    *,
    seed: int,
    n_treated: Sequence[int] = (10,),
    starts: Sequence[int] = (2020,),
    n_control: int = 30,
    years: Sequence[int] = tuple(range(2014, 2025)),
    effect: float | Sequence[float] = 0.0,
    dynamic: float = 0.0,
    pretrend: float = 0.0,
    noise: float = 1.0,
    rho: float = 0.0,
) -> pd.DataFrame:
    """area_code, year, value, start (NaN for comparison areas).

    Cohort c gets ``effect[c] + dynamic * (year - start)`` from its start; treated areas drift
    by ``pretrend`` a year (relative to comparison areas) before the start; errors are AR(1)
    within area with coefficient ``rho``.
    """
    rng = np.random.default_rng(seed)
    effects = np.broadcast_to(np.asarray(effect, dtype=float), (len(starts),))
    start = np.concatenate(
        [np.full(n, s, dtype=float) for n, s in zip(n_treated, starts, strict=True)]
        + [np.full(n_control, np.nan)]
    )
    size = np.concatenate(
        [np.full(n, e) for n, e in zip(n_treated, effects, strict=True)] + [np.zeros(n_control)]
    )
    n, yr = len(start), np.asarray(years, dtype=float)
    area = rng.normal(10, 2, n)[:, None]
    time = rng.normal(0, 1, len(yr))[None, :] + 0.1 * (yr - yr[0])[None, :]
    shocks = rng.normal(0, noise, (n, len(yr)))
    if rho:
        for j in range(1, len(yr)):  # AR(1) over time (a loop over periods, not areas)
            shocks[:, j] = rho * shocks[:, j - 1] + np.sqrt(1 - rho**2) * shocks[:, j]
    rel = yr[None, :] - start[:, None]
    after = np.nan_to_num(rel) >= 0
    after &= ~np.isnan(start)[:, None]
    y = area + time + shocks + after * (size[:, None] + dynamic * np.nan_to_num(rel))
    before = (~np.isnan(start))[:, None] & (np.nan_to_num(rel, nan=1) < 0)
    y += before * pretrend * np.nan_to_num(rel)
    return pd.DataFrame(
        {
            "area_code": np.repeat([f"A{i:03d}" for i in range(n)], len(yr)),
            "year": np.tile(yr.astype(int), n),
            "value": y.ravel(),
            "start": np.repeat(start, len(yr)),
        }
    )
