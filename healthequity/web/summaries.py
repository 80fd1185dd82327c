"""Per-build summaries of the publishable table, computed once per build with vectorised pandas:
the indicator list, the overview rows, each indicator's latest ward rows, the list of areas."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from healthequity.indicators.definition import Definition
from healthequity.indicators.inequality import LOCAL_FIFTHS, NATIONAL_TENTHS

WARD = "Ward"
ENGLAND = "England"
CITY = "Local authority"


def headline_sex(table: pd.DataFrame, city: str) -> pd.Series:
    """Per indicator, the sex its headline figures use: Persons when the city has it, else the
    city's first (Female before Male); the table's own when the city has no rows."""
    sexes = table.groupby("indicator_id")["sex"].agg(lambda s: sorted(set(s)))
    whole = table["category_type"].fillna("") == ""
    at_city = table[(table["area_code"] == city) & whole].groupby("indicator_id")["sex"]
    sexes.update(at_city.agg(lambda s: sorted(set(s))))
    return sexes.map(lambda s: "Persons" if "Persons" in s else s[0]).rename("sex")


def indicator_list(
    table: pd.DataFrame, definitions: Mapping[str, Definition], *, city: str
) -> pd.DataFrame:
    """One row per indicator, ordered by principle then name."""
    first = table.drop_duplicates("indicator_id").set_index("indicator_id")
    out = first[["indicator_name", "principle", "unit", "polarity", "value_type"]].copy()
    out["sex"] = headline_sex(table, city)
    ordered = table.drop_duplicates(["indicator_id", "period"]).sort_values("period_start")
    out["periods"] = ordered.groupby("indicator_id")["period"].agg(list)
    out["latest_period"] = out["periods"].map(lambda p: p[-1])
    out["sources"] = table.groupby("indicator_id")["source"].agg(lambda s: sorted(set(s)))
    out["synthetic"] = out["sources"].map(lambda s: "synthetic" in s)
    out["definition"] = [getattr(definitions.get(i), "definition", "") for i in out.index]
    out["data_source"] = [getattr(definitions.get(i), "source", "") for i in out.index]
    out["notes"] = [getattr(definitions.get(i), "notes", None) or "" for i in out.index]
    out["fingertips_id"] = [getattr(definitions.get(i), "fingertips_id", None) for i in out.index]
    out.index.name = "indicator_id"
    return out.reset_index().sort_values(["principle", "indicator_name"], ignore_index=True)


def _headline_rows(table: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Rows with no breakdown for each indicator's headline sex."""
    sex = indicators.set_index("indicator_id")["sex"]
    whole = table[table["category_type"].fillna("") == ""]
    return whole[whole["sex"].to_numpy() == whole["indicator_id"].map(sex).to_numpy()]


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The latest period's rows of each indicator (by period_start)."""
    newest = rows.groupby("indicator_id")["period_start"].transform("max")
    return rows[rows["period_start"] == newest]


def preferred_deprivation(category_types: pd.Series) -> pd.Series:
    """Rank of a deprivation category type: local fifths first, then national tenths."""
    text = category_types.fillna("").astype(str)
    return (~text.str.startswith(LOCAL_FIFTHS)).astype(int) * 2 + (
        ~text.str.startswith(NATIONAL_TENTHS)
    ).astype(int)


def overview(
    table: pd.DataFrame,
    indicators: pd.DataFrame,
    inequality: pd.DataFrame,
    verdicts: pd.DataFrame,
    *,
    city: str,
) -> pd.DataFrame:
    """Per indicator: the city's latest value and interval, England's for the same period, the
    comparison with England, the recent trend, the latest gap (most minus least deprived) and the
    poorest-fastest verdict."""
    rows = _headline_rows(table, indicators)
    cols = [
        "indicator_id",
        "period",
        "period_start",
        "value",
        "lower_95",
        "upper_95",
        "compared_to_england",
        "recent_trend",
        "value_note",
        "source",
    ]
    city_rows = _latest(rows[rows["area_code"] == city])[cols]
    eng = rows[rows["area_type"] == ENGLAND][["indicator_id", "period", "value"]]
    out = indicators.merge(city_rows, on="indicator_id", how="left")
    out = out.merge(
        eng.rename(columns={"value": "england"}), on=["indicator_id", "period"], how="left"
    )
    sex = indicators.set_index("indicator_id")["sex"]
    ineq = inequality[(inequality["area_code"] == city)]
    ineq = ineq[ineq["sex"].to_numpy() == ineq["indicator_id"].map(sex).to_numpy()]
    ineq = ineq.assign(_pref=preferred_deprivation(ineq["category_type"]))
    ineq = ineq.sort_values(
        ["indicator_id", "_pref", "period_start"], ascending=[True, True, False]
    )
    gap = ineq.drop_duplicates("indicator_id")[
        [
            "indicator_id",
            "period",
            "category_type",
            "absolute_gap",
            "absolute_gap_lower_95",
            "absolute_gap_upper_95",
            "sii",
        ]
    ].rename(columns={"period": "gap_period", "category_type": "gap_groups"})
    out = out.merge(gap, on="indicator_id", how="left")
    ver = verdicts[verdicts["area_code"] == city]
    ver = ver[ver["sex"].to_numpy() == ver["indicator_id"].map(sex).to_numpy()]
    out = out.merge(
        ver.drop_duplicates("indicator_id")[["indicator_id", "verdict", "reason", "evidence"]],
        on="indicator_id",
        how="left",
    )
    return out


def ward_latest(table: pd.DataFrame, indicators: pd.DataFrame, *, city: str) -> pd.DataFrame:
    """Each indicator's ward rows at its latest ward period, with ``city``, ``england`` and the
    wards' ``low``, ``q25``, ``q75``, ``high``."""
    rows = _headline_rows(table, indicators)
    wards = _latest(rows[rows["area_type"] == WARD])
    keys = ["indicator_id", "period"]
    ref = rows[rows["area_code"] == city][[*keys, "value"]].rename(columns={"value": "city"})
    eng = rows[rows["area_type"] == ENGLAND][[*keys, "value"]].rename(columns={"value": "england"})
    by = wards.groupby("indicator_id")["value"]
    spread = pd.DataFrame(
        {"low": by.min(), "q25": by.quantile(0.25), "q75": by.quantile(0.75), "high": by.max()}
    )
    out = wards.merge(ref, on=keys, how="left").merge(eng, on=keys, how="left")
    out = out.merge(spread, left_on="indicator_id", right_index=True, how="left")
    order = indicators[["indicator_id"]].reset_index(names="_order")
    out = out.merge(order, on="indicator_id").sort_values(["_order", "area_code"])
    return out.drop(columns="_order").reset_index(drop=True)


def areas(table: pd.DataFrame) -> pd.DataFrame:
    """Every area: code, name, type, parent code and how many indicators it has figures for."""
    cols = ["area_code", "area_name", "area_type", "parent_code"]
    first = table.drop_duplicates("area_code")[cols]
    counts = table.groupby("area_code")["indicator_id"].nunique().rename("indicators")
    out = first.merge(counts, left_on="area_code", right_index=True)
    order = {ENGLAND: 0, CITY: 1, WARD: 2, "MSOA": 3, "LSOA": 4}
    out = out.assign(_o=out["area_type"].map(order).fillna(9))
    return out.sort_values(["_o", "area_name"]).drop(columns="_o").reset_index(drop=True)
