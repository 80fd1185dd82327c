"""The inequalities page: 'are the poorest improving fastest?' across indicators, with evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from healthequity.indicators.headline import VERDICTS
from healthequity.web.data import BuildView
from healthequity.web.routes import view
from healthequity.web.templating import render

router = APIRouter()


@router.get("/inequalities", response_class=HTMLResponse, include_in_schema=False)
def inequalities_page(request: Request, data: Annotated[BuildView, Depends(view)]) -> HTMLResponse:
    """Each indicator's verdict for the city, with its rates of improvement and evidence."""
    v = data.verdicts[data.verdicts["area_code"] == data.city_code]
    order = data.indicators[["indicator_id"]].reset_index(names="_o")
    v = v.merge(order, on="indicator_id").sort_values(["_o", "sex"])
    counts = {k: int((v["verdict"] == k).sum()) for k in VERDICTS}
    context = {
        "title": "Inequalities",
        "nav": "inequalities",
        "verdicts": v.to_dict("records"),
        "counts": counts,
    }
    return render(request, "inequalities.html", context)
