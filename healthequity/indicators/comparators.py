"""Comparator groups: the city against the Core Cities and against its nearest neighbours.

Core Cities: the eight English members of Core Cities UK (Birmingham, Bristol, Leeds, Liverpool,
Manchester, Newcastle upon Tyne, Nottingham, Sheffield), their codes taken from the IoD2025 LA
summaries. Nearest neighbours: **our own statistical neighbours, not CIPFA's official list** -
the Euclidean distance between LAs on standardised (z-scored) LA-level measures shipped with the
package: the IoD2025 average scores of the IMD and its seven domains, the IMD's extent and local
concentration, and the ONS Health Index 2021 overall and domain scores; each measure weighs the
same; LAs without every measure are left out.

Comparison within a group (from the Fingertips extracts or any table in that layout), per
indicator, sex, age, category and period: the group average is the unweighted mean of the
members' values (the extracts carry no populations); the rank is 1 for the highest value; the
significance of each member against the group average follows Fingertips' rules where the data
allow it: the 95% interval where published (the average outside it is a difference), Wilson
limits from count and denominator for proportions where those are published; otherwise (the
extracts publish neither for life expectancy) 'Not compared', with the reason in
``comparison_method``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.geography import la_summaries
from healthequity.methods._intervals import wilson
from healthequity.sources.fingertips_extracts import read_extract

CORE_CITIES: tuple[str, ...] = (
    "Birmingham",
    "Bristol",
    "Leeds",
    "Liverpool",
    "Manchester",
    "Newcastle upon Tyne",
    "Nottingham",
    "Sheffield",
)
#: IoD2025 LA summary measures used for nearest neighbours.
IOD_FEATURES: tuple[str, ...] = (
    "imd_average_score",
    "income_average_score",
    "employment_average_score",
    "education_skills_and_training_average_score",
    "health_deprivation_and_disability_average_score",
    "crime_average_score",
    "barriers_to_housing_and_services_average_score",
    "living_environment_average_score",
    "imd25_extent",
    "imd25_local_concentration",
)
HEALTH_INDEX = "ons_health_index/ons_health_index_england_ltla21.csv"
HEALTH_INDEX_YEAR = "2021"
HIGHER, LOWER, SIMILAR, NOT_COMPARED = "Higher", "Lower", "Similar", "Not compared"
BETTER, WORSE = "Better", "Worse"
METHOD_CI = "95% confidence interval against the group average"
METHOD_WILSON = "Wilson 95% interval from count and denominator against the group average"
METHOD_NONE = "no interval or counts published, so not compared"
GROUP_KEYS = ("indicator_id", "sex", "age", "category_type", "category", "time_period")


def core_cities() -> pd.DataFrame:
    """The eight English Core Cities: area_code, area_name (from the IoD2025 LA summaries)."""
    las = la_summaries()[["ltla24_code", "ltla24_name"]]
    # the LA summaries name Bristol 'Bristol, City of' (as do ONS names)
    plain = las["ltla24_name"].str.replace(r", City of$", "", regex=True)
    found = pd.DataFrame({"area_code": las["ltla24_code"], "area_name": plain})
    found = found[found["area_name"].isin(CORE_CITIES)]
    return found.sort_values("area_name").reset_index(drop=True)


def neighbour_features() -> pd.DataFrame:
    """The LA-level measures the nearest neighbours are computed on, one row per LA."""
    las = la_summaries()[["ltla24_code", "ltla24_name", *IOD_FEATURES]]
    las = las.rename(columns={"ltla24_code": "area_code", "ltla24_name": "area_name"})
    hi = read_extract(HEALTH_INDEX)
    hi = hi[hi["time_period"].astype(str) == HEALTH_INDEX_YEAR]
    wide = hi.pivot_table(index="area_code", columns="indicator_id", values="value")
    wide.columns = [str(c) for c in wide.columns]
    out = las.merge(wide.reset_index(), on="area_code", how="inner")
    features = [c for c in out.columns if c not in ("area_code", "area_name")]
    out[features] = out[features].apply(pd.to_numeric, errors="coerce")
    return out.dropna(subset=features).reset_index(drop=True)


def nearest_neighbours(area_code: str, n: int = 15) -> pd.DataFrame:
    """The ``n`` LAs nearest ``area_code`` (Euclidean distance on standardised measures).

    Returns area_code, area_name, distance, rank (1 = nearest); not CIPFA's official list.
    """
    table = neighbour_features()
    if area_code not in set(table["area_code"]):
        raise InputError(
            f"area_code: {area_code!r} is not a lower-tier local authority with every measure "
            "used for nearest neighbours (IoD2025 LA summaries and the ONS Health Index 2021)",
            field="area_code",
            expected="an E06/E07/E08/E09 code present in both",
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"n: {n!r}; expected a whole number of at least 1", field="n")
    features = [c for c in table.columns if c not in ("area_code", "area_name")]
    values = table[features].to_numpy(dtype="float64")
    z = (values - values.mean(axis=0)) / values.std(axis=0, ddof=0)
    me = z[table["area_code"].to_numpy() == area_code][0]
    distance = np.sqrt(((z - me) ** 2).sum(axis=1))
    out = table[["area_code", "area_name"]].assign(distance=distance)
    out = out[out["area_code"] != area_code].sort_values(["distance", "area_code"])
    out = out.head(n).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def _label(diff: np.ndarray, polarity: str) -> np.ndarray:
    """Higher/Lower (or Better/Worse by polarity) for a sign of difference; 0 is Similar."""
    up, down = HIGHER, LOWER
    if polarity in ("high", "Higher is better", "RAG - High is good"):
        up, down = BETTER, WORSE
    elif polarity in ("low", "Lower is better", "RAG - Low is good"):
        up, down = WORSE, BETTER
    return np.where(diff > 0, up, np.where(diff < 0, down, SIMILAR)).astype(object)


def compare_within_group(
    table: pd.DataFrame,
    area_codes: Sequence[str],
    *,
    group: str,
    polarity: str = "neither",
    proportion_multiplier: float | None = None,
) -> pd.DataFrame:
    """Each member's value against the group average, with its rank, per indicator and period.

    ``table`` is in the Fingertips layout (``read_extract`` output). Returns the members' rows
    with ``group``, ``group_average``, ``members`` (values present), ``rank`` (1 = highest),
    ``compared_to_group`` and ``comparison_method``. ``proportion_multiplier`` (e.g. 100) marks
    the indicator as a proportion, so count and denominator give Wilson limits.
    """
    codes = list(area_codes)
    missing = [c for c in ("area_code", "value", *GROUP_KEYS) if c not in table.columns]
    if missing:
        raise InputError(
            f"table lacks column(s) {', '.join(missing)}; expected the Fingertips layout",
            field=missing[0],
            expected="a Fingertips-layout table",
        )
    rows = table[table["area_code"].isin(codes)].copy()
    absent = sorted(set(codes) - set(rows["area_code"]))
    rows["group"] = group
    keys = list(GROUP_KEYS)
    filled = rows[keys].astype("string").fillna("")
    key = pd.MultiIndex.from_frame(filled)
    value = pd.to_numeric(rows["value"], errors="coerce")
    frame = pd.DataFrame({"value": value.to_numpy()}, index=key)
    grouped = frame.groupby(level=list(range(len(keys))))["value"]
    rows["group_average"] = grouped.transform("mean").to_numpy()
    rows["members"] = grouped.transform("count").to_numpy()
    rows["rank"] = grouped.rank(ascending=False, method="min").to_numpy()
    rows["rank"] = rows["rank"].astype("Int64")
    avg = rows["group_average"].to_numpy(dtype="float64")
    v = value.to_numpy(dtype="float64")
    nothing = pd.Series(np.nan, index=rows.index)
    lo = pd.to_numeric(rows.get("lower_95", nothing), errors="coerce")
    hi = pd.to_numeric(rows.get("upper_95", nothing), errors="coerce")
    lo_a = lo.to_numpy(dtype="float64")
    hi_a = hi.to_numpy(dtype="float64")
    method = np.full(len(rows), METHOD_NONE, dtype=object)
    has_ci = ~np.isnan(lo_a) & ~np.isnan(hi_a)
    method[has_ci] = METHOD_CI
    if proportion_multiplier is not None and {"count", "denominator"} <= set(rows.columns):
        x = pd.to_numeric(rows["count"], errors="coerce").to_numpy(dtype="float64")
        n = pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(dtype="float64")
        use = ~has_ci & ~np.isnan(x) & ~np.isnan(n) & (n > 0)
        w_lo, w_hi = wilson(x, n, 0.95)
        lo_a = np.where(use, w_lo * proportion_multiplier, lo_a)
        hi_a = np.where(use, w_hi * proportion_multiplier, hi_a)
        method[use] = METHOD_WILSON
    compared = ~np.isnan(lo_a) & ~np.isnan(hi_a) & ~np.isnan(avg) & ~np.isnan(v)
    diff = np.where(avg < lo_a, 1, np.where(avg > hi_a, -1, 0))
    label = np.where(compared, _label(diff, polarity), NOT_COMPARED)
    rows["compared_to_group"] = label
    rows["comparison_method"] = np.where(compared, method, METHOD_NONE)
    rows.attrs["absent"] = absent
    return rows.sort_values([*keys, "rank"], kind="stable").reset_index(drop=True)


def core_cities_comparison(
    extract: str, *, polarity: str = "neither", proportion_multiplier: float | None = None
) -> pd.DataFrame:
    """A shipped extract's Core Cities rows compared within the group (see the module notes)."""
    table = read_extract(extract)
    return compare_within_group(
        table,
        core_cities()["area_code"].tolist(),
        group="Core Cities",
        polarity=polarity,
        proportion_multiplier=proportion_multiplier,
    )
