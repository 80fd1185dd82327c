"""The pages to add a milestone to an action and to change one (its title, due date and the
date it was completed): editors of the action's owner and admins, saved by the services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from healthequity.accountability import serialise, services
from healthequity.accountability.errors import NotFound
from healthequity.accountability.form_support import (
    Problem,
    may_change_action,
    problem_values,
    save_changed,
    save_or_show,
    shown_form,
    status_of,
)
from healthequity.accountability.models import Action, Milestone
from healthequity.accountability.page_support import (
    PREFIX,
    PageRoute,
    field,
    render,
    transaction,
    version_field,
)
from healthequity.auth.permissions import Actor

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def get_milestone(session: Session, milestone_id: int) -> Milestone:
    """The milestone with this id."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    return milestone


def entered_milestone(request: Request) -> dict[str, Any]:
    """The posted milestone fields (every field the services take)."""
    return {name: field(request, name) for name in services.MILESTONE_FIELDS}


def saved_milestone(milestone: Milestone) -> dict[str, Any]:
    """The milestone's fields as the form shows them, with its version."""
    shown = serialise.milestone(milestone)
    return {name: shown[name] for name in (*services.MILESTONE_FIELDS, "version")}


def _page(
    request: Request,
    actor: Actor,
    action: Action,
    milestone: Milestone | None,
    shown: dict[str, Any],
    problem: Problem,
) -> HTMLResponse:
    values = {
        "title": f"Change milestone: {milestone.title}" if milestone else "Add a milestone",
        "action": serialise.action(action),
        "milestone": serialise.milestone(milestone) if milestone else None,
        "form": shown,
        "post_to": f"{PREFIX}/milestones/{milestone.id}/edit"
        if milestone
        else f"{PREFIX}/actions/{action.id}/milestones/new",
        "back": f"{PREFIX}/actions/{action.id}",
        **problem_values(problem),
    }
    return render(
        request, "tracker/milestone_form.html", values, actor=actor, status=status_of(problem)
    )


def _add_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    action_id: int,
    entered: dict[str, Any] | None,
    problem: Problem,
) -> HTMLResponse:
    action = services.get_action(session, action_id)
    editor = may_change_action(actor, action)
    blank = dict.fromkeys(services.MILESTONE_FIELDS, "")
    return _page(request, editor, action, None, shown_form(blank, entered, problem), problem)


@router.get("/actions/{action_id}/milestones/new", response_class=HTMLResponse)
def add_milestone_form(request: Request, action_id: int) -> Response:
    """The form to add a milestone to an action."""
    with transaction(request) as (session, actor):
        return _add_page(request, session, actor, action_id, None, None)


@router.post("/actions/{action_id}/milestones/new", response_class=HTMLResponse)
def add_milestone(request: Request, action_id: int) -> Response:
    """Add the milestone and show it on the action's page."""
    entered = entered_milestone(request)

    def save(session: Session, actor: Actor | None) -> str:
        milestone = services.add_milestone(session, actor, action_id, entered)
        return f"{PREFIX}/actions/{action_id}?saved=milestone-added#milestone-{milestone.id}"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _add_page(request, session, actor, action_id, entered, problem)

    return save_or_show(request, save, show)


def _edit_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    milestone_id: int,
    entered: dict[str, Any] | None,
    problem: Problem,
) -> HTMLResponse:
    milestone = get_milestone(session, milestone_id)
    editor = may_change_action(actor, milestone.action)
    shown = shown_form(saved_milestone(milestone), entered, problem)
    return _page(request, editor, milestone.action, milestone, shown, problem)


@router.get("/milestones/{milestone_id}/edit", response_class=HTMLResponse)
def edit_milestone_form(request: Request, milestone_id: int) -> Response:
    """The form to change a milestone, filled with its saved fields and version."""
    with transaction(request) as (session, actor):
        return _edit_page(request, session, actor, milestone_id, None, None)


@router.post("/milestones/{milestone_id}/edit", response_class=HTMLResponse)
def edit_milestone(request: Request, milestone_id: int) -> Response:
    """Save the fields the user changed, on the version the form was opened on."""
    entered = entered_milestone(request)

    def save(session: Session, actor: Actor | None) -> str:
        milestone = get_milestone(session, milestone_id)
        changed = save_changed(
            entered,
            saved_milestone(milestone),
            allowed=lambda: may_change_action(actor, milestone.action),
            update=lambda c: services.update_milestone(
                session, actor, milestone_id, version_field(request), c
            ),
        )
        saved = "milestone-changed" if changed else "unchanged"
        return f"{PREFIX}/actions/{milestone.action_id}?saved={saved}#milestone-{milestone_id}"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _edit_page(request, session, actor, milestone_id, entered, problem)

    return save_or_show(request, save, show)
