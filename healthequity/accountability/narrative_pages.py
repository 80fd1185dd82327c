"""The narrative pages of the tracker: the reporting years (/tracker/narrative) and one year's
challenges, successes and learning with the form to save them (/tracker/narrative/{year}).

Anyone may read; admins and editors may save. A stale form shows the conflict and keeps the
user's text; bad input names the field and keeps it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from healthequity.accountability import audit, serialise
from healthequity.accountability import narrative as store
from healthequity.accountability.errors import Conflict
from healthequity.accountability.form_support import (
    Problem,
    problem_values,
    save_or_show,
    status_of,
)
from healthequity.accountability.page_support import (
    PREFIX,
    PageRoute,
    field,
    render,
    tracker,
    transaction,
    version_field,
)
from healthequity.auth.errors import NotSignedIn
from healthequity.auth.models import Role
from healthequity.auth.permissions import Actor
from healthequity.errors import InputError

router = APIRouter(prefix=f"{PREFIX}/narrative", route_class=PageRoute, include_in_schema=False)
#: Section key -> (heading, hint shown under it).
SECTION_TEXT = {
    "challenges": ("Challenges", "What made progress harder this year."),
    "successes": ("Successes", "What the programme and its partners achieved."),
    "learning": ("Learning", "What the programme will do differently as a result."),
}


def _time(value: dt.datetime) -> str:
    """An ISO time in UTC (SQLite gives naive times back)."""
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def _can_write(actor: Actor | None) -> bool:
    return actor is not None and actor.role is not Role.VIEWER


@router.get("", response_class=HTMLResponse)
def years(request: Request) -> Response:
    """The reporting years with a narrative, and this year and last year to start one."""
    this_year = tracker(request).today().year
    with transaction(request) as (session, actor):
        stored = {n.year: n for n in store.list_narratives(session)}
        rows = []
        for year in sorted(set(stored) | {this_year, this_year - 1}, reverse=True):
            found = stored.get(year)
            rows.append({
                "year": year,
                "written": [SECTION_TEXT[s][0] for s, t in found.texts().items() if t]
                if found else [],
                "updated_by": found.updated_by if found else None,
                "updated_at": _time(found.updated_at) if found else None,
            })  # fmt: skip
        values = {"title": "Narrative", "years": rows, "can_write": _can_write(actor)}
        return render(request, "tracker/narratives.html", values, actor=actor)


def _year_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    year: int,
    *,
    entered: dict[str, str] | None = None,
    error: InputError | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = store.get_narrative(session, year)
    saved = found.texts() if found else dict.fromkeys(store.SECTIONS, "")
    form: dict[str, Any] = {**saved, **(entered or {}), "version": found.version if found else 0}
    history = (
        [serialise.audit_entry(e) for e in audit.entries(session, entity=store.ENTITY,
                                                         entity_id=found.id, limit=100)]
        if found else []
    )  # fmt: skip
    values = {
        "title": f"Narrative {year}",
        "year": year,
        "narrative": found,
        "saved": saved,
        "updated_at": _time(found.updated_at) if found else None,
        "sections": [(s, *SECTION_TEXT[s]) for s in store.SECTIONS],
        "form": form,
        "history": history,
        "can_write": _can_write(actor),
        "error": error,
        "conflict": conflict,
        "posted": request.query_params.get("saved") == "1",
    }
    return render(request, "tracker/narrative.html", values, actor=actor, status=status)


@router.get("/{year}", response_class=HTMLResponse)
def year_page(request: Request, year: str) -> Response:
    """One year's narrative, its change history and (for editors and admins) the form."""
    number = store.reporting_year(year)
    with transaction(request) as (session, actor):
        return _year_page(request, session, actor, number)


@router.post("/{year}", response_class=HTMLResponse)
def save(request: Request, year: str) -> Response:
    """Save the year's three texts on the version the form was opened on."""
    number = store.reporting_year(year)
    entered = {s: field(request, s) for s in store.SECTIONS}

    def save_texts(session: Session, actor: Actor | None) -> str:
        if actor is None:
            raise NotSignedIn(f"sign in to write the narrative of {number}")
        store.save_narrative(session, actor, number, **entered, version=version_field(request))
        return f"{PREFIX}/narrative/{number}?saved=1"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _year_page(request, session, actor, number, entered=entered,
                          status=status_of(problem), **problem_values(problem))  # fmt: skip

    return save_or_show(request, save_texts, show)
