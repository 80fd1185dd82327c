"""The social needs JSON API: the publications and indicators, and one indicator's published
rows (after disclosure control) by period and breakdown. Errors have the dashboard's one shape,
naming the field (period, indicator_id, breakdown)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request

from healthequity.charts.style import records
from healthequity.social_needs.aggregate import BREAKDOWNS
from healthequity.social_needs.indicators import social_needs_indicators
from healthequity.social_needs.publications import COLUMNS
from healthequity.social_needs.web_context import (
    HOW_TO_PUBLISH,
    check_breakdown,
    choose,
    place_name,
    publication,
    required,
    store_of,
)
from healthequity.social_needs.web_data import WarehouseBusy, breakdown_rows, indicator_info
from healthequity.web.errors import ApiError

router = APIRouter(prefix="/api/social-needs", tags=["social needs"])
#: Row columns of the indicator endpoint (what identifies the indicator is said once, above).
ROW_COLUMNS = tuple(
    c for c in COLUMNS if c not in ("indicator_id", "indicator_name", "principle", "period")
)
INFO_COLUMNS = (
    "indicator_id", "indicator_name", "principle", "kind", "domain", "domain_title",
    "coverage_indicator_id", "definition",
)  # fmt: skip


@router.get("")
def listing(request: Request) -> dict[str, Any]:
    """Published periods (newest active publication of each) and the indicators, with links."""
    try:
        listed = store_of(request).listing()
    except WarehouseBusy as err:
        raise ApiError(503, str(err)) from None
    pub = publication(request, None)
    info = indicator_info(pub.table) if pub is not None else _template_info()
    indicators = records(info, INFO_COLUMNS)
    for item in indicators:
        item["url"] = f"/api/social-needs/{item['indicator_id']}"
    stamps = pd.to_datetime(listed["published_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    periods = [
        {"period": str(p), "version": int(v), "published_at": str(t), "source_name": str(n)}
        for p, v, t, n in zip(
            listed["period"], listed["version"], stamps, listed["source_name"], strict=True
        )
    ]
    return {
        "place": place_name(pub) if pub is not None else None,
        "periods": periods,
        "latest_period": periods[-1]["period"] if periods else None,
        "synthetic": pub.synthetic if pub is not None else None,
        "breakdowns": list(BREAKDOWNS),
        "indicators": indicators,
        "note": None
        if periods
        else "nothing published yet: run `" + "` then `".join(HOW_TO_PUBLISH) + "`",
    }


@router.get("/{indicator_id}")
def indicator_rows(
    request: Request,
    indicator_id: str,
    period: Annotated[str | None, Query(description="Period (default: the latest)")] = None,
    breakdown: Annotated[
        str | None, Query(description=f"One of {', '.join(BREAKDOWNS)} (default: all)")
    ] = None,
) -> dict[str, Any]:
    """One indicator's published rows: counts after disclosure control, values with 95% (and
    99.8%) intervals, the note on suppressed values, and the coverage beside a prevalence."""
    pub = required(request, period)
    chosen = choose(pub, indicator_id)
    check_breakdown(breakdown)
    rows = breakdown_rows(pub.table, indicator_id, breakdown)
    indicator = {k: chosen.indicator.get(k) for k in INFO_COLUMNS}
    return {
        "indicator": records(pd.DataFrame([indicator]), INFO_COLUMNS)[0],
        "period": pub.period,
        "version": pub.version,
        "published_at": pub.published_at.isoformat(timespec="seconds"),
        "breakdown": breakdown,
        "synthetic": pub.synthetic,
        "rows": records(rows, ROW_COLUMNS),
    }


def _template_info() -> pd.DataFrame:
    """The indicators the template defines, when nothing is published yet."""
    frame = pd.DataFrame(
        [
            {"indicator_id": i.id, "indicator_name": i.name, "principle": i.principle,
             "coverage_indicator_id": i.coverage_id}
            for i in social_needs_indicators()
        ]
    )  # fmt: skip
    return indicator_info(frame)
