"""The tracker's HTML pages: the board of recommendations by theme, a recommendation, an action
with its milestones, updates and the form to post one, actions needing attention, "my actions"
and the audit trail; sign-in, the admin pages and the forms that add and edit actions, milestones
and recommendations are added from their own modules.

Reading needs no sign-in; every change does, and every form carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from healthequity.accountability import audit, serialise, services
from healthequity.accountability.action_forms import router as action_forms_router
from healthequity.accountability.admin_pages import router as admin_router
from healthequity.accountability.errors import Conflict
from healthequity.accountability.form_support import (
    Problem,
    problem_values,
    save_or_show,
    status_of,
)
from healthequity.accountability.indicator_figures import linked_figures
from healthequity.accountability.milestone_forms import router as milestone_forms_router
from healthequity.accountability.models import (
    STATUSES,
    Action,
    ActionStatus,
    AuditEntry,
    ProgressUpdate,
)
from healthequity.accountability.page_support import (
    PREFIX,
    PageRoute,
    field,
    render,
    tracker,
    transaction,
    version_field,
)
from healthequity.accountability.recommendation_forms import router as recommendation_forms_router
from healthequity.accountability.session_pages import router as session_router
from healthequity.auth.errors import NotSignedIn, PermissionDenied
from healthequity.auth.permissions import Actor, can_edit_for
from healthequity.errors import InputError

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)
#: Audit entities anyone may read (user administration is for admins only).
PUBLIC_ENTITIES = (
    "action",
    "progress_update",
    "milestone",
    "recommendation",
    "theme",
    "organisation",
    "narrative",
)
#: The notices a form's redirect may ask a page to show (``?saved=``), by page.
ACTION_NOTICES = ("added", "changed", "unchanged", "milestone-added", "milestone-changed")
RECOMMENDATION_NOTICES = ("changed", "unchanged")


def _notice(request: Request, known: tuple[str, ...]) -> str | None:
    """The ``saved`` notice asked for, if it is one this page knows."""
    asked = request.query_params.get("saved")
    return asked if asked in known else None


def _action_row(a: Action, today: dt.date) -> dict[str, Any]:
    row = serialise.action(a, today=today)
    row["recommendation_text"] = a.recommendation.text
    if row["overdue"] and a.due_date is not None:
        row["days_overdue"] = (today - a.due_date).days
    return row


@router.get("", response_class=HTMLResponse)
def board(request: Request) -> Response:
    """The recommendations under each theme, with how many actions have each status."""
    with transaction(request) as (session, actor):
        recs = services.list_recommendations(session)
        groups: list[dict[str, Any]] = []
        for theme in [*services.list_themes(session), None]:
            mine = [r for r in recs if r.theme_id == (theme.id if theme else None)]
            if theme is None and not mine:
                continue
            groups.append(
                {
                    "theme": serialise.theme(theme) if theme else None,
                    "counts": serialise.status_counts(a for r in mine for a in r.actions),
                    "recommendations": [
                        {**serialise.recommendation(r), "actions": len(r.actions)} for r in mine
                    ],
                }
            )
        totals = serialise.status_counts(a for r in recs for a in r.actions)
        values = {
            "title": "Recommendations",
            "groups": groups,
            "totals": totals,
            "statuses": STATUSES,
            "attention": len(services.needing_attention(session, tracker(request).today())),
        }
        return render(request, "tracker/board.html", values, actor=actor)


@router.get("/recommendations/{number}", response_class=HTMLResponse)
def recommendation(request: Request, number: int) -> Response:
    """A recommendation: its actions, the updates on them, and its indicators' latest figures."""
    today = tracker(request).today()
    with transaction(request) as (session, actor):
        rec = services.get_recommendation(session, number)
        updates = sorted(
            (u for a in rec.actions for u in a.updates),
            key=lambda u: (u.update_date, u.posted_at, u.id),
            reverse=True,
        )
        ids = [*rec.indicator_ids, *(i for a in rec.actions for i in a.indicator_ids)]
        figures = linked_figures(request, ids)
        values = {
            "title": f"Recommendation {rec.number}",
            "rec": serialise.recommendation(rec),
            "rec_id": rec.id,
            "theme": serialise.theme(rec.theme) if rec.theme else None,
            "actions": [_action_row(a, today) for a in rec.actions],
            "updates": [_update_row(u) for u in updates],
            "figures": figures,
            "provenance": figures.provenance,
            "can_add": actor is not None and actor.role.value != "viewer",
            "can_change": actor is not None and actor.is_admin,
            "saved": _notice(request, RECOMMENDATION_NOTICES),
        }
        return render(request, "tracker/recommendation.html", values, actor=actor)


def _update_row(u: ProgressUpdate) -> dict[str, Any]:
    return {**serialise.progress_update(u), "action_title": u.action.title}


def _history(session: Session, action: Action) -> list[dict[str, Any]]:
    """Audit entries of the action, its progress updates and its milestones, newest first."""
    conditions = [(AuditEntry.entity == "action") & (AuditEntry.entity_id == action.id)]
    update_ids = [u.id for u in action.updates]
    milestone_ids = [m.id for m in action.milestones]
    if update_ids:
        conditions.append(
            (AuditEntry.entity == "progress_update") & AuditEntry.entity_id.in_(update_ids)
        )
    if milestone_ids:
        conditions.append(
            (AuditEntry.entity == "milestone") & AuditEntry.entity_id.in_(milestone_ids)
        )
    query = select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.id.desc()).limit(200)
    return [serialise.audit_entry(e) for e in session.scalars(query)]


def _action_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    action_id: int,
    *,
    entered: dict[str, Any] | None = None,
    error: InputError | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HTMLResponse:
    today = tracker(request).today()
    action = services.get_action(session, action_id)
    figures = linked_figures(request, action.indicator_ids)
    posted = request.query_params.get("posted")
    form_values = {
        "text": "",
        "update_date": today.isoformat(),
        "status": "",
        "version": action.version,
        **(entered or {}),
    }
    if conflict is not None:
        form_values["version"] = conflict.current_version
    values = {
        "title": action.title,
        "action": serialise.action(action, with_updates=True, today=today),
        "rec": serialise.recommendation(action.recommendation),
        "figures": figures,
        "provenance": figures.provenance,
        "history": _history(session, action),
        "can_edit": can_edit_for(actor, action.owner_organisation_id),
        "statuses": STATUSES,
        "form": form_values,
        "error": error,
        "conflict": conflict,
        "posted": int(posted) if posted and posted.isdigit() else None,
        "saved": _notice(request, ACTION_NOTICES),
    }
    return render(request, "tracker/action.html", values, actor=actor, status=status)


@router.get("/actions/{action_id}", response_class=HTMLResponse)
def action_page(request: Request, action_id: int) -> Response:
    """An action: status, owner, dates, milestones, updates, indicators, history, update form."""
    with transaction(request) as (session, actor):
        return _action_page(request, session, actor, action_id)


@router.post("/actions/{action_id}/updates", response_class=HTMLResponse)
def post_update(request: Request, action_id: int) -> Response:
    """Post progress with an optional status change; a stale form shows the conflict and keeps
    what the user wrote; bad input names the field and keeps it too."""
    entered = {
        "text": field(request, "text"),
        "update_date": field(request, "update_date"),
        "status": field(request, "status"),
    }

    def save(session: Session, actor: Actor | None) -> str:
        if actor is None:
            raise NotSignedIn(f"sign in to post updates on action {action_id}")
        update = services.add_progress_update(
            session,
            actor,
            action_id,
            entered["text"],
            update_date=entered["update_date"] or None,
            status=entered["status"] or None,
            version=version_field(request),
        )
        return f"{PREFIX}/actions/{action_id}?posted={update.id}#update-{update.id}"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _action_page(request, session, actor, action_id, entered=entered,
                            status=status_of(problem), **problem_values(problem))  # fmt: skip

    return save_or_show(request, save, show)


@router.get("/attention", response_class=HTMLResponse)
def attention(request: Request) -> Response:
    """Actions overdue (past their due date, not complete), and actions at risk or off track."""
    today = tracker(request).today()
    with transaction(request) as (session, actor):
        found = [_action_row(a, today) for a in services.needing_attention(session, today)]
        risky = (ActionStatus.AT_RISK.value, ActionStatus.OFF_TRACK.value)
        values = {
            "title": "Actions needing attention",
            "overdue": [a for a in found if a["overdue"]],
            "at_risk": [a for a in found if a["status"] in risky],
        }
        return render(request, "tracker/attention.html", values, actor=actor)


@router.get("/my-actions", response_class=HTMLResponse)
def my_actions(request: Request) -> Response:
    """The actions the signed-in user's organisations own (every action for an admin)."""
    today = tracker(request).today()
    with transaction(request) as (session, actor):
        if actor is None:
            raise NotSignedIn("sign in to see your actions")
        values = {
            "title": "My actions",
            "actions": [_action_row(a, today) for a in services.my_actions(session, actor)],
        }
        return render(request, "tracker/my_actions.html", values, actor=actor)


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(
    request: Request, entity: str = "", entity_id: str = "", limit: int = 200
) -> Response:
    """Every change, newest first: who, when, which record, which field, before and after."""
    with transaction(request) as (session, actor):
        admin = actor is not None and actor.is_admin
        entities = (*PUBLIC_ENTITIES, "user") if admin else PUBLIC_ENTITIES
        if entity and entity not in entities:
            if entity == "user":
                raise PermissionDenied("only an admin may read the audit trail of users")
            raise InputError(
                f"entity: unknown record type {entity!r}; expected one of: {', '.join(entities)}",
                field="entity",
            )
        record_id: int | None = None
        if entity_id.strip():
            if not entity_id.strip().isdigit():
                raise InputError(
                    f"entity_id: {entity_id!r} is not a record number", field="entity_id"
                )
            record_id = int(entity_id)
        found = audit.entries(
            session,
            entity=entity or None,
            entity_id=record_id,
            exclude=() if admin else ("user",),
            limit=max(1, min(limit, 1000)),
        )
        values = {
            "title": "Audit trail",
            "entries": [serialise.audit_entry(e) for e in found],
            "entities": entities,
            "entity": entity,
            "entity_id": entity_id,
            "limit": limit,
        }
        return render(request, "tracker/audit.html", values, actor=actor)


router.include_router(session_router)
router.include_router(admin_router)
router.include_router(action_forms_router)
router.include_router(milestone_forms_router)
router.include_router(recommendation_forms_router)
