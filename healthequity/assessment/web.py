"""``register(app)``: the assessment's API and pages added to the dashboard app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from healthequity.assessment.page_context import Context
from healthequity.auth.sessions import SessionSigner
from healthequity.store.database import Database, database_url


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
