"""The indicator page's deeper analytics: SPC charts of the city and its most deprived group,
and the comparator groups (Core Cities, nearest neighbours) with their dot charts; memoised per
build, indicator and sex like the other charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthequity.web.comparators import GROUP_NAMES, comparison_sex, group_members, latest
from healthequity.web.comparison_chart import comparator_chart
from healthequity.web.data import BuildView
from healthequity.web.indicator_data import IndicatorData
from healthequity.web.spc_data import SpcSeries, spc_series

EXTRA_CHARTS = ("spc", "spc_deprived", "core_cities", "neighbours")


@dataclass(frozen=True)
class ComparatorGroup:
    """One group's latest comparison for the indicator: its members' rows and the city's."""

    key: str
    name: str
    note: str
    period: str
    sex: str
    rows: list[dict[str, Any]]
    city: dict[str, Any]
    group_average: float | None
    england: float | None
    members: int
    spec: dict[str, Any]


@dataclass(frozen=True)
class Extras:
    """SPC series and comparator groups of one indicator and sex."""

    spc: list[SpcSeries]
    groups: list[ComparatorGroup]

    def specs(self) -> dict[str, dict[str, Any]]:
        """Every extra chart's Vega-Lite spec by name."""
        out = {s.name: s.spec for s in self.spc}
        out.update({g.key: g.spec for g in self.groups})
        return out


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def comparator_groups(view: BuildView, data: IndicatorData) -> list[ComparatorGroup]:
    """The indicator's comparator groups at the latest period the city has (none when the
    indicator has no published extract)."""
    indicator_id = str(data.meta["indicator_id"])
    rows = view.comparators[view.comparators["indicator_id"] == indicator_id]
    if rows.empty:
        return []
    sex = comparison_sex(rows, data.sex)
    newest = latest(rows[rows["sex"] == sex], view.city_code)
    notes = group_members(view.city_code)
    name, unit = str(data.meta["indicator_name"]), str(data.meta["unit"])
    out = []
    for key, group in newest.groupby("group_key", sort=True):
        mine = group[group["is_city"]]
        if mine.empty:
            continue
        city = {str(k): v for k, v in mine.iloc[0].items()}
        period = str(city["period"])
        average, england = _float(city["group_average"]), _float(city["england"])
        spec = comparator_chart(
            group,
            city=view.city_code,
            title=f"{name}: {GROUP_NAMES[str(key)]}, {period} ({sex})",
            unit=unit,
            group_average=average,
            england=england,
        )
        out.append(
            ComparatorGroup(
                key=str(key),
                name=GROUP_NAMES[str(key)],
                note=notes[str(key)][1],
                period=period,
                sex=str(sex),
                rows=[{str(k): v for k, v in r.items()} for r in group.to_dict("records")],
                city=city,
                group_average=average,
                england=england,
                members=int(city["members"]),
                spec=spec,
            )
        )
    return out


def indicator_extras(view: BuildView, data: IndicatorData) -> Extras:
    """SPC and comparator groups of the indicator for ``data.sex`` (memoised per build)."""
    key = ("extras", data.meta["indicator_id"], data.sex)
    if key not in view.memo:
        view.memo[key] = Extras(
            spc=spc_series(data, view.provenance.place),
            groups=comparator_groups(view, data),
        )
    found = view.memo[key]
    assert isinstance(found, Extras)
    return found
