"""Comparator groups for the dashboard: the city against the Core Cities and against its nearest
neighbours, for each indicator with a published LA-level extract (OHID's published values, so
no disclosure step applies), with significance against the group average and rank in the group.

The comparisons come from ``healthequity.indicators.comparators``; the extracts and the groups do
not change while the server runs, so each indicator's comparison is computed once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache

import pandas as pd

from healthequity.errors import HealthEquityError
from healthequity.geography.codes import ENGLAND_CODE
from healthequity.indicators.comparators import compare_within_group, core_cities
from healthequity.indicators.comparators import nearest_neighbours as neighbours_of
from healthequity.indicators.definition import Definition
from healthequity.indicators.published import normalise_period
from healthequity.sources.fingertips_extracts import read_extract

log = logging.getLogger(__name__)
CORE, NEIGHBOURS = "core_cities", "neighbours"
GROUP_NAMES = {CORE: "Core Cities", NEIGHBOURS: "Nearest statistical neighbours"}
NEIGHBOUR_COUNT = 15
POLARITY = {"higher_is_better": "high", "lower_is_better": "low"}
#: Fingertips' extract column -> the fingertips-layout column a definition's ``where`` names.
_WHERE = {"indicator": "indicator_name"}
COLUMNS = [
    "indicator_id",
    "group_key",
    "group",
    "area_code",
    "area_name",
    "sex",
    "period",
    "period_sortable",
    "value",
    "group_average",
    "members",
    "rank",
    "compared_to_group",
    "comparison_method",
    "compared_to_england",
    "england",
    "is_city",
]


@cache
def group_members(city: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """Each group's member codes (the city always among them) and a note for people."""
    cores = tuple(core_cities()["area_code"])
    core_note = "The eight English Core Cities (Core Cities UK)."
    if city not in cores:
        cores = (*cores, city)
        core_note += " The city is not one of them, so it is added to the group."
    out = {CORE: (cores, core_note)}
    try:
        near = tuple(neighbours_of(city, NEIGHBOUR_COUNT)["area_code"])
    except HealthEquityError:
        return out
    out[NEIGHBOURS] = (
        (city, *near),
        f"The city and the {NEIGHBOUR_COUNT} local authorities most like it on the IoD2025 "
        "deprivation domains and the ONS Health Index 2021 (healthequity's own statistical "
        "neighbours, not CIPFA's list).",
    )
    return out


@cache
def _extract(file: str, where: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """An extract's LA and England rows of one indicator with no breakdown."""
    raw = read_extract(file)
    keep = raw["category_type"].isna()
    for column, wanted in where:
        keep &= raw[_WHERE.get(column, column)].astype(str) == wanted
    return raw[keep].reset_index(drop=True)


@cache
def _compare(
    indicator_id: str,
    file: str,
    where: tuple[tuple[str, str], ...],
    polarity: str,
    multiplier: float | None,
    city: str,
) -> pd.DataFrame:
    rows = _extract(file, where)
    england = rows[rows["area_code"] == ENGLAND_CODE][["sex", "time_period", "value"]]
    england = england.drop_duplicates(["sex", "time_period"]).rename(columns={"value": "england"})
    parts = []
    for key, (codes, _) in group_members(city).items():
        within = compare_within_group(
            rows,
            list(codes),
            group=GROUP_NAMES[key],
            polarity=polarity,
            proportion_multiplier=multiplier,
        )
        parts.append(within.assign(group_key=key))
    out = pd.concat(parts, ignore_index=True).merge(england, on=["sex", "time_period"], how="left")
    out["indicator_id"] = indicator_id
    out["period"] = normalise_period(out["time_period"])
    out["period_sortable"] = out["time_period_sortable"].astype(str)
    out["area_name"] = out["area_name"].str.replace(r", City of$", "", regex=True)
    out["is_city"] = out["area_code"] == city
    out["sex"] = out["sex"].astype(str)
    return out.reindex(columns=COLUMNS)


def comparisons(definitions: Mapping[str, Definition], city: str) -> pd.DataFrame:
    """Every member's row in each group, every period and sex, for each indicator in
    ``definitions`` that has a published extract (``COLUMNS``)."""
    parts = []
    for d in definitions.values():
        if d.published is None:
            continue
        where = tuple(sorted((str(k), str(v)) for k, v in d.published.where.items()))
        proportion = str(d.value_type) == "proportion" and d.multiplier is not None
        multiplier = float(d.multiplier or 1) if proportion else None
        polarity = POLARITY.get(str(d.polarity), "neither")
        try:
            parts.append(_compare(d.id, d.published.file, where, polarity, multiplier, city))
        except HealthEquityError:  # a bad extract costs its comparison, not the dashboard
            log.exception("comparator groups for %s could not be computed", d.id)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def comparison_sex(rows: pd.DataFrame, wanted: str) -> str | None:
    """The sex to show: ``wanted`` when the extract has it, else Persons, else the first."""
    sexes = set(rows["sex"])
    for sex in (wanted, "Persons", *sorted(sexes)):
        if sex in sexes:
            return sex
    return None


def latest(rows: pd.DataFrame, city: str) -> pd.DataFrame:
    """Per group, every member's row at the latest period in which the city has a value."""
    mine = rows[(rows["area_code"] == city) & rows["value"].notna()]
    if mine.empty:
        return rows.iloc[0:0]
    newest = mine.groupby("group_key")["period_sortable"].max()
    at = rows["period_sortable"].to_numpy() == rows["group_key"].map(newest).to_numpy()
    return rows[at].sort_values(["group_key", "rank", "area_name"], na_position="last")


def city_summary(
    all_rows: pd.DataFrame, headline_sex: Mapping[str, str], city: str
) -> pd.DataFrame:
    """Per indicator and group, the city's latest row (for the overview's compact column)."""
    parts = []
    for indicator_id, rows in all_rows.groupby("indicator_id", sort=False):
        sex = comparison_sex(rows, headline_sex.get(str(indicator_id), "Persons"))
        newest = latest(rows[rows["sex"] == sex], city)
        parts.append(newest[newest["is_city"]])
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)
