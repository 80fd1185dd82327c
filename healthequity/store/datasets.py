"""The datasets the warehouse holds: their columns, DuckDB types and the key that identifies a row.

A later batch replaces an earlier batch's row with the same key (a revised value), so a key is
what a source would revise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """One warehouse table: ordered columns with DuckDB types, and its key columns."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]
    description: str

    @property
    def column_names(self) -> list[str]:
        """The columns in table order (without the ``batch`` column the warehouse adds)."""
        return list(self.columns)


COUNTS = Dataset(
    name="counts",
    columns={
        "indicator_id": "VARCHAR",
        "area_code": "VARCHAR",
        "period": "VARCHAR",
        "sex": "VARCHAR",
        "age_band": "VARCHAR",
        "category_type": "VARCHAR",
        "category": "VARCHAR",
        "numerator": "DOUBLE",
        "denominator": "DOUBLE",
    },
    key=("indicator_id", "area_code", "period", "sex", "age_band", "category_type", "category"),
    description="Tidy counts: numerator and denominator by indicator, area, period, sex, age band",
)

FINGERTIPS = Dataset(
    name="fingertips",
    columns={
        "indicator_id": "VARCHAR",
        "indicator_name": "VARCHAR",
        "parent_code": "VARCHAR",
        "parent_name": "VARCHAR",
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "area_type": "VARCHAR",
        "sex": "VARCHAR",
        "age": "VARCHAR",
        "category_type": "VARCHAR",
        "category": "VARCHAR",
        "time_period": "VARCHAR",
        "value": "DOUBLE",
        "lower_95": "DOUBLE",
        "upper_95": "DOUBLE",
        "lower_99_8": "DOUBLE",
        "upper_99_8": "DOUBLE",
        "count": "DOUBLE",
        "denominator": "DOUBLE",
        "value_note": "VARCHAR",
        "recent_trend": "VARCHAR",
        "compared_to_england": "VARCHAR",
        "compared_to_percentiles": "VARCHAR",
        "time_period_sortable": "VARCHAR",
        "new_data": "VARCHAR",
        "compared_to_goal": "VARCHAR",
        "time_period_range": "VARCHAR",
    },
    key=("indicator_id", "area_code", "sex", "age", "category_type", "category", "time_period"),
    description="Published indicator values in Fingertips' layout (taken as published)",
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (COUNTS, FINGERTIPS)}
