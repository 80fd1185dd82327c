"""Each row compared with England and with the city, and each series' recent trend."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from healthequity.config import Place
from healthequity.geography.codes import ENGLAND_CODE
from healthequity.indicators.definition import Definition, ValueType
from healthequity.methods import compare_to_benchmark, recent_trend

NOT_COMPARED = "Not compared"
#: Value types whose trend the Fingertips chi-squared test can assess from counts.
TREND_TYPES: dict[ValueType, Literal["proportion", "rate"]] = {
    ValueType.PROPORTION: "proportion",
    ValueType.CRUDE_RATE: "rate",
}
SERIES = ["area_code", "sex", "category_type", "category", "category_rank"]


def _benchmark(rows: pd.DataFrame, codes: list[str]) -> pd.Series:
    """Per row, the value of the benchmark area (category '') for the same period and sex."""
    base = rows[rows["area_code"].isin(codes) & (rows["category_type"] == "")]
    lookup = base.drop_duplicates(["period", "sex"]).set_index(["period", "sex"])["value"]
    index = pd.MultiIndex.from_frame(rows[["period", "sex"]])
    return pd.Series(lookup.reindex(index).to_numpy(), index=rows.index)


def _compare(rows: pd.DataFrame, d: Definition, bench: pd.Series, name: str) -> pd.DataFrame:
    frame = rows.assign(_bench=bench.to_numpy())
    result = compare_to_benchmark(frame, benchmark="_bench", polarity=d.fingertips_polarity)
    out = pd.DataFrame(index=rows.index)
    out[name] = result["compared_to_benchmark_95"].to_numpy()
    out[f"{name}_99_8"] = result["compared_to_benchmark_99_8"].to_numpy()
    return out


def add_comparisons(rows: pd.DataFrame, d: Definition, place: Place) -> pd.DataFrame:
    """Columns compared_to_england(_99_8) and compared_to_city(_99_8), Fingertips' wording.

    Rows taken as published keep the comparison OHID published (they carry no intervals here).
    """
    out = rows.reset_index(drop=True)
    for name, codes in (
        ("compared_to_england", [ENGLAND_CODE]),
        ("compared_to_city", list(place.la_codes)),
    ):
        cols = _compare(out, d, _benchmark(out, codes), name)
        out = pd.concat([out, cols], axis=1)
    if "published_comparison" in out:
        published = out["published_comparison"].notna().to_numpy()
        out.loc[published, "compared_to_england"] = out.loc[published, "published_comparison"]
        out = out.drop(columns=["published_comparison"])
    england = out["area_code"] == ENGLAND_CODE
    out.loc[england, ["compared_to_england", "compared_to_england_99_8"]] = NOT_COMPARED
    return out


def add_recent_trend(rows: pd.DataFrame, d: Definition) -> pd.DataFrame:
    """The recent trend of each area's series (its latest 5 periods), on its latest row."""
    out = rows.copy()
    out["recent_trend"] = pd.Series(pd.NA, index=out.index, dtype="string")
    kind = TREND_TYPES.get(d.value_type)
    usable = out["count"].notna() & out["denominator"].notna() & (out["source"] != "published")
    if kind is None or not usable.any():
        out["recent_trend"] = "Cannot be calculated"
        return out
    data = out[usable].drop(columns=["recent_trend"])
    data["period_start"] = data["period"].astype(str).str.slice(0, 4).astype(int)
    data["category_rank"] = data["category_rank"].astype("float64")
    trend = recent_trend(data, "count", "denominator", "period_start", group_by=SERIES,
                         polarity=d.fingertips_polarity, value_type=kind)  # fmt: skip
    latest = data.groupby(SERIES, dropna=False)["period_start"].transform("max")
    last_rows = data[data["period_start"] == latest]
    merged = last_rows.reset_index().merge(trend[[*SERIES, "recent_trend"]], on=SERIES, how="left")
    out.loc[merged["index"].to_numpy(), "recent_trend"] = merged["recent_trend"].to_numpy()
    return out
