"""The overview: the indicator set grouped by the eight Marmot principles, filterable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from healthequity.indicators.principles import PRINCIPLES
from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.routes import view
from healthequity.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(
    request: Request,
    data: Annotated[BuildView, Depends(view)],
    principle: Annotated[str, Query(description="Marmot principle number, 1-8")] = "",
    q: Annotated[str, Query(description="Words in the indicator's name")] = "",
) -> HTMLResponse:
    """Each principle's indicators: city and England, significance, trend, gap, verdict."""
    rows = data.overview
    chosen: int | None = None
    if principle:
        if not principle.isdigit() or not 1 <= int(principle) <= 8:
            raise ApiError(
                422,
                f"principle: {principle!r} is not a Marmot principle (1 to 8)",
                field="principle",
            )
        chosen = int(principle)
        rows = rows[rows["principle"] == chosen]
    words = q.strip()
    if words:
        name = rows["indicator_name"].str.lower()
        for word in words.lower().split():
            rows = rows[name.loc[rows.index].str.contains(word, regex=False)]
    groups = [
        (p, _with_extras(data, rows[rows["principle"] == p.number].to_dict("records")))
        for p in PRINCIPLES
        if chosen is None or p.number == chosen
    ]
    context = {
        "title": "Overview",
        "nav": "overview",
        "groups": groups,
        "principles": PRINCIPLES,
        "chosen": chosen,
        "q": words,
        "shown": len(rows),
        "total": len(data.overview),
        "new_data": data.new_data,
        "new_count": sum(
            bool(data.new_data.flags(i)["new_data"]) for i in data.overview["indicator_id"]
        ),
    }
    return render(request, "overview.html", context)


def _with_extras(data: BuildView, rows: list[dict[Any, Any]]) -> list[dict[Any, Any]]:
    """Each overview row with its 'new data' flags and its rank among the Core Cities and the
    nearest neighbours (when the indicator has a published extract)."""
    ranks = data.comparator_summary
    for row in rows:
        row["flags"] = data.new_data.flags(str(row["indicator_id"]))
        mine = ranks[ranks["indicator_id"] == row["indicator_id"]]
        row["groups"] = {str(r["group_key"]): r for r in mine.to_dict("records")}
    return rows
