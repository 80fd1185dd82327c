"""Inequality across deprivation groups, per indicator, area, sex and period.

Pure functions over the tidy indicator table (one row per indicator x area x sex x category x
period). For each period: the most and least deprived groups' values, the absolute gap, the
relative gap, and the slope and relative index of inequality (``methods.sii``).

Conventions (read these before comparing numbers):

* ``category_rank`` 1 is the most deprived group; the least deprived is the highest rank of the
  category type (5 for fifths, 10 for tenths).
* ``absolute_gap`` = most deprived minus least deprived value, in the indicator's unit;
  ``relative_gap`` = most deprived / least deprived. Their intervals assume the two groups are
  independent and read each group's standard error off its 95% interval, ``(upper - lower) /
  (2 x 1.96)``: the gap's is ``sqrt(se_most^2 + se_least^2)``; the ratio's the same on the log
  scale (log limits), then exponentiated. A symmetric approximation of the (often asymmetric)
  Wilson / Byar intervals.
* ``sii`` follows Fingertips' "inequality in life expectancy": the regression's fitted value at
  the least deprived end minus that at the most deprived end (population mid-point ranks, 0 =
  most deprived), so the SII is a positive number of years when the least deprived live longer,
  and negative for a mortality rate that is higher among the most deprived. It has the OPPOSITE
  sign to ``absolute_gap``. ``rii`` is, as in the reference, the fitted least deprived value over
  the fitted most deprived one (the inverse direction of ``relative_gap``).
* SII value types: proportions are regressed as proportions (values divided by the multiplier,
  simulated on the logit scale) and the SII scaled back to the indicator's unit; crude rates, DSRs,
  ISRs and counts as rates (log scale); life expectancy, means and published values as normal. The
  population weights are the ``denominator`` column (for life expectancy, the population used).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods.inequality import sii

#: Category types of deprivation groups, in order of preference when none is named.
LOCAL_FIFTHS = "deprivation quintiles within area"
NATIONAL_TENTHS = "deprivation deciles"

#: The columns of the tidy table these functions read.
REQUIRED = (
    "indicator_id", "indicator_name", "principle", "value_type", "polarity", "multiplier",
    "area_code", "area_name", "sex", "category_type", "category", "category_rank", "period",
    "period_start", "value", "lower_95", "upper_95", "denominator",
)  # fmt: skip

#: One inequality row per these columns.
KEYS = ["indicator_id", "area_code", "sex", "category_type", "period"]

#: Carried from the table onto each inequality row.
CARRIED = ["indicator_name", "principle", "value_type", "polarity", "area_name", "period_start"]

#: value_type -> ``sii`` value type: 2 proportion (logit), 1 rate (log), 0 normal.
SII_VALUE_TYPE = {"proportion": 2, "crude_rate": 1, "dsr": 1, "isr": 1, "count": 1}

Z975 = float(stats.norm.ppf(0.975))


def require_columns(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Every column the function reads must be in the table: one error listing the missing."""
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{what}: the table must be a pandas DataFrame", field="table")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"{what}: the indicator table lacks column(s) {', '.join(missing)}",
            field=missing[0],
            expected="the tidy indicator table's columns: " + ", ".join(columns),
        )


def _preference(category_type: pd.Series) -> pd.Series:
    """0 for the city's own fifths, 1 for national tenths, NA for other category types."""
    text = category_type.astype("string").fillna("")
    pref = pd.Series(np.nan, index=category_type.index)
    pref[text.str.startswith(NATIONAL_TENTHS).to_numpy(dtype=bool)] = 1
    pref[text.str.startswith(LOCAL_FIFTHS).to_numpy(dtype=bool)] = 0
    return pref


def deprivation_rows(table: pd.DataFrame, category_type: str | None = None) -> pd.DataFrame:
    """The deprivation-group rows to compare, with ``groups_expected`` (the category's top rank).

    With ``category_type`` given, its rows only; otherwise, per indicator, the city's own fifths
    where the indicator has them, else national tenths (the latest IMD vintage of either).
    """
    rank = table["category_rank"].astype("Int64")
    rows = table[rank.notna().to_numpy(dtype=bool)].copy()
    rows["category_rank"] = rows["category_rank"].astype("Int64")
    if category_type is not None:
        rows = rows[rows["category_type"] == category_type]
    else:
        kinds = rows[["indicator_id", "category_type"]].drop_duplicates()
        kinds = kinds.assign(pref=_preference(kinds["category_type"])).dropna(subset=["pref"])
        kinds = kinds.sort_values(
            ["indicator_id", "pref", "category_type"], ascending=[True, True, False]
        ).drop_duplicates("indicator_id")
        rows = rows.merge(kinds[["indicator_id", "category_type"]], how="inner")
    top = rows.groupby("category_type", sort=False)["category_rank"].transform("max")
    return rows.assign(groups_expected=top.astype("int64")).reset_index(drop=True)


def _se(lower: pd.Series, upper: pd.Series, *, log: bool) -> np.ndarray:
    """Standard error read off a 95% interval (on the log scale when ``log``); NaN if unusable."""
    lo, hi = lower.to_numpy(float), upper.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if log:
            lo, hi = np.where(lo > 0, np.log(lo), np.nan), np.where(hi > 0, np.log(hi), np.nan)
        se = (hi - lo) / (2 * Z975)
    return np.where(se >= 0, se, np.nan)


def _gaps(out: pd.DataFrame, levels: Sequence[float]) -> None:
    """Absolute and relative gap (most vs least deprived) with normal-approximation intervals."""
    m, s = out["most_deprived_value"].to_numpy(float), out["least_deprived_value"].to_numpy(float)
    se_gap = np.hypot(out.pop("_se_most"), out.pop("_se_least"))
    se_log = np.hypot(out.pop("_lse_most"), out.pop("_lse_least"))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = m - s
        log_ratio = np.where((m > 0) & (s > 0), np.log(m) - np.log(s), np.nan)
    out["absolute_gap"] = gap
    for c in levels:
        z, label = float(stats.norm.ppf(0.5 + c / 2)), chk.level_label(c)
        out[f"absolute_gap_lower_{label}"] = gap - z * se_gap
        out[f"absolute_gap_upper_{label}"] = gap + z * se_gap
    out["relative_gap"] = np.exp(log_ratio)
    for c in levels:
        z, label = float(stats.norm.ppf(0.5 + c / 2)), chk.level_label(c)
        out[f"relative_gap_lower_{label}"] = np.exp(log_ratio - z * se_log)
        out[f"relative_gap_upper_{label}"] = np.exp(log_ratio + z * se_log)


def _extreme(rows: pd.DataFrame, mask: np.ndarray, name: str) -> pd.DataFrame:
    """One group's value and standard errors (natural and log scale) per inequality key."""
    part = rows[mask]
    return pd.DataFrame(
        {
            **{k: part[k].to_numpy() for k in KEYS},
            f"{name}_deprived_value": part["value"].to_numpy(float),
            f"_se_{name}": _se(part["lower_95"], part["upper_95"], log=False),
            f"_lse_{name}": _se(part["lower_95"], part["upper_95"], log=True),
        }
    ).drop_duplicates(KEYS)


def _notes(g: pd.DataFrame) -> pd.Series:
    """Why a period's figures are missing, as '; '-joined notes (NA when nothing is)."""
    notes: list[tuple[np.ndarray, str]] = [
        (g["groups_expected"].to_numpy() < 5, "fewer than 5 deprivation groups: no SII"),
        (g["n_rows"].to_numpy() > g["n_ranks"].to_numpy(), "a deprivation group appears twice"),
        (
            g["n_ranks"].to_numpy() < g["groups_expected"].to_numpy(),
            "a deprivation group is missing",
        ),
        (g["no_most"].to_numpy(), "no value for the most deprived group"),
        (g["no_least"].to_numpy(), "no value for the least deprived group"),
        (g["any_na"].to_numpy() & ~(g["no_most"] | g["no_least"]).to_numpy(),
         "no value for a deprivation group"),
        (g["bad_pop"].to_numpy(), "population (denominator) missing or not above 0 for a group"),
        (g["bad_ci"].to_numpy(), "95% confidence limits missing or reversed for a group"),
        (g["bad_prop"].to_numpy(), "proportion outside 0 to 1 for a group"),
    ]  # fmt: skip
    text = pd.Series("", index=g.index, dtype="string")
    for mask, note in notes:
        text = text.where(~mask, text + np.where(text == "", "", "; ") + note)
    return text.mask(text == "")


def inequality_by_period(
    table: pd.DataFrame,
    *,
    category_type: str | None = None,
    confidence: chk.Confidence = (0.95, 0.998),
    repetitions: int = 10_000,
    seed: int = 1,
) -> pd.DataFrame:
    """Per indicator x area x sex x period: gaps between the most and least deprived, SII, RII.

    ``category_type`` picks the deprivation groups (default: per indicator, the city's own fifths,
    else national tenths). The SII is computed in one ``sii`` call per value type and number of
    groups; a period that cannot have one gets NA and a ``value_note`` saying why.
    """
    require_columns(table, REQUIRED, "inequality_by_period")
    levels = chk.parse_confidence(confidence)
    rows = deprivation_rows(table, category_type)
    rank = rows["category_rank"].to_numpy(dtype="float64", na_value=np.nan)
    value = rows["value"].to_numpy(float)
    lower, upper = rows["lower_95"].to_numpy(float), rows["upper_95"].to_numpy(float)
    mult = pd.to_numeric(rows["multiplier"], errors="coerce").fillna(1).to_numpy(float)
    is_prop = (rows["value_type"] == "proportion").to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        scaled = np.where(is_prop, value / mult, value)
        lo_s, hi_s = np.where(is_prop, lower / mult, lower), np.where(is_prop, upper / mult, upper)
        out_of_range = is_prop & ((scaled < 0) | (scaled > 1) | (lo_s < 0) | (hi_s > 1))
    flags = pd.DataFrame(
        {
            **{k: rows[k] for k in KEYS},
            "category_rank": rank,
            "has": ~np.isnan(value),
            "any_na": np.isnan(value),
            "is_most": (rank == 1) & ~np.isnan(value),
            "is_least": (rank == rows["groups_expected"].to_numpy()) & ~np.isnan(value),
            "bad_pop": ~(pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(float) > 0),
            "bad_ci": ~(lower <= upper),
            "bad_prop": out_of_range,
        }
    )
    grouped = flags.groupby(KEYS, sort=True, dropna=False)
    g = grouped.agg(
        n_rows=("category_rank", "size"),
        n_ranks=("category_rank", "nunique"),
        groups_used=("has", "sum"),
        any_na=("any_na", "any"),
        has_most=("is_most", "any"),
        has_least=("is_least", "any"),
        bad_pop=("bad_pop", "any"),
        bad_ci=("bad_ci", "any"),
        bad_prop=("bad_prop", "any"),
    ).reset_index()
    first = rows.groupby(KEYS, sort=True, dropna=False)[[*CARRIED, "groups_expected"]].first()
    g = g.merge(first.reset_index(), on=KEYS, how="left")
    g["no_most"], g["no_least"] = ~g["has_most"], ~g["has_least"]

    out = g[[*KEYS, *CARRIED, "groups_expected", "groups_used"]].copy()
    out = out.merge(_extreme(rows, (rank == 1), "most"), on=KEYS, how="left")
    out = out.merge(
        _extreme(rows, rank == rows["groups_expected"].to_numpy(), "least"), on=KEYS, how="left"
    )
    _gaps(out, levels)

    eligible = ~(
        (g["groups_expected"] < 5)
        | (g["n_rows"] > g["n_ranks"])
        | (g["n_ranks"] < g["groups_expected"])
        | g[["any_na", "bad_pop", "bad_ci", "bad_prop"]].any(axis=1)
    )
    siis = _sii(rows, scaled, lo_s, hi_s, mult, g.loc[eligible, KEYS], levels, repetitions, seed)
    out = out.merge(siis, on=KEYS, how="left")
    notes = _notes(g)
    sii_note = out["_sii_note"].astype("string")
    notes = notes.where(notes.notna(), sii_note)
    out["value_note"] = notes.astype("string")
    ci = f"simulation {repetitions} reps" if levels else "no interval"
    out["method"] = (
        "gaps: most vs least deprived, normal approximation from the 95% intervals; "
        f"SII/RII: population-weighted regression on mid-point ranks, {ci}"
    )
    out = out.drop(columns=["_sii_note"])
    lead = ["indicator_id", "indicator_name", "principle", "value_type", "polarity", "area_code",
            "area_name", "sex", "category_type", "period", "period_start"]  # fmt: skip
    out = out[lead + [c for c in out.columns if c not in lead]]
    order = [*KEYS[:3], "period_start", "period"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def _sii(
    rows: pd.DataFrame,
    scaled: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    mult: np.ndarray,
    eligible: pd.DataFrame,
    levels: Sequence[float],
    repetitions: int,
    seed: int,
) -> pd.DataFrame:
    """SII and RII of the eligible periods: one ``sii`` call per value type and group count."""
    labels = [chk.level_label(c) for c in levels]
    columns = [
        *KEYS, "sii", *[f"sii_{s}_{lab}" for lab in labels for s in ("lower", "upper")],
        "rii", *[f"rii_{s}_{lab}" for lab in labels for s in ("lower", "upper")], "_sii_note",
    ]  # fmt: skip
    data = pd.DataFrame(
        {
            **{k: rows[k] for k in KEYS},
            "quantile": rows["category_rank"].to_numpy(dtype="float64", na_value=np.nan),
            "population": pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(float),
            "value": scaled,
            "lower": lower,
            "upper": upper,
            "vtype": rows["value_type"].map(SII_VALUE_TYPE).fillna(0).astype(int).to_numpy(),
            "mult": np.where((rows["value_type"] == "proportion").to_numpy(dtype=bool), mult, 1),
            "groups_expected": rows["groups_expected"].to_numpy(),
        }
    ).merge(eligible, on=KEYS, how="inner")
    parts: list[pd.DataFrame] = []
    for _, part in data.groupby(["vtype", "groups_expected"], sort=True):
        res = sii(
            part.astype({"quantile": "int64"}),
            "quantile",
            "population",
            value="value",
            value_type=int(part["vtype"].iloc[0]),
            lower_cl="lower",
            upper_cl="upper",
            group_by=KEYS,
            repetitions=repetitions,
            confidence=levels or None,
            rii=True,
            seed=seed,
        )
        scale = res[KEYS].merge(part.drop_duplicates(KEYS)[[*KEYS, "mult"]], on=KEYS, how="left")
        factor = scale["mult"].to_numpy(float)
        for col in [c for c in columns if c.startswith("sii")]:
            res[col] = res[col].to_numpy(float) * factor
        parts.append(res.rename(columns={"value_note": "_sii_note"})[columns])
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        return empty.astype({k: rows[k].dtype for k in KEYS} | {"_sii_note": "string"})
    return pd.concat(parts, ignore_index=True)
