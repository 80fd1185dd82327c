"""The assessment's workflow: draft -> submitted -> signed off (by a named senior sponsor) ->
published -> reviewed, with the moves back (withdraw, return, reopen). A move not allowed from
the current status is refused, naming both; every move is audited and kept as a version."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from healthequity.accountability import locking
from healthequity.accountability import validation as check
from healthequity.assessment import serialise, services
from healthequity.assessment import validation as valid
from healthequity.assessment.models import Assessment
from healthequity.assessment.vocab import DIMENSIONS, Rating, Status
from healthequity.auth.errors import PermissionDenied
from healthequity.auth.permissions import Actor, can_edit_for, require_edit_for, signed_in
from healthequity.errors import HealthEquityError, InputError
from healthequity.store.database import utcnow


class TransitionRefused(HealthEquityError):
    """A workflow move that is not allowed from the assessment's current status."""


@dataclass(frozen=True)
class Move:
    """A workflow move: its name, from which statuses, to which, who may make it."""

    name: str
    label: str
    sources: tuple[Status, ...]
    target: Status
    by: str  # 'editor' (of the organisation), 'sponsor', or 'either'


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("submit", "Submit for sign-off", (Status.DRAFT,), Status.SUBMITTED, "editor"),
        Move("withdraw", "Withdraw to draft", (Status.SUBMITTED,), Status.DRAFT, "editor"),
        Move("return", "Return to draft", (Status.SUBMITTED,), Status.DRAFT, "sponsor"),
        Move("sign_off", "Sign off", (Status.SUBMITTED,), Status.SIGNED_OFF, "sponsor"),
        Move("publish", "Publish summary", (Status.SIGNED_OFF,), Status.PUBLISHED, "either"),
        Move(
            "review",
            "Record the review",
            (Status.PUBLISHED, Status.REVIEWED),
            Status.REVIEWED,
            "editor",
        ),
        Move("reopen", "Reopen as a draft", (Status.REVIEWED,), Status.DRAFT, "editor"),
    )
}


def allowed_moves(a: Assessment) -> list[Move]:
    """The moves open from the assessment's status (whoever may make them)."""
    return [m for m in MOVES.values() if Status(a.status) in m.sources]


def completeness(a: Assessment, today: dt.date) -> list[InputError]:
    """What a draft lacks before it can be submitted (empty when complete)."""
    problems: list[InputError] = []
    if not a.areas:
        problems.append(InputError("areas: name at least one ward or LSOA", field="areas"))
    for d in DIMENSIONS:
        i = a.impact(d.key)
        if i is None:
            problems.append(
                InputError(f"impacts.{d.key}.rating: rate '{d.label}'", field=f"impacts.{d.key}")
            )
        elif i.rating == Rating.NEGATIVE and not i.rationale:
            problems.append(
                InputError(
                    f"impacts.{d.key}.rationale: a negative rating needs a rationale",
                    field=f"impacts.{d.key}.rationale",
                )
            )
    negative = any(i.rating == Rating.NEGATIVE for i in a.impacts)
    if negative and not a.mitigations:
        problems.append(
            InputError(
                "mitigations: a negative impact needs at least one mitigation",
                field="mitigations",
            )
        )
    if not a.monitoring:
        problems.append(
            InputError("monitoring: choose at least one indicator to monitor", field="monitoring")
        )
    if a.review_date < today:
        problems.append(
            InputError(
                f"review_date: {a.review_date.isoformat()} is in the past; set a new one",
                field="review_date",
            )
        )
    return problems


def _authorise(session: Session, actor: Actor | None, a: Assessment, move: Move) -> Actor:
    what = f"{move.label.lower()} assessment {a.id}"
    if move.by == "editor" or (move.by == "either" and can_edit_for(actor, a.organisation_id)):
        return require_edit_for(actor, a.organisation_id, a.organisation.name, what)
    if move.by == "either" and services.sponsor_of(session, actor) is None:
        return require_edit_for(actor, a.organisation_id, a.organisation.name, what)
    actor = signed_in(actor, what)
    sponsor = services.sponsor_of(session, actor)
    if sponsor is None:
        raise PermissionDenied(
            f"{actor.username} may not {what}: only a named senior sponsor may (an admin "
            "names sponsors)"
        )
    if not (actor.is_admin or a.organisation_id in actor.organisation_ids):
        raise PermissionDenied(
            f"{actor.username} may not {what}: it belongs to {a.organisation.name}, which is "
            "not one of their organisations"
        )
    if move.name == "sign_off" and a.submitted_by == actor.username:
        raise PermissionDenied(
            f"{actor.username} submitted assessment {a.id} and may not also sign it off: "
            "another senior sponsor must"
        )
    return actor


def transition(
    session: Session,
    actor: Actor | None,
    assessment_id: int,
    move_name: str,
    version: int | None,
    *,
    today: dt.date,
    values: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> Assessment:
    """Make a workflow move on ``version`` of the assessment. ``values``: ``note`` (required to
    return), ``findings`` and ``review_date`` (to review). ``evidence`` (on submit) is frozen
    on the record as what it was assessed on."""
    values = dict(values or {})
    move = MOVES.get(move_name)
    if move is None:
        raise InputError(
            f"move: unknown move {move_name!r}; expected one of: {', '.join(MOVES)}",
            field="move",
        )
    a = services.get_assessment(session, assessment_id, actor)
    actor = _authorise(session, actor, a, move)
    if Status(a.status) not in move.sources:
        open_moves = ", ".join(m.name for m in allowed_moves(a)) or "none"
        raise TransitionRefused(
            f"cannot {move.label.lower()} assessment {a.id}: it is {a.status}, and that needs "
            f"it {' or '.join(s.value for s in move.sources)} (moves open now: {open_moves})"
        )
    locking.check(session, services.ENTITY, a.id, version, a.version, {"move": move.name})
    before = serialise.audit_fields(a)
    note = check.text(values.get("note"), "note", max_length=5000, required=move.name == "return")
    now = utcnow()
    if move.name == "submit":
        problems = completeness(a, today)
        if problems:
            raise InputError(
                "cannot submit: " + "; ".join(p.message for p in problems),
                field=problems[0].field,
            )
        a.submitted_by, a.submitted_at = actor.username, now
        if evidence is not None:
            a.evidence_json = json.dumps(evidence)
            a.evidence_build_id = evidence.get("build_id")
    elif move.name == "sign_off":
        sponsor = services.sponsor_of(session, actor)
        assert sponsor is not None
        a.sponsor_user_id = actor.user_id
        a.sponsor_name = f"{actor.display_name}, {sponsor.job_title}"
        a.signed_off_at = now
    elif move.name == "publish":
        a.published_at = now
    elif move.name == "review":
        a.review_findings = check.text(values.get("findings"), "findings", max_length=20000)
        next_date = values.get("review_date") or valid.add_months(today, 12)
        a.review_date = valid.review_date(next_date, today)
        if a.review_date <= today:
            raise InputError(
                "review_date: the next review must be after today", field="review_date"
            )
        a.reviewed_at = now
    elif move.name in ("withdraw", "return", "reopen"):
        a.sponsor_user_id = a.sponsor_name = a.signed_off_at = None
    a.status = move.target.value
    a.workflow_note = note
    a.updated_at = now
    locking.flush(session, services.ENTITY, Assessment, a.id, version, {"move": move.name})
    services.record_change(session, actor, a, "update", move.name, before)
    return a


def can_move(session: Session, actor: Actor | None, a: Assessment, move: Move) -> bool:
    """Whether ``actor`` may make ``move`` now (for showing buttons)."""
    if Status(a.status) not in move.sources or actor is None:
        return False
    if move.by == "editor":
        return can_edit_for(actor, a.organisation_id)
    try:
        _authorise(session, actor, a, move)
    except PermissionDenied:
        return False
    return True
