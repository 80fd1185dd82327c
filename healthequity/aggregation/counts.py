"""Record-level rows to counts, written once as Ibis expressions (DuckDB, Spark or PostgreSQL).

count_records derives ESP2013 five-year age bands, calendar or financial-year periods and named
code groups, then counts rows; to_counts_layout shapes the result as the warehouse `counts`
dataset (healthequity.sources.records.load_records does both for a file).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from healthequity.errors import InputError
from healthequity.methods.esp2013 import ESP2013_BANDS
from healthequity.store.datasets import COUNTS

Period = Literal["year", "financial_year"]

#: The default grouping: LSOA x sex x ESP2013 five-year age band (with the period added).
DEFAULT_BY: tuple[str, ...] = ("lsoa_code", "sex", "age_band")
#: Age band labels, youngest first: 0-4, 5-9 ... 85-89, 90+ (the ESP2013 bands).
AGE_BANDS: tuple[str, ...] = ESP2013_BANDS
#: Breakdown columns and the category type each becomes in the counts dataset.
CATEGORY_TYPES: dict[str, str] = {"ethnic_group": "Ethnic group", "code_group": "Code group"}
#: Category of an ethnic group left blank in the records.
NOT_KNOWN = "Not known"


def band_lower(age: ir.IntegerValue) -> ir.IntegerValue:
    """The lower age of an age's ESP2013 band: 0, 5 ... 85, 90 (integer arithmetic, fast)."""
    return ibis.ifelse(age >= 90, 90, age - age % 5)


def band_label(lower: ir.IntegerValue) -> ir.StringValue:
    """The label of a band from its lower age: '0-4' ... '85-89', '90+'."""
    return ibis.ifelse(lower >= 90, "90+", lower.cast("string") + "-" + (lower + 4).cast("string"))


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The ESP2013 five-year band of an age in whole years: '0-4' ... '85-89', '90+'."""
    return band_label(band_lower(age))


def period_start(date: ir.TemporalValue, period: Period) -> ir.IntegerValue:
    """The year a date's period starts: its calendar year, or its financial year (from 1 April)."""
    year = date.year()
    if period == "year":
        return year
    if period == "financial_year":
        return ibis.ifelse(date.month() < 4, year - 1, year)
    raise InputError(
        f"period {period!r} is not known; expected 'year', 'financial_year' or None",
        field="period",
        expected="'year', 'financial_year' or None",
    )


def start_label(start: ir.IntegerValue, period: Period) -> ir.StringValue:
    """A period's label from its start year: '2023', or '2023/24' for a financial year."""
    if period == "year":
        return start.cast("string")
    return start.cast("string") + "/" + ((start + 1) % 100).cast("string").lpad(2, "0")


def period_label(date: ir.TemporalValue, period: Period) -> ir.StringValue:
    """The period of a date: calendar year '2023' or financial year '2023/24' (from 1 April)."""
    return start_label(period_start(date, period), period)


def with_code_groups(table: ir.Table, codes: Mapping[str, Sequence[str]]) -> ir.Table:
    """The rows whose code starts with one of a group's prefixes, tagged with the group's name.

    A row matching several groups appears once in each (each group is counted on its own).
    """
    _check_codes(codes)
    parts = [
        table.filter(
            reduce(operator.or_, [table.code.startswith(p.strip().upper()) for p in prefixes])
        ).mutate(code_group=ibis.literal(name, type="string"))
        for name, prefixes in codes.items()
    ]
    return reduce(lambda a, b: a.union(b, distinct=False), parts)


def count_records(
    table: ir.Table,
    *,
    by: Sequence[str] = DEFAULT_BY,
    period: Period | None = "year",
    codes: Mapping[str, Sequence[str]] | None = None,
) -> ir.Table:
    """Count record-level rows by ``by`` (+ ``period``, + ``code_group`` when ``codes`` given).

    ``by`` names record columns or 'age_band'; the result has those columns, then 'period'
    and 'code_group' when asked for, then 'count', sorted by every key.
    """
    if isinstance(by, str):
        by = (by,)
    extra = [*(["period"] if period else []), *(["code_group"] if codes is not None else [])]
    keys = list(dict.fromkeys([*by, *extra]))
    known = {*table.columns, "age_band", "period", "code_group"}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InputError(
            f"by: {', '.join(map(repr, unknown))} not in the records; "
            f"expected some of {', '.join(sorted(known - {'period', 'code_group'}))}",
            field="by",
            values=unknown,
        )
    if "period" in keys and not period:
        raise InputError("by: 'period' needs period='year' or 'financial_year'", field="by")
    if "code_group" in keys and codes is None:
        raise InputError("by: 'code_group' needs codes={'name': ['prefix', ...]}", field="by")
    sources = {"age_band": "age", "period": "date", "code_group": "code"}
    absent = sorted({sources[k] for k in keys if k in sources} - set(table.columns))
    if absent:
        raise InputError(
            f"records: column {', '.join(map(repr, absent))} is needed for the grouping asked for",
            field=", ".join(absent),
        )
    # Group on integer keys (band lower age, period start year) and label only the counted
    # rows: building a label string for every record costs more than the counting itself.
    hidden = {"age_band": "_band_lower", "period": "_period_start"}
    derived: dict[str, ir.Value] = {}
    if "age_band" in keys:
        derived[hidden["age_band"]] = band_lower(table.age)
    if period:
        derived[hidden["period"]] = period_start(table.date, period)
    if derived:
        table = table.mutate(**derived)
    if codes is not None:
        table = with_code_groups(table, codes)
    group = [hidden[k] if hidden.get(k) in derived else k for k in keys]
    if not group:
        return table.aggregate(count=ibis._.count())
    counted = table.group_by(group).aggregate(count=ibis._.count())
    labels: dict[str, ir.Value] = {}
    if hidden["age_band"] in group:
        labels["age_band"] = band_label(counted[hidden["age_band"]])
    if period:
        labels["period"] = start_label(counted[hidden["period"]], period)
    return counted.mutate(**labels).order_by(group).select(*keys, "count")


def to_counts_layout(
    counts: pd.DataFrame, indicator_id: str, *, area_column: str = "lsoa_code"
) -> pd.DataFrame:
    """Counts from count_records in the warehouse `counts` layout (numerator = count).

    A missing sex is 'Persons', a missing age band 'All ages'; one breakdown column
    (ethnic_group or code_group) fills category_type and category. The denominator is left
    empty: populations supply it later.
    """
    needed = [c for c in (area_column, "period", "count") if c not in counts.columns]
    if needed:
        raise InputError(
            f"to_counts_layout: columns {', '.join(needed)} missing; count by area and period",
            field=", ".join(needed),
        )
    rest = [
        c for c in counts.columns if c not in (area_column, "period", "sex", "age_band", "count")
    ]
    if len(rest) > 1:
        raise InputError(
            f"to_counts_layout: one breakdown at a time; got {', '.join(rest)}",
            field=", ".join(rest),
        )
    n = len(counts)
    layout = pd.DataFrame(
        {
            "indicator_id": pd.Series([indicator_id] * n, dtype="str"),
            "area_code": counts[area_column].astype("str").to_numpy(),
            "period": counts["period"].astype("str").to_numpy(),
            "sex": _column_or(counts, "sex", "Persons"),
            "age_band": _column_or(counts, "age_band", "All ages"),
            "category_type": CATEGORY_TYPES.get(rest[0], rest[0]) if rest else "",
            "category": (
                counts[rest[0]].astype("string").fillna(NOT_KNOWN).astype("str").to_numpy()
                if rest
                else ""
            ),
            "numerator": counts["count"].astype("float64").to_numpy(),
            "denominator": float("nan"),
        }
    )
    return layout[COUNTS.column_names]


def _column_or(counts: pd.DataFrame, column: str, default: str) -> object:
    """A column's values as text, or one default value for every row when it is absent."""
    return counts[column].astype("str").to_numpy() if column in counts.columns else default


def _check_codes(codes: Mapping[str, Sequence[str]]) -> None:
    """Code groups need a name and at least one non-empty prefix each."""
    bad = [
        name
        for name, prefixes in codes.items()
        if not str(name).strip()
        or isinstance(prefixes, str)
        or not prefixes
        or not all(isinstance(p, str) and p.strip() for p in prefixes)
    ]
    if not codes or bad:
        raise InputError(
            f"codes: groups {', '.join(map(repr, bad))} need a list of code prefixes"
            if bad
            else "codes: give at least one group, such as {'cvd': ['I2', 'I6']}",
            field="codes",
            expected="{'group name': ['prefix', ...]}",
        )
