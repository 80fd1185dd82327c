"""The JSON API of the deeper analytics: what changed since the previous build, an indicator's
comparator groups and its SPC (XmR) series; all from published figures."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query

from healthequity.charts import records
from healthequity.web.comparators import COLUMNS as COMPARATOR_COLUMNS
from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.indicator_data import indicator_data
from healthequity.web.indicator_extras import indicator_extras
from healthequity.web.new_data import ROW_COLUMNS
from healthequity.web.routes import view

router = APIRouter(prefix="/api", tags=["api"])
Data = Annotated[BuildView, Depends(view)]
MAX_ROWS = 5_000
SUMMARY_COLUMNS = [
    "indicator_id",
    "new_data",
    "new_periods",
    "new_period_rows",
    "new_row_rows",
    "revised_rows",
    "removed_rows",
    "unchanged_rows",
    "changed",
]


@router.get("/changes")
def changes(
    data: Data,
    indicator: Annotated[
        str | None, Query(description="An indicator id: list its changed rows too")
    ] = None,
    all: Annotated[bool, Query(description="Also list indicators with no change")] = False,
) -> dict[str, Any]:
    """What changed in the published figures since the previous build, per indicator: new
    periods ('New data'), new rows, revised values, removed rows. ``status`` is 'ready',
    'pending' (still being worked out), 'first build' or 'failed' (with ``message``)."""
    new = data.new_data
    known = set(data.by_indicator)
    if new.ready:
        known |= set(new.indicators["indicator_id"])
    if indicator is not None and indicator not in known:
        raise ApiError(422, f"indicator: {indicator!r} is not in this build", field="indicator")
    body: dict[str, Any] = {
        "provenance": data.provenance.as_dict(),
        "status": new.status,
        "message": new.describe(),
        "compared_with_build": new.previous_build_id,
        "count": 0,
        "indicators": [],
    }
    if not new.ready:
        return body
    frame = new.indicators
    if not all:
        frame = frame[frame["changed"]]
    if indicator is not None:
        frame = frame[frame["indicator_id"] == indicator]
    summary = records(frame, SUMMARY_COLUMNS)
    for row in summary:
        row["new_periods"] = [p for p in str(row["new_periods"] or "").split(", ") if p]
    body.update(count=len(summary), indicators=summary)
    if indicator is not None:
        rows = new.rows[new.rows["indicator_id"] == indicator]
        body["rows_total"] = len(rows)
        body["rows"] = records(rows.head(MAX_ROWS), ROW_COLUMNS)
    return body


@router.get("/indicators/{indicator_id}/comparators")
def comparators(
    indicator_id: str,
    data: Data,
    sex: Annotated[str | None, Query(description="Persons, Male or Female")] = None,
) -> dict[str, Any]:
    """The city against the Core Cities and its nearest neighbours at the latest period, from
    OHID's published LA figures: each member's value, rank (1 = highest), the group average and
    the comparison with it. Empty for an indicator with no published extract."""
    ind = indicator_data(data, indicator_id, sex)
    groups = indicator_extras(data, ind).groups
    return {
        "provenance": data.provenance.as_dict(),
        "indicator_id": indicator_id,
        "groups": [
            {
                "group": g.key,
                "name": g.name,
                "note": g.note,
                "period": g.period,
                "sex": g.sex,
                "group_average": g.group_average,
                "england": g.england,
                "members": g.members,
                "city_rank": int(g.city["rank"]),
                "city_compared_to_group": g.city["compared_to_group"],
                "rows": records(pd.DataFrame(g.rows), COMPARATOR_COLUMNS),
            }
            for g in groups
        ],
    }


@router.get("/indicators/{indicator_id}/spc")
def spc(
    indicator_id: str,
    data: Data,
    sex: Annotated[str | None, Query(description="Persons, Male or Female")] = None,
) -> dict[str, Any]:
    """The XmR (Making Data Count) series of the city and its most deprived group: each
    point with the mean, limits and variation, and the variation and assurance icons."""
    ind = indicator_data(data, indicator_id, sex)
    series = indicator_extras(data, ind).spc
    return {
        "provenance": data.provenance.as_dict(),
        "indicator_id": indicator_id,
        "sex": ind.sex,
        "series": [
            {
                "series": s.name,
                "label": s.label,
                "variation_icon": s.variation,
                "variation": s.variation_text,
                "assurance_icon": s.assurance,
                "assurance": s.assurance_text,
                "points": s.spec["data"]["values"],
            }
            for s in series
        ],
    }
