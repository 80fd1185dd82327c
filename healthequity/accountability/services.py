"""Create, read and update the tracker's records, with permission checks, validation,
optimistic locking and an audit entry for every changed field, all in the caller's transaction.

Every function takes a SQLAlchemy session and, for changes, the acting user (None: not signed in).
Bad input raises InputError naming the field before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from healthequity.accountability import audit, locking
from healthequity.accountability import validation as check
from healthequity.accountability.errors import NotFound
from healthequity.accountability.models import (
    Action,
    ActionIndicator,
    ActionStatus,
    Milestone,
    ProgressUpdate,
    Recommendation,
    RecommendationIndicator,
    Theme,
)
from healthequity.auth.models import Organisation
from healthequity.auth.permissions import Actor, require_admin, require_edit_for, require_editor
from healthequity.store.database import utcnow

ACTION_FIELDS = (
    "title",
    "description",
    "owner_organisation",
    "owner_name",
    "partners",
    "start_date",
    "due_date",
    "status",
    "indicator_ids",
)
RECOMMENDATION_FIELDS = ("text", "theme", "lead_organisation", "indicator_ids")
THEME_FIELDS = ("name", "aim")
MILESTONE_FIELDS = ("title", "due_date", "completed_on")


# --- organisations -------------------------------------------------------------------------


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """The organisation with this id."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    return org


def create_organisation(session: Session, actor: Actor | None, name: str) -> Organisation:
    """Add an organisation (admins only); names are unique ignoring case."""
    actor = require_admin(actor, "add organisations")
    name = check.text(name, "name", max_length=200)
    _unique_organisation(session, name)
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    audit.record(session, actor, "create", "organisation", org.id, {}, {"name": name})
    return org


def rename_organisation(
    session: Session, actor: Actor | None, organisation_id: int, version: int | None, name: str
) -> Organisation:
    """Rename an organisation (admins only)."""
    actor = require_admin(actor, "rename organisations")
    org = get_organisation(session, organisation_id)
    locking.check(session, "organisation", org.id, version, org.version, {"name": name})
    name = check.text(name, "name", max_length=200)
    if name.casefold() != org.name.casefold():
        _unique_organisation(session, name)
    before = {"name": org.name}
    org.name = name
    locking.flush(session, "organisation", Organisation, org.id, version, {"name": name})
    audit.record(session, actor, "update", "organisation", org.id, before, {"name": name})
    return org


def _unique_organisation(session: Session, name: str) -> None:
    for org in list_organisations(session):
        if org.name.casefold() == name.casefold():
            raise check.InputError(
                f"name: an organisation called {org.name!r} already exists", field="name"
            )


# --- themes and recommendations ------------------------------------------------------------


def list_themes(session: Session) -> list[Theme]:
    """The themes in their order."""
    return list(session.scalars(select(Theme).order_by(Theme.number)))


def get_theme(session: Session, key: str) -> Theme:
    """The theme with this key (e.g. 'leadership_accountability')."""
    theme = session.scalar(select(Theme).where(Theme.key == key))
    if theme is None:
        keys = ", ".join(t.key for t in list_themes(session)) or "none yet"
        raise NotFound(f"no theme {key!r}; themes: {keys}")
    return theme


def _theme_or_none(session: Session, key: Any) -> Theme | None:
    if key is None or key == "":
        return None
    try:
        return get_theme(session, str(key))
    except NotFound as err:
        raise check.InputError(f"theme: {err}", field="theme", values=[key]) from None


def save_theme(
    session: Session, actor: Actor | None, *, key: str, number: int, name: str, aim: str
) -> Theme:
    """Create a theme, or update its number, name and aim (admins and the importer)."""
    actor = require_admin(actor, "change themes")
    key = check.text(key, "key", max_length=60)
    fields = {
        "number": int(number),
        "name": check.text(name, "name", max_length=200),
        "aim": check.text(aim, "aim", max_length=2000),
    }
    theme = session.scalar(select(Theme).where(Theme.key == key))
    if theme is None:
        theme = Theme(key=key, **fields)
        session.add(theme)
        session.flush()
        audit.record(session, actor, "create", "theme", theme.id, {}, {"key": key, **fields})
        return theme
    before = {"number": theme.number, "name": theme.name, "aim": theme.aim}
    for name_, value in fields.items():
        setattr(theme, name_, value)
    session.flush()
    audit.record(session, actor, "update", "theme", theme.id, before, fields)
    return theme


def update_theme(
    session: Session, actor: Actor | None, key: str, version: int | None, changes: Mapping[str, Any]
) -> Theme:
    """Change a theme's name or aim (admins only), on the version the user saw."""
    actor = require_admin(actor, "change themes")
    theme = get_theme(session, key)
    check.known_fields(dict(changes), THEME_FIELDS, "a theme")
    locking.check(session, "theme", theme.id, version, theme.version, changes)
    new = {
        "name": check.text(changes.get("name", theme.name), "name", max_length=200),
        "aim": check.text(changes.get("aim", theme.aim), "aim", max_length=2000),
    }
    before = {"name": theme.name, "aim": theme.aim}
    theme.name, theme.aim = new["name"], new["aim"]
    locking.flush(session, "theme", Theme, theme.id, version, changes)
    audit.record(session, actor, "update", "theme", theme.id, before, new)
    return theme


def list_recommendations(session: Session, theme: str | None = None) -> list[Recommendation]:
    """Every recommendation by number, or those of one theme."""
    query = select(Recommendation).order_by(Recommendation.number)
    if theme is not None:
        query = query.where(Recommendation.theme_id == get_theme(session, theme).id)
    return list(session.scalars(query))


def get_recommendation(session: Session, number: int) -> Recommendation:
    """The recommendation with this number."""
    rec = session.scalar(select(Recommendation).where(Recommendation.number == number))
    if rec is None:
        raise NotFound(f"no recommendation number {number}")
    return rec


def recommendation_fields(rec: Recommendation) -> dict[str, Any]:
    return {
        "text": rec.text,
        "theme": rec.theme.key if rec.theme else None,
        "lead_organisation": rec.lead_organisation.name if rec.lead_organisation else None,
        "indicator_ids": rec.indicator_ids,
    }


def _resolve_recommendation(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    lead = values.get("lead_organisation")
    return {
        "text": check.text(values.get("text"), "text", max_length=5000),
        "theme": _theme_or_none(session, values.get("theme")),
        "lead_organisation": (
            check.organisation(session, lead, "lead_organisation") if lead else None
        ),
        "indicator_ids": check.indicator_ids(values.get("indicator_ids") or []),
    }


def _apply_recommendation(rec: Recommendation, resolved: Mapping[str, Any]) -> None:
    rec.text = resolved["text"]
    rec.theme = resolved["theme"]
    rec.lead_organisation = resolved["lead_organisation"]
    rec.indicator_links = [
        RecommendationIndicator(indicator_id=i) for i in resolved["indicator_ids"]
    ]


def save_recommendation(
    session: Session,
    actor: Actor | None,
    *,
    number: int,
    text: str,
    theme: str | None = None,
    lead_organisation: str | None = None,
    indicator_ids: Sequence[str] = (),
) -> Recommendation:
    """Create a recommendation, or replace its fields (admins and the importer)."""
    actor = require_admin(actor, "change recommendations")
    if int(number) < 1:
        raise check.InputError(f"number: {number} is not a positive whole number", field="number")
    values = {
        "text": text,
        "theme": theme,
        "lead_organisation": lead_organisation,
        "indicator_ids": indicator_ids,
    }
    resolved = _resolve_recommendation(session, values)
    rec = session.scalar(select(Recommendation).where(Recommendation.number == number))
    if rec is None:
        rec = Recommendation(number=int(number))
        _apply_recommendation(rec, resolved)
        session.add(rec)
        session.flush()
        after = {"number": rec.number, **recommendation_fields(rec)}
        audit.record(session, actor, "create", "recommendation", rec.id, {}, after)
        return rec
    before = recommendation_fields(rec)
    _apply_recommendation(rec, resolved)
    session.flush()
    audit.record(
        session, actor, "update", "recommendation", rec.id, before, recommendation_fields(rec)
    )
    return rec


def update_recommendation(
    session: Session,
    actor: Actor | None,
    number: int,
    version: int | None,
    changes: Mapping[str, Any],
) -> Recommendation:
    """Change a recommendation's text, theme, lead organisation or indicators (admins only)."""
    actor = require_admin(actor, "change recommendations")
    rec = get_recommendation(session, number)
    check.known_fields(dict(changes), RECOMMENDATION_FIELDS, "a recommendation")
    locking.check(session, "recommendation", rec.id, version, rec.version, changes)
    before = recommendation_fields(rec)
    resolved = _resolve_recommendation(session, {**before, **changes})
    _apply_recommendation(rec, resolved)
    flag_modified(rec, "text")  # always one guarded UPDATE, even when only the links change
    locking.flush(session, "recommendation", Recommendation, rec.id, version, changes)
    after = recommendation_fields(rec)
    audit.record(session, actor, "update", "recommendation", rec.id, before, after)
    return rec


# --- actions -------------------------------------------------------------------------------


def list_actions(
    session: Session,
    *,
    recommendation: int | None = None,
    organisation: str | None = None,
    status: str | None = None,
) -> list[Action]:
    """Actions, optionally of one recommendation, one owning organisation or one status."""
    query = select(Action).order_by(Action.id)
    if recommendation is not None:
        query = query.where(
            Action.recommendation_id == get_recommendation(session, recommendation).id
        )
    if organisation is not None:
        org = check.organisation(session, organisation, "organisation")
        query = query.where(Action.owner_organisation_id == org.id)
    if status is not None:
        query = query.where(Action.status == check.status(status))
    return list(session.scalars(query))


def get_action(session: Session, action_id: int) -> Action:
    """The action with this id."""
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound(f"no action with id {action_id}")
    return action


def action_fields(action: Action) -> dict[str, Any]:
    return {
        "title": action.title,
        "description": action.description,
        "owner_organisation": action.owner.name,
        "owner_name": action.owner_name,
        "partners": [p.name for p in action.partners],
        "start_date": action.start_date,
        "due_date": action.due_date,
        "status": action.status,
        "indicator_ids": action.indicator_ids,
    }


def _resolve_action(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every action field checked and resolved (organisations looked up by name)."""
    owner = check.organisation(session, values.get("owner_organisation"), "owner_organisation")
    partners = check.organisations(session, values.get("partners"), "partners")
    start = check.date(values.get("start_date"), "start_date")
    due = check.date(values.get("due_date"), "due_date")
    check.date_order(start, due)
    return {
        "title": check.text(values.get("title"), "title", max_length=300),
        "description": check.text(
            values.get("description"), "description", max_length=10000, required=False
        ),
        "owner": owner,
        "owner_name": check.text(
            values.get("owner_name"), "owner_name", max_length=200, required=False
        ),
        "partners": [p for p in partners if p.id != owner.id],
        "start_date": start,
        "due_date": due,
        "status": check.status(values.get("status") or ActionStatus.NOT_STARTED.value),
        "indicator_ids": check.indicator_ids(values.get("indicator_ids") or []),
    }


def _apply_action(action: Action, resolved: Mapping[str, Any]) -> None:
    for name in (
        "title",
        "description",
        "owner",
        "owner_name",
        "partners",
        "start_date",
        "due_date",
        "status",
    ):
        setattr(action, name, resolved[name])
    current = action.indicator_ids
    if current != resolved["indicator_ids"]:
        action.indicator_links = [
            ActionIndicator(indicator_id=i) for i in resolved["indicator_ids"]
        ]


def create_action(
    session: Session, actor: Actor | None, recommendation: int, values: Mapping[str, Any]
) -> Action:
    """Add an action to a recommendation. Editors may add actions their organisations own."""
    require_editor(actor, "add actions")
    check.known_fields(dict(values), ACTION_FIELDS, "an action")
    rec = get_recommendation(session, recommendation)
    resolved = _resolve_action(session, values)
    owner: Organisation = resolved["owner"]
    actor = require_edit_for(
        actor, owner.id, owner.name, "add an action owned by that organisation"
    )
    action = Action(recommendation=rec)
    _apply_action(action, resolved)
    session.add(action)
    session.flush()
    after = {"recommendation": rec.number, **action_fields(action)}
    audit.record(session, actor, "create", "action", action.id, {}, after)
    return action


def update_action(
    session: Session,
    actor: Actor | None,
    action_id: int,
    version: int | None,
    changes: Mapping[str, Any],
) -> Action:
    """Change an action saved on ``version``; a stale version is refused (Conflict)."""
    action = get_action(session, action_id)
    actor = require_edit_for(
        actor, action.owner_organisation_id, action.owner.name, f"change action {action.id}"
    )
    check.known_fields(dict(changes), ACTION_FIELDS, "an action")
    locking.check(session, "action", action.id, version, action.version, changes)
    before = action_fields(action)
    resolved = _resolve_action(session, {**before, **changes})
    new_owner: Organisation = resolved["owner"]
    if new_owner.id != action.owner_organisation_id:
        require_edit_for(actor, new_owner.id, new_owner.name, "give an action to that organisation")
    _apply_action(action, resolved)
    action.updated_at = utcnow()
    locking.flush(session, "action", Action, action.id, version, changes)
    audit.record(session, actor, "update", "action", action.id, before, action_fields(action))
    return action


def my_actions(session: Session, actor: Actor) -> list[Action]:
    """The actions the user's organisations own (all of them for an admin)."""
    query = select(Action).order_by(Action.due_date, Action.id)
    if not actor.is_admin:
        query = query.where(Action.owner_organisation_id.in_(list(actor.organisation_ids)))
    return list(session.scalars(query))


def needing_attention(session: Session, today: dt.date | None = None) -> list[Action]:
    """Actions overdue (due before ``today``, not complete), at risk or off track."""
    today = today or dt.date.today()
    query = (
        select(Action)
        .where(
            (Action.status.in_([ActionStatus.AT_RISK.value, ActionStatus.OFF_TRACK.value]))
            | ((Action.due_date < today) & (Action.status != ActionStatus.COMPLETE.value))
        )
        .order_by(Action.due_date, Action.id)
    )
    return list(session.scalars(query))


def is_overdue(action: Action, today: dt.date | None = None) -> bool:
    """True when the due date has passed and the action is not complete."""
    today = today or dt.date.today()
    return (
        action.due_date is not None
        and action.due_date < today
        and action.status != ActionStatus.COMPLETE.value
    )


# --- milestones and progress updates -------------------------------------------------------


def _milestone_fields(m: Milestone) -> dict[str, Any]:
    return {"title": m.title, "due_date": m.due_date, "completed_on": m.completed_on}


def add_milestone(
    session: Session, actor: Actor | None, action_id: int, values: Mapping[str, Any]
) -> Milestone:
    """Add a milestone to an action (editors of its owner, admins)."""
    action = get_action(session, action_id)
    actor = require_edit_for(
        actor, action.owner_organisation_id, action.owner.name, f"change action {action.id}"
    )
    check.known_fields(dict(values), MILESTONE_FIELDS, "a milestone")
    milestone = Milestone(
        action=action,
        title=check.text(values.get("title"), "title", max_length=300),
        due_date=check.date(values.get("due_date"), "due_date"),
        completed_on=check.date(values.get("completed_on"), "completed_on"),
    )
    session.add(milestone)
    session.flush()
    after = {"action": action.id, **_milestone_fields(milestone)}
    audit.record(session, actor, "create", "milestone", milestone.id, {}, after)
    return milestone


def update_milestone(
    session: Session,
    actor: Actor | None,
    milestone_id: int,
    version: int | None,
    changes: Mapping[str, Any],
) -> Milestone:
    """Change a milestone (e.g. mark it complete) saved on ``version``."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    action = milestone.action
    actor = require_edit_for(
        actor, action.owner_organisation_id, action.owner.name, f"change action {action.id}"
    )
    check.known_fields(dict(changes), MILESTONE_FIELDS, "a milestone")
    locking.check(session, "milestone", milestone.id, version, milestone.version, changes)
    before = _milestone_fields(milestone)
    values = {**before, **changes}
    milestone.title = check.text(values["title"], "title", max_length=300)
    milestone.due_date = check.date(values["due_date"], "due_date")
    milestone.completed_on = check.date(values["completed_on"], "completed_on")
    locking.flush(session, "milestone", Milestone, milestone.id, version, changes)
    audit.record(
        session, actor, "update", "milestone", milestone.id, before, _milestone_fields(milestone)
    )
    return milestone


def add_progress_update(
    session: Session,
    actor: Actor | None,
    action_id: int,
    text: str,
    *,
    update_date: dt.date | str | None = None,
    status: str | None = None,
    version: int | None = None,
) -> ProgressUpdate:
    """Post dated progress on an action, optionally changing its status. A status change is a
    change to the action, so it needs the action's current ``version``."""
    action = get_action(session, action_id)
    actor = require_edit_for(
        actor,
        action.owner_organisation_id,
        action.owner.name,
        f"post updates on action {action.id}",
    )
    body = check.text(text, "text", max_length=10000)
    when = check.date(update_date, "update_date") or dt.date.today()
    new_status = check.status(status) if status not in (None, "") else None
    changed = new_status is not None and new_status != action.status
    if changed or version is not None:
        attempted = {"text": body, "status": new_status}
        locking.check(session, "action", action.id, version, action.version, attempted)
    update = ProgressUpdate(
        action=action,
        user_id=actor.user_id,
        author=actor.display_name,
        update_date=when,
        text=body,
        status_before=action.status if changed else None,
        status_after=new_status if changed else None,
    )
    session.add(update)
    if changed:
        before = action.status
        action.status = new_status  # type: ignore[assignment]
        action.updated_at = utcnow()
        locking.flush(
            session, "action", Action, action.id, version, {"text": body, "status": new_status}
        )
        audit.record(
            session,
            actor,
            "update",
            "action",
            action.id,
            {"status": before},
            {"status": new_status},
        )
    session.flush()
    after = {
        "action": action.id,
        "update_date": when,
        "text": body,
        "status_after": update.status_after,
    }
    audit.record(session, actor, "create", "progress_update", update.id, {}, after)
    return update
