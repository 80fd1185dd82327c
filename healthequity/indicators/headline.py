"""'Improve the health of the poorest the fastest': is the most deprived group improving faster?

For each indicator (and sex: Persons, else Male and Female) with deprivation groups over at least
``min_periods`` periods, three annualised rates of improvement, each with a 95% interval: the most
deprived group, the least deprived group and the city as a whole; the difference between the
first two; the trend of the slope index of inequality; and a verdict.

Annualised rate: a weighted least-squares line through the values over ``period_start``, weights
1 / SE^2 with each SE read off the 95% interval. Ratio-scale statistics (proportions, crude rates,
DSRs, counts) are fitted on the log scale and reported as an annual % change, ``100 (e^b - 1)``;
life expectancy, means and published values on their own scale, in units per year. The sign is
set by polarity so that a positive rate is an improvement (a falling mortality rate improves).
The slope's variance is ``phi / sum w (x - xbar)^2`` with ``phi = max(1, weighted residual mean
square)``: the intervals widen (Student's t on n - 2 degrees of freedom) when the points scatter
more than their own intervals allow. A series with any point lacking a usable interval is fitted
unweighted, with the residual variance. Consecutive rolling periods ('2021-23', '2022-24') share
years, so their intervals are somewhat too narrow.

Difference = most deprived minus least deprived improvement (percentage points or units a year),
its standard error ``sqrt(se_most^2 + se_least^2)`` (the delta method for % changes; the groups
are independent), degrees of freedom by Welch-Satterthwaite.

SII trend: the same fit of the SII (least minus most deprived, see ``inequality``) over time. It is
'narrowing' when its interval shows the gap moving in the most deprived group's favour: the SII
falling for a higher-is-better indicator, rising for a lower-is-better one; 'widening' when the
interval shows the opposite; otherwise 'no clear change'.

Verdict rule (exact): 'Poorest improving faster (gap narrowing)' when the difference's 95% interval
lies wholly above 0 and the SII trend is not 'widening'; 'Gap widening' when it lies wholly below
0 and the SII trend is not 'narrowing'; otherwise 'No clear difference' (the SII trend can veto a
verdict, never make one). 'Not assessed', with a reason, for polarity no_judgement, no deprivation
groups, fewer than ``min_periods`` periods, or a rate that cannot be estimated.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd
from scipy import stats

from healthequity.indicators.inequality import (
    Z975,
    deprivation_rows,
    inequality_by_period,
    require_columns,
)

#: A DataFrame of verdicts, one row per indicator x area x sex (columns: see ``poorest_fastest``).
Verdicts: TypeAlias = pd.DataFrame

NARROWING = "Poorest improving faster (gap narrowing)"
WIDENING = "Gap widening"
NO_CLEAR = "No clear difference"
NOT_ASSESSED = "Not assessed"
VERDICTS = (NARROWING, WIDENING, NO_CLEAR, NOT_ASSESSED)

#: Value types fitted on the log scale (annual % change).
RATIO_SCALE = frozenset({"proportion", "crude_rate", "dsr", "isr", "count"})

REQUIRED = (
    "indicator_id", "indicator_name", "principle", "value_type", "polarity", "area_code",
    "area_type", "sex", "category_type", "category_rank", "period", "period_start", "value",
    "lower_95", "upper_95",
)  # fmt: skip
UNIT = ["indicator_id", "area_code", "sex"]
ROLES = ("most", "least", "city")


def _slopes(points: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted least-squares slope of y on x per group: n, slope, se, df (inf: known variance).

    ``points`` has the ``keys``, ``x``, ``y`` and ``se``; rows without a finite y are dropped.
    """
    p = points[np.isfinite(points["y"].to_numpy(float))].copy()
    good = np.isfinite(p["se"].to_numpy(float)) & (p["se"].to_numpy(float) > 0)
    p["good"] = good
    weighted = p.groupby(keys, sort=False)["good"].transform("all").to_numpy(dtype=bool)
    with np.errstate(divide="ignore"):
        p["w"] = np.where(weighted, 1 / p["se"].to_numpy(float) ** 2, 1.0)
    p["weighted"] = weighted
    p["wx"], p["wy"] = p["w"] * p["x"], p["w"] * p["y"]
    g = p.groupby(keys, sort=False)
    sw = g["w"].transform("sum")
    p["dx"] = p["x"] - g["wx"].transform("sum") / sw
    p["dy"] = p["y"] - g["wy"].transform("sum") / sw
    p["sxx"], p["sxy"] = p["w"] * p["dx"] ** 2, p["w"] * p["dx"] * p["dy"]
    p["n"] = 1
    s = p.groupby(keys, sort=False)[["sxx", "sxy", "n"]].sum()
    s["weighted"] = p.groupby(keys, sort=False)["weighted"].first()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["slope"] = s["sxy"] / s["sxx"]
        p = p.join(s["slope"], on=keys)
        p["rss"] = p["w"] * (p["dy"] - p["slope"] * p["dx"]) ** 2
        s["rss"] = p.groupby(keys, sort=False)["rss"].sum()
        dfr = (s["n"] - 2).astype(float).to_numpy()
        phi = np.where(dfr > 0, s["rss"].to_numpy(float) / dfr, np.nan)
        weighted = s["weighted"].to_numpy(dtype=bool)
        over = weighted & (phi > 1)  # more scatter than the points' own intervals allow
        scale = np.where(weighted, np.where(over, phi, 1.0), phi)
        s["se"] = np.sqrt(scale / s["sxx"])
    s["df"] = np.where(weighted & ~over, np.inf, dfr)
    return s[["n", "slope", "se", "df"]].reset_index()


def _series(table: pd.DataFrame, dep: pd.DataFrame) -> pd.DataFrame:
    """Most deprived, least deprived and city points (keys, role, x, y, se) on the fit's scale."""
    rank = dep["category_rank"].to_numpy(dtype="float64", na_value=np.nan)
    most = dep[rank == 1].assign(role="most")
    least = dep[rank == dep["groups_expected"].to_numpy()].assign(role="least")
    plain = table["category_type"].fillna("").astype(str).str.strip() == ""
    units = dep[UNIT].drop_duplicates()
    city = table[plain.to_numpy(dtype=bool)].merge(units, on=UNIT).assign(role="city")
    pts = pd.concat([most, least, city], ignore_index=True)
    log = pts["value_type"].isin(RATIO_SCALE).to_numpy(dtype=bool)
    v = pts["value"].to_numpy(float)
    lo, hi = pts["lower_95"].to_numpy(float), pts["upper_95"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(log, np.where(v > 0, np.log(v), np.nan), v)
        lo_t = np.where(log, np.where(lo > 0, np.log(lo), np.nan), lo)
        hi_t = np.where(log, np.where(hi > 0, np.log(hi), np.nan), hi)
    se = (hi_t - lo_t) / (2 * Z975)
    return pd.DataFrame(
        {
            **{k: pts[k].to_numpy() for k in UNIT},
            "role": pts["role"].to_numpy(),
            "period": pts["period"].to_numpy(),
            "x": pts["period_start"].to_numpy(float),
            "y": y,
            "se": np.where(se >= 0, se, np.nan),
        }
    ).drop_duplicates([*UNIT, "role", "period"])


def _interval(est: np.ndarray, se: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% interval: estimate -/+ t(0.975, df) x se (normal when df is infinite)."""
    with np.errstate(invalid="ignore"):
        q = stats.t.ppf(0.975, np.where(df > 0, df, np.nan))
    return est - q * se, est + q * se


def _choose_sex(table: pd.DataFrame, dep: pd.DataFrame) -> pd.DataFrame:
    """Units (indicator x area x sex) to assess: Persons where it exists, else each sex found."""
    la = table[(table["area_type"] == "Local authority").to_numpy(dtype=bool)]
    units = pd.concat([dep[UNIT], la[UNIT]]).drop_duplicates()
    units = units.merge(dep[UNIT].drop_duplicates().assign(has_dep=True), on=UNIT, how="left")
    units["has_dep"] = units["has_dep"].fillna(False).astype(bool)
    any_dep = units.groupby(["indicator_id", "area_code"])["has_dep"].transform("any")
    units = units[units["has_dep"] | ~any_dep]  # only the sexes with groups, where any have
    persons = (
        (units["sex"] == "Persons")
        .groupby([units["indicator_id"], units["area_code"]])
        .transform("any")
    )
    units = units[~persons | (units["sex"] == "Persons")]
    missing = sorted(set(table["indicator_id"]) - set(units["indicator_id"]))
    none = pd.DataFrame({"indicator_id": missing, "area_code": pd.NA, "sex": pd.NA})
    return pd.concat([units, none.assign(has_dep=False)], ignore_index=True)


def _improvement(out: pd.DataFrame, fits: pd.DataFrame, role: str) -> None:
    """Oriented annual improvement of one role, its 95% interval and delta-method SE."""
    f = out[UNIT].merge(fits[fits["role"] == role], on=UNIT, how="left")
    b, se, df = f["slope"].to_numpy(float), f["se"].to_numpy(float), f["df"].to_numpy(float)
    lo, hi = _interval(b, se, df)
    log = out["value_type"].isin(RATIO_SCALE).to_numpy(dtype=bool)
    sign = out["_sign"].to_numpy(float)
    est = np.where(log, 100 * np.expm1(b), b)
    lo, hi = np.where(log, 100 * np.expm1(lo), lo), np.where(log, 100 * np.expm1(hi), hi)
    out[f"{role}_improvement"] = sign * est
    out[f"{role}_improvement_lower"] = np.where(sign > 0, lo, -hi)
    out[f"{role}_improvement_upper"] = np.where(sign > 0, hi, -lo)
    out[f"{role}_periods"] = f["n"].astype("Int64").to_numpy()
    out[f"_se_{role}"] = np.where(log, 100 * np.exp(b) * se, se)
    out[f"_df_{role}"] = df


def _per_unit(out: pd.DataFrame, dep: pd.DataFrame, column: str) -> pd.Series:
    """A column of the deprivation rows (one value per unit), aligned with ``out``."""
    per = dep.drop_duplicates(UNIT)[[*UNIT, column]]
    return pd.Series(out[UNIT].merge(per, on=UNIT, how="left")[column].to_numpy(), index=out.index)


def poorest_fastest(
    table: pd.DataFrame, inequality: pd.DataFrame | None = None, *, min_periods: int = 3
) -> Verdicts:
    """One verdict per indicator x area x sex: are the most deprived improving fastest?

    ``inequality`` is ``inequality_by_period``'s result (computed from ``table`` when None). The
    result has the improvement rates (``most_``, ``least_``, ``city_improvement`` with
    ``_lower`` / ``_upper`` and ``_periods``), ``improvement_unit``, ``difference`` (+ interval),
    ``sii_trend`` (+ interval, ``sii_trend_direction``), ``verdict``, ``reason`` and ``evidence``.
    """
    require_columns(table, REQUIRED, "poorest_fastest")
    dep = deprivation_rows(table)
    dep = dep[dep["value"].notna().to_numpy(dtype=bool)]
    units = _choose_sex(table, dep)
    info = table.drop_duplicates("indicator_id").set_index("indicator_id")
    out = units.copy()
    for col in ("indicator_name", "principle", "value_type", "polarity"):
        out[col] = out["indicator_id"].map(info[col])
    judged = out["polarity"].isin(["higher_is_better", "lower_is_better"]).to_numpy(dtype=bool)
    out["_sign"] = np.where(out["polarity"] == "lower_is_better", -1.0, 1.0)
    dep = dep.merge(out.loc[judged & units["has_dep"].to_numpy(dtype=bool), UNIT], on=UNIT)
    counts = dep.groupby(UNIT)["period"].nunique().rename("deprivation_periods")
    out = out.join(counts, on=UNIT)
    out["deprivation_periods"] = out["deprivation_periods"].fillna(0).astype("int64")
    out["category_type"] = _per_unit(out, dep, "category_type")
    out["deprivation_groups"] = _per_unit(out, dep, "groups_expected").astype("Int64").to_numpy()

    enough = out[out["deprivation_periods"] >= min_periods][UNIT]
    dep = dep.merge(enough, on=UNIT)
    fits = _slopes(_series(table, dep), [*UNIT, "role"])
    fits.loc[fits["n"] < min_periods, ["slope", "se"]] = np.nan
    for role in ROLES:
        _improvement(out, fits, role)
    out["improvement_unit"] = np.where(
        out["value_type"].isin(RATIO_SCALE),
        "% a year",
        np.where(out["value_type"] == "life_expectancy", "years a year", "units a year"),
    )
    diff = out["most_improvement"] - out["least_improvement"]
    se_m, se_l = out["_se_most"].to_numpy(float), out["_se_least"].to_numpy(float)
    df_m, df_l = out["_df_most"].to_numpy(float), out["_df_least"].to_numpy(float)
    se_d = np.hypot(se_m, se_l)
    with np.errstate(divide="ignore", invalid="ignore"):  # Welch-Satterthwaite
        df_d = se_d**4 / (se_m**4 / df_m + se_l**4 / df_l)
    df_d = np.where(np.isnan(df_d) & np.isfinite(se_d), np.inf, df_d)
    out["difference"] = diff
    out["difference_lower"], out["difference_upper"] = _interval(diff.to_numpy(float), se_d, df_d)
    _sii_trend(out, table, dep, inequality, min_periods)
    _verdict(out, judged, min_periods)
    out["evidence"] = _evidence(out)
    first = ["indicator_id", "indicator_name", "principle", "value_type", "polarity", *UNIT[1:]]
    rest = [c for c in out.columns if c not in first and not c.startswith("_") and c != "has_dep"]
    return out[first + rest].sort_values(UNIT, kind="stable").reset_index(drop=True)


def _sii_trend(
    out: pd.DataFrame,
    table: pd.DataFrame,
    dep: pd.DataFrame,
    inequality: pd.DataFrame | None,
    min_periods: int,
) -> None:
    """Slope of the SII over time (units a year, 95% interval) and its direction for the poorest."""
    if inequality is None:
        wanted = dep[[*UNIT, "category_type"]].drop_duplicates()
        sub = table.merge(wanted, on=[*UNIT, "category_type"])
        inequality = inequality_by_period(sub) if len(sub) else None
    trend = np.full(len(out), np.nan)
    lo = hi = trend
    if inequality is not None and len(inequality):
        q = inequality.merge(out[[*UNIT, "category_type"]].dropna(), on=[*UNIT, "category_type"])
        pts = pd.DataFrame(
            {
                **{k: q[k].to_numpy() for k in UNIT},
                "x": q["period_start"].to_numpy(float),
                "y": q["sii"].to_numpy(float),
                "se": (q["sii_upper_95"] - q["sii_lower_95"]).to_numpy(float) / (2 * Z975),
            }
        )
        fit = _slopes(pts, UNIT)
        fit.loc[fit["n"] < min_periods, ["slope", "se"]] = np.nan
        f = out[UNIT].merge(fit, on=UNIT, how="left")
        trend = f["slope"].to_numpy(float)
        lo, hi = _interval(trend, f["se"].to_numpy(float), f["df"].to_numpy(float))
    out["sii_trend"], out["sii_trend_lower"], out["sii_trend_upper"] = trend, lo, hi
    sign = out["_sign"].to_numpy(float)  # favour of the poorest = -sign x slope
    fav_lo, fav_hi = np.where(sign > 0, -hi, lo), np.where(sign > 0, -lo, hi)
    direction = np.where(
        fav_lo > 0, "narrowing", np.where(fav_hi < 0, "widening", "no clear change")
    )
    out["sii_trend_direction"] = pd.Series(direction, index=out.index, dtype="string").mask(
        np.isnan(trend)
    )


def _verdict(out: pd.DataFrame, judged: np.ndarray, min_periods: int) -> None:
    """The verdict and its reason, by the rule in the module docstring."""
    lo, hi = out["difference_lower"].to_numpy(float), out["difference_upper"].to_numpy(float)
    direction = out["sii_trend_direction"].fillna("").to_numpy(dtype=str)
    up, down = lo > 0, hi < 0
    verdict = np.where(
        up & (direction != "widening"),
        NARROWING,
        np.where(down & (direction != "narrowing"), WIDENING, NO_CLEAR),
    ).astype(object)
    reason = np.where(
        up | down,
        "the difference and the SII trend point in opposite directions",
        "the 95% interval of the difference includes 0",
    ).astype(object)
    reason[verdict != NO_CLEAR] = ""
    periods = out["deprivation_periods"].to_numpy()
    rate_missing = out[["most_improvement", "least_improvement"]].isna().any(axis=1).to_numpy()
    checks = [  # first failing check wins: apply in reverse
        (rate_missing, "the most or least deprived group has usable values (positive where "
         f"fitted on the log scale) for fewer than {min_periods} periods"),
        (periods < min_periods, "deprivation groups for " + pd.Series(periods).astype(str)
         + f" period(s); {min_periods} are needed"),
        (~out["has_dep"].to_numpy(dtype=bool), "no deprivation groups"),
        (~judged, "polarity no_judgement: no direction of improvement"),
    ]  # fmt: skip
    for mask, text in checks:
        verdict[mask] = NOT_ASSESSED
        reason[mask] = np.asarray(text, dtype=object)[mask] if not isinstance(text, str) else text
    out["verdict"] = pd.array(verdict, dtype="string")
    text = pd.Series(reason, index=out.index, dtype="string")
    out["reason"] = text.mask(text == "")


def _num(values: pd.Series, decimals: np.ndarray) -> pd.Series:
    """Numbers formatted with per-row decimals, with a true minus sign."""
    arr = values.to_numpy(float)
    one, two = np.char.mod("%.1f", arr), np.char.mod("%.2f", arr)
    text = pd.Series(np.where(decimals == 1, one, two), index=values.index, dtype="string")
    return text.str.replace("-", "\u2212", regex=False)


def _clause(
    out: pd.DataFrame, role: str, lead: str | pd.Series, dec: np.ndarray, unit: pd.Series
) -> pd.Series:
    """'improved by 2.1% a year (95% CI 1.4 to 2.8)', worsened when negative (interval flipped)."""
    est = out[f"{role}_improvement"]
    lo, hi = out[f"{role}_improvement_lower"], out[f"{role}_improvement_upper"]
    bad = (est < 0).to_numpy(dtype=bool)
    verb = pd.Series(np.where(bad, "worsened by ", "improved by "), index=out.index, dtype="string")
    size = est.abs()
    low = pd.Series(np.where(bad, -hi, lo), index=out.index)
    high = pd.Series(np.where(bad, -lo, hi), index=out.index)
    return (
        lead + verb + _num(size, dec) + unit + " (" + _num(low, dec) + " to " + _num(high, dec)
        + ")"
    )  # fmt: skip


def _evidence(out: pd.DataFrame) -> pd.Series:
    """A plain-English sentence per verdict (vectorised string building)."""
    log = out["value_type"].isin(RATIO_SCALE).to_numpy(dtype=bool)
    dec = np.where(log, 1, 2)
    unit = pd.Series(
        np.where(log, "% a year", np.where(out["value_type"] == "life_expectancy",
                                           " years a year", " a year")),
        index=out.index,
    )  # fmt: skip
    groups = out["deprivation_groups"].to_numpy(dtype="float64", na_value=np.nan)
    part = pd.Series(
        np.select([groups == 5, groups == 10], ["fifth", "tenth"], "group"),
        index=out.index,
        dtype="string",
    )
    most = _clause(out, "most", "The most deprived " + part + " ", dec, unit)
    most = most.str.replace(" (", " (95% CI ", n=1, regex=False)
    least = _clause(out, "least", ", the least deprived ", dec, unit)
    city = _clause(out, "city", ", the city as a whole ", dec, unit).where(
        out["city_improvement"].notna(), ""
    )
    end = pd.Series(
        np.select(
            [out["verdict"] == NARROWING, out["verdict"] == WIDENING],
            [": the gap narrowed.", ": the gap widened."],
            ": no clear difference between them.",
        ),
        index=out.index,
    )
    sii_dec = np.full(len(out), 2)
    trend = out["sii_trend"]
    sii = (
        " The slope index of inequality changed by " + _num(trend, sii_dec) + " a year (95% CI "
        + _num(out["sii_trend_lower"], sii_dec) + " to " + _num(out["sii_trend_upper"], sii_dec)
        + "): " + out["sii_trend_direction"].fillna("") + "."
    ).where(trend.notna(), "")  # fmt: skip
    text = most + least + city + end + sii
    not_assessed = "Not assessed: " + out["reason"].fillna("") + "."
    return text.where(out["verdict"] != NOT_ASSESSED, not_assessed).astype("string")


def city_summary(verdicts: Verdicts) -> pd.DataFrame:
    """Verdicts counted overall and by Marmot principle: one row each, a column per verdict.

    Rows are the verdict table's rows (indicator x area x sex); ``principle`` is NA on the
    'All indicators' row, which comes first.
    """
    require_columns(verdicts, ["principle", "verdict"], "city_summary")
    by = pd.crosstab(verdicts["principle"], verdicts["verdict"]).reindex(
        columns=list(VERDICTS), fill_value=0
    )
    by.columns.name = None
    total = pd.DataFrame([by.sum()], columns=by.columns)
    total.insert(0, "principle", pd.Series([pd.NA], dtype="Int64"))
    total.insert(1, "scope", "All indicators")
    rows = by.reset_index()
    rows["principle"] = rows["principle"].astype("Int64")
    rows.insert(1, "scope", "Principle " + rows["principle"].astype(str))
    result = pd.concat([total, rows], ignore_index=True)
    result["total"] = result[list(VERDICTS)].sum(axis=1)
    return result.astype({v: "int64" for v in [*VERDICTS, "total"]})
