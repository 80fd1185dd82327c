"""Difference-in-differences on an area x period panel (statsmodels OLS / linearmodels PanelOLS).

* ``twfe``: two-way fixed effects (area and period) with one treatment indicator;
* ``event_study``: effects by period relative to the start (the period before is the
  reference), with the joint test that every pre-period effect is zero;
* ``sun_abraham``: the interaction-weighted estimator for staggered adoption (Sun & Abraham
  2021): one regression with cohort x relative-period effects against never-treated areas, then
  averaged with cohort-size weights, so early-treated areas never act as controls.

Errors are clustered by area; the fixed effects are dummies in statsmodels OLS for panels of up
to DUMMY_LIMIT areas and absorbed by linearmodels PanelOLS above that (same numbers, tested).
The small-sample correction is G/(G-1) x (N-1)/(N-K) with the
fixed effects counted in K (PanelOLS ``debiased`` and ``group_debias``), exactly what
statsmodels' OLS with area and period dummies and ``cov_type='cluster'`` gives; intervals and
p-values use Student's t with G-1 degrees of freedom, as is usual with clustered errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from linearmodels.panel import PanelOLS
from scipy import stats
from threadpoolctl import threadpool_limits

#: How the fixed effects are fitted: "auto" picks by the number of areas (DUMMY_LIMIT).
Engine = Literal["auto", "dummies", "panelols"]

#: Columns of an estimates table.
ESTIMATE_COLUMNS = ["term", "estimate", "std_error", "lower", "upper", "p_value"]


@dataclass(frozen=True)
class Estimate:
    """One effect with its clustered standard error, interval and two-sided p-value."""

    term: str
    estimate: float
    std_error: float
    lower: float
    upper: float
    p_value: float
    df: int

    def as_dict(self) -> dict[str, float | str | int]:
        """Plain values for a table or JSON."""
        return {
            "term": self.term,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "lower": self.lower,
            "upper": self.upper,
            "p_value": self.p_value,
            "df": self.df,
        }


@dataclass(frozen=True)
class JointTest:
    """A Wald test that several effects are all zero (F form, G-1 denominator df)."""

    statistic: float
    df_num: int
    df_den: int
    p_value: float

    @property
    def testable(self) -> bool:
        """False when there was nothing to test (fewer than two pre-periods)."""
        return self.df_num > 0


@dataclass(frozen=True)
class EventStudy:
    """Effects by period relative to the start (reference -1 fixed at 0) and the pre-trend test."""

    effects: pd.DataFrame  # relative_period + ESTIMATE_COLUMNS
    pretrend: JointTest
    overall: Estimate  # mean of the post-period effects


def _estimates(
    names: list[str], beta: np.ndarray, se: np.ndarray, df: int, confidence: float
) -> pd.DataFrame:
    q = stats.t.ppf(0.5 + confidence / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(beta / se), df)
    return pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "std_error": se,
            "lower": beta - q * se,
            "upper": beta + q * se,
            "p_value": p,
        }
    )


def _combine(
    name: str, w: np.ndarray, beta: np.ndarray, cov: np.ndarray, df: int, confidence: float
) -> Estimate:
    value = float(w @ beta)
    se = float(np.sqrt(w @ cov @ w))
    row = _estimates([name], np.array([value]), np.array([se]), df, confidence).iloc[0]
    return Estimate(
        name, value, se, float(row["lower"]), float(row["upper"]), float(row["p_value"]), df
    )


#: Up to this many areas the fixed effects are dummies in statsmodels OLS (fast for small
#: panels); above it linearmodels PanelOLS absorbs them. Both give the same numbers (tested).
DUMMY_LIMIT = 500


def _fit(
    data: pd.DataFrame,
    y: str,
    regressors: pd.DataFrame,
    weights: str | None,
    engine: Engine = "auto",
) -> tuple[np.ndarray, np.ndarray, int]:
    """(coefficients, clustered covariance, G-1) of y on regressors with area and period effects."""
    areas, area_ids = np.unique(data["area_code"].to_numpy(dtype=str), return_inverse=True)
    groups = len(areas)
    if engine == "dummies" or (engine == "auto" and groups <= DUMMY_LIMIT):
        _, year_ids = np.unique(data["year"].to_numpy(), return_inverse=True)
        k = regressors.shape[1]
        x = np.column_stack(
            [
                regressors.to_numpy(dtype="float64"),
                np.ones(len(data)),
                np.eye(groups)[area_ids][:, 1:],
                np.eye(int(year_ids.max()) + 1)[year_ids][:, 1:],
            ]
        )
        endog = data[y].to_numpy(dtype="float64")
        # many small regressions: BLAS threads only add overhead
        with threadpool_limits(limits=1, user_api="blas"):
            model = (
                sm.OLS(endog, x)
                if weights is None
                else sm.WLS(endog, x, weights=data[weights].to_numpy(dtype="float64"))
            )
            fit = model.fit(cov_type="cluster", cov_kwds={"groups": area_ids}, use_t=True)
        return np.asarray(fit.params)[:k], np.asarray(fit.cov_params())[:k, :k], groups - 1
    index = pd.MultiIndex.from_arrays([data["area_code"], data["year"]])
    model_p = PanelOLS(
        data[y].set_axis(index),
        regressors.set_axis(index),
        entity_effects=True,
        time_effects=True,
        weights=None if weights is None else data[weights].set_axis(index),
        drop_absorbed=False,
        check_rank=False,
    )
    res = model_p.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    return res.params.to_numpy(), res.cov.to_numpy(), groups - 1


def _clean(data: pd.DataFrame) -> pd.DataFrame:
    out = data[np.isfinite(data["value"].to_numpy(dtype="float64"))].copy()
    out["area_code"] = out["area_code"].astype(str)
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)


def treated_indicator(data: pd.DataFrame) -> pd.Series:
    """1 for an intervention area from its start on, else 0 (``start`` NaN: never treated)."""
    start = data["start"].to_numpy(dtype="float64")
    return pd.Series((data["year"].to_numpy() >= start).astype("float64"), index=data.index)


def twfe(
    data: pd.DataFrame,
    *,
    confidence: float = 0.95,
    weights: str | None = None,
    engine: Engine = "auto",
) -> Estimate:
    """The two-way fixed-effects DiD estimate of the effect on ``value``.

    ``data``: area_code, year, value, start (first treated year; NaN for comparison areas).
    """
    data = _clean(data)
    d = pd.DataFrame({"treated": treated_indicator(data)})
    beta, cov, df = _fit(data, "value", d, weights, engine)
    se = np.sqrt(np.diag(cov))
    row = _estimates(["treated"], beta, se, df, confidence).iloc[0]
    return Estimate(
        "DiD (two-way fixed effects)",
        float(beta[0]),
        float(se[0]),
        float(row["lower"]),
        float(row["upper"]),
        float(row["p_value"]),
        df,
    )


def relative_periods(data: pd.DataFrame) -> pd.Series:
    """Period minus start for intervention areas; NA for comparison areas."""
    rel = data["year"].to_numpy(dtype="float64") - data["start"].to_numpy(dtype="float64")
    return pd.Series(rel, index=data.index).astype("Int64")


def pretrend_test(beta: np.ndarray, cov: np.ndarray, df: int) -> JointTest:
    """Joint Wald test that every effect in ``beta`` is zero (F with q and G-1 df)."""
    q = len(beta)
    if q == 0:
        return JointTest(float("nan"), 0, df, float("nan"))
    wald = float(beta @ np.linalg.pinv(cov) @ beta)
    f = wald / q
    return JointTest(f, q, df, float(stats.f.sf(f, q, df)))


def event_study(
    data: pd.DataFrame,
    *,
    confidence: float = 0.95,
    weights: str | None = None,
    reference: int = -1,
    engine: Engine = "auto",
) -> EventStudy:
    """Effects by relative period in one TWFE regression (fully dynamic, reference -1).

    With one start date this is the standard event study; with staggered starts, prefer
    ``sun_abraham``, whose effects are not contaminated by other cohorts' effects.
    """
    data = _clean(data)
    rel = relative_periods(data)
    periods = sorted(int(r) for r in rel.dropna().unique() if int(r) != reference)
    dummies = pd.DataFrame(
        {f"rel_{r}": (rel == r).fillna(False).astype("float64") for r in periods}
    )
    beta, cov, df = _fit(data, "value", dummies, weights, engine)
    se = np.sqrt(np.diag(cov))
    table = _estimates(list(dummies.columns), beta, se, df, confidence)
    table.insert(0, "relative_period", periods)
    ref = pd.DataFrame(
        [
            {
                "relative_period": reference,
                "term": f"rel_{reference}",
                "estimate": 0.0,
                "std_error": 0.0,
                "lower": 0.0,
                "upper": 0.0,
                "p_value": np.nan,
            }
        ]
    )
    table = pd.concat([table, ref]).sort_values("relative_period").reset_index(drop=True)
    lead = np.array([r < reference for r in periods])
    post = np.array([r >= 0 for r in periods], dtype="float64")
    test = pretrend_test(beta[lead], cov[np.ix_(lead, lead)], df)
    overall = _combine(
        "Event study: mean post-period effect", post / post.sum(), beta, cov, df, confidence
    )
    return EventStudy(table, test, overall)


@dataclass(frozen=True)
class Staggered:
    """Sun & Abraham interaction-weighted results."""

    cohort_effects: pd.DataFrame  # cohort, relative_period, n_areas + ESTIMATE_COLUMNS
    event_study: EventStudy  # interaction-weighted effects by relative period
    overall: Estimate  # average effect over every treated area-period after the start


def sun_abraham(
    data: pd.DataFrame,
    *,
    confidence: float = 0.95,
    weights: str | None = None,
    reference: int = -1,
    engine: Engine = "auto",
) -> Staggered:
    """Sun & Abraham (2021) interaction-weighted event study and overall ATT.

    Cohort x relative-period indicators (the period before each cohort's start left out) in one
    TWFE regression whose controls are the never-treated areas; cohort effects are averaged by
    cohort size at each relative period; the overall effect averages every post-start cell,
    weighted by its number of areas. Variances follow by the delta method (weights taken as
    fixed, as fixest's ``sunab`` aggregation does).
    """
    data = _clean(data)
    if not data["start"].isna().any():
        raise ValueError("sun_abraham needs never-treated comparison areas (start NaN)")
    rel = relative_periods(data)
    start = data["start"]
    cells = (
        pd.DataFrame({"cohort": start, "relative_period": rel, "area_code": data["area_code"]})
        .dropna()
        .astype({"cohort": "int64", "relative_period": "int64"})
    )
    cells = cells[cells["relative_period"] != reference]
    sizes = (
        cells.groupby(["cohort", "relative_period"])["area_code"].nunique().rename("n_areas")
    ).reset_index()
    names = [
        f"c{c}_rel_{r}" for c, r in zip(sizes["cohort"], sizes["relative_period"], strict=True)
    ]
    columns = {}
    for name, c, r in zip(names, sizes["cohort"], sizes["relative_period"], strict=True):
        columns[name] = ((start == c) & (rel == r)).fillna(False).astype("float64")
    beta, cov, df = _fit(data, "value", pd.DataFrame(columns), weights, engine)
    se = np.sqrt(np.diag(cov))
    cohort_table = pd.concat([sizes, _estimates(names, beta, se, df, confidence)], axis=1)
    n = sizes["n_areas"].to_numpy(dtype="float64")
    r_all = sizes["relative_period"].to_numpy()
    periods = sorted(set(int(r) for r in r_all))
    # weight matrix: one row per relative period, cohort-size shares among the cohorts seen there
    w = np.array([np.where(r_all == r, n, 0.0) for r in periods])
    w = w / w.sum(axis=1, keepdims=True)
    iw = w @ beta
    iw_se = np.sqrt(np.einsum("ij,jk,ik->i", w, cov, w))
    table = _estimates([f"rel_{r}" for r in periods], iw, iw_se, df, confidence)
    table.insert(0, "relative_period", periods)
    ref = pd.DataFrame(
        [
            {
                "relative_period": reference,
                "term": f"rel_{reference}",
                "estimate": 0.0,
                "std_error": 0.0,
                "lower": 0.0,
                "upper": 0.0,
                "p_value": np.nan,
            }
        ]
    )
    table = pd.concat([table, ref]).sort_values("relative_period").reset_index(drop=True)
    lead = r_all < reference
    test = pretrend_test(beta[lead], cov[np.ix_(lead, lead)], df)
    post = np.where(r_all >= 0, n, 0.0)
    overall = _combine(
        "DiD (Sun & Abraham, interaction-weighted)", post / post.sum(), beta, cov, df, confidence
    )
    mean_post = np.array([p >= 0 for p in periods], dtype="float64")
    es_overall = _combine(
        "Event study: mean post-period effect",
        (mean_post / mean_post.sum()) @ w,
        beta,
        cov,
        df,
        confidence,
    )
    return Staggered(cohort_table, EventStudy(table, test, es_overall), overall)
