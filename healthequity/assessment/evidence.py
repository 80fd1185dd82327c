"""Evidence filled in by the system for the areas a decision affects, from the latest build.

Every figure comes from the publishable indicator table (``indicators.publication.publishable``:
already through disclosure control) or, for the residents in England's most deprived 10% and in
Core20, from IoD2025 and Census 2021 populations passed through ``healthequity.disclosure``
(rounded to 5, small counts suppressed) before any share is worked out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from healthequity.assessment.geo import Area, lsoas_of, wards_of
from healthequity.disclosure import SiblingGroup, publish
from healthequity.geography import ENGLAND_CODE, census2021_lsoa_ages, iod, lsoa_lookup

#: The deprivation breakdowns used for the gap, in order of preference.
GAP_BREAKDOWNS = (
    "deprivation quintiles within area (IMD2025)",
    "deprivation deciles (IMD2025, national)",
)
TREND_PERIODS = 5


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/NA become None, numpy scalars plain Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _headline(rows: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's headline sex: Persons where it has it, else its first sex."""
    persons = rows["sex"] == "Persons"
    has_persons = persons.groupby(rows["indicator_id"]).transform("any").astype(bool)
    first = rows.groupby("indicator_id")["sex"].transform("first")
    keep = np.where(has_persons, persons, rows["sex"] == first)
    return rows[keep]


def indicator_evidence(
    table: pd.DataFrame,
    area_codes: Sequence[str],
    *,
    city_code: str,
    principles: Sequence[int] = (),
) -> list[dict[str, Any]]:
    """Per indicator of the chosen principles (all when none): the latest value of each area
    with its comparisons and recent trend, the city's and England's values, the last periods
    for each area, and the city's gap between its most and least deprived groups."""
    t = table[table["area_code"].isin([*area_codes, city_code, ENGLAND_CODE])]
    if principles:
        t = t[t["principle"].isin([int(p) for p in principles])]
    whole = _headline(t[t["category_type"].fillna("") == ""])
    local = whole[whole["area_code"].isin(list(area_codes))]
    if local.empty:
        return []
    latest_start = local.groupby("indicator_id")["period_start"].transform("max")
    latest = local[local["period_start"] == latest_start]
    period_of = latest.groupby("indicator_id")["period"].first()
    key = whole["indicator_id"].map(period_of)
    same_period = whole[whole["period"] == key]
    city = same_period[same_period["area_code"] == city_code].set_index("indicator_id")
    england = same_period[same_period["area_code"] == ENGLAND_CODE].set_index("indicator_id")
    recent = local.sort_values("period_start").groupby(["indicator_id", "area_code"])
    history = {
        key: [
            {"period": str(p), "value": _clean(v)}
            for p, v in zip(g["period"], g["value"], strict=True)
        ]
        for key, g in recent.tail(TREND_PERIODS).groupby(["indicator_id", "area_code"])
    }
    gaps = _gaps(t, city_code)
    out: list[dict[str, Any]] = []
    for ident, rows in latest.sort_values(["principle", "indicator_id", "area_name"]).groupby(
        "indicator_id", sort=False
    ):
        first = rows.iloc[0]
        item = {
            "indicator_id": str(ident),
            "indicator_name": str(first["indicator_name"]),
            "principle": int(first["principle"]),
            "unit": _clean(first.get("unit")),
            "polarity": _clean(first.get("polarity")),
            "period": str(first["period"]),
            "sex": str(first["sex"]),
            "source": _clean(first.get("source")),
            "city_value": _value(city, ident),
            "england_value": _value(england, ident),
            "areas": [
                {
                    "area_code": str(r["area_code"]),
                    "area_name": str(r["area_name"]),
                    "value": _clean(r["value"]),
                    "lower_95": _clean(r["lower_95"]),
                    "upper_95": _clean(r["upper_95"]),
                    "compared_to_england": _clean(r["compared_to_england"]),
                    "compared_to_city": _clean(r["compared_to_city"]),
                    "recent_trend": _clean(r["recent_trend"]),
                    "value_note": _clean(r["value_note"]),
                    "series": history.get((ident, r["area_code"]), []),
                }
                for r in rows.to_dict("records")
            ],
            "gap": gaps.get(str(ident)),
        }
        out.append(item)
    return out


def _value(frame: pd.DataFrame, ident: Any) -> Any:
    if ident not in frame.index:
        return None
    value = frame.loc[ident, "value"]
    if isinstance(value, pd.Series):
        value = value.iloc[0]
    return _clean(value)


def _gaps(table: pd.DataFrame, city_code: str) -> dict[str, dict[str, Any]]:
    """The city's most minus least deprived group, latest period, per indicator (published
    values only: a suppressed end leaves the gap empty)."""
    out: dict[str, dict[str, Any]] = {}
    rows = table[(table["area_code"] == city_code) & table["category_type"].isin(GAP_BREAKDOWNS)]
    for breakdown in GAP_BREAKDOWNS:
        part = _headline(rows[rows["category_type"] == breakdown])
        if part.empty:
            continue
        latest = part.groupby("indicator_id")["period_start"].transform("max")
        part = part[part["period_start"] == latest]
        top = part.groupby("indicator_id")["category_rank"].transform("max")
        most = part[part["category_rank"] == 1].set_index("indicator_id")
        least = part[part["category_rank"] == top].set_index("indicator_id")
        for ident in most.index.intersection(least.index):
            if str(ident) in out:
                continue
            m, lst = _clean(most.loc[ident, "value"]), _clean(least.loc[ident, "value"])
            out[str(ident)] = {
                "breakdown": breakdown,
                "period": str(most.loc[ident, "period"]),
                "most_deprived": m,
                "least_deprived": lst,
                "most_deprived_label": str(most.loc[ident, "category"]),
                "least_deprived_label": str(least.loc[ident, "category"]),
                "absolute_gap": None if m is None or lst is None else m - lst,
            }
    return out


@cache
def _lsoa_deprivation() -> pd.DataFrame:
    """Per LSOA (2021): residents (Census 2021), in England's most deprived 10%, in Core20."""
    people = census2021_lsoa_ages().groupby("lsoa_code", as_index=False)["population"].sum()
    dep = iod(2025)[["lsoa_code", "imd_decile", "imd_quintile", "most_deprived_10"]]
    out = people.merge(dep, on="lsoa_code", how="left")
    out["decile_1"] = out["most_deprived_10"].fillna(False).astype(bool)
    out["core20"] = out["imd_quintile"] == 1
    return out


def deprivation_shares(lsoa_codes: Sequence[str], city_lsoas: Sequence[str]) -> dict[str, Any]:
    """Residents of the affected LSOAs and of the city, and how many (and what share) live in
    England's most deprived 10% and in Core20, counts through the disclosure gate."""
    lsoas = _lsoa_deprivation()
    rows = []
    for scope, codes in (("affected", lsoa_codes), ("city", city_lsoas)):
        part = lsoas[lsoas["lsoa_code"].isin(list(codes))]
        total = int(part["population"].sum())
        for grouping, flag in (("most_deprived_10", "decile_1"), ("core20", "core20")):
            inside = int(part.loc[part[flag], "population"].sum())
            for member, count in (("all", total), ("in", inside), ("out", total - inside)):
                rows.append((scope, grouping, member, count))
    frame = pd.DataFrame(rows, columns=["scope", "grouping", "member", "count"])
    relation = SiblingGroup(
        by=("scope", "grouping"), member_column="member", total_value="all", parts=("in", "out")
    )
    published = publish(frame, relations=[relation], count_columns=["count"], value_columns=[])
    counts = {
        (s, g, m): _clean(c)
        for s, g, m, c in published[["scope", "grouping", "member", "count"]].itertuples(
            index=False
        )
    }
    out: dict[str, Any] = {}
    for scope in ("affected", "city"):
        total = counts[(scope, "most_deprived_10", "all")]
        entry: dict[str, Any] = {"residents": total}
        for grouping in ("most_deprived_10", "core20"):
            inside = counts[(scope, grouping, "in")]
            entry[f"residents_{grouping}"] = inside
            entry[f"share_{grouping}"] = (
                None if inside is None or not total else round(100 * inside / total, 1)
            )
        out[scope] = entry
    out["lsoas"] = len(lsoa_codes)
    out["source"] = "IoD2025 (MHCLG) and Census 2021 usual residents (ONS); counts rounded to 5"
    return out


def evidence_for(
    table: pd.DataFrame,
    areas: Sequence[Area],
    *,
    city_code: str,
    principles: Sequence[int] = (),
    build_id: int | None = None,
    place: str = "",
) -> dict[str, Any]:
    """Everything the system fills in for ``areas``: indicators (wards, and the wards holding
    any LSOAs named), and the residents in the most deprived 10% and in Core20."""
    area_list = list(areas)
    lsoas = lsoas_of(area_list)
    codes = sorted({a.code for a in area_list} | set(wards_of(area_list)))
    lookup = lsoa_lookup(2021)
    city_lsoas = lookup.loc[lookup["la_code"] == city_code, "lsoa_code"].astype(str).tolist()
    return {
        "build_id": build_id,
        "place": place,
        "city_code": city_code,
        "area_codes": codes,
        "principles": sorted(int(p) for p in principles),
        "indicators": indicator_evidence(table, codes, city_code=city_code, principles=principles),
        "deprivation": deprivation_shares(lsoas, city_lsoas),
    }


def baseline_text(found: dict[str, Any] | None, indicator_id: str) -> str:
    """A baseline for monitoring from the evidence: each area's latest value, with the city's
    and the period ('' when the indicator has no evidence for these areas)."""
    if not found:
        return ""
    for item in found.get("indicators", []):
        if item["indicator_id"] != indicator_id:
            continue
        parts = [
            f"{a['area_name']} {a['value']:,.1f}"
            if a["value"] is not None
            else f"{a['area_name']} suppressed"
            for a in item["areas"]
        ]
        city = item["city_value"]
        if city is not None:
            parts.append(f"city {city:,.1f}")
        return f"{'; '.join(parts)} ({item['period']}, build {found.get('build_id')})"
    return ""
