"""Rendered pages kept per build: a build never changes, so a page rendered once for a path and
query string is served again as is until a newer build appears (least recently used dropped)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from healthequity.errors import HealthEquityError

MAX_PAGES = 2_000
#: Only the indicator-set pages are cached: they depend on the build alone. Pages of the tracker
#: and the assessments change with every edit and with who is signed in, so they never are.
_CACHED = ("/indicators", "/areas", "/inequalities")


async def page_cache(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Serve a cached HTML page of the current build, or render and keep it."""
    path = request.url.path
    if request.method != "GET" or not (path == "/" or path.startswith(_CACHED)):
        return await call_next(request)
    try:
        view = request.app.state.cache.current()
    except HealthEquityError:
        return await call_next(request)
    pages = view.memo.setdefault("pages", OrderedDict())
    assert isinstance(pages, OrderedDict)
    key = (path, request.url.query)
    hit = pages.get(key)
    if hit is not None:
        pages.move_to_end(key)
        body, media = hit
        return Response(body, media_type=media, headers={"X-Page-Cache": "hit"})
    response = await call_next(request)
    media = response.headers.get("content-type", "")
    if response.status_code != 200 or not media.startswith("text/html"):
        return response
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    pages[key] = (body, media)
    if len(pages) > MAX_PAGES:
        pages.popitem(last=False)
    return Response(body, media_type=media, headers={"X-Page-Cache": "miss"})


async def server_timing(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """A ``Server-Timing: app;dur=MS`` header on every response (the load test reads it)."""
    start = time.perf_counter()
    response = await call_next(request)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
    return response
