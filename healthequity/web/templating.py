"""Jinja templates: ours first, then the NHS.UK frontend macros; filters for numbers and tags."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from healthequity.errors import HealthEquityError

TEMPLATES = Path(__file__).parent / "templates"

#: Comparison word -> NHS tag colour (blue / orange / grey: safe for colour-blind readers).
TAG_COLOURS = {
    "Better": "blue",
    "Worse": "orange",
    "Similar": "white",
    "Higher": "aqua-green",
    "Lower": "yellow",
    "Not compared": "grey",
    "Poorest improving faster (gap narrowing)": "blue",
    "Gap widening": "orange",
    "No clear difference": "white",
    "Not assessed": "grey",
}


def number(value: Any, digits: int = 1) -> str:
    """A figure as people read it: thousands separated, fixed decimals, '-' when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "-"
    if not math.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}"


def text(value: Any) -> str:
    """Text or '' for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def tag_colour(word: Any) -> str:
    """The NHS tag colour for a comparison or verdict word."""
    return TAG_COLOURS.get(text(word), "grey")


def environment() -> Environment:
    """Our templates, then nhsuk-frontend-jinja's."""
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja", "templates")]
        ),
        autoescape=True,
        undefined=ChainableUndefined,
    )
    env.filters["number"] = number
    env.filters["text"] = text
    env.filters["tag_colour"] = tag_colour
    return env


templates = Jinja2Templates(env=environment())


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render a page with the build's provenance (when there is a build) in its context."""
    provenance = context.get("provenance")
    if provenance is None:
        try:
            provenance = request.app.state.cache.current().provenance
        except (HealthEquityError, AttributeError):
            provenance = None
    full = {"provenance": provenance, "settings": request.app.state.settings, **context}
    return templates.TemplateResponse(request, name, full, status_code=status)
