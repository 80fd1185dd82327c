"""The tracker in the dashboard: ``register(app)`` opens the place's application database
(migrated to the newest schema), and adds the JSON API under /api/tracker and the pages under
/tracker, rendered with the dashboard's Jinja environment and base template.

The database is $HEALTHEQUITY_DATABASE_URL, else ``healthequity.sqlite`` in the place folder.
Session cookies are signed with $HEALTHEQUITY_SECRET_KEY (set it in a deployment: at least 32
random characters); without it a key is generated once and kept in the place folder
(``session_secret.key``, readable by its owner only), which suits a local or demo install.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from healthequity.accountability.api import tracker_router
from healthequity.accountability.page_support import TrackerContext
from healthequity.accountability.secret import session_secret
from healthequity.auth.ratelimit import DEFAULT_LIMITS, Limits
from healthequity.auth.sessions import SessionSigner
from healthequity.store.database import Database, database_url
from healthequity.web.templating import add_template_folder, templates

TEMPLATES = Path(__file__).parent / "templates"


def long_date(value: object) -> str:
    """An ISO date or time as people read it: '15 January 2026' (times add 'HH:MM UTC')."""
    text = str(value or "")
    try:
        if "T" in text:
            moment = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
            return f"{moment.day} {moment:%B %Y %H:%M} UTC"
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def register(
    app: FastAPI,
    database: Database | None = None,
    *,
    secret: str | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Add the tracker's API (/api/tracker) and pages (/tracker) to the dashboard ``app``.

    ``database`` defaults to the place's application database, migrated now; ``secret`` signs
    session cookies (default: see the module's note); ``today`` is the clock that decides what is
    overdue (tests inject one); ``limits`` are the sign-in rate limits.
    """
    from healthequity.accountability.narrative_pages import router as narrative_router
    from healthequity.accountability.pages import router as pages_router

    folder = Path(app.state.settings.place_folder)
    if database is None:
        database = Database.from_url(database_url(folder))
        database.upgrade()
    signer = SessionSigner(secret or session_secret(folder))
    app.state.tracker = TrackerContext(database, signer, today, limits)
    add_template_folder(templates.env, TEMPLATES)
    templates.env.filters.setdefault("long_date", long_date)
    app.include_router(tracker_router(database, signer, limits=limits, today=today))
    app.include_router(pages_router)
    app.include_router(narrative_router)
