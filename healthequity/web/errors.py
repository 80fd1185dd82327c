"""One JSON error shape for the API: ``{"error": {"status", "message", "field"}}``; pages get
an NHS-styled error page with the same message."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error with an HTTP status, a message for people and the field it concerns."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def error_body(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": {"status": status, "message": message, "field": field}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _respond(request: Request, status: int, message: str, field: str | None) -> Response:
    if _wants_json(request):
        return JSONResponse(error_body(status, message, field), status_code=status)
    from healthequity.web.templating import render  # pages only: keeps the API import light

    return render(request, "error.html", {"status": status, "message": message}, status=status)


async def api_error(request: Request, exc: Exception) -> Response:
    """ApiError -> its status and message."""
    assert isinstance(exc, ApiError)
    return _respond(request, exc.status, exc.message, exc.field)


async def validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's parameter validation -> 422 naming the first bad field."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "header", "body")]
    name = ".".join(loc) or None
    value = first.get("input")
    message = f"{name}: {first.get('msg', 'invalid value')}"
    if value is not None and not isinstance(value, dict):
        message += f" (got {value!r})"
    return _respond(request, 422, message, name)


async def http_error(request: Request, exc: Exception) -> Response:
    """404 and friends in the same shape."""
    assert isinstance(exc, StarletteHTTPException)
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    if exc.status_code == 404:
        message = f"not found: {request.url.path}"
    return _respond(request, exc.status_code, message, None)
