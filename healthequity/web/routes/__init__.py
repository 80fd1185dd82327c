"""One route module per page family, plus the JSON API; ``view`` is their shared dependency."""

from __future__ import annotations

from fastapi import Request

from healthequity.web.data import BuildView, NoBuild
from healthequity.web.errors import ApiError


def view(request: Request) -> BuildView:
    """The current build (503 with the reason when there is none yet)."""
    try:
        current: BuildView = request.app.state.cache.current()
        return current
    except NoBuild as err:
        raise ApiError(503, str(err)) from None
