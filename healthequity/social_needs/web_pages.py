"""The social needs pages (/social-needs and one per indicator), their charts as files, and the
stored publication as CSV or Excel. Every figure is a stored publication's: it passed
disclosure control, so a suppressed count is shown as the disclosure note, never a number."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from healthequity.disclosure import DisclosureRules
from healthequity.social_needs.publications import Publication
from healthequity.social_needs.publish import write_table
from healthequity.social_needs.web_context import (
    HOW_TO_PUBLISH,
    HOW_TO_TRY,
    check_breakdown,
    choose,
    deprivation_spec,
    embedded,
    indicator_spec,
    place_name,
    publication,
    required,
    store_of,
)
from healthequity.social_needs.web_data import (
    DEFAULT_BREAKDOWN,
    PAGE_BREAKDOWNS,
    breakdown_rows,
    domain_rows,
    indicator_info,
    over_time,
    overall,
)
from healthequity.web.export import render_chart
from healthequity.web.templating import render

router = APIRouter(include_in_schema=False)
Period = Annotated[str | None, Query(description="Period (default: the latest published)")]
Breakdown = Annotated[str | None, Query(description="One of the breakdowns (e.g. Ward)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAV = "social_needs"
TITLE = "Social needs recorded in primary care"


@router.get("/social-needs", response_class=HTMLResponse)
def index(request: Request, period: Period = None) -> HTMLResponse:
    """Overall coverage, each need's coverage and recorded prevalence, the deprivation chart."""
    pub = publication(request, period)
    if pub is None:
        return _empty(request)
    info = indicator_info(pub.table)
    spec = deprivation_spec(pub)
    context = {
        **_common(request, pub),
        "title": TITLE,
        "overall": overall(pub.table, info),
        "domains": domain_rows(pub.table, info).to_dict("records"),
        "indicators": info.to_dict("records"),
        "charts": [{"name": "deprivation", "spec": embedded(spec),
                    "description": spec["description"], "title": spec["title"]}],
    }  # fmt: skip
    return render(request, "social_needs/index.html", context)


@router.get("/social-needs/download.{fmt}")
def download(request: Request, fmt: Literal["csv", "xlsx"], period: Period = None) -> Response:
    """The stored publication (after disclosure control) as CSV or Excel."""
    pub = required(request, period)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_table(pub.table, Path(tmp) / f"download.{fmt}")
        body = path.read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return _attachment(body, media, f"social_needs_{_slug(pub.period)}_v{pub.version}.{fmt}")


@router.get("/social-needs/charts/deprivation.{fmt}")
def deprivation_file(
    request: Request, fmt: Literal["json", "svg", "png"], period: Period = None
) -> Response:
    """The deprivation chart as its Vega-Lite spec (json) or drawn (svg, png)."""
    pub = required(request, period)
    return _chart(deprivation_spec(pub), fmt, f"social_needs_deprivation_{_slug(pub.period)}")


@router.get("/social-needs/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request, indicator_id: str, period: Period = None, breakdown: Breakdown = None
) -> HTMLResponse:
    """One indicator by a chosen breakdown: place total, chart, table with notes and coverage."""
    pub = publication(request, period)
    if pub is None:
        return _empty(request)
    chosen = choose(pub, indicator_id)
    check_breakdown(breakdown)
    shown = breakdown or DEFAULT_BREAKDOWN
    rows = breakdown_rows(pub.table, indicator_id, shown)
    total = breakdown_rows(pub.table, indicator_id, "Total")
    spec = indicator_spec(chosen, shown)
    ind = chosen.indicator
    coverage = None
    if ind["coverage_indicator_id"] is not None:
        coverage = chosen.info.set_index("indicator_id").loc[ind["coverage_indicator_id"]]
    context = {
        **_common(request, pub),
        "title": str(ind["indicator_name"]),
        "ind": ind,
        "coverage": None if coverage is None else coverage.to_dict(),
        "breakdown": shown,
        "breakdowns": PAGE_BREAKDOWNS,
        "total": total.iloc[0].to_dict() if len(total) else None,
        "rows": rows.to_dict("records"),
        "over_time": over_time(store_of(request), indicator_id),
        "charts": [{"name": "breakdown", "spec": embedded(spec),
                    "description": spec["description"], "title": _chart_title(ind, shown)}],
    }  # fmt: skip
    return render(request, "social_needs/indicator.html", context)


@router.get("/social-needs/{indicator_id}/chart.{fmt}")
def indicator_chart(
    request: Request,
    indicator_id: str,
    fmt: Literal["json", "svg", "png"],
    period: Period = None,
    breakdown: Breakdown = None,
) -> Response:
    """One indicator's chart by a breakdown as its Vega-Lite spec (json) or drawn (svg, png)."""
    pub = required(request, period)
    chosen = choose(pub, indicator_id)
    check_breakdown(breakdown)
    shown = breakdown or DEFAULT_BREAKDOWN
    name = f"{indicator_id}_{_slug(shown)}_{_slug(pub.period)}"
    return _chart(indicator_spec(chosen, shown), fmt, name)


def _chart_title(ind: dict[str, object], breakdown: str) -> str:
    """The indicator page's chart heading (the page's own heading names the indicator)."""
    beside = ", with the coverage of its domain" if ind["kind"] == "prevalence" else ""
    return f"By {breakdown.lower()}{beside}"


def _common(request: Request, pub: Publication) -> dict[str, object]:
    """What every page of a publication shows: period choice, provenance, synthetic label."""
    return {
        "nav": NAV,
        "hide_provenance": True,
        "pub": pub,
        "period": pub.period,
        "periods": list(reversed(store_of(request).periods())),
        "place": place_name(pub),
        "synthetic": pub.synthetic,
        "source": str(pub.table["source"].iloc[0]) if len(pub.table) else "",
        "disclosure_note": DisclosureRules().note_text,
    }


def _empty(request: Request) -> HTMLResponse:
    """Nothing published yet: how to publish (status 200). The commands name the place folder
    by its name only: a public page does not show the server's paths."""
    name = Path(request.app.state.settings.place_folder).name
    commands = [c.replace("PLACE", name) for c in HOW_TO_PUBLISH]
    trial = [c.replace("PLACE", name) for c in HOW_TO_TRY]
    context = {"title": TITLE, "nav": NAV, "hide_provenance": True, "commands": commands,
               "trial": trial, "charts": []}  # fmt: skip
    return render(request, "social_needs/empty.html", context)


def _chart(spec: dict[str, object], fmt: str, name: str) -> Response:
    if fmt == "json":
        return JSONResponse(spec)
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return _attachment(render_chart(spec, fmt), media, f"{name}.{fmt}")


def _attachment(body: bytes, media: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _slug(text: str) -> str:
    """A period or breakdown as a file-name part: '2024/25' -> '2024-25'."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
