"""Run an evaluation: panel, matched comparison areas, DiD, event study, staggered-adoption
estimator where starts differ, and the interrupted time series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.evaluation.config import EvaluationConfig
from healthequity.evaluation.did import (
    Estimate,
    EventStudy,
    Staggered,
    event_study,
    sun_abraham,
    twfe,
)
from healthequity.evaluation.its import ItsResult, segmented_regression
from healthequity.evaluation.matching import Matched, match_areas
from healthequity.evaluation.panel import Panel, build_panel, resolve_areas


@dataclass(frozen=True)
class Evaluation:
    """Everything an evaluation found (the analyst's full figures; publish through the report)."""

    config: EvaluationConfig
    panel: Panel
    matched: Matched
    analysis: pd.DataFrame  # area_code, year, period, value, numerator, denominator, start, group
    did: Estimate
    event: EventStudy
    staggered: Staggered | None
    its: ItsResult
    its_unit: str
    its_comparison: ItsResult  # the same segmented regression on the comparison areas
    its_counts: pd.DataFrame  # year, period, numerator, denominator, value of the ITS series
    trends: pd.DataFrame  # year, period, group, numerator, denominator, value

    @property
    def headline(self) -> Estimate:
        """The main estimate: Sun & Abraham under staggered adoption, else two-way FE DiD."""
        return self.staggered.overall if self.staggered is not None else self.did

    @property
    def treated_areas(self) -> list[str]:
        """Areas of the intervention in the panel's unit."""
        return sorted(self.panel.cohorts["area_code"])


def aggregate_series(
    rows: pd.DataFrame, ratio: bool, multiplier: float, by: list[str]
) -> pd.DataFrame:
    """Rows summed by ``by``: value = sum numerator / sum denominator x multiplier when the
    outcome is a ratio of counts, else the denominator-weighted mean of the values."""
    work = rows.assign(_wv=rows["value"] * rows["denominator"])
    out = work.groupby(by, as_index=False).agg(
        period=("period", "first"),
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        _wv=("_wv", "sum"),
    )
    if ratio:
        out["value"] = out["numerator"] / out["denominator"] * multiplier
    else:
        out["value"] = out["_wv"] / out["denominator"]
    return out.drop(columns="_wv")


def evaluate(config: EvaluationConfig, data: pd.DataFrame | None = None) -> Evaluation:
    """Run every analysis the config asks for; ``data`` (PANEL_COLUMNS) replaces reading it."""
    panel = build_panel(config, data)
    c = config.comparison
    treated = list(panel.cohorts["area_code"])
    covs = panel.covariates[[str(m) for m in c.match_on]] if c.match_on else panel.covariates
    matched = match_areas(
        covs,
        treated,
        panel.pool,
        method=c.method,
        per_treated=c.per_treated,
        replace=c.replace,
        caliper=c.caliper,
        min_areas=c.min_areas,
    )
    matched = Matched(
        matched.pairs,
        matched.comparison,
        _balance_all(panel, treated, matched),
        matched.method,
        matched.propensity,
    )
    analysis = panel.data[panel.data["area_code"].isin(set(treated) | set(matched.comparison))]
    starts = panel.cohorts.set_index("area_code")
    analysis = analysis.assign(
        start=starts["start"].reindex(analysis["area_code"]).to_numpy(dtype="float64"),
        group=starts["group"].reindex(analysis["area_code"]).fillna("Comparison").to_numpy(),
    ).reset_index(drop=True)
    weights = "denominator" if config.outcome.weights == "denominator" else None
    level = config.confidence
    did = twfe(analysis, confidence=level, weights=weights)
    event = event_study(analysis, confidence=level, weights=weights)
    staggered = None
    if panel.cohorts["start"].nunique() > 1:
        staggered = sun_abraham(analysis, confidence=level, weights=weights)
    ratio = config.outcome.counts is not None
    mult = config.outcome.multiplier
    trends = aggregate_series(
        analysis.assign(group=np.where(analysis["start"].isna(), "Comparison", "Intervention")),
        ratio,
        mult,
        ["group", "year"],
    )
    its_unit, its_rows, its_start = _its_rows(config, panel, analysis)
    its_counts = aggregate_series(its_rows, ratio, mult, ["year"])
    try:
        its = segmented_regression(
            its_counts["year"].to_numpy(),
            its_counts["value"].to_numpy(),
            its_start,
            maxlags=config.its.maxlags,
            confidence=level,
        )
    except ValueError as err:
        raise InputError(f"its.unit: {err}", field="its.unit") from None
    control = trends[trends["group"] == "Comparison"]
    its_control = segmented_regression(
        control["year"].to_numpy(),
        control["value"].to_numpy(),
        its_start,
        maxlags=config.its.maxlags,
        confidence=level,
    )
    return Evaluation(
        config,
        panel,
        matched,
        analysis,
        did,
        event,
        staggered,
        its,
        its_unit,
        its_control,
        its_counts,
        trends,
    )


def _balance_all(panel: Panel, treated: list[str], matched: Matched) -> pd.DataFrame:
    """Balance on every covariate available, not only those matched on."""
    from healthequity.evaluation.matching import balance_table

    covs = panel.covariates.dropna(axis=1, how="all")
    return balance_table(covs, treated, panel.pool, matched.comparison)


def _its_rows(
    config: EvaluationConfig, panel: Panel, analysis: pd.DataFrame
) -> tuple[str, pd.DataFrame, int]:
    """(label, rows, start) of the series the ITS is fitted to."""
    unit = config.its.unit
    cohorts = panel.cohorts
    if unit == "scheme":
        rows = analysis[analysis["start"].notna()]
        return "the whole scheme", rows, int(cohorts["start"].min())
    areas = set(panel.data["area_code"])
    codes = resolve_areas([unit], areas, panel.unit, "its.unit")
    rows = panel.data[panel.data["area_code"].isin(codes)]
    starts = cohorts.loc[cohorts["area_code"].isin(codes), "start"]
    start = int(starts.min()) if not starts.empty else int(cohorts["start"].min())
    return unit, rows, start
