"""What the assessment's API and pages share: the database, the session signer, the clock, who
is signed in, and the evidence of the latest build; ``register(app)`` adds both routers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from healthequity.assessment import evidence as evidence_module
from healthequity.assessment import geo
from healthequity.assessment.models import Assessment
from healthequity.auth.sessions import (
    SessionSigner,
)
from healthequity.auth.signed_in import SignedIn
from healthequity.errors import HealthEquityError
from healthequity.store.database import Database, database_url

#: How many areas' evidence each build keeps ready (oldest dropped first).
MEMO_SIZE = 256


@dataclass
class Context(SignedIn):
    """The assessment's share of the app: ``app.state.assessment``."""

    today: Callable[[], dt.date]


def context(request: Request) -> Context:
    """The app's assessment context."""
    found: Context = request.app.state.assessment
    return found


def live_evidence(request: Request, a: Assessment) -> tuple[dict[str, Any] | None, str | None]:
    """The evidence of the latest build for the assessment's areas, or (None, why not)."""
    if not a.areas:
        return None, "Name the areas affected to see the evidence for them."
    cache = getattr(request.app.state, "cache", None)
    if cache is None:
        return None, "No indicator build is available to this application."
    try:
        view = cache.current()
    except HealthEquityError as err:
        return None, str(err)
    codes = tuple(sorted(x.area_code for x in a.areas))
    principles = tuple(sorted(a.principles or []))
    memo = view.memo.setdefault("assessment_evidence", {})  # per build: never stale
    key = (codes, principles)
    found = memo.get(key)
    if found is None:
        areas = [geo.Area(x.area_code, x.area_type, x.area_name, x.source) for x in a.areas]
        found = evidence_module.evidence_for(
            view.table,
            areas,
            city_code=view.city_code,
            principles=list(principles),
            build_id=view.provenance.build_id,
            place=view.provenance.place,
        )
        if len(memo) >= MEMO_SIZE:
            memo.pop(next(iter(memo)))
        memo[key] = found
    return found, None


def shown_evidence(request: Request, a: Assessment) -> tuple[dict[str, Any] | None, str | None]:
    """The evidence frozen at submission, else the live evidence."""
    if a.evidence_json:
        from healthequity.assessment.serialise import evidence

        return evidence(a), None
    return live_evidence(request, a)


def register(
    app: FastAPI,
    database: Database | None = None,
    *,
    secret: str | None = None,
    today: Callable[[], dt.date] = dt.date.today,
) -> None:
    """Add the assessment API and pages to ``app`` (see ``healthequity.assessment.register``).

    The database is the tracker's when the tracker is registered (one store, one sign-in),
    else the place's; the session key is the tracker's too (``session_secret``), so signing in
    on either part signs in on both."""
    from healthequity.accountability.secret import session_secret
    from healthequity.assessment.api import router as api_router
    from healthequity.assessment.pages import router as pages_router
    from healthequity.web.templating import add_menu_item

    folder = Path(app.state.settings.place_folder)
    if database is None:
        tracker = getattr(app.state, "tracker", None)
        database = getattr(tracker, "database", None)
    if database is None:
        database = Database.from_url(database_url(folder))
        database.upgrade()
    signer = SessionSigner(secret or session_secret(folder))
    app.state.assessment = Context(database, signer, today)
    add_menu_item("/assessments", "Impact assessments", "assessments")
    app.include_router(api_router)
    app.include_router(pages_router)
