"""Create, read and change assessments, with the tracker's permissions, validation, optimistic
locking, an audit entry per changed field and a version row per change, all in the caller's
transaction. Bad input raises InputError naming the field before anything is written.

Permissions as in the tracker: editors change their organisations' assessments, admins any;
signed-in users read every assessment; the public reads published ones only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from healthequity.accountability import audit, locking
from healthequity.accountability import validation as check
from healthequity.accountability.errors import NotFound
from healthequity.assessment import geo, serialise
from healthequity.assessment import validation as valid
from healthequity.assessment.models import (
    Assessment,
    AssessmentArea,
    AssessmentVersion,
    EvidenceItem,
    Impact,
    Link,
    Mitigation,
    Monitor,
    Sponsor,
)
from healthequity.assessment.vocab import Status
from healthequity.auth.errors import NotSignedIn
from healthequity.auth.models import User
from healthequity.auth.permissions import Actor, require_admin, require_edit_for, require_editor
from healthequity.errors import HealthEquityError, InputError
from healthequity.store.database import utcnow

ENTITY = "assessment"
FIELDS = (
    "title",
    "kind",
    "description",
    "owner_name",
    "organisation",
    "principles",
    "areas",
    "area_geojson",
    "population_groups",
    "impacts",
    "mitigations",
    "proportionate_universalism",
    "monitoring",
    "review_date",
    "recommendations",
    "actions",
)
PUBLIC = (Status.PUBLISHED.value, Status.REVIEWED.value)


class NotEditable(HealthEquityError):
    """A change to an assessment that is no longer a draft."""


# --- reading -------------------------------------------------------------------------------


def get_assessment(session: Session, assessment_id: int, actor: Actor | None = None) -> Assessment:
    """The assessment; the public may read published ones only."""
    a = session.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    if actor is None and a.status not in PUBLIC:
        raise NotSignedIn(f"sign in to read assessment {assessment_id}: it is not published")
    return a


def list_assessments(
    session: Session,
    actor: Actor | None = None,
    *,
    status: str | None = None,
    organisation: str | None = None,
) -> list[Assessment]:
    """Assessments, newest first (published ones only for the public)."""
    query = select(Assessment).order_by(Assessment.id.desc())
    if actor is None:
        query = query.where(Assessment.status.in_(PUBLIC))
    if status:
        query = query.where(Assessment.status == status)
    if organisation:
        org = check.organisation(session, organisation, "organisation")
        query = query.where(Assessment.organisation_id == org.id)
    return list(session.scalars(query))


def reviews_due(session: Session, today: dt.date) -> list[Assessment]:
    """Published or reviewed assessments whose review date has come (oldest first)."""
    query = (
        select(Assessment)
        .where(Assessment.status.in_(PUBLIC), Assessment.review_date <= today)
        .order_by(Assessment.review_date, Assessment.id)
    )
    return list(session.scalars(query))


# --- sponsors ------------------------------------------------------------------------------


def sponsor_of(session: Session, actor: Actor | None) -> Sponsor | None:
    """The actor's sponsor flag, if they have one."""
    if actor is None or actor.user_id is None:
        return None
    return session.get(Sponsor, actor.user_id)


def list_sponsors(session: Session) -> list[Sponsor]:
    """Every sponsor, by username."""
    return list(session.scalars(select(Sponsor).join(Sponsor.user).order_by(User.username)))


def grant_sponsor(session: Session, actor: Actor | None, username: str, job_title: str) -> Sponsor:
    """Make a user a senior sponsor who may sign assessments off (admins only; audited)."""
    actor = require_admin(actor, "name senior sponsors")
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise InputError(f"username: no user {username!r}", field="username", values=[username])
    title = check.text(job_title, "job_title", max_length=200)
    sponsor = session.get(Sponsor, user.id)
    before = {"sponsor": sponsor.job_title if sponsor else None}
    if sponsor is None:
        sponsor = Sponsor(user_id=user.id, job_title=title)
        session.add(sponsor)
    sponsor.job_title = title
    session.flush()
    audit.record(session, actor, "update", "user", user.id, before, {"sponsor": title})
    return sponsor


def revoke_sponsor(session: Session, actor: Actor | None, username: str) -> None:
    """Take a user's sponsor flag away (admins only; audited)."""
    actor = require_admin(actor, "name senior sponsors")
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    sponsor = session.get(Sponsor, user.id) if user is not None else None
    if user is None or sponsor is None:
        raise InputError(f"username: {username!r} is not a sponsor", field="username")
    before = {"sponsor": sponsor.job_title}
    session.delete(sponsor)
    session.flush()
    audit.record(session, actor, "update", "user", user.id, before, {"sponsor": None})


# --- changes -------------------------------------------------------------------------------


def _resolve(
    session: Session, values: Mapping[str, Any], today: dt.date, *, creating: bool
) -> dict[str, Any]:
    """The given fields checked and resolved (only those present in ``values``)."""
    out: dict[str, Any] = {}
    get = values.get
    if "title" in values or creating:
        out["title"] = check.text(get("title"), "title", max_length=300)
    if "kind" in values or creating:
        out["kind"] = valid.kind(get("kind"))
    if "description" in values:
        out["description"] = check.text(
            get("description"), "description", max_length=20000, required=False
        )
    if "owner_name" in values or creating:
        out["owner_name"] = check.text(get("owner_name"), "owner_name", max_length=200)
    if "organisation" in values or creating:
        out["organisation"] = check.organisation(session, get("organisation"), "organisation")
    if "principles" in values:
        out["principles"] = valid.principles(get("principles"))
    if "population_groups" in values:
        out["population_groups"] = valid.population_groups(get("population_groups"))
    if "areas" in values or "area_geojson" in values:
        listed = geo.resolve(get("areas"))
        geojson = get("area_geojson")
        drawn: list[geo.Area] = []
        if geojson not in (None, "", {}):
            drawn = geo.lsoas_in(geojson)
            geojson = geojson if isinstance(geojson, str) else json.dumps(geojson)
        else:
            geojson = None
        merged = {a.code: a for a in drawn}
        merged.update({a.code: a for a in listed})
        out["areas"] = list(merged.values())
        out["area_geojson"] = geojson
    if "impacts" in values:
        out["impacts"] = valid.impacts(get("impacts"))
    if "mitigations" in values:
        out["mitigations"] = valid.mitigations(get("mitigations"))
    if "proportionate_universalism" in values:
        out["proportionate_universalism"] = check.text(
            get("proportionate_universalism"),
            "proportionate_universalism",
            max_length=10000,
            required=False,
        )
    if "monitoring" in values:
        out["monitoring"] = valid.monitoring(get("monitoring"))
    if "review_date" in values or creating:
        out["review_date"] = valid.review_date(get("review_date"), today)
    if "recommendations" in values:
        out["recommendations"] = valid.recommendations(session, get("recommendations"))
    if "actions" in values:
        out["actions"] = valid.actions(session, get("actions"))
    return out


def _apply(a: Assessment, resolved: Mapping[str, Any]) -> None:
    for name in (
        "title",
        "kind",
        "description",
        "owner_name",
        "organisation",
        "principles",
        "population_groups",
        "area_geojson",
        "proportionate_universalism",
        "review_date",
    ):
        if name in resolved:
            setattr(a, name, resolved[name])
    if "areas" in resolved:
        wanted = {x.code: x for x in resolved["areas"]}
        a.areas = [x for x in a.areas if x.area_code in wanted] + [
            AssessmentArea(area_code=x.code, area_type=x.type, area_name=x.name, source=x.source)
            for x in wanted.values()
            if x.code not in {y.area_code for y in a.areas}
        ]
        for row in a.areas:
            row.source = wanted[row.area_code].source
    if "impacts" in resolved:
        given: dict[str, tuple[str, str] | None] = dict(resolved["impacts"])
        kept = []
        for impact in a.impacts:
            if impact.dimension not in given:
                kept.append(impact)
                continue
            change = given.pop(impact.dimension)
            if change is not None:
                impact.rating, impact.rationale = change
                kept.append(impact)
        kept += [
            Impact(dimension=k, rating=v[0], rationale=v[1])
            for k, v in given.items()
            if v is not None
        ]
        a.impacts = kept
    if "mitigations" in resolved:
        a.mitigations = [
            Mitigation(position=i, action=act, scaled_by_need=scaled, owner=owner)
            for i, (act, scaled, owner) in enumerate(resolved["mitigations"], start=1)
        ]
    if "monitoring" in resolved:
        a.monitoring = [
            Monitor(position=i, indicator_id=ident, breakdown=bd, baseline=base)
            for i, (ident, bd, base) in enumerate(resolved["monitoring"], start=1)
        ]
    if "recommendations" in resolved or "actions" in resolved:
        recs = resolved.get("recommendations")
        acts = resolved.get("actions")
        links = []
        for link in a.links:
            keep_rec = link.recommendation is not None and recs is None
            keep_act = link.action is not None and acts is None
            if keep_rec or keep_act:
                links.append(link)
        links += [Link(recommendation=r) for r in recs or []]
        links += [Link(action=x) for x in acts or []]
        a.links = links


def _union(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {**{k: None for k in before}, **after}


def record_change(
    session: Session,
    actor: Actor,
    a: Assessment,
    operation: str,
    change: str,
    before: dict[str, Any],
) -> None:
    """The audit entries of a change and the version row that keeps the whole record."""
    session.flush()
    after = serialise.audit_fields(a)
    audit.record(session, actor, operation, ENTITY, a.id, before, _union(before, after))
    number = (
        session.scalar(
            select(func.max(AssessmentVersion.number)).where(
                AssessmentVersion.assessment_id == a.id
            )
        )
        or 0
    )
    session.add(
        AssessmentVersion(
            assessment_id=a.id,
            number=number + 1,
            at=utcnow(),
            actor=actor.username,
            change=change,
            status=a.status,
            snapshot=serialise.to_dict(a),
        )
    )
    session.flush()


def create_assessment(
    session: Session, actor: Actor | None, values: Mapping[str, Any], *, today: dt.date
) -> Assessment:
    """A new draft assessment for an organisation the actor edits for."""
    require_editor(actor, "start assessments")
    check.known_fields(dict(values), FIELDS, "an assessment")
    resolved = _resolve(session, values, today, creating=True)
    org = resolved["organisation"]
    actor = require_edit_for(actor, org.id, org.name, "start an assessment for that organisation")
    a = Assessment(
        status=Status.DRAFT.value,
        created_by=actor.username,
        principles=[],
        population_groups=[],
        description="",
        proportionate_universalism="",
        review_findings="",
        workflow_note="",
    )
    _apply(a, resolved)
    session.add(a)
    session.flush()
    record_change(session, actor, a, "create", "created", {})
    return a


def require_editable(actor: Actor | None, a: Assessment, what: str) -> Actor:
    """Editors of the assessment's organisation (admins), on a draft only."""
    actor = require_edit_for(actor, a.organisation_id, a.organisation.name, what)
    if a.status != Status.DRAFT.value:
        raise NotEditable(
            f"assessment {a.id} is {a.status} and cannot be changed; only a draft can be "
            "edited (a sponsor can return a submitted one, a reviewed one can be reopened)"
        )
    return actor


def update_assessment(
    session: Session,
    actor: Actor | None,
    assessment_id: int,
    version: int | None,
    changes: Mapping[str, Any],
    *,
    today: dt.date,
) -> Assessment:
    """Change a draft saved on ``version`` (a stale version is refused: Conflict)."""
    a = get_assessment(session, assessment_id, actor)
    actor = require_editable(actor, a, f"change assessment {a.id}")
    check.known_fields(dict(changes), FIELDS, "an assessment")
    locking.check(session, ENTITY, a.id, version, a.version, changes)
    resolved = _resolve(session, changes, today, creating=False)
    if "organisation" in resolved and resolved["organisation"].id != a.organisation_id:
        new = resolved["organisation"]
        require_edit_for(actor, new.id, new.name, "give an assessment to that organisation")
    before = serialise.audit_fields(a)
    _apply(a, resolved)
    a.updated_at = utcnow()
    flag_modified(a, "title")  # one guarded UPDATE even when only child rows change
    locking.flush(session, ENTITY, Assessment, a.id, version, changes)
    record_change(session, actor, a, "update", "edited " + ", ".join(sorted(changes)), before)
    return a


def add_evidence_item(
    session: Session, actor: Actor | None, assessment_id: int, values: Mapping[str, Any]
) -> EvidenceItem:
    """Add the user's own evidence (title, source, summary, url) to a draft."""
    a = get_assessment(session, assessment_id, actor)
    actor = require_editable(actor, a, f"add evidence to assessment {a.id}")
    check.known_fields(dict(values), ("title", "source", "summary", "url"), "an evidence item")
    url = check.text(values.get("url"), "url", max_length=500, required=False)
    if url and not url.startswith(("https://", "http://")):
        raise InputError(f"url: {url!r} is not a web address (https://...)", field="url")
    before = serialise.audit_fields(a)
    item = EvidenceItem(
        title=check.text(values.get("title"), "title", max_length=300),
        source=check.text(values.get("source"), "source", max_length=300, required=False),
        summary=check.text(values.get("summary"), "summary", max_length=10000, required=False),
        url=url,
        added_by=actor.username,
    )
    a.evidence_items.append(item)
    a.updated_at = utcnow()
    session.flush()
    record_change(session, actor, a, "update", "added evidence", before)
    return item


def versions(session: Session, assessment_id: int) -> list[AssessmentVersion]:
    """Every kept version of an assessment, oldest first."""
    query = (
        select(AssessmentVersion)
        .where(AssessmentVersion.assessment_id == assessment_id)
        .order_by(AssessmentVersion.number)
    )
    return list(session.scalars(query))


def ensure_reader(actor: Actor | None, what: str) -> Actor:
    """Any signed-in user (the public reads published summaries only)."""
    if actor is None:
        raise NotSignedIn(f"sign in to {what}")
    return actor
