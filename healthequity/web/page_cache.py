"""Rendered pages kept per build: a build never changes, so a page rendered once for a path and
query string is served again as is until a newer build appears (least recently used dropped).

Both middlewares here are plain ASGI (no per-request task and stream copy as Starlette's
``BaseHTTPMiddleware`` makes), so a cached page costs one dictionary look-up.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from anyio import to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthequity.errors import HealthEquityError

MAX_PAGES = 2_000
#: Only the indicator-set pages are cached: they depend on the build alone. Pages of the tracker
#: and the assessments change with every edit and with who is signed in, so they never are.
_CACHED = ("/indicators", "/areas", "/inequalities")


def cacheable(path: str) -> bool:
    """Whether a GET of ``path`` is a page of the build (kept per build)."""
    return path == "/" or path.startswith(_CACHED)


class PageCache:
    """Serve a cached HTML page of the current build, or render it and keep it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not cacheable(scope["path"]):
            await self.app(scope, receive, send)
            return
        cache = scope["app"].state.cache
        try:
            view = cache.fresh()
            if view is None:  # loading a build can take seconds: not on the event loop
                view = await to_thread.run_sync(cache.current)
        except HealthEquityError:
            await self.app(scope, receive, send)
            return
        pages = view.memo.setdefault("pages", OrderedDict())
        key = (scope["path"], scope.get("query_string", b""))
        hit = pages.get(key)
        if hit is not None:
            pages.move_to_end(key)
            await _send_page(send, *hit)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                headers = MutableHeaders(scope=message)
                if message["status"] == 200 and headers.get("content-type", "").startswith(
                    "text/html"
                ):
                    headers["X-Page-Cache"] = "miss"
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    _store(pages, key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keep)


def _store(pages: OrderedDict[Any, Any], key: Any, start: dict[str, Any], body: bytes) -> None:
    """Keep a 200 HTML page (dropping the least recently used past ``MAX_PAGES``)."""
    if start.get("status") != 200:
        return
    media = ""
    for name, value in start.get("headers", []):
        if name.lower() == b"content-type":
            media = value.decode("latin-1")
    if not media.startswith("text/html"):
        return
    pages[key] = (body, media)
    if len(pages) > MAX_PAGES:
        pages.popitem(last=False)


async def _send_page(send: Send, body: bytes, media: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", media.encode("latin-1")),
                (b"content-length", str(len(body)).encode()),
                (b"x-page-cache", b"hit"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ServerTiming:
    """A ``Server-Timing: app;dur=MS`` header on every response (the load test reads it): the
    time from the request to the response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begun = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - begun) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"app;dur={took:.2f}")
            await send(message)

        await self.app(scope, receive, timed)
