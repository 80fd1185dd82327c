"""The indicator page (charts, table, definition, downloads) and its chart and file downloads."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.export import fingertips_csv, render_chart, workbook
from healthequity.web.indicator_data import CHARTS, chart_specs, indicator_data, table_rows
from healthequity.web.indicator_extras import EXTRA_CHARTS, indicator_extras
from healthequity.web.routes import view
from healthequity.web.spc_data import RULES
from healthequity.web.templating import render

router = APIRouter()
Sex = Annotated[str | None, Query(description="Persons, Male or Female (default: headline)")]
CHART_TITLES = {
    "trend": "Trend over time",
    "gradient": "By deprivation, with the slope index of inequality",
    "map": "Ward map",
    "caterpillar": "Wards ranked, with 95% confidence intervals",
}
ALL_CHARTS = (*CHARTS, *EXTRA_CHARTS)


def _embedded(spec: dict[str, object]) -> str:
    """A spec as JSON safe inside a <script> element."""
    return json.dumps(spec).replace("</", "<\\/")


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse, include_in_schema=False)
def indicator_page(
    request: Request,
    indicator_id: str,
    data: Annotated[BuildView, Depends(view)],
    sex: Sex = None,
    period: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Trend, gradient, map, caterpillar, data table, definition and downloads."""
    ind = indicator_data(data, indicator_id, sex)
    specs = chart_specs(data, ind)
    chosen, rows = table_rows(ind, period)
    summary = data.overview.set_index("indicator_id").loc[indicator_id].to_dict()
    ineq = data.inequality
    gaps = ineq[
        (ineq["indicator_id"] == indicator_id)
        & (ineq["area_code"] == data.city_code)
        & (ineq["sex"] == ind.sex)
        & (ineq["category_type"] == ind.deprivation)
    ]
    charts = [
        {
            "name": n,
            "title": CHART_TITLES[n],
            "spec": _embedded(specs[n]),
            "description": specs[n]["description"],
        }
        for n in CHARTS
        if n in specs
    ]
    extras = indicator_extras(data, ind)
    spc = [{"series": s, "spec": _embedded(s.spec)} for s in extras.spc]
    groups = [{"group": g, "spec": _embedded(g.spec)} for g in extras.groups]
    context = {
        "title": str(ind.meta["indicator_name"]),
        "nav": "overview",
        "meta": ind.meta,
        "sex": ind.sex,
        "sexes": ind.sexes,
        "period": chosen,
        "rows": rows.to_dict("records"),
        "summary": summary,
        "gaps": gaps.sort_values("period_start").to_dict("records"),
        "charts": charts,
        "spc": spc,
        "rules": RULES,
        "groups": groups,
        "flags": data.new_data.flags(indicator_id),
        "new_data": data.new_data,
        "deprivation": ind.deprivation,
        "synthetic_rows": int((ind.rows["source"] == "synthetic").sum()),
    }
    return render(request, "indicator.html", context)


@router.get("/indicators/{indicator_id}/charts/{name}.{fmt}", tags=["charts"])
def chart(
    indicator_id: str,
    name: str,
    fmt: Literal["json", "svg", "png"],
    data: Annotated[BuildView, Depends(view)],
    sex: Sex = None,
) -> Response:
    """A chart of the indicator page as its Vega-Lite spec (json) or drawn (svg, png)."""
    ind = indicator_data(data, indicator_id, sex)
    if name not in ALL_CHARTS:
        raise ApiError(
            404, f"no chart {name!r}; expected one of {', '.join(ALL_CHARTS)}", field="name"
        )
    if name in EXTRA_CHARTS:
        specs = indicator_extras(data, ind).specs()
    else:
        specs = chart_specs(data, ind, inline_map=fmt != "json")
    if name not in specs:
        raise ApiError(404, f"the {name} chart has no data for {indicator_id}", field="name")
    if fmt == "json":
        return JSONResponse(specs[name])
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    filename = f"{indicator_id}_{name}_{ind.sex.lower()}.{fmt}"
    return Response(
        render_chart(specs[name], fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/indicators/{indicator_id}/download.{fmt}", tags=["downloads"])
def download(
    indicator_id: str, fmt: Literal["csv", "xlsx"], data: Annotated[BuildView, Depends(view)]
) -> Response:
    """Every published row of the indicator: Fingertips-format CSV or Excel workbook."""
    if indicator_id not in data.by_indicator:
        raise ApiError(404, f"no indicator {indicator_id!r} in this build", field="indicator_id")
    rows = data.by_indicator[indicator_id]
    if fmt == "csv":
        body, media = fingertips_csv(rows), "text/csv; charset=utf-8"
    else:
        body = workbook(rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"{indicator_id}_build{data.provenance.build_id}.{fmt}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
