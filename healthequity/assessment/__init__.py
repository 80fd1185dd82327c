"""The health equity impact assessment (OHID's HEAT, four stages) of a decision: stored,
evidenced from the latest build, rated, signed off by a senior sponsor, published, reviewed and
reported across decisions. ``register(app)`` adds its JSON API and pages to the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from healthequity.store.database import Database


def register(
    app: FastAPI,
    database: Database | None = None,
    *,
    secret: str | None = None,
    today: Callable[[], dt.date] = dt.date.today,
) -> None:
    """Add the assessment API (/api/assessments) and pages (/assessments) to the dashboard.

    ``database`` defaults to the tracker's when it is registered, else the place's application
    database ($HEALTHEQUITY_DATABASE_URL, else the SQLite file in the place folder), migrated to
    the newest schema; ``secret`` signs the session cookies (default: $HEALTHEQUITY_SECRET_KEY,
    else the place's stored key, as the tracker); ``today`` is the clock that decides when
    reviews come due (tests inject one).
    """
    from healthequity.assessment.web import register as _register

    _register(app, database, secret=secret, today=today)
