"""Jinja templates: ours first, then the NHS.UK frontend macros; filters for numbers and tags."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
)

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
    "New data": "green",
    "Revised": "purple",
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


def ordinal(value: Any) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'; '-' when missing."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return "-"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: The dashboard's menu: (path, text, key); a part with pages adds its own with ``add_menu_item``.
MENU: list[tuple[str, str, str]] = [
    ("/", "Overview", "overview"),
    ("/areas", "Areas", "areas"),
    ("/inequalities", "Inequalities", "inequalities"),
    ("/evaluations", "Evaluations", "evaluations"),
    ("/docs", "API", "api"),
]


def add_menu_item(href: str, text: str, key: str) -> None:
    """Add a page to the menu, before 'API' (once: a second call with the same path is ignored)."""
    if any(item[0] == href for item in MENU):
        return
    MENU.insert(len(MENU) - 1, (href, text, key))


def menu(current: Any) -> list[dict[str, Any]]:
    """The menu as nhsuk-frontend's header navigation items, ``current`` marked."""
    return [{"href": h, "text": t, "current": k == current} for h, t, k in MENU]


#: Pages of other parts listed under a Marmot principle on the overview: principle -> [(path,
#: text)]. Static links only (the overview is cached per build); added with add_principle_link.
PRINCIPLE_LINKS: dict[int, list[tuple[str, str]]] = {}


def add_principle_link(principle: int, href: str, text: str) -> None:
    """List a page under ``principle`` on the overview (once: the same path again is ignored)."""
    listed = PRINCIPLE_LINKS.setdefault(principle, [])
    if all(item[0] != href for item in listed):
        listed.append((href, text))


def principle_links(principle: Any) -> list[dict[str, str]]:
    """The pages listed under ``principle``, as {href, text}."""
    return [{"href": h, "text": t} for h, t in PRINCIPLE_LINKS.get(int(principle), [])]


def add_template_folder(env: Environment, folder: Path) -> None:
    """Let ``env`` find templates in ``folder`` too, after its own (so the dashboard's base.html
    is never shadowed); adding the same folder twice changes nothing."""
    loader = env.loader
    parts: list[BaseLoader] = list(loader.loaders) if isinstance(loader, ChoiceLoader) else []
    for part in parts:
        if isinstance(part, FileSystemLoader) and str(folder) in part.searchpath:
            return
    chain = parts if parts else ([loader] if loader is not None else [])
    env.loader = ChoiceLoader([*chain, FileSystemLoader(folder)])


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
    env.filters["ordinal"] = ordinal
    env.globals["menu"] = menu
    env.globals["principle_links"] = principle_links
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
