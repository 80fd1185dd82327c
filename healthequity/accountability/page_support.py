"""What the tracker's pages share: the app's tracker context (database, cookie signer, clock),
who is signed in, rendering in the dashboard's look with the session's CSRF token, and a route
class that checks the token of every form post and turns refusals into NHS-styled error pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from healthequity.accountability.audit import AuditTrailError
from healthequity.accountability.errors import Conflict, NotFound
from healthequity.accountability.models import ActionStatus
from healthequity.auth.errors import CsrfError, NotSignedIn, PermissionDenied, RateLimited
from healthequity.auth.permissions import Actor
from healthequity.auth.ratelimit import DEFAULT_LIMITS, Limits
from healthequity.auth.sessions import (
    CSRF_FIELD,
    SessionData,
    cookie_settings,
    csrf_matches,
)
from healthequity.auth.signed_in import SignedIn
from healthequity.errors import InputError
from healthequity.web.templating import templates

PREFIX = "/tracker"
SIGN_IN = f"{PREFIX}/sign-in"
#: NHS tag colour of each status (never colour alone: the word is always shown).
STATUS_COLOURS = {
    ActionStatus.NOT_STARTED.value: "grey",
    ActionStatus.ON_TRACK.value: "green",
    ActionStatus.AT_RISK.value: "yellow",
    ActionStatus.OFF_TRACK.value: "red",
    ActionStatus.COMPLETE.value: "blue",
}
#: Form fields never shown back to the user.
SECRET_FIELDS = frozenset({CSRF_FIELD, "password", "new_password", "version", "next"})


@dataclass
class TrackerContext(SignedIn):
    """The tracker's share of the app (``app.state.tracker``)."""

    today: Callable[[], dt.date] = dt.date.today
    limits: Limits = DEFAULT_LIMITS


def tracker(request: Request) -> TrackerContext:
    """The app's tracker context (set by ``register``)."""
    found: TrackerContext = request.app.state.tracker
    return found


@contextmanager
def transaction(request: Request) -> Iterator[tuple[Session, Actor | None]]:
    """One database transaction and the signed-in actor (None when not signed in)."""
    ctx = tracker(request)
    with ctx.database.session() as session:
        yield session, ctx.actor(session, request)


def set_session(request: Request, response: Response, data: SessionData) -> None:
    """Set the session cookie (Secure when served over HTTPS)."""
    https = request.url.scheme == "https"
    response.set_cookie(value=tracker(request).signer.dumps(data), **cookie_settings(https=https))


def organisation_names(session: Session, actor: Actor | None) -> list[str]:
    """The names of the actor's organisations, for the header."""
    if actor is None or not actor.organisation_ids:
        return []
    from healthequity.auth.models import Organisation

    return sorted(
        o.name for o in (session.get(Organisation, i) for i in actor.organisation_ids) if o
    )


def render(
    request: Request,
    name: str,
    values: dict[str, Any],
    *,
    actor: Actor | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A tracker page: the dashboard's base with the session's CSRF token and who is signed in.
    A visitor without a session gets one, so every form has a token to send."""
    ctx = tracker(request)
    data = ctx.session_of(request)
    fresh = data is None
    if data is None:
        data = ctx.signer.new()
    full = {
        "settings": request.app.state.settings,
        "provenance": None,
        "csrf_token": data.csrf,
        "actor": actor,
        "today": ctx.today(),
        "status_colours": STATUS_COLOURS,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "nav": "tracker",
        **values,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status, headers=headers)
    if fresh:
        set_session(request, response, data)
    return response


def redirect(url: str) -> RedirectResponse:
    """See other (after a successful form post)."""
    return RedirectResponse(url, status_code=303)


def sign_in_url(next_path: str) -> str:
    """The sign-in page, coming back to ``next_path`` afterwards."""
    return f"{SIGN_IN}?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in (anything else goes to the board)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX


def form(request: Request) -> dict[str, list[str]]:
    """The posted form (checked for its CSRF token by the route class): field -> values."""
    found: dict[str, list[str]] = getattr(request.state, "form", {})
    return found


def field(request: Request, name: str, default: str = "") -> str:
    """One posted field (its first value)."""
    values = form(request).get(name)
    return values[0] if values else default


def version_field(request: Request) -> int | None:
    """The posted ``version`` (the record's version when the form was opened)."""
    raw = field(request, "version").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"version: {raw!r} is not a version number", field="version") from None


def _entered(request: Request) -> list[tuple[str, str]]:
    """What the user typed into the refused form (never passwords or tokens)."""
    return [
        (name, value)
        for name, values in form(request).items()
        if name not in SECRET_FIELDS
        for value in values
        if value.strip()
    ]


def error_page(request: Request, err: Exception) -> Response | None:
    """The page for a refusal (None: not ours, let it propagate)."""
    path = request.url.path
    if isinstance(err, NotSignedIn) and request.method == "GET":
        return redirect(sign_in_url(path + (f"?{request.url.query}" if request.url.query else "")))
    headers: dict[str, str] | None = None
    if isinstance(err, CsrfError):
        status, title = 403, "Your form could not be accepted"
    elif isinstance(err, NotSignedIn):
        status, title = 401, "You need to sign in"
    elif isinstance(err, PermissionDenied | AuditTrailError):
        status, title = 403, "You do not have permission to do this"
    elif isinstance(err, RateLimited):
        status, title = 429, "Too many attempts"
        headers = {"Retry-After": str(err.retry_after)}
    elif isinstance(err, NotFound):
        status, title = 404, "Page not found"
    elif isinstance(err, Conflict):
        status, title = 409, "Someone else changed this first"
    elif isinstance(err, InputError):
        status, title = 422, "There is a problem"
    else:
        return None
    ctx = tracker(request)
    with ctx.database.session() as session:
        actor = ctx.actor(session, request)
    values = {
        "title": title,
        "status": status,
        "message": str(err) if not isinstance(err, InputError) else err.message,
        "entered": _entered(request),
        "sign_in": sign_in_url(str(request.headers.get("referer") or path))
        if isinstance(err, NotSignedIn)
        else None,
    }
    return render(
        request, "tracker/error.html", values, actor=actor, status=status, headers=headers
    )


class PageRoute(APIRoute):
    """Reads every form post, refuses it without the session's CSRF token, and shows refusals
    (not signed in, forbidden, not found, conflict, bad input) as error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                if request.method == "POST":
                    posted = await request.form()
                    values: dict[str, list[str]] = {}
                    for key, value in posted.multi_items():
                        values.setdefault(key, []).append(value if isinstance(value, str) else "")
                    request.state.form = values
                    token = values.get(CSRF_FIELD, [""])[0]
                    if not csrf_matches(tracker(request).session_of(request), token):
                        raise CsrfError(
                            "The form was missing its security token, or your session has "
                            "expired, so nothing was saved. Go back, reload the page and "
                            "submit the form again."
                        )
                return await handler(request)
            except Exception as err:
                response = error_page(request, err)
                if response is None:
                    raise
                return response

        return route
