"""The pages to add an action to a recommendation and to edit an action: editors of the owning
organisation and admins only, checked and saved by the services (validation, permissions,
optimistic locking, audit); a refused form comes back with what was entered and the problem."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from healthequity.accountability import serialise, services
from healthequity.accountability.form_support import (
    Problem,
    indicator_groups,
    may_change_action,
    organisation_names,
    owner_choices,
    problem_values,
    save_changed,
    save_or_show,
    shown_form,
    status_of,
)
from healthequity.accountability.models import STATUSES, Action, ActionStatus
from healthequity.accountability.page_support import (
    PREFIX,
    PageRoute,
    field,
    form,
    render,
    transaction,
    version_field,
)
from healthequity.auth.permissions import Actor, require_editor

router = APIRouter(route_class=PageRoute, include_in_schema=False)
#: Fields posted as several values (checkboxes).
LIST_FIELDS = frozenset({"partners", "indicator_ids"})
#: What the services say when they refuse someone adding an action.
ADD_ACTIONS = "add actions"


def entered_action(request: Request) -> dict[str, Any]:
    """The posted action fields (every field the services take, lists for the checkboxes)."""
    return {
        name: form(request).get(name, []) if name in LIST_FIELDS else field(request, name)
        for name in services.ACTION_FIELDS
    }


def saved_action(action: Action) -> dict[str, Any]:
    """The action's fields as the form shows them, with its version."""
    shown = serialise.action(action)
    return {**{name: shown[name] for name in services.ACTION_FIELDS}, "version": action.version}


def _render(
    request: Request,
    session: Session,
    actor: Actor,
    values: dict[str, Any],
    problem: Problem,
) -> HTMLResponse:
    chosen = values["form"]
    full = {
        **values,
        **problem_values(problem),
        "owners": owner_choices(session, actor),
        "organisations": organisation_names(session),
        "status_choices": [(s, s.capitalize()) for s in STATUSES],
        "indicator_groups": indicator_groups(list(chosen.get("indicator_ids") or [])),
    }
    return render(request, "tracker/action_form.html", full, actor=actor, status=status_of(problem))


def _add_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    number: int,
    entered: dict[str, Any] | None,
    problem: Problem,
) -> HTMLResponse:
    editor = require_editor(actor, ADD_ACTIONS)
    rec = services.get_recommendation(session, number)
    owners = owner_choices(session, editor)
    blank: dict[str, Any] = {
        **{name: [] if name in LIST_FIELDS else "" for name in services.ACTION_FIELDS},
        "owner_organisation": owners[0] if len(owners) == 1 else "",
        "status": ActionStatus.NOT_STARTED.value,
    }
    values = {
        "title": f"Add an action to recommendation {rec.number}",
        "rec": serialise.recommendation(rec),
        "action": None,
        "form": shown_form(blank, entered, problem),
        "post_to": f"{PREFIX}/recommendations/{rec.number}/actions/new",
        "back": f"{PREFIX}/recommendations/{rec.number}",
    }
    return _render(request, session, editor, values, problem)


@router.get("/recommendations/{number}/actions/new", response_class=HTMLResponse)
def add_action_form(request: Request, number: int) -> Response:
    """The form to add an action to a recommendation (editors and admins)."""
    with transaction(request) as (session, actor):
        return _add_page(request, session, actor, number, None, None)


@router.post("/recommendations/{number}/actions/new", response_class=HTMLResponse)
def add_action(request: Request, number: int) -> Response:
    """Add the action and show it; bad input shows the form again naming the field."""
    entered = entered_action(request)

    def save(session: Session, actor: Actor | None) -> str:
        action = services.create_action(session, actor, number, entered)
        return f"{PREFIX}/actions/{action.id}?saved=added"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _add_page(request, session, actor, number, entered, problem)

    return save_or_show(request, save, show)


def _edit_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    action_id: int,
    entered: dict[str, Any] | None,
    problem: Problem,
) -> HTMLResponse:
    action = services.get_action(session, action_id)
    editor = may_change_action(actor, action)
    rec = action.recommendation
    values = {
        "title": f"Edit action: {action.title}",
        "rec": serialise.recommendation(rec),
        "action": serialise.action(action),
        "form": shown_form(saved_action(action), entered, problem),
        "post_to": f"{PREFIX}/actions/{action.id}/edit",
        "back": f"{PREFIX}/actions/{action.id}",
    }
    return _render(request, session, editor, values, problem)


@router.get("/actions/{action_id}/edit", response_class=HTMLResponse)
def edit_action_form(request: Request, action_id: int) -> Response:
    """The form to change an action, filled with its saved fields and version."""
    with transaction(request) as (session, actor):
        return _edit_page(request, session, actor, action_id, None, None)


@router.post("/actions/{action_id}/edit", response_class=HTMLResponse)
def edit_action(request: Request, action_id: int) -> Response:
    """Save the fields the user changed, on the version the form was opened on; a stale form
    shows who changed the action first and keeps what the user entered."""
    entered = entered_action(request)

    def save(session: Session, actor: Actor | None) -> str:
        action = services.get_action(session, action_id)
        changed = save_changed(
            entered,
            saved_action(action),
            allowed=lambda: may_change_action(actor, action),
            update=lambda c: services.update_action(
                session, actor, action_id, version_field(request), c
            ),
        )
        return f"{PREFIX}/actions/{action_id}?saved={'changed' if changed else 'unchanged'}"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _edit_page(request, session, actor, action_id, entered, problem)

    return save_or_show(request, save, show)
