"""The admins' page to change a recommendation: its wording, theme, lead organisation and the
indicators that measure it, saved by the services on the version the admin saw."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from healthequity.accountability import serialise, services
from healthequity.accountability.form_support import (
    Problem,
    indicator_groups,
    organisation_names,
    problem_values,
    save_changed,
    save_or_show,
    shown_form,
    status_of,
    theme_choices,
)
from healthequity.accountability.models import Recommendation
from healthequity.accountability.page_support import (
    PREFIX,
    PageRoute,
    field,
    form,
    render,
    transaction,
    version_field,
)
from healthequity.auth.permissions import Actor, require_admin

router = APIRouter(route_class=PageRoute, include_in_schema=False)
#: What the services say when they refuse someone changing a recommendation.
CHANGE_RECOMMENDATIONS = "change recommendations"


def entered_recommendation(request: Request) -> dict[str, Any]:
    """The posted recommendation fields (every field the services let one change)."""
    return {
        name: form(request).get(name, []) if name == "indicator_ids" else field(request, name)
        for name in services.RECOMMENDATION_FIELDS
    }


def saved_recommendation(rec: Recommendation) -> dict[str, Any]:
    """The recommendation's fields as the form shows them, with its version."""
    shown = serialise.recommendation(rec)
    return {name: shown[name] for name in (*services.RECOMMENDATION_FIELDS, "version")}


def _page(
    request: Request,
    session: Session,
    actor: Actor | None,
    number: int,
    entered: dict[str, Any] | None,
    problem: Problem,
) -> HTMLResponse:
    admin = require_admin(actor, CHANGE_RECOMMENDATIONS)
    rec = services.get_recommendation(session, number)
    shown = shown_form(saved_recommendation(rec), entered, problem)
    values = {
        "title": f"Change recommendation {rec.number}",
        "rec": serialise.recommendation(rec),
        "form": shown,
        "themes": theme_choices(session),
        "organisations": organisation_names(session),
        "indicator_groups": indicator_groups(list(shown.get("indicator_ids") or [])),
        **problem_values(problem),
    }
    return render(
        request, "tracker/recommendation_form.html", values, actor=admin, status=status_of(problem)
    )


@router.get("/recommendations/{number}/edit", response_class=HTMLResponse)
def edit_recommendation_form(request: Request, number: int) -> Response:
    """The form to change a recommendation (admins), filled with its saved fields."""
    with transaction(request) as (session, actor):
        return _page(request, session, actor, number, None, None)


@router.post("/recommendations/{number}/edit", response_class=HTMLResponse)
def edit_recommendation(request: Request, number: int) -> Response:
    """Save the fields the admin changed, on the version the form was opened on."""
    entered = entered_recommendation(request)

    def save(session: Session, actor: Actor | None) -> str:
        changed = save_changed(
            entered,
            saved_recommendation(services.get_recommendation(session, number)),
            allowed=lambda: require_admin(actor, CHANGE_RECOMMENDATIONS),
            update=lambda c: services.update_recommendation(
                session, actor, number, version_field(request), c
            ),
        )
        return f"{PREFIX}/recommendations/{number}?saved={'changed' if changed else 'unchanged'}"

    def show(session: Session, actor: Actor | None, problem: Problem) -> Response:
        return _page(request, session, actor, number, entered, problem)

    return save_or_show(request, save, show)
