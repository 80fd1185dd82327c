"""Interrupted time series: segmented regression of one series (an area, or the whole scheme)
with Newey-West (HAC) standard errors, fitted with statsmodels OLS.

value_t = b0 + b1 * time + b2 * after + b3 * time_since_start + e_t, where ``after`` is 1 from
the start and ``time_since_start`` counts periods from it (0 at the start). b2 is the change in
level at the start, b3 the change in slope; the counterfactual is b0 + b1 * time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from healthequity.evaluation.did import Estimate


@dataclass(frozen=True)
class ItsResult:
    """Level and slope changes, the mean post-period effect, and the fitted series."""

    level_change: Estimate
    slope_change: Estimate
    mean_effect: Estimate  # mean over post periods of fitted minus counterfactual
    pre_slope: Estimate
    series: pd.DataFrame  # year, value, fitted, counterfactual, after
    maxlags: int
    n_periods: int


def default_maxlags(n: int) -> int:
    """Newey & West's rule of thumb: floor(4 (n / 100) ^ (2/9))."""
    return math.floor(4 * (n / 100) ** (2 / 9))


def design(years: np.ndarray, start: int) -> pd.DataFrame:
    """The segmented-regression design matrix (const, time, after, time_since_start)."""
    years = np.asarray(years, dtype="float64")
    after = (years >= start).astype("float64")
    return pd.DataFrame(
        {
            "const": np.ones_like(years),
            "time": years - years.min(),
            "after": after,
            "time_since_start": (years - start) * after,
        }
    )


def segmented_regression(
    years: np.ndarray,
    values: np.ndarray,
    start: int,
    *,
    maxlags: int | None = None,
    confidence: float = 0.95,
) -> ItsResult:
    """Fit the segmented regression with HAC errors (Bartlett kernel, small-sample corrected).

    Intervals use Student's t with n - 4 degrees of freedom.
    """
    years = np.asarray(years, dtype="float64")
    values = np.asarray(values, dtype="float64")
    order = np.argsort(years)
    years, values = years[order], values[order]
    n = len(years)
    if int((years < start).sum()) < 2 or int((years >= start).sum()) < 1:
        raise ValueError("an interrupted time series needs 2 periods before the start and 1 after")
    lags = default_maxlags(n) if maxlags is None else maxlags
    x = design(years, start)
    fit = sm.OLS(values, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    beta, cov = fit.params.to_numpy(), np.asarray(fit.cov_params())
    df = int(fit.df_resid)
    after = x["after"].to_numpy() == 1
    mean_w = x.loc[after, ["after", "time_since_start"]].mean().to_numpy()

    def combo(name: str, w: np.ndarray) -> Estimate:
        value, se = float(w @ beta), float(np.sqrt(w @ cov @ w))
        q = stats.t.ppf(0.5 + confidence / 2, df)
        p = float(2 * stats.t.sf(abs(value / se), df)) if se > 0 else float("nan")
        return Estimate(name, value, se, float(value - q * se), float(value + q * se), p, df)

    level = combo("ITS: change in level", np.array([0, 0, 1.0, 0]))
    slope = combo("ITS: change in slope per period", np.array([0, 0, 0, 1.0]))
    mean = combo("ITS: mean post-period effect", np.r_[0, 0, mean_w])
    pre = combo("ITS: pre-period slope", np.array([0, 1.0, 0, 0]))
    series = pd.DataFrame(
        {
            "year": years.astype("int64"),
            "value": values,
            "fitted": x.to_numpy() @ beta,
            "counterfactual": x[["const", "time"]].to_numpy() @ beta[:2],
            "after": after,
        }
    )
    return ItsResult(level, slope, mean, pre, series, lags, n)
