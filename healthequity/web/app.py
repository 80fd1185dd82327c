"""The dashboard application: ``create_app(place_folder | settings, parts=...)`` -> FastAPI.

The web layer knows only the indicator set's pages; the other parts of the system (tracker,
assessments, social needs) add theirs through ``parts``: each a ``register(app)`` function.
``healthequity.dashboard`` puts the whole dashboard together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthequity.web.data import BuildCache
from healthequity.web.errors import ApiError, api_error, http_error, validation_error
from healthequity.web.page_cache import PageCache, ServerTiming
from healthequity.web.routes import (
    analytics_api,
    api,
    area,
    evaluations,
    indicator,
    inequalities,
    overview,
)
from healthequity.web.settings import Settings

STATIC = Path(__file__).parent / "static"
#: A part's ``register(app)``: adds its pages, API and menu items to the dashboard.
Register = Callable[[FastAPI], None]


def create_app(place: str | Path | Settings, *, parts: Sequence[Register] = ()) -> FastAPI:
    """The dashboard for a place folder (or full ``Settings``): pages, downloads and the API,
    with the pages of each of ``parts`` (in menu order)."""
    settings = place if isinstance(place, Settings) else Settings(Path(place))
    app = FastAPI(
        title="healthequity dashboard API",
        description=(
            "The Marmot Place indicator set after disclosure control, as JSON or CSV. Errors "
            'have one shape: {"error": {"status", "message", "field"}}.'
        ),
        version="1",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.cache = BuildCache(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # nhsuk-frontend's stylesheet refers to its icons at /assets/images/...
    app.mount(
        "/assets", StaticFiles(directory=STATIC / "vendor/nhsuk-frontend/assets"), name="assets"
    )
    for module in (overview, indicator, area, inequalities, evaluations, api, analytics_api):
        app.include_router(module.router)
    for register in parts:
        register(app)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(PageCache)
    app.add_middleware(ServerTiming)  # outermost: times the cache too
    return app
