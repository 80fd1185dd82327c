"""The latest figures of the indicators a recommendation or action is measured by, taken from the
dashboard's current build (``app.state.cache``): the overview rows, which have already passed
disclosure control, so the tracker never shows a figure the dashboard would not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from healthequity.accountability.validation import catalogue
from healthequity.errors import HealthEquityError
from healthequity.web.data import Provenance

COLUMNS = (
    "indicator_name",
    "unit",
    "sex",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "value_note",
    "england",
    "compared_to_england",
    "recent_trend",
    "verdict",
    "reason",
    "source",
)


@dataclass
class IndicatorFigures:
    """Rows for the linked indicators (in the order asked), the build they come from, and why
    there are none when there is no build."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    provenance: Provenance | None = None
    unavailable: str | None = None


def _name(indicator_id: str) -> str:
    try:
        return str(catalogue().get(indicator_id).name)
    except HealthEquityError:
        return indicator_id


def linked_figures(request: Request, indicator_ids: Sequence[str]) -> IndicatorFigures:
    """The latest published figures of ``indicator_ids`` from the current build."""
    ids = list(dict.fromkeys(indicator_ids))
    if not ids:
        return IndicatorFigures()
    cache = getattr(request.app.state, "cache", None)
    try:
        if cache is None:
            raise HealthEquityError("no indicator build is available to this application")
        view = cache.current()
    except HealthEquityError as err:
        rows = [{"indicator_id": i, "indicator_name": _name(i), "in_build": False} for i in ids]
        return IndicatorFigures(rows, None, str(err))
    overview = view.overview
    found = overview[overview["indicator_id"].isin(ids)].set_index("indicator_id")
    rows = []
    for indicator_id in ids:
        if indicator_id in found.index:
            row = {c: found.at[indicator_id, c] for c in COLUMNS if c in found.columns}
            rows.append({"indicator_id": indicator_id, "in_build": True, **row})
        else:
            rows.append(
                {
                    "indicator_id": indicator_id,
                    "indicator_name": _name(indicator_id),
                    "in_build": False,
                }
            )
    return IndicatorFigures(rows, view.provenance, None)
