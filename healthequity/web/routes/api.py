"""The JSON API (described by OpenAPI at /openapi.json, browsable at /docs): indicators, their
data (filters, pages, JSON or CSV), areas, verdicts, boundaries and the build's provenance."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from healthequity.charts import records
from healthequity.geography.boundaries import boundaries
from healthequity.indicators.principles import principle as principle_named
from healthequity.web.data import BuildView
from healthequity.web.errors import ApiError
from healthequity.web.routes import view

router = APIRouter(prefix="/api", tags=["api"])
Data = Annotated[BuildView, Depends(view)]

DATA_COLUMNS = [
    "indicator_id",
    "area_code",
    "area_name",
    "area_type",
    "parent_code",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "count",
    "denominator",
    "value_note",
    "compared_to_england",
    "compared_to_city",
    "recent_trend",
    "source",
    "data_version",
]
NO_BREAKDOWN = "none"
MAX_PAGE_SIZE = 10_000


def _check(field: str, value: str | None, allowed: list[str]) -> None:
    if value is not None and value not in allowed:
        shown = ", ".join(repr(a) for a in allowed[:12]) + (" ..." if len(allowed) > 12 else "")
        raise ApiError(422, f"{field}: {value!r} is not one of {shown}", field=field)


def _allowed(data: BuildView, indicator_id: str) -> dict[str, list[str]]:
    """Each filter's allowed values for an indicator (memoised per build)."""
    key = ("filters", indicator_id)
    if key not in data.memo:
        rows = data.by_indicator[indicator_id]
        types = sorted({str(t) for t in rows["category_type"].fillna("").unique() if t})
        data.memo[key] = {
            "area_type": sorted(map(str, rows["area_type"].unique())),
            "area": sorted(map(str, rows["area_code"].unique())),
            "period": [
                str(p) for p in rows.drop_duplicates("period").sort_values("period_start")["period"]
            ],
            "breakdown": [NO_BREAKDOWN, *types],
            "sex": sorted(map(str, rows["sex"].unique())),
        }
    return data.memo[key]  # type: ignore[return-value]


@router.get("/build")
def build_info(data: Data) -> dict[str, Any]:
    """The build the figures come from: id, time, data version, synthetic rows."""
    return {"provenance": data.provenance.as_dict()}


@router.get("/indicators")
def indicators(
    data: Data, principle: Annotated[int | None, Query(ge=1, le=8)] = None
) -> dict[str, Any]:
    """Every indicator in the build, with its principle, unit, polarity and periods, and what
    changed since the previous build: ``new_data`` (a new period), ``new_periods``,
    ``new_rows``, ``revised_rows``, ``removed_rows``, ``changed`` (null until known)."""
    frame = data.indicators
    if principle is not None:
        frame = frame[frame["principle"] == principle]
    cols = [
        "indicator_id",
        "indicator_name",
        "principle",
        "unit",
        "polarity",
        "value_type",
        "sex",
        "periods",
        "latest_period",
        "sources",
        "definition",
        "data_source",
    ]
    rows = records(frame, cols)
    for row in rows:
        row["principle_title"] = principle_named(int(row["principle"])).title
        row["data_url"] = f"/api/indicators/{row['indicator_id']}/data"
        row.update(data.new_data.flags(str(row["indicator_id"])))
    return {
        "provenance": data.provenance.as_dict(),
        "new_data_status": data.new_data.status,
        "compared_with_build": data.new_data.previous_build_id,
        "count": len(rows),
        "indicators": rows,
    }


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


@router.get(
    "/indicators/{indicator_id}/data",
    responses={200: {"content": {"text/csv": {}}}, 404: {}, 422: {}},
)
def indicator_values(
    request: Request,
    indicator_id: str,
    data: Data,
    area_type: Annotated[
        str | None, Query(description="e.g. England, Local authority, Ward")
    ] = None,
    area: Annotated[str | None, Query(description="An area's GSS code")] = None,
    period: Annotated[str | None, Query(description="A time period, e.g. 2021-23")] = None,
    breakdown: Annotated[
        str | None, Query(description="A category type, or 'none' for rows with no breakdown")
    ] = None,
    sex: Annotated[str | None, Query(description="Persons, Male or Female")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Response:
    """The indicator's published figures (after disclosure control), filtered and paged.

    JSON by default; CSV with ``?format=csv`` or ``Accept: text/csv``. Pages hold 100 rows in
    JSON; CSV holds every matching row unless ``page_size`` is given.
    """
    if indicator_id not in data.by_indicator:
        raise ApiError(404, f"no indicator {indicator_id!r} in this build", field="indicator_id")
    rows = data.by_indicator[indicator_id]
    allowed = _allowed(data, indicator_id)
    _check("area_type", area_type, allowed["area_type"])
    _check("area", area, allowed["area"])
    _check("period", period, allowed["period"])
    _check("breakdown", breakdown, allowed["breakdown"])
    _check("sex", sex, allowed["sex"])
    mask = pd.Series(True, index=rows.index)
    if area_type is not None:
        mask &= rows["area_type"] == area_type
    if area is not None:
        mask &= rows["area_code"] == area
    if period is not None:
        mask &= rows["period"] == period
    if breakdown is not None:
        mask &= rows["category_type"].fillna("") == ("" if breakdown == NO_BREAKDOWN else breakdown)
    if sex is not None:
        mask &= rows["sex"] == sex
    hits = rows[mask]
    csv = _wants_csv(request, format)
    size = page_size or (len(hits) or 1 if csv else 100)
    pages = max(1, -(-len(hits) // size))
    if page > pages:
        raise ApiError(422, f"page: {page} is past the last page ({pages})", field="page")
    part = hits.iloc[(page - 1) * size : page * size].reindex(columns=DATA_COLUMNS)
    headers = {"X-Total-Count": str(len(hits)), "X-Build-Id": str(data.provenance.build_id)}
    if csv:
        buffer = io.StringIO()
        part.to_csv(buffer, index=False)
        headers["Content-Disposition"] = f'attachment; filename="{indicator_id}.csv"'
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    body = {
        "provenance": data.provenance.as_dict(),
        "indicator_id": indicator_id,
        "total": len(hits),
        "page": page,
        "page_size": size,
        "pages": pages,
        "next": (str(request.url.include_query_params(page=page + 1)) if page < pages else None),
        "rows": records(part, DATA_COLUMNS),
    }
    return JSONResponse(body, headers=headers)


@router.get("/areas")
def areas(
    data: Data,
    area_type: Annotated[str | None, Query(description="e.g. Ward, MSOA, LSOA")] = None,
) -> dict[str, Any]:
    """Every area with figures in the build (code, name, type, parent, indicators)."""
    frame = data.areas
    _check("area_type", area_type, sorted(set(frame["area_type"])))
    if area_type is not None:
        frame = frame[frame["area_type"] == area_type]
    rows = records(frame)
    return {"provenance": data.provenance.as_dict(), "count": len(rows), "areas": rows}


@router.get("/verdicts")
def verdicts(
    data: Data,
    indicator: Annotated[str | None, Query(description="An indicator id")] = None,
) -> dict[str, Any]:
    """'Are the poorest improving fastest?' for each indicator, with rates and evidence."""
    frame = data.verdicts
    _check("indicator", indicator, sorted(data.by_indicator))
    if indicator is not None:
        frame = frame[frame["indicator_id"] == indicator]
    rows = records(frame)
    return {"provenance": data.provenance.as_dict(), "count": len(rows), "verdicts": rows}


@router.get("/boundaries/ward")
def ward_boundaries() -> Response:
    """The shipped ward boundaries (GeoJSON, WGS84) the ward map draws."""
    import json

    return Response(
        json.dumps(boundaries("ward")),
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )
