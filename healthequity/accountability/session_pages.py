"""Signing in and out of the tracker's pages: the same users, rate limits and session cookie as
the JSON API (a failed sign-in is recorded, and too many failures are refused for a while)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from healthequity.accountability import users
from healthequity.accountability.page_support import (
    PageRoute,
    field,
    redirect,
    render,
    safe_next,
    set_session,
    tracker,
    transaction,
)
from healthequity.auth.errors import RateLimited

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _client(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:100]


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    with transaction(request) as (_session, actor):
        values = {"title": "Sign in", "next": safe_next(next), "username": "", "error": None}
        return render(request, "tracker/sign_in.html", values, actor=actor)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request) -> Response:
    """Check the username and password; on success a new session (and CSRF token) and back to
    the page the user came from."""
    ctx = tracker(request)
    username = field(request, "username").strip()
    target = safe_next(field(request, "next"))
    error: str | None = None
    status = 401
    headers: dict[str, str] | None = None
    try:
        with ctx.database.session() as session:
            user = users.authenticate(
                session, username, field(request, "password"), _client(request), limits=ctx.limits
            )
            if user is not None:
                data = ctx.signer.new(user.id, user.password_hash)
    except RateLimited as err:
        user, error, status = None, str(err)[0].upper() + str(err)[1:], 429
        headers = {"Retry-After": str(err.retry_after)}
    if user is None:
        values = {
            "title": "Sign in",
            "next": target,
            "username": username,
            "error": error or "Wrong username or password",
        }
        return render(
            request, "tracker/sign_in.html", values, actor=None, status=status, headers=headers
        )
    response = redirect(target)
    set_session(request, response, data)
    return response


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    """Sign out: a fresh anonymous session with a new CSRF token."""
    response = redirect(safe_next(field(request, "next")))
    set_session(request, response, tracker(request).signer.new())
    return response
