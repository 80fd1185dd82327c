"""Each row compared with England and with its city, and each series' recent trend.

The batched forms (``comparisons``, ``recent_trends``) take a table of many indicators with a
polarity (and value type) per row and make one method call per polarity: the benchmark values
are looked up with integer keys, never per indicator.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from healthequity.config import Place
from healthequity.geography.codes import ENGLAND_CODE
from healthequity.indicators.definition import Definition, ValueType
from healthequity.methods import compare_to_benchmark, recent_trend

NOT_COMPARED = "Not compared"
CANNOT = "Cannot be calculated"
#: Value types whose trend the Fingertips chi-squared test can assess from counts.
TREND_TYPES: dict[ValueType, Literal["proportion", "rate"]] = {
    ValueType.PROPORTION: "proportion",
    ValueType.CRUDE_RATE: "rate",
}
SERIES = ["area_code", "sex", "category_type", "category", "category_rank"]
_TYPES = {str(v) for v in ValueType}
_INTERVALS = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]


def _codes(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (missing values are a value)."""
    if not columns:
        return np.zeros(len(table), dtype=np.int64)
    codes = [pd.factorize(table[c], use_na_sentinel=False)[0].astype(np.int64) for c in columns]
    shape = tuple(int(c.max()) + 1 if len(c) else 1 for c in codes)
    return pd.factorize(np.ravel_multi_index(tuple(codes), shape))[0].astype(np.int64)


def _benchmark(
    values: np.ndarray, series: np.ndarray, area: np.ndarray, target: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """Per row, the value of the first ``base`` row of the same series whose area is the row's
    ``target`` (areas as integer codes; -1 for none); NaN when there is none."""
    n = int(max(area.max(initial=0), target.max(initial=0))) + 1
    rows = np.flatnonzero(base)
    found, first = np.unique(series[rows] * n + area[rows], return_index=True)
    lookup = pd.Series(values[rows[first]], index=found)
    want = np.where(target >= 0, series * n + target, -1)
    return lookup.reindex(want).to_numpy(dtype="float64")


def _text(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An object array of a few distinct strings (or None) as a text column, cheaply."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.array([*map(str, uniques), None], dtype="str")
    return text.take(np.where(codes < 0, len(uniques), codes))


def _compare(table: pd.DataFrame, bench: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """compared_to_benchmark at 95% and 99.8% (two object columns), one call per polarity."""
    out = np.empty((len(table), 2), dtype=object)
    frame = pd.DataFrame({c: table[c].to_numpy(dtype="float64", na_value=np.nan)
                          for c in _INTERVALS}).assign(_bench=bench)  # fmt: skip
    for kind in pd.unique(polarity):
        rows = np.flatnonzero(polarity == kind)
        result = compare_to_benchmark(frame.iloc[rows], benchmark="_bench", polarity=str(kind))
        out[rows, 0] = result["compared_to_benchmark_95"].to_numpy()
        out[rows, 1] = result["compared_to_benchmark_99_8"].to_numpy()
    return out


def comparisons(
    table: pd.DataFrame,
    polarity: np.ndarray,
    city: np.ndarray,
    la_codes: list[str],
    england_value: np.ndarray | None = None,
) -> pd.DataFrame:
    """Columns compared_to_england(_99_8) and compared_to_city(_99_8), Fingertips' wording.

    ``polarity`` is each row's Fingertips polarity; ``city`` the code of the local authority
    each row is compared with (its own; None for none). The benchmark is that area's row with
    no category for the same indicator, period and sex; ``england_value`` (NaN: none) fixes
    England's per row instead, as for indirectly standardised ratios, whose England value is
    their multiplier by definition (``england_benchmarks``). Rows taken as published keep the
    comparison OHID published (they carry no intervals here).
    """
    out = table.reset_index(drop=True)
    ids = ["indicator_id"] if "indicator_id" in out else (["_ind"] if "_ind" in out else [])
    series = _codes(out, [*ids, "period", "sex"])
    whole = (out["category_type"] == "").to_numpy(dtype=bool)
    codes, uniques = pd.factorize(out["area_code"])
    known = pd.Index(np.asarray(uniques, dtype=object))
    area = np.asarray(uniques, dtype=object)[codes]
    values = out["value"].to_numpy(dtype="float64", na_value=np.nan)
    england = np.full(len(out), known.get_indexer([ENGLAND_CODE])[0])
    for name, base, target in (
        ("compared_to_england", whole & (area == ENGLAND_CODE), england),
        ("compared_to_city", whole & np.isin(area, la_codes), known.get_indexer(city)),
    ):
        bench = _benchmark(values, series, codes, target, base)
        if england_value is not None and name == "compared_to_england":
            fixed = np.asarray(england_value, dtype="float64")
            bench = np.where(np.isnan(fixed), bench, fixed)
        labels = _compare(out, bench, polarity)
        out[name] = _text(labels[:, 0])
        out[f"{name}_99_8"] = _text(labels[:, 1])
    if "published_comparison" in out:
        published = out["published_comparison"].notna().to_numpy(dtype=bool)
        england = out["compared_to_england"].to_numpy(dtype=object)
        england[published] = out["published_comparison"].to_numpy(dtype=object)[published]
        out["compared_to_england"] = _text(england)
        out = out.drop(columns=["published_comparison"])
    on_england = area == ENGLAND_CODE
    for col in ("compared_to_england", "compared_to_england_99_8"):
        values = out[col].to_numpy(dtype=object)
        values[on_england] = NOT_COMPARED
        out[col] = _text(values)
    return out


def england_benchmarks(value_type: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    """Per row, England's value fixed by definition (NaN where England's row gives it): an
    indirectly standardised ratio's is its multiplier (England = 100), so a ratio whose
    interval contains 100 is 'Similar', as Fingertips compares SMRs and SARs."""
    isr = np.asarray(value_type, dtype=object) == str(ValueType.ISR)
    mult = np.asarray(multiplier, dtype="float64")
    return np.where(isr, np.where(np.isnan(mult), 100.0, mult), np.nan)


def add_comparisons(rows: pd.DataFrame, d: Definition, place: Place) -> pd.DataFrame:
    """One indicator's rows compared with England and with the place's (first) city."""
    polarity = np.full(len(rows), d.fingertips_polarity, dtype=object)
    city = np.full(len(rows), place.la_codes[0], dtype=object)
    kind = np.full(len(rows), str(d.value_type), dtype=object)
    mult = np.full(len(rows), np.nan if d.multiplier is None else d.multiplier)
    england = england_benchmarks(kind, mult)
    return comparisons(rows, polarity, city, list(place.la_codes), england)


def recent_trends(table: pd.DataFrame, value_type: np.ndarray, polarity: np.ndarray
                  ) -> pd.DataFrame:  # fmt: skip
    """The recent trend of each series (its latest 5 periods), on its latest row (the column
    ``recent_trend`` is set on ``table`` itself, which is returned).

    A series is one indicator's area, sex and category; ``value_type`` and ``polarity`` are
    each row's. Indicators whose value type has no trend test, or with no computed counts, say
    'Cannot be calculated' on every row; others NA except each series' latest row.
    """
    out = table
    ids = ["indicator_id"] if "indicator_id" in out else (["_ind"] if "_ind" in out else [])
    indicator = _codes(out, ids)
    types = pd.unique(value_type)
    kinds = pd.Series([TREND_TYPES.get(ValueType(str(v))) if str(v) in _TYPES else None
                       for v in types], dtype=object).to_numpy()  # fmt: skip
    kind = kinds[pd.Index(types).get_indexer(value_type)]
    usable = (
        out["count"].notna().to_numpy(dtype=bool)
        & out["denominator"].notna().to_numpy(dtype=bool)
        & (out["source"] != "published").to_numpy(dtype=bool)
    )
    n_ind = int(indicator.max()) + 1 if len(indicator) else 0
    trended = np.zeros(n_ind, dtype=bool)
    has_kind = kind != None  # noqa: E711 (elementwise)
    trended[np.unique(indicator[usable & has_kind])] = True
    trend = np.full(len(out), CANNOT, dtype=object)
    trend[trended[indicator]] = None
    data = out.loc[usable & trended[indicator], ["count", "denominator"]]
    if len(data):
        rows = np.flatnonzero(usable & trended[indicator])
        part = out.iloc[rows]
        data = data.assign(
            _s=_codes(part.assign(_i=indicator[rows]), ["_i", *SERIES]),
            period_start=part["period"].astype(str).str.slice(0, 4).astype(int).to_numpy(),
        )
        start = data["period_start"].to_numpy()
        latest = data.groupby("_s")["period_start"].transform("max").to_numpy() == start
        for k, pol in pd.MultiIndex.from_arrays([kind[rows], polarity[rows]]).unique():
            mine = (kind[rows] == k) & (polarity[rows] == pol)
            got = recent_trend(data[mine], "count", "denominator", "period_start", group_by="_s",
                               polarity=str(pol), value_type=k)  # fmt: skip
            words = pd.Series(got["recent_trend"].to_numpy(dtype=object), index=got["_s"])
            last = mine & latest
            trend[rows[last]] = words.reindex(data["_s"].to_numpy()[last]).to_numpy()
    out["recent_trend"] = _text(trend).astype("string")
    return out


def add_recent_trend(rows: pd.DataFrame, d: Definition) -> pd.DataFrame:
    """One indicator's recent trends (see ``recent_trends``)."""
    value_type = np.full(len(rows), str(d.value_type), dtype=object)
    polarity = np.full(len(rows), d.fingertips_polarity, dtype=object)
    return recent_trends(rows.copy(), value_type, polarity)
