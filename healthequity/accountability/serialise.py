"""The tracker's records as JSON-ready dictionaries (one shape for the API and the pages)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from healthequity.accountability.models import (
    STATUSES,
    Action,
    AuditEntry,
    Milestone,
    ProgressUpdate,
    Recommendation,
    Theme,
)
from healthequity.accountability.narrative import Narrative
from healthequity.accountability.services import is_overdue
from healthequity.auth.models import Organisation, User


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def status_counts(actions: Iterable[Action]) -> dict[str, int]:
    """How many actions have each status (every status present, zero if none)."""
    counts = Counter(a.status for a in actions)
    return {s: counts.get(s, 0) for s in STATUSES}


def organisation(org: Organisation) -> dict[str, Any]:
    """An organisation."""
    return {"id": org.id, "name": org.name, "version": org.version}


def theme(t: Theme) -> dict[str, Any]:
    """A theme, without its recommendations."""
    return {"key": t.key, "number": t.number, "name": t.name, "aim": t.aim, "version": t.version}


def recommendation(rec: Recommendation, *, with_actions: bool = False) -> dict[str, Any]:
    """A recommendation with its action status counts (and its actions if asked)."""
    out: dict[str, Any] = {
        "number": rec.number,
        "theme": rec.theme.key if rec.theme else None,
        "text": rec.text,
        "lead_organisation": rec.lead_organisation.name if rec.lead_organisation else None,
        "indicator_ids": rec.indicator_ids,
        "status_counts": status_counts(rec.actions),
        "version": rec.version,
    }
    if with_actions:
        out["actions"] = [action(a) for a in rec.actions]
    return out


def milestone(m: Milestone) -> dict[str, Any]:
    """A milestone."""
    return {
        "id": m.id,
        "action_id": m.action_id,
        "title": m.title,
        "due_date": _date(m.due_date),
        "completed_on": _date(m.completed_on),
        "version": m.version,
    }


def progress_update(u: ProgressUpdate) -> dict[str, Any]:
    """A progress update."""
    return {
        "id": u.id,
        "action_id": u.action_id,
        "author": u.author,
        "update_date": _date(u.update_date),
        "posted_at": _time(u.posted_at),
        "text": u.text,
        "status_before": u.status_before,
        "status_after": u.status_after,
    }


def action(
    a: Action, *, with_updates: bool = False, today: dt.date | None = None
) -> dict[str, Any]:
    """An action with its owner, partners, milestones (and updates if asked)."""
    out: dict[str, Any] = {
        "id": a.id,
        "recommendation": a.recommendation.number,
        "title": a.title,
        "description": a.description,
        "owner_organisation": a.owner.name,
        "owner_name": a.owner_name,
        "partners": [p.name for p in a.partners],
        "start_date": _date(a.start_date),
        "due_date": _date(a.due_date),
        "status": a.status,
        "overdue": is_overdue(a, today),
        "indicator_ids": a.indicator_ids,
        "milestones": [milestone(m) for m in a.milestones],
        "updated_at": _time(a.updated_at),
        "version": a.version,
    }
    if with_updates:
        out["updates"] = [progress_update(u) for u in reversed(a.updates)]
    return out


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    """An audit entry."""
    return {
        "id": e.id,
        "at": _time(e.at),
        "actor": e.actor,
        "operation": e.operation,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "field": e.field,
        "before": e.before,
        "after": e.after,
    }


def user(u: User) -> dict[str, Any]:
    """A user (never the password hash)."""
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "organisations": [o.name for o in u.organisations],
        "active": u.active,
        "version": u.version,
    }


def narrative(n: Narrative) -> dict[str, Any]:
    """A reporting year's narrative: its three sections, who saved it last, when, its version."""
    return {
        "year": n.year,
        **n.texts(),
        "updated_by": n.updated_by,
        "updated_at": _time(n.updated_at),
        "version": n.version,
    }
