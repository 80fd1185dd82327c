"""The evaluations pages (the saved evaluations, one page each: estimates, charts, what they mean,
caveats), their files, and their JSON API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from healthequity.charts import records
from healthequity.web.errors import ApiError
from healthequity.web.evaluations import load, results_folder, saved
from healthequity.web.templating import render

router = APIRouter()
RESULT_COLUMNS = [
    "estimator",
    "estimate",
    "std_error",
    "lower",
    "upper",
    "p_value",
    "n_intervention_areas",
    "n_comparison_areas",
    "n_periods",
]
MEDIA = {".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8",
         ".svg": "image/svg+xml", ".json": "application/json"}  # fmt: skip


def _folder(request: Request) -> Path:
    return Path(request.app.state.settings.evaluations_path)


@router.get("/evaluations", response_class=HTMLResponse, include_in_schema=False)
def evaluations_page(request: Request) -> HTMLResponse:
    """Every saved evaluation, with its headline estimate."""
    folder = _folder(request)
    context = {
        "title": "Evaluations",
        "nav": "evaluations",
        "hide_provenance": True,
        "evaluations": saved(folder),
        "folder": _shown_folder(folder, Path(request.app.state.settings.place_folder)),
    }
    return render(request, "evaluations.html", context)


def _shown_folder(folder: Path, place: Path) -> str:
    """The evaluations folder as a public page may show it: from the place folder's name, never
    the server's absolute path."""
    try:
        return str(Path(place.name) / folder.relative_to(place))
    except ValueError:
        return folder.name


@router.get("/evaluations/{name}", response_class=HTMLResponse, include_in_schema=False)
def evaluation_page(request: Request, name: str) -> HTMLResponse:
    """One evaluation: its estimates, charts, interpretation and caveats."""
    found = load(_folder(request), name)
    manifest = found["manifest"]
    tables = found["tables"]
    charts = [{**c, "spec": json.dumps(c["spec"]).replace("</", "<\\/")} for c in found["charts"]]
    files = {k: v for k, v in manifest["files"].items() if isinstance(v, str)}
    context = {
        "title": str(manifest["name"]),
        "nav": "evaluations",
        "hide_provenance": True,
        "name": name,
        "m": manifest,
        "results": records(tables["results"].reindex(columns=RESULT_COLUMNS)),
        "event_study": records(tables["event_study"]) if "event_study" in tables else [],
        "balance": records(tables["balance"]) if "balance" in tables else [],
        "charts": charts,
        "files": files,
    }
    return render(request, "evaluation.html", context)


@router.get("/evaluations/{name}/files/{file_name}", include_in_schema=False)
def evaluation_file(request: Request, name: str, file_name: str) -> FileResponse:
    """A file of the results folder that its manifest lists (tables and the report)."""
    folder = results_folder(_folder(request), name)
    listed = load(_folder(request), name)["manifest"]["files"]
    if file_name not in {v for v in listed.values() if isinstance(v, str)}:
        raise ApiError(404, f"no file {file_name!r} in evaluation {name!r}", field="file_name")
    path = folder / file_name
    return FileResponse(
        path,
        media_type=MEDIA.get(path.suffix, "application/octet-stream"),
        filename=f"{name}_{file_name}",
    )


@router.get("/api/evaluations", tags=["evaluations"])
def evaluations_api(request: Request) -> dict[str, Any]:
    """The saved evaluations: name, title, outcome, headline estimate, and a page URL."""
    rows = [e.as_dict() for e in saved(_folder(request))]
    return {"count": len(rows), "evaluations": rows}


@router.get("/api/evaluations/{name}", tags=["evaluations"])
def evaluation_api(request: Request, name: str) -> dict[str, Any]:
    """One saved evaluation: its manifest (design, headline, pre-trend test, interpretation,
    caveats) and its results table."""
    found = load(_folder(request), name)
    return {
        "name": name,
        "manifest": found["manifest"],
        "results": records(found["tables"]["results"]),
    }
