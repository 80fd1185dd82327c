"""The tidy indicator-value schema: Fingertips' CSV column names and our snake_case names.

One mapping, in Fingertips' column order, used by every Fingertips import and export so the two
can never drift apart. The snake_case names are the columns of the warehouse dataset
``fingertips`` (healthequity.store.datasets.FINGERTIPS), in the same order.
"""

from __future__ import annotations

import re

#: Fingertips CSV column name -> our column name, in the order Fingertips writes them.
FINGERTIPS_COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Parent Code": "parent_code",
    "Parent Name": "parent_name",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "time_period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95",
    "Upper CI 95.0 limit": "upper_95",
    "Lower CI 99.8 limit": "lower_99_8",
    "Upper CI 99.8 limit": "upper_99_8",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Recent Trend": "recent_trend",
    "Compared to England value or percentiles": "compared_to_england",
    "Compared to percentiles": "compared_to_percentiles",
    "Time period Sortable": "time_period_sortable",
    "New data": "new_data",
    "Compared to goal": "compared_to_goal",
    "Time period range": "time_period_range",
}

#: Our column name -> Fingertips CSV column name.
TIDY_TO_FINGERTIPS: dict[str, str] = {tidy: ft for ft, tidy in FINGERTIPS_COLUMNS.items()}

#: Our columns, in order.
TIDY_COLUMNS: tuple[str, ...] = tuple(FINGERTIPS_COLUMNS.values())

#: Columns holding numbers (everything else is text).
NUMERIC_COLUMNS: tuple[str, ...] = (
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "count",
    "denominator",
)

#: Fingertips columns a file must have; the others are filled with missing values if absent.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "Indicator ID",
    "Area Code",
    "Sex",
    "Age",
    "Time period",
    "Value",
)

#: Columns that identify a row (the warehouse key), in our names.
KEY_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "sex",
    "age",
    "category_type",
    "category",
    "time_period",
)

#: Fingertips names its sub-national comparison column after the parent area type
#: ("Compared to Region value or percentiles"); with England as parent it is
#: "Compared to percentiles". Any such heading is read as ``compared_to_percentiles``.
SUBNATIONAL_COMPARISON = re.compile(r"^Compared to (?!England\b).+ value or percentiles$")


def fingertips_name(heading: str) -> str:
    """The Fingertips column a file heading stands for (a parent-named comparison heading
    becomes 'Compared to percentiles'); other headings are returned stripped."""
    heading = heading.strip()
    if SUBNATIONAL_COMPARISON.match(heading):
        return "Compared to percentiles"
    return heading
