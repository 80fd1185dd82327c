"""Admin pages: users (add, change role, organisations, active, set a password) and organisations
(add, rename). Admins only; a refused form is shown again with what was entered (never the
password) and the problem named; a stale form shows who changed the record first."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from healthequity.accountability import serialise, services, users
from healthequity.accountability.errors import Conflict
from healthequity.accountability.page_support import (
    PageRoute,
    field,
    form,
    redirect,
    render,
    transaction,
    version_field,
)
from healthequity.auth.models import ROLES
from healthequity.auth.permissions import Actor, require_admin
from healthequity.errors import InputError

router = APIRouter(prefix="/admin", route_class=PageRoute, include_in_schema=False)
USERS = "/tracker/admin/users"
ORGANISATIONS = "/tracker/admin/organisations"


def _users_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    entered: dict[str, Any] | None = None,
    error: InputError | None = None,
    status: int = 200,
) -> HTMLResponse:
    values = {
        "title": "Users",
        "users": [serialise.user(u) for u in users.list_users(session)],
        "organisations": [o.name for o in services.list_organisations(session)],
        "roles": ROLES,
        "form": entered or {"username": "", "display_name": "", "role": "", "organisations": []},
        "error": error,
        "added": request.query_params.get("added"),
    }
    return render(request, "tracker/admin_users.html", values, actor=actor, status=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    """Every user, and the form to add one."""
    with transaction(request) as (session, actor):
        return _users_page(request, session, require_admin(actor, "manage users"))


@router.post("/users", response_class=HTMLResponse)
def add_user(request: Request) -> Response:
    """Add a user."""
    entered: dict[str, Any] = {
        "username": field(request, "username"),
        "display_name": field(request, "display_name"),
        "role": field(request, "role"),
        "organisations": form(request).get("organisations", []),
    }
    try:
        with transaction(request) as (session, actor):
            user = users.create_user(
                session,
                require_admin(actor, "add users"),
                username=entered["username"],
                password=field(request, "password"),
                role=entered["role"],
                display_name=entered["display_name"] or None,
                organisations=entered["organisations"],
            )
            name = user.username
    except InputError as err:
        with transaction(request) as (session, actor):
            admin = require_admin(actor, "add users")
            return _users_page(request, session, admin, entered=entered, error=err, status=422)
    return redirect(f"{USERS}?added={quote(name)}")


def _user_page(
    request: Request,
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    entered: dict[str, Any] | None = None,
    error: InputError | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HTMLResponse:
    user = serialise.user(users.get_user(session, user_id))
    shown = {**user, **(entered or {})}
    if conflict is not None:
        shown["version"] = conflict.current_version
    values = {
        "title": f"User {user['username']}",
        "user": user,
        "form": shown,
        "organisations": [o.name for o in services.list_organisations(session)],
        "roles": ROLES,
        "error": error,
        "conflict": conflict,
        "saved": request.query_params.get("saved"),
    }
    return render(request, "tracker/admin_user.html", values, actor=actor, status=status)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int) -> Response:
    """One user's details and the forms to change them."""
    with transaction(request) as (session, actor):
        return _user_page(request, session, require_admin(actor, "manage users"), user_id)


@router.post("/users/{user_id}", response_class=HTMLResponse)
def change_user(request: Request, user_id: int) -> Response:
    """Change a user's display name, role, organisations and whether they may sign in."""
    entered = {
        "display_name": field(request, "display_name"),
        "role": field(request, "role"),
        "organisations": form(request).get("organisations", []),
        "active": field(request, "active") == "yes",
    }
    problem: InputError | Conflict
    try:
        with transaction(request) as (session, actor):
            admin = require_admin(actor, "change users")
            users.update_user(session, admin, user_id, version_field(request), entered)
    except (InputError, Conflict) as err:
        problem = err
    else:
        return redirect(f"{USERS}/{user_id}?saved=details")
    with transaction(request) as (session, actor):
        admin = require_admin(actor, "change users")
        if isinstance(problem, Conflict):
            return _user_page(
                request, session, admin, user_id, entered=entered, conflict=problem, status=409
            )
        return _user_page(
            request, session, admin, user_id, entered=entered, error=problem, status=422
        )


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
def set_password(request: Request, user_id: int) -> Response:
    """Set a new password for a user (their sessions elsewhere stop working)."""
    try:
        with transaction(request) as (session, actor):
            admin = require_admin(actor, "set passwords")
            users.set_password(session, admin, user_id, field(request, "new_password"))
    except InputError as err:
        problem = InputError(
            err.message.replace("password:", "new_password:", 1), field="new_password"
        )
        with transaction(request) as (session, actor):
            admin = require_admin(actor, "set passwords")
            return _user_page(request, session, admin, user_id, error=problem, status=422)
    return redirect(f"{USERS}/{user_id}?saved=password")


def _organisations_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    entered: dict[str, Any] | None = None,
    error: InputError | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HTMLResponse:
    values = {
        "title": "Organisations",
        "organisations": [serialise.organisation(o) for o in services.list_organisations(session)],
        "form": entered or {},
        "error": error,
        "conflict": conflict,
        "saved": request.query_params.get("saved"),
    }
    return render(request, "tracker/admin_organisations.html", values, actor=actor, status=status)


@router.get("/organisations", response_class=HTMLResponse)
def organisations_page(request: Request) -> Response:
    """Every organisation, with forms to rename them and to add one."""
    with transaction(request) as (session, actor):
        return _organisations_page(request, session, require_admin(actor, "manage organisations"))


@router.post("/organisations", response_class=HTMLResponse)
def add_organisation(request: Request) -> Response:
    """Add an organisation."""
    name = field(request, "name")
    try:
        with transaction(request) as (session, actor):
            org = services.create_organisation(session, actor, name)
            saved = org.name
    except InputError as err:
        with transaction(request) as (session, actor):
            admin = require_admin(actor, "add organisations")
            entered = {"name": name}
            return _organisations_page(
                request, session, admin, entered=entered, error=err, status=422
            )
    return redirect(f"{ORGANISATIONS}?saved={quote(saved)}")


@router.post("/organisations/{organisation_id}", response_class=HTMLResponse)
def rename_organisation(request: Request, organisation_id: int) -> Response:
    """Rename an organisation, on the version the admin saw."""
    name = field(request, "name")
    problem: InputError | Conflict
    try:
        with transaction(request) as (session, actor):
            org = services.rename_organisation(
                session, actor, organisation_id, version_field(request), name
            )
            saved = org.name
    except (InputError, Conflict) as err:
        problem = err
    else:
        return redirect(f"{ORGANISATIONS}?saved={quote(saved)}")
    with transaction(request) as (session, actor):
        admin = require_admin(actor, "rename organisations")
        entered = {"rename_id": organisation_id, "rename": name}
        if isinstance(problem, Conflict):
            return _organisations_page(
                request, session, admin, entered=entered, conflict=problem, status=409
            )
        return _organisations_page(
            request, session, admin, entered=entered, error=problem, status=422
        )
