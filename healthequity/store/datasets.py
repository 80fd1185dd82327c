"""The datasets the warehouse holds: their columns, DuckDB types and the key that identifies a row.

A later batch replaces an earlier batch's row with the same key (a revised value), so a key is
what a source would revise. Columns added after a dataset's first layout are ``optional``:
nullable, left out by a batch that has no values for them (stored as NULL), and added to the
table of a warehouse created before them when it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dataset:
    """One warehouse table: ordered columns with DuckDB types, its key, and optional columns."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]
    description: str
    optional: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """The columns every batch must have, in table order (without ``batch``)."""
        return list(self.columns)

    @property
    def table_columns(self) -> dict[str, str]:
        """Every column of the table with its DuckDB type: the required, then the optional."""
        return {**self.columns, **self.optional}


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
    # sd: the standard deviation of the values a mean indicator's row sums (NULL for other rows)
    optional={"sd": "DOUBLE"},
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
