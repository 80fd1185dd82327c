"""The tracker's JSON API as a FastAPI router: ``app.include_router(tracker_router(db, signer))``.

Reading needs no sign-in; every change needs a signed-in user with the right role, and every
change (form post or JSON) must carry the session's CSRF token (field ``csrf_token`` or header
``X-CSRF-Token``; ``GET /session`` gives one). Errors have one shape:
``{"error": {"status", "code", "message", "field"?}}``; a conflict adds ``current_version`` and
``attempted`` (the refused changes, so nothing is lost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from healthequity.accountability import audit, narrative, serialise, services, users
from healthequity.accountability.audit import AuditTrailError
from healthequity.accountability.errors import Conflict, NotFound
from healthequity.auth.errors import (
    CsrfError,
    NotSignedIn,
    PermissionDenied,
    RateLimited,
    SignInFailed,
)
from healthequity.auth.permissions import actor_for, require_admin
from healthequity.auth.ratelimit import DEFAULT_LIMITS, Limits
from healthequity.auth.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    SessionData,
    SessionSigner,
    cookie_settings,
    csrf_matches,
)
from healthequity.auth.signed_in import SignedIn
from healthequity.errors import InputError
from healthequity.store.database import Database

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LIST_FIELDS = frozenset({"partners", "indicator_ids", "organisations"})
PRIVATE_AUDIT = ("user",)


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The API's one error shape."""
    body = {"status": status, "code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse({"error": body}, status_code=status)


def _to_response(err: Exception) -> JSONResponse | None:
    if isinstance(err, CsrfError):
        return error_response(403, "csrf", str(err))
    if isinstance(err, NotSignedIn):
        return error_response(401, "not_signed_in", str(err))
    if isinstance(err, PermissionDenied | AuditTrailError):
        return error_response(403, "forbidden", str(err))
    if isinstance(err, SignInFailed):
        return error_response(401, "sign_in_failed", str(err))
    if isinstance(err, RateLimited):
        response = error_response(429, "rate_limited", str(err), retry_after=err.retry_after)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    if isinstance(err, NotFound):
        return error_response(404, "not_found", str(err))
    if isinstance(err, Conflict):
        return error_response(
            409,
            "conflict",
            str(err),
            current_version=err.current_version,
            attempted=_jsonable(err.attempted),
        )
    if isinstance(err, InputError):
        return error_response(422, "invalid", err.message, field=err.field)
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


async def _payload(request: Request) -> dict[str, Any]:
    """The body of a change: a JSON object, or form fields (repeated fields become lists)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        out: dict[str, Any] = {}
        for key, value in form.multi_items():
            value = value if isinstance(value, str) else ""
            if key in LIST_FIELDS:
                out.setdefault(key, []).extend(v for v in value.split("\n") if v.strip())
            elif key in out:
                out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
            else:
                out[key] = value
        return out
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise InputError("body: not valid JSON", field="body") from None
    if not isinstance(data, dict):
        raise InputError("body: expected a JSON object", field="body")
    return data


def csrf_checked_route(
    session_of: Callable[[Request], SessionData | None],
    to_error: Callable[[Exception], Response | None],
    session_url: str,
    *,
    uploads: bool = False,
) -> type[APIRoute]:
    """A route class that checks the CSRF token of every change (header or form field) and
    turns our errors into JSON errors; ``uploads`` reads multipart forms for the token only."""

    class CsrfCheckedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                try:
                    if request.method in UNSAFE:
                        content = request.headers.get("content-type", "")
                        if uploads and content.startswith("multipart/"):
                            form = await request.form()  # an upload: the form is kept here
                            payload: dict[str, Any] = {CSRF_FIELD: str(form.get(CSRF_FIELD) or "")}
                        else:
                            payload = await _payload(request)
                        token = request.headers.get(CSRF_HEADER) or payload.pop(CSRF_FIELD, None)
                        if not csrf_matches(session_of(request), token):
                            raise CsrfError(
                                "missing or wrong CSRF token: reload the page and try again "
                                f"(API clients: send the token from GET {session_url} "
                                f"in the {CSRF_HEADER} header)"
                            )
                        request.state.payload = payload
                    return await handler(request)
                except Exception as err:
                    response = to_error(err)
                    if response is None:
                        raise
                    return response

            return route

    return CsrfCheckedRoute


def version_of(data: dict[str, Any]) -> int | None:
    """Pop the ``version`` a client read from a request's payload (None when not sent); a
    value that is not a whole number is an InputError naming ``version``."""
    value = data.pop("version", None)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(f"version: {value!r} is not a version number", field="version") from None


def tracker_router(
    database: Database,
    signer: SessionSigner,
    *,
    prefix: str = "/api/tracker",
    limits: Limits = DEFAULT_LIMITS,
    today: Callable[[], dt.date] = dt.date.today,
    trust_forwarded_for: bool = False,
) -> APIRouter:
    """The tracker API on ``database``, signing session cookies with ``signer``."""
    signed_in = SignedIn(database, signer)
    session_of = signed_in.session_of

    TrackerRoute = csrf_checked_route(session_of, _to_response, f"{prefix}/session")

    router = APIRouter(prefix=prefix, tags=["tracker"], route_class=TrackerRoute)

    @contextmanager
    def transaction() -> Iterator[Session]:
        with database.session() as session:
            yield session

    current_user, current_actor = signed_in.user, signed_in.actor

    def payload(request: Request) -> dict[str, Any]:
        return dict(getattr(request.state, "payload", {}))

    def client_of(request: Request) -> str:
        if trust_forwarded_for and request.headers.get("x-forwarded-for"):
            return request.headers["x-forwarded-for"].split(",")[0].strip()[:100]
        return (request.client.host if request.client else "unknown")[:100]

    def set_session(response: Response, request: Request, data: SessionData) -> None:
        https = request.url.scheme == "https"
        response.set_cookie(value=signer.dumps(data), **cookie_settings(https=https))

    # --- session ---------------------------------------------------------------------------

    @router.get("/session")
    def get_session(request: Request, response: Response) -> dict[str, Any]:
        """Who is signed in, and the CSRF token to send with every change."""
        data = session_of(request)
        with transaction() as session:
            user = current_user(session, request)
            if data is None or (data.user_id is not None and user is None):
                data = signer.new()
                set_session(response, request, data)
            return {
                "signed_in": user is not None,
                "user": serialise.user(user) if user else None,
                "csrf_token": data.csrf,
            }

    @router.post("/session/login")
    def login(request: Request, response: Response) -> dict[str, Any]:
        """Sign in with username and password (rate limited per username and per client)."""
        data = payload(request)
        with transaction() as session:
            user = users.authenticate(
                session,
                str(data.get("username") or ""),
                str(data.get("password") or ""),
                client_of(request),
                limits=limits,
            )
            if user is not None:
                new = signer.new(user.id, user.password_hash)
                set_session(response, request, new)
                result = {"user": serialise.user(user), "csrf_token": new.csrf}
        if user is None:
            raise SignInFailed("wrong username or password")
        return result

    @router.post("/session/logout")
    def logout(request: Request, response: Response) -> dict[str, Any]:
        """Sign out (a fresh anonymous session, with a new CSRF token)."""
        new = signer.new()
        set_session(response, request, new)
        return {"signed_in": False, "csrf_token": new.csrf}

    @router.post("/session/password")
    def change_password(request: Request, response: Response) -> dict[str, Any]:
        """Change one's own password (needs the current one); other sessions are signed out."""
        data = payload(request)
        with transaction() as session:
            user = current_user(session, request)
            if user is None:
                raise NotSignedIn("sign in to change your password")
            checked = users.authenticate(
                session,
                user.username,
                str(data.get("current_password") or ""),
                client_of(request),
                limits=limits,
            )
            if checked is not None:
                actor = actor_for(user)
                users.set_password(session, actor, user.id, str(data.get("new_password") or ""))
                new = signer.new(user.id, user.password_hash)
        if checked is None:
            raise InputError("current_password: wrong password", field="current_password")
        set_session(response, request, new)
        return {"changed": True, "csrf_token": new.csrf}

    # --- themes and recommendations --------------------------------------------------------

    @router.get("/themes")
    def themes() -> list[dict[str, Any]]:
        """The themes with their aims."""
        with transaction() as session:
            return [serialise.theme(t) for t in services.list_themes(session)]

    @router.patch("/themes/{key}")
    def patch_theme(key: str, request: Request) -> dict[str, Any]:
        """Change a theme's name or aim (admins)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            return serialise.theme(services.update_theme(session, actor, key, version, data))

    @router.get("/board")
    def board() -> list[dict[str, Any]]:
        """Recommendations by theme, with action status counts per recommendation and theme."""
        with transaction() as session:
            groups: list[dict[str, Any]] = []
            recs = services.list_recommendations(session)
            for t in [*services.list_themes(session), None]:
                mine = [r for r in recs if r.theme_id == (t.id if t is not None else None)]
                if t is None and not mine:
                    continue
                groups.append(
                    {
                        "theme": serialise.theme(t) if t is not None else None,
                        "status_counts": serialise.status_counts(
                            a for r in mine for a in r.actions
                        ),
                        "recommendations": [serialise.recommendation(r) for r in mine],
                    }
                )
            return groups

    @router.get("/recommendations")
    def recommendations(theme: str | None = None) -> list[dict[str, Any]]:
        """Every recommendation (or one theme's), with status counts."""
        with transaction() as session:
            return [
                serialise.recommendation(r) for r in services.list_recommendations(session, theme)
            ]

    @router.get("/recommendations/{number}")
    def recommendation(number: int) -> dict[str, Any]:
        """One recommendation with its actions."""
        with transaction() as session:
            rec = services.get_recommendation(session, number)
            return serialise.recommendation(rec, with_actions=True)

    @router.patch("/recommendations/{number}")
    def patch_recommendation(number: int, request: Request) -> dict[str, Any]:
        """Change text, theme, lead organisation or indicators (admins; send ``version``)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            rec = services.update_recommendation(session, actor, number, version, data)
            return serialise.recommendation(rec)

    # --- actions ---------------------------------------------------------------------------

    @router.get("/actions")
    def actions(
        recommendation: int | None = None,
        organisation: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Actions, optionally filtered by recommendation number, owner or status."""
        with transaction() as session:
            found = services.list_actions(
                session, recommendation=recommendation, organisation=organisation, status=status
            )
            return [serialise.action(a, today=today()) for a in found]

    @router.post("/recommendations/{number}/actions", status_code=201)
    def post_action(number: int, request: Request) -> dict[str, Any]:
        """Add an action (editors of the owning organisation, admins)."""
        data = payload(request)
        with transaction() as session:
            actor = current_actor(session, request)
            action = services.create_action(session, actor, number, data)
            return serialise.action(action, today=today())

    @router.get("/actions/{action_id}")
    def get_action(action_id: int) -> dict[str, Any]:
        """One action with its milestones and updates (newest first)."""
        with transaction() as session:
            action = services.get_action(session, action_id)
            return serialise.action(action, with_updates=True, today=today())

    @router.patch("/actions/{action_id}")
    def patch_action(action_id: int, request: Request) -> dict[str, Any]:
        """Change an action; send the ``version`` you read (a stale one gets 409)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            action = services.update_action(session, actor, action_id, version, data)
            return serialise.action(action, today=today())

    @router.get("/actions/{action_id}/updates")
    def updates(action_id: int) -> list[dict[str, Any]]:
        """An action's progress updates, newest first."""
        with transaction() as session:
            action = services.get_action(session, action_id)
            return [serialise.progress_update(u) for u in reversed(action.updates)]

    @router.post("/actions/{action_id}/updates", status_code=201)
    def post_update(action_id: int, request: Request) -> dict[str, Any]:
        """Post progress (text, update_date, optional status with the action's version)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            update = services.add_progress_update(
                session,
                actor,
                action_id,
                str(data.get("text") or ""),
                update_date=data.get("update_date"),
                status=data.get("status") or None,
                version=version,
            )
            return serialise.progress_update(update)

    @router.post("/actions/{action_id}/milestones", status_code=201)
    def post_milestone(action_id: int, request: Request) -> dict[str, Any]:
        """Add a milestone to an action."""
        data = payload(request)
        with transaction() as session:
            actor = current_actor(session, request)
            return serialise.milestone(services.add_milestone(session, actor, action_id, data))

    @router.patch("/milestones/{milestone_id}")
    def patch_milestone(milestone_id: int, request: Request) -> dict[str, Any]:
        """Change a milestone (e.g. ``completed_on``); send its ``version``."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            m = services.update_milestone(session, actor, milestone_id, version, data)
            return serialise.milestone(m)

    @router.get("/my/actions")
    def my_actions(request: Request) -> list[dict[str, Any]]:
        """The signed-in user's organisations' actions."""
        with transaction() as session:
            actor = current_actor(session, request)
            if actor is None:
                raise NotSignedIn("sign in to see your actions")
            return [serialise.action(a, today=today()) for a in services.my_actions(session, actor)]

    @router.get("/attention")
    def attention() -> list[dict[str, Any]]:
        """Actions overdue, at risk or off track."""
        with transaction() as session:
            found = services.needing_attention(session, today())
            return [serialise.action(a, today=today()) for a in found]

    @router.get("/audit")
    def audit_trail(
        request: Request,
        entity: str | None = None,
        entity_id: int | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """The audit trail, newest first (user administration only for admins)."""
        with transaction() as session:
            actor = current_actor(session, request)
            hidden = () if actor is not None and actor.is_admin else PRIVATE_AUDIT
            if entity in hidden:
                raise PermissionDenied("only an admin may read the audit trail of users")
            found = audit.entries(
                session,
                entity=entity,
                entity_id=entity_id,
                exclude=hidden,
                limit=max(1, min(limit, 1000)),
            )
            return [serialise.audit_entry(e) for e in found]

    # --- the annual report's narrative -------------------------------------------------------

    @router.get("/narratives")
    def narratives() -> list[dict[str, Any]]:
        """Every reporting year's narrative, newest year first."""
        with transaction() as session:
            return [serialise.narrative(n) for n in narrative.list_narratives(session)]

    @router.get("/narratives/{year}")
    def get_narrative(year: str) -> dict[str, Any]:
        """One reporting year's narrative (404 when nothing was written for it)."""
        with transaction() as session:
            found = narrative.get_narrative(session, narrative.reporting_year(year))
            if found is None:
                raise NotFound(f"no narrative for {year} yet")
            return serialise.narrative(found)

    @router.put("/narratives/{year}")
    def put_narrative(year: str, request: Request) -> dict[str, Any]:
        """Write a year's narrative (admins, editors): challenges, successes, learning and the
        ``version`` you read (none for a new year; a stale one gets 409)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            texts = {name: str(data.get(name) or "") for name in narrative.SECTIONS}
            saved = narrative.save_narrative(
                session, actor, narrative.reporting_year(year), version=version, **texts
            )
            return serialise.narrative(saved)

    # --- organisations and users -----------------------------------------------------------

    @router.get("/organisations")
    def organisations() -> list[dict[str, Any]]:
        """Every organisation."""
        with transaction() as session:
            return [serialise.organisation(o) for o in services.list_organisations(session)]

    @router.post("/organisations", status_code=201)
    def post_organisation(request: Request) -> dict[str, Any]:
        """Add an organisation (admins)."""
        data = payload(request)
        with transaction() as session:
            actor = current_actor(session, request)
            org = services.create_organisation(session, actor, str(data.get("name") or ""))
            return serialise.organisation(org)

    @router.patch("/organisations/{organisation_id}")
    def patch_organisation(organisation_id: int, request: Request) -> dict[str, Any]:
        """Rename an organisation (admins; send ``version``)."""
        data = payload(request)
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            org = services.rename_organisation(
                session, actor, organisation_id, version, str(data.get("name") or "")
            )
            return serialise.organisation(org)

    @router.get("/users")
    def list_users(request: Request) -> list[dict[str, Any]]:
        """Every user (admins)."""
        with transaction() as session:
            actor = current_actor(session, request)
            require_admin(actor, "list users")
            return [serialise.user(u) for u in users.list_users(session)]

    @router.post("/users", status_code=201)
    def post_user(request: Request) -> dict[str, Any]:
        """Add a user (admins): username, password, role, display_name, organisations."""
        data = payload(request)
        with transaction() as session:
            actor = current_actor(session, request)
            user = users.create_user(
                session,
                actor,
                username=str(data.get("username") or ""),
                password=str(data.get("password") or ""),
                role=str(data.get("role") or ""),
                display_name=data.get("display_name") or None,
                organisations=list(data.get("organisations") or []),
            )
            return serialise.user(user)

    @router.patch("/users/{user_id}")
    def patch_user(user_id: int, request: Request) -> dict[str, Any]:
        """Change a user's display name, role, organisations or active flag (admins)."""
        data = payload(request)
        if isinstance(data.get("active"), str):
            data["active"] = {"true": True, "false": False}.get(
                data["active"].lower(), data["active"]
            )
        with transaction() as session:
            version = version_of(data)
            actor = current_actor(session, request)
            return serialise.user(users.update_user(session, actor, user_id, version, data))

    return router
