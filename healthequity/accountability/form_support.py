"""What the tracker's edit forms share: save in one transaction and go on, or show the form
again with the problem (422) or the conflict (409) and what the user entered; the fields a form
actually changes; and the choices the forms offer (owners, partners, themes, indicators)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from healthequity.accountability import services
from healthequity.accountability import validation as check
from healthequity.accountability.errors import Conflict
from healthequity.accountability.models import Action
from healthequity.accountability.page_support import redirect, transaction
from healthequity.auth.permissions import Actor, require_edit_for
from healthequity.errors import InputError
from healthequity.indicators.principles import PRINCIPLES

#: A refused save: bad input, someone else's change, or None (the form as first opened).
Problem = InputError | Conflict | None
#: Saves in the given transaction and returns the page to go to next.
Save = Callable[[Session, Actor | None], str]
#: Renders the form again, in a fresh transaction, with the problem.
Show = Callable[[Session, Actor | None, Problem], Response]


def save_or_show(request: Request, save: Save, show: Show) -> Response:
    """Run ``save``; on success go to the page it names, else roll back and ``show`` the form
    again with the problem (refusals such as 401/403 propagate to the error page)."""
    problem: InputError | Conflict
    try:
        with transaction(request) as (session, actor):
            target = save(session, actor)
    except (InputError, Conflict) as err:
        problem = err
    else:
        return redirect(target)
    with transaction(request) as (session, actor):
        return show(session, actor, problem)


def problem_values(problem: Problem) -> dict[str, Any]:
    """The template values of a problem: ``error`` (named field) or ``conflict``."""
    return {
        "error": problem if isinstance(problem, InputError) else None,
        "conflict": problem if isinstance(problem, Conflict) else None,
    }


def status_of(problem: Problem) -> int:
    """200 for a fresh form, 409 for a conflict, 422 for bad input."""
    if isinstance(problem, Conflict):
        return 409
    return 422 if isinstance(problem, InputError) else 200


def shown_form(
    saved: Mapping[str, Any], entered: Mapping[str, Any] | None, problem: Problem
) -> dict[str, Any]:
    """The form's values: the saved record, overlaid with what was entered; after a conflict the
    version is the record's current one, so saving again applies on top of the other change."""
    values = {**saved, **(entered or {})}
    if isinstance(problem, Conflict):
        values["version"] = problem.current_version
    return values


def _comparable(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return sorted(str(v).strip() for v in value if str(v).strip())
    return str(value).replace("\r\n", "\n").strip()


def changed_fields(entered: Mapping[str, Any], saved: Mapping[str, Any]) -> dict[str, Any]:
    """The entered fields that differ from the saved record (so a save, its audit entries and a
    conflict's "your changes" name only what the user changed)."""
    return {k: v for k, v in entered.items() if _comparable(v) != _comparable(saved.get(k))}


def save_changed(
    entered: Mapping[str, Any],
    saved: Mapping[str, Any],
    *,
    allowed: Callable[[], object],
    update: Callable[[dict[str, Any]], object],
) -> bool:
    """Save only the fields the user changed (``update``): True when something was saved. With
    nothing changed, nothing is saved (no new version) but ``allowed`` still checks the user."""
    changes = changed_fields(entered, saved)
    if not changes:
        allowed()
        return False
    update(changes)
    return True


def may_change_action(actor: Actor | None, action: Action) -> Actor:
    """The actor, if they may change ``action`` and its milestones (as the services check)."""
    owner = action.owner
    return require_edit_for(actor, owner.id, owner.name, f"change action {action.id}")


def owner_choices(session: Session, actor: Actor | None) -> list[str]:
    """The organisations the actor may make owners of an action: all for an admin, else theirs."""
    orgs = services.list_organisations(session)
    if actor is not None and actor.is_admin:
        return [o.name for o in orgs]
    mine = actor.organisation_ids if actor is not None else frozenset()
    return [o.name for o in orgs if o.id in mine]


def organisation_names(session: Session) -> list[str]:
    """Every organisation's name (partners, lead organisations)."""
    return [o.name for o in services.list_organisations(session)]


def theme_choices(session: Session) -> list[tuple[str, str]]:
    """(key, "1. Name") of every theme, in order."""
    return [(t.key, f"{t.number}. {t.name}") for t in services.list_themes(session)]


def indicator_groups(selected: list[str]) -> list[dict[str, Any]]:
    """The indicators one may link, under their Marmot principle: the active ones, and any
    already chosen (a retired one is marked; an id the catalogue lacks is listed last, so the
    save names it rather than dropping it silently)."""
    chosen = set(selected)
    catalogue = check.catalogue()
    groups: list[dict[str, Any]] = []
    for p in PRINCIPLES:
        rows = [
            {"id": d.id, "name": d.name, "retired": not d.is_active}
            for d in catalogue
            if d.principle == p.number and (d.is_active or d.id in chosen)
        ]
        groups.append(
            {
                "title": f"{p.number}. {p.title}",
                "indicators": rows,
                "chosen": sum(r["id"] in chosen for r in rows),
            }
        )
    unknown = [i for i in selected if i not in catalogue]
    if unknown:
        rows = [{"id": i, "name": i, "retired": False} for i in unknown]
        title = "Not in the indicator catalogue"
        groups.append({"title": title, "indicators": rows, "chosen": len(rows)})
    return groups
