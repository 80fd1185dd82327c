"""One indicator's figures for its page and charts, taken from the publishable build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthequity.charts import caterpillar_chart, gradient_chart, trend_chart, ward_map
from healthequity.geography.boundaries import boundaries
from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.summaries import ENGLAND, WARD, preferred_deprivation

CHARTS = ("trend", "gradient", "map", "caterpillar")
BOUNDARY_URL = "/api/boundaries/ward"


@dataclass(frozen=True)
class IndicatorData:
    """The rows of one indicator for one sex, and what the page needs to know about them."""

    meta: dict[str, Any]
    rows: pd.DataFrame
    sex: str
    sexes: list[str]
    city: str
    deprivation: str | None

    def whole(self) -> pd.DataFrame:
        """Rows with no breakdown."""
        return self.rows[self.rows["category_type"].fillna("") == ""]

    def groups(self) -> pd.DataFrame:
        """The city's rows by the preferred deprivation grouping."""
        r = self.rows
        return r[(r["area_code"] == self.city) & (r["category_type"] == self.deprivation)]

    def latest_wards(self) -> pd.DataFrame:
        """Ward rows at the latest period that has ward figures."""
        w = self.whole()
        w = w[w["area_type"] == WARD]
        return w[w["period_start"] == w["period_start"].max()] if len(w) else w


def indicator_data(view: BuildView, indicator_id: str, sex: str | None) -> IndicatorData:
    """The indicator's rows for ``sex`` (default: its headline sex); 404 / 422 when unknown."""
    if indicator_id not in view.by_indicator:
        raise ApiError(404, f"no indicator {indicator_id!r} in this build", field="indicator_id")
    found = view.indicators[view.indicators["indicator_id"] == indicator_id]
    meta: dict[str, Any] = {str(k): v for k, v in found.iloc[0].items()}
    meta["indicator_id"] = indicator_id
    rows = view.by_indicator[indicator_id]
    sexes = sorted(set(rows["sex"]), key=lambda s: (s != "Persons", s))
    chosen = sex or str(meta["sex"])
    if chosen not in sexes:
        raise ApiError(422, f"sex: {chosen!r} is not one of {', '.join(sexes)}", field="sex")
    rows = rows[rows["sex"] == chosen]
    types = pd.Series(rows.loc[rows["area_code"] == view.city_code, "category_type"].unique())
    types = types[preferred_deprivation(types) < 3]
    deprivation = None
    if len(types):
        deprivation = str(types.iloc[int(preferred_deprivation(types).to_numpy().argmin())])
    return IndicatorData(meta, rows, chosen, sexes, view.city_code, deprivation)


def trend_points(data: IndicatorData) -> pd.DataFrame:
    """City, England, most and least deprived over time."""
    whole = data.whole()
    parts = [
        whole[whole["area_code"] == data.city].assign(series="City"),
        whole[whole["area_type"] == ENGLAND].assign(series="England"),
    ]
    groups = data.groups()
    if len(groups):
        word = "fifth" if groups["category_rank"].max() == 5 else "tenth"
        top = groups["category_rank"].max()
        parts.append(groups[groups["category_rank"] == 1].assign(series=f"Most deprived {word}"))
        parts.append(groups[groups["category_rank"] == top].assign(series=f"Least deprived {word}"))
    return pd.concat(parts, ignore_index=True)


def latest_sii(view: BuildView, data: IndicatorData, period: str) -> float | None:
    """The SII of the city's deprivation groups in ``period`` (None when not computed)."""
    i = view.inequality
    hit = i[
        (i["indicator_id"] == data.meta["indicator_id"])
        & (i["area_code"] == data.city)
        & (i["sex"] == data.sex)
        & (i["category_type"] == data.deprivation)
        & (i["period"] == period)
    ]
    if hit.empty or pd.isna(hit["sii"].iloc[0]):
        return None
    return float(hit["sii"].iloc[0])


def chart_specs(
    view: BuildView, data: IndicatorData, *, inline_map: bool = False
) -> dict[str, dict[str, Any]]:
    """The four charts' Vega-Lite specs (memoised per build, indicator and sex)."""
    key = ("charts", data.meta["indicator_id"], data.sex, inline_map)
    if key in view.memo:
        return view.memo[key]  # type: ignore[return-value]
    name, unit = str(data.meta["indicator_name"]), str(data.meta["unit"])
    specs: dict[str, dict[str, Any]] = {
        "trend": trend_chart(trend_points(data), title=f"{name}: trend", unit=unit)
    }
    groups = data.groups()
    if len(groups):
        newest = groups[groups["period_start"] == groups["period_start"].max()]
        period = str(newest["period"].iloc[0])
        specs["gradient"] = gradient_chart(
            newest,
            sii=latest_sii(view, data, period),
            title=f"{name}: by deprivation, {period}",
            unit=unit,
            period=period,
        )
    wards = data.latest_wards()
    if len(wards):
        period = str(wards["period"].iloc[0])
        geo: dict[str, Any] | str = boundaries("ward") if inline_map else BOUNDARY_URL
        specs["map"] = ward_map(wards, geo, title=f"{name}: wards, {period}", unit=unit)
        city = data.whole()
        city = city[(city["area_code"] == data.city) & (city["period"] == period)]
        city_value = (
            float(city["value"].iloc[0]) if len(city) and pd.notna(city["value"].iloc[0]) else None
        )
        specs["caterpillar"] = caterpillar_chart(
            wards, city_value=city_value, title=f"{name}: wards ranked, {period}", unit=unit
        )
    view.memo[key] = specs
    return specs


def table_rows(data: IndicatorData, period: str | None) -> tuple[str, pd.DataFrame]:
    """The data table for ``period`` (default the latest): England, the city, its breakdowns,
    then wards; 422 for a period the indicator does not have."""
    periods = list(data.meta["periods"])
    chosen = period or periods[-1]
    if chosen not in periods:
        raise ApiError(
            422,
            f"period: {chosen!r} is not a period of this indicator "
            f"(expected one of {', '.join(periods)})",
            field="period",
        )
    r = data.rows[data.rows["period"] == chosen]
    r = r[r["area_type"].isin([ENGLAND, "Local authority", WARD])]
    order = r["area_type"].map({ENGLAND: 0, "Local authority": 1, WARD: 2})
    r = r.assign(_o=order, _c=r["category_type"].fillna(""))
    r = r.sort_values(["_o", "_c", "category_rank", "area_name"], na_position="first")
    return chosen, r.drop(columns=["_o", "_c"])
