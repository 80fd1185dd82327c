"""Area pages: the list of wards, and a ward's profile (spine chart of every indicator)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from healthequity.charts import spine_chart
from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.routes import view
from healthequity.web.summaries import WARD
from healthequity.web.templating import render

router = APIRouter()


@router.get("/areas", response_class=HTMLResponse, include_in_schema=False)
def areas_page(request: Request, data: Annotated[BuildView, Depends(view)]) -> HTMLResponse:
    """Every ward, linking to its profile."""
    wards = data.areas[data.areas["area_type"] == WARD]
    context = {"title": "Areas", "nav": "areas", "wards": wards.to_dict("records")}
    return render(request, "areas.html", context)


@router.get("/areas/{area_code}", response_class=HTMLResponse, include_in_schema=False)
def area_page(
    request: Request, area_code: str, data: Annotated[BuildView, Depends(view)]
) -> HTMLResponse:
    """A ward's spine chart and table: each indicator against the city and England."""
    rows = data.ward_latest[data.ward_latest["area_code"] == area_code]
    if rows.empty:
        raise ApiError(404, f"no ward {area_code!r} in this build", field="area_code")
    name = str(rows["area_name"].iloc[0])
    key = ("spine", area_code)
    if key not in data.memo:
        data.memo[key] = json.dumps(
            spine_chart(rows, title=f"{name}: every indicator", comparator=data.provenance.place)
        ).replace("</", "<\\/")
    charts = [{"name": "spine", "title": "Spine chart", "spec": data.memo[key]}]
    context = {
        "title": name,
        "nav": "areas",
        "name": name,
        "code": area_code,
        "rows": rows.to_dict("records"),
        "charts": charts,
    }
    return render(request, "area.html", context)
