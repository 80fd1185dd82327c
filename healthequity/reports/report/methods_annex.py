"""The methods annex: each method the build used, what it is and its source.

Methods are keyed by the ``method`` text the indicator table carries, so the annex lists only
what was used; the analysis steps every build runs (comparisons, trends, inequality, the
poorest-fastest verdict, disclosure control) follow.
"""

from __future__ import annotations

import pandas as pd

#: ``method`` as the indicator table records it -> (name, description, source).
VALUE_METHODS: dict[str, tuple[str, str, str]] = {
    "Wilson": (
        "Proportions: Wilson score interval",
        "Percentages with 95% and 99.8% confidence intervals by the Wilson score method.",
        "Wilson EB (1927), J Am Stat Assoc 22:209-12; OHID Fingertips technical guidance; "
        "PHEindicatormethods phe_proportion.",
    ),
    "Byars": (
        "Crude rates, counts and standardised ratios: Byar's method",
        "Rates per population, and indirectly standardised ratios (observed / expected events "
        "at England's age- and sex-specific rates, x 100), with intervals by Byar's "
        "approximation to the Poisson distribution (10 or more events).",
        "Breslow NE, Day NE (1987), Statistical Methods in Cancer Research vol. II, IARC; "
        "PHEindicatormethods phe_rate.",
    ),
    "Exact": (
        "Crude rates and counts: exact Poisson interval",
        "Rates with exact Poisson (chi-squared) intervals where there are fewer than 10 events.",
        "Armitage P, Berry G (2002), Statistical Methods in Medical Research; "
        "PHEindicatormethods phe_rate.",
    ),
    "Dobson": (
        "Directly standardised rates: Dobson's method",
        "Age-standardised to the European Standard Population 2013, with Dobson's intervals "
        "(Byar's interval on the total count scaled by the rate's variance).",
        "Dobson AJ et al. (1991), Stat Med 10:457-62; Eurostat (2013) ESP2013; "
        "PHEindicatormethods calculate_dsr.",
    ),
    "Chiang, using Silcocks et al for confidence limits": (
        "Life expectancy: Chiang II life table",
        "Abridged life table over 20 age bands (<1, 1-4, ..., 90+) with Silcocks' variance, "
        "which allows for the open final band.",
        "Chiang CL (1984), The Life Table and its Applications; Silcocks PBS et al. (2001), "
        "J Epidemiol Community Health 55:38-43; PHEindicatormethods phe_life_expectancy.",
    ),
    "Student's t-distribution": (
        "Means: Student's t interval",
        "Means (e.g. scores, earnings) with intervals from Student's t distribution.",
        "PHEindicatormethods phe_mean; OHID Fingertips technical guidance.",
    ),
    "published by OHID (Fingertips)": (
        "Published values",
        "Taken as published by the Office for Health Improvement and Disparities, unchanged.",
        "OHID Fingertips (fingertips.phe.org.uk), Open Government Licence v3.0.",
    ),
}

#: The analysis every build runs on the values above.
ANALYSIS_METHODS: tuple[tuple[str, str, str], ...] = (
    (
        "Comparison with England",
        "Better, similar or worse (or higher, similar, lower where neither is better) by whether "
        "the 95% (and 99.8%) interval excludes England's value.",
        "OHID Fingertips technical guidance: benchmarking against a comparator.",
    ),
    (
        "Recent trend",
        "Chi-squared test for trend over the last five periods (proportions and rates), in "
        "Fingertips' words (e.g. 'Increasing and getting worse').",
        "OHID Fingertips technical guidance: recent trends.",
    ),
    (
        "Inequality: gap, slope and relative index of inequality",
        "Gap between the most and least deprived groups with a normal-approximation interval; "
        "SII and RII by population-weighted regression on mid-point ranks, with intervals from "
        "10,000 simulations.",
        "Low A, Low A (2004), Measuring the gap, J Public Health 26(4); "
        "PHEindicatormethods phe_sii.",
    ),
    (
        "Are the poorest improving fastest?",
        "The yearly change of the most deprived group against the least deprived, with the trend "
        "of the SII; a verdict only where the 95% interval of the difference excludes 0.",
        "Marmot M et al. (2020), Build Back Fairer; healthequity.indicators.headline.",
    ),
    (
        "Disclosure control",
        "Counts of 1 to 7 suppressed, other counts rounded to the nearest 5, secondary "
        "suppression so no hidden count can be recovered by subtraction; inequality figures "
        "withheld where a group behind them is suppressed.",
        "healthequity.disclosure (the single gate to publication), default rules.",
    ),
)

COLUMNS = ["method", "used_for", "description", "source", "rows"]


def methods_annex(table: pd.DataFrame) -> pd.DataFrame:
    """One row per method used in ``table`` (with how many published rows used it), then the
    analysis steps."""
    used = table.groupby("method", sort=False).agg(
        rows=("indicator_id", "size"), used_for=("value_type", lambda s: ", ".join(sorted(set(s))))
    )
    found = {str(k): (str(v["used_for"]), int(v["rows"])) for k, v in used.iterrows()}
    rows: list[list[object]] = []
    for method, (name, description, source) in VALUE_METHODS.items():
        if method in found:
            used_for, count = found.pop(method)
            rows.append([name, used_for, description, source, count])
    for method, (used_for, count) in found.items():
        rows.append([method, used_for, "", "see the indicator definitions", count])
    for name, description, source in ANALYSIS_METHODS:
        rows.append([name, "every indicator", description, source, None])
    return pd.DataFrame(rows, columns=COLUMNS)
