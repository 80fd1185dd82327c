"""Interrupted time series (agreement with statsmodels, planted changes) and matching."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from healthequity.errors import InputError
from healthequity.evaluation import MatchMethod, balance_table, match_areas, segmented_regression
from healthequity.evaluation.its import default_maxlags


def _series(seed: int, level: float, slope: float, n: int = 40, start: int = 2000) -> tuple:
    rng = np.random.default_rng(seed)
    years = np.arange(1980, 1980 + n)
    after = years >= start
    y = 50 + 0.5 * (years - 1980) + after * (level + slope * (years - start)) + rng.normal(0, 1, n)
    return years, y


def test_its_agrees_with_direct_statsmodels_hac() -> None:
    years, y = _series(1, -4.0, -0.3)
    res = segmented_regression(years, y, 2000, maxlags=2)
    t = years - years.min()
    after = (years >= 2000).astype(float)
    x = np.column_stack([np.ones_like(t), t, after, (years - 2000) * after])
    ref = sm.OLS(y, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}, use_t=True
    )
    assert res.level_change.estimate == pytest.approx(ref.params[2], abs=1e-8)
    assert res.level_change.std_error == pytest.approx(ref.bse[2], abs=1e-8)
    assert res.slope_change.estimate == pytest.approx(ref.params[3], abs=1e-8)
    low, high = ref.conf_int()[3]
    assert (res.slope_change.lower, res.slope_change.upper) == pytest.approx((low, high), abs=1e-8)
    assert res.series["counterfactual"].to_numpy() == pytest.approx(
        ref.params[0] + ref.params[1] * t
    )


def test_its_recovers_planted_level_and_slope_changes() -> None:
    years, y = _series(2, -4.0, -0.3)
    res = segmented_regression(years, y, 2000)
    assert res.level_change.lower < -4.0 < res.level_change.upper
    assert res.slope_change.lower < -0.3 < res.slope_change.upper
    assert res.maxlags == default_maxlags(40) == 3


def test_its_needs_two_periods_before() -> None:
    with pytest.raises(ValueError, match="2 periods before the start"):
        segmented_regression(np.arange(2018, 2025), np.ones(7), 2019)


def _covariates(seed: int = 0, n_t: int = 10, n_p: int = 200) -> tuple[pd.DataFrame, list, list]:
    rng = np.random.default_rng(seed)
    t = pd.DataFrame(
        {"deprivation": rng.normal(50, 8, n_t), "population": rng.normal(7.4, 0.1, n_t)}
    )
    p = pd.DataFrame(
        {"deprivation": rng.normal(25, 15, n_p), "population": rng.normal(7.3, 0.2, n_p)}
    )
    t.index = [f"T{i}" for i in range(n_t)]
    p.index = [f"P{i:03d}" for i in range(n_p)]
    return pd.concat([t, p]), list(t.index), list(p.index)


@pytest.mark.parametrize("method", [MatchMethod.NEAREST, MatchMethod.PROPENSITY])
def test_matching_improves_balance(method: MatchMethod) -> None:
    covs, treated, pool = _covariates()
    m = match_areas(covs, treated, pool, method=method, per_treated=2)
    assert len(m.comparison) == 20 and set(m.comparison) <= set(pool)
    b = m.balance.set_index("covariate")
    assert (b["smd_after"].abs() < b["smd_before"].abs()).all()
    assert abs(b.loc["deprivation", "smd_after"]) < abs(b.loc["deprivation", "smd_before"]) / 5
    assert m.pairs.groupby("treated_area").size().eq(2).all()


def test_matching_without_replacement_is_optimal() -> None:
    """The total distance equals the brute-force minimum on a small case."""
    covs, treated, pool = _covariates(seed=3, n_t=3, n_p=7)
    m = match_areas(covs[["deprivation"]], treated, pool, per_treated=1, min_areas=2)
    x = covs["deprivation"]
    sd = np.sqrt(np.cov(x.to_numpy()))
    best = min(
        sum(abs(x[t] - x[p]) for t, p in zip(treated, perm, strict=True))
        for perm in itertools.permutations(pool, 3)
    )
    assert m.pairs["distance"].sum() == pytest.approx(best / sd)


def test_smd_worked_example() -> None:
    covs = pd.DataFrame({"x": [1.0, 3.0, 0.0, 2.0, 4.0, 2.0]}, index=list("abcdef"))
    b = balance_table(covs, ["a", "b"], ["c", "d", "e"], ["f"]).iloc[0]
    # treated mean 2, var 2; pool mean 2, var 4; scale sqrt(3); matched mean 2
    assert b["smd_before"] == 0.0 and b["smd_after"] == 0.0
    assert b["variance_ratio_before"] == pytest.approx(0.5)
    covs.loc["f", "x"] = 0.5
    b = balance_table(covs, ["a", "b"], ["c", "d", "e"], ["f"]).iloc[0]
    assert b["smd_after"] == pytest.approx(1.5 / np.sqrt(3))


def test_caliper_leaving_too_few_areas_names_the_field() -> None:
    covs, treated, pool = _covariates()
    with pytest.raises(
        InputError,
        match=r"^comparison.caliper: only \d+ comparison areas lie "
        r"within the caliper \(0.001\); comparison.min_areas is 5",
    ) as err:
        match_areas(covs, treated, pool, caliper=0.001)
    assert err.value.field == "comparison.caliper"
