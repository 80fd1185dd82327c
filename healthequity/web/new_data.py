"""'New data' flags for the dashboard: what changed in the published figures since the previous
build (new periods, new rows, revised values, removed rows), from
``healthequity.indicators.changes.compare_builds`` on the two builds' publishable tables.

Both sides are the tables after disclosure control, so a flag never tells more than the
published figures do (a suppressed value that moved is not reported as revised).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthequity.indicators.changes import NEW_PERIOD, NEW_ROW, REMOVED, REVISED, compare_builds

FIRST, PENDING, READY, FAILED = "first build", "pending", "ready", "failed"
ROW_COLUMNS = [
    "indicator_id",
    "area_code",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "change",
    "value",
    "value_previous",
]
STATUS_TEXT = {
    FIRST: "This is the first build: there is no earlier build to compare with.",
    PENDING: "Still working out what changed since the previous build.",
    READY: "Compared with build {previous}.",
    FAILED: "What changed since build {previous} could not be worked out: {message}",
}


@dataclass
class NewData:
    """What changed since ``previous_build_id``: per indicator (``indicators``) and per changed
    row (``rows``); ``status`` says whether the comparison is done."""

    status: str
    previous_build_id: int | None = None
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""

    @property
    def ready(self) -> bool:
        """Whether the flags are known."""
        return self.status == READY

    def describe(self) -> str:
        """The status in words, for pages and the API."""
        return STATUS_TEXT[self.status].format(
            previous=self.previous_build_id, message=self.message
        )

    def flags(self, indicator_id: str) -> dict[str, Any]:
        """The API's and the pages' fields for one indicator: ``new_data`` (a new period),
        ``new_periods``, ``new_rows``, ``revised_rows``, ``removed_rows`` and ``changed``; all
        None until the comparison is ready (and on the first build)."""
        empty: dict[str, Any] = {
            "new_data": None,
            "new_periods": [],
            "new_rows": None,
            "revised_rows": None,
            "removed_rows": None,
            "changed": None,
        }
        if not self.ready:
            return empty
        hit = self.indicators[self.indicators["indicator_id"] == indicator_id]
        if hit.empty:
            return {**empty, "new_data": False, "changed": False, "new_rows": 0}
        row = hit.iloc[0]
        periods = [p for p in str(row["new_periods"]).split(", ") if p]
        return {
            "new_data": bool(row["new_data"]),
            "new_periods": periods,
            "new_rows": int(row["new_period_rows"]) + int(row["new_row_rows"]),
            "revised_rows": int(row["revised_rows"]),
            "removed_rows": int(row["removed_rows"]),
            "changed": bool(row["changed"]),
        }


def pending(previous_build_id: int) -> NewData:
    """The comparison with ``previous_build_id`` is under way."""
    return NewData(PENDING, previous_build_id)


def first_build() -> NewData:
    """No earlier build."""
    return NewData(FIRST)


def failed(previous_build_id: int, error: BaseException) -> NewData:
    """The comparison could not be made (the pages say why; the rest of the dashboard works)."""
    return NewData(FAILED, previous_build_id, message=str(error) or type(error).__name__)


def compare(previous: pd.DataFrame, current: pd.DataFrame, previous_build_id: int) -> NewData:
    """Flags between two publishable indicator tables; only changed rows are kept."""
    changes = compare_builds(previous, current)
    flagged = changes.rows[changes.rows["change"].isin([NEW_PERIOD, NEW_ROW, REVISED, REMOVED])]
    rows = flagged.reindex(columns=ROW_COLUMNS).reset_index(drop=True)
    return NewData(READY, previous_build_id, changes.indicators, rows)
