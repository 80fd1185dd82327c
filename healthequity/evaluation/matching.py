"""Comparison areas chosen by matching: nearest neighbours on standardised covariates
(Mahalanobis) or on the logit of a propensity score, with balance before and after.

Without replacement the matching is optimal (scipy's linear_sum_assignment minimises the total
distance), not greedy, so the order of the treated areas does not matter. Balance is the
standardised mean difference (SMD) with the pre-matching pooled SD as its denominator both before
and after, so the two are comparable (Stuart 2010); |SMD| < 0.1 is the usual mark of balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import linear_sum_assignment
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from healthequity.errors import InputError
from healthequity.evaluation.config import MatchMethod

BALANCE_COLUMNS = [
    "covariate",
    "mean_treated",
    "mean_pool",
    "mean_matched",
    "smd_before",
    "smd_after",
    "variance_ratio_before",
    "variance_ratio_after",
]


@dataclass(frozen=True)
class Matched:
    """The pairs (treated_area, comparison_area, distance, rank), the comparison areas chosen,
    the balance table and the propensity scores (propensity matching only)."""

    pairs: pd.DataFrame
    comparison: list[str]
    balance: pd.DataFrame
    method: MatchMethod
    propensity: pd.Series | None = None


def _complete(covariates: pd.DataFrame, areas: Sequence[str], field: str) -> pd.DataFrame:
    table = covariates.reindex(list(areas))
    bad = table.isna().any(axis=1)
    if bad.any():
        names = ", ".join(table.index[bad][:10])
        columns = ", ".join(table.columns[table[bad].isna().any()])
        raise InputError(
            f"{field}: no {columns} for {names}{' and more' if bad.sum() > 10 else ''}; "
            "leave the covariate out of comparison.match_on or the area out of the data",
            field=field,
        )
    return table.astype("float64")


def balance_table(
    covariates: pd.DataFrame, treated: Sequence[str], pool: Sequence[str], matched: Sequence[str]
) -> pd.DataFrame:
    """Means, SMDs and variance ratios of each covariate before (pool) and after (matched)."""
    t = covariates.reindex(list(treated)).astype("float64")
    p = covariates.reindex(list(pool)).astype("float64")
    m = covariates.reindex(list(matched)).astype("float64")
    scale = np.sqrt((t.var(ddof=1) + p.var(ddof=1)) / 2)
    scale = scale.where(scale > 0)
    out = pd.DataFrame(
        {
            "covariate": covariates.columns,
            "mean_treated": t.mean().to_numpy(),
            "mean_pool": p.mean().to_numpy(),
            "mean_matched": m.mean().to_numpy(),
            "smd_before": ((t.mean() - p.mean()) / scale).to_numpy(),
            "smd_after": ((t.mean() - m.mean()) / scale).to_numpy(),
            "variance_ratio_before": (t.var(ddof=1) / p.var(ddof=1)).to_numpy(),
            "variance_ratio_after": (t.var(ddof=1) / m.var(ddof=1)).to_numpy(),
        }
    )
    return out[BALANCE_COLUMNS]


def _mahalanobis(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Treated x pool Mahalanobis distances with the covariance of all the areas."""
    both = np.vstack([t, p])
    cov = np.atleast_2d(np.cov(both, rowvar=False))
    root = np.linalg.cholesky(np.linalg.pinv(cov) + 1e-12 * np.eye(cov.shape[0]))
    ts, ps = t @ root, p @ root
    sq = (ts**2).sum(1)[:, None] + (ps**2).sum(1)[None, :] - 2 * ts @ ps.T
    return np.sqrt(np.clip(sq, 0, None))


def propensity_scores(t: pd.DataFrame, p: pd.DataFrame) -> pd.Series:
    """Probability of being an intervention area given the covariates (logistic regression)."""
    x = pd.concat([t, p])
    z = (x - x.mean()) / x.std(ddof=0).replace(0, 1)
    y = np.r_[np.ones(len(t)), np.zeros(len(p))]
    try:
        fit = sm.Logit(y, sm.add_constant(z.to_numpy()), missing="raise").fit(disp=0)
    except (PerfectSeparationError, np.linalg.LinAlgError) as err:
        raise InputError(
            f"comparison.method: the propensity model cannot be fitted ({err}); the covariates "
            "separate intervention and pool areas perfectly: use method 'nearest'",
            field="comparison.method",
        ) from None
    return pd.Series(np.asarray(fit.predict()), index=x.index, name="propensity")


def _assign(distance: np.ndarray, k: int, replace: bool) -> tuple[np.ndarray, np.ndarray]:
    """(treated row, pool column) of each match: k per treated area."""
    n_t, n_p = distance.shape
    if replace:
        cols = np.argsort(distance, axis=1, kind="stable")[:, :k]
        return np.repeat(np.arange(n_t), k), cols.ravel()
    m = min(n_t * k, n_p)
    # an optimal assignment uses only each row's m nearest columns, so solve on those alone
    near = np.unique(np.argpartition(distance, m - 1, axis=1)[:, :m]) if m < n_p else np.arange(n_p)
    cost = np.repeat(distance[:, near], k, axis=0)
    rows, cols = linear_sum_assignment(cost)
    return rows // k, near[cols]


def match_areas(
    covariates: pd.DataFrame,
    treated: Sequence[str],
    pool: Sequence[str],
    *,
    method: MatchMethod = MatchMethod.NEAREST,
    per_treated: int = 3,
    replace: bool = False,
    caliper: float | None = None,
    min_areas: int = 5,
) -> Matched:
    """Comparison areas for ``treated`` from ``pool`` on every column of ``covariates``.

    ``caliper`` is in standard deviations of the distance used (of the logit propensity score
    for propensity matching; of the covariates, Mahalanobis, for nearest). Raises InputError
    naming the field when fewer than ``min_areas`` comparison areas remain.
    """
    t = _complete(covariates, treated, "comparison.match_on")
    p = _complete(covariates, pool, "comparison.match_on")
    scores: pd.Series | None = None
    if method == MatchMethod.NONE:
        chosen = list(pool)
        pairs = pd.DataFrame(columns=["treated_area", "comparison_area", "distance", "rank"])
        return Matched(pairs, chosen, balance_table(covariates, treated, pool, chosen), method)
    if not replace and len(p) < len(t) * per_treated:
        per_treated = max(1, len(p) // len(t))
    if method == MatchMethod.PROPENSITY:
        scores = propensity_scores(t, p)
        prob = scores.to_numpy(dtype="float64")
        logit = np.log(prob / (1 - prob))
        lt, lp = logit[: len(t)], logit[len(t) :]
        distance = np.abs(lt[:, None] - lp[None, :])
        unit_sd = float(np.std(logit, ddof=1))
    else:
        distance = _mahalanobis(t.to_numpy(), p.to_numpy())
        unit_sd = 1.0
    rows, cols = _assign(distance, per_treated, replace)
    d = distance[rows, cols]
    keep = np.ones(len(d), dtype=bool) if caliper is None else d <= caliper * unit_sd
    pairs = pd.DataFrame(
        {
            "treated_area": np.asarray(t.index)[rows[keep]],
            "comparison_area": np.asarray(p.index)[cols[keep]],
            "distance": d[keep],
        }
    ).sort_values(["treated_area", "distance", "comparison_area"], kind="stable")
    pairs["rank"] = pairs.groupby("treated_area").cumcount() + 1
    chosen = sorted(set(pairs["comparison_area"]))
    if len(chosen) < min_areas:
        raise InputError(
            f"comparison.caliper: only {len(chosen)} comparison areas lie within the caliper "
            f"({caliper}); comparison.min_areas is {min_areas}: widen or remove the caliper",
            field="comparison.caliper",
        )
    balance = balance_table(covariates, treated, pool, chosen)
    return Matched(pairs.reset_index(drop=True), chosen, balance, method, scores)
