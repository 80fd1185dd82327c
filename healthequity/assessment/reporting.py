"""Reporting across decisions: how many were assessed (by status, organisation, principle and
kind), the impacts found on each dimension, reviews due, and which recommendations and actions
of the tracker the assessments serve."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthequity.accountability.models import Recommendation
from healthequity.assessment import services
from healthequity.assessment.models import Assessment, Impact, Link
from healthequity.assessment.vocab import DIMENSIONS, RATINGS, STATUSES
from healthequity.auth.models import Organisation
from healthequity.indicators.principles import PRINCIPLES


def summary(session: Session, today: dt.date, *, year: int | None = None) -> dict[str, Any]:
    """Counts across every assessment (or those started in ``year``)."""
    base = select(Assessment.id)
    if year is not None:
        start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
        end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        base = base.where(Assessment.created_at >= start, Assessment.created_at < end)
    ids = base.scalar_subquery()
    chosen = select(Assessment).where(Assessment.id.in_(ids))
    assessments = list(session.scalars(chosen))
    by_status = Counter(a.status for a in assessments)
    by_kind = Counter(a.kind for a in assessments)
    orgs = session.execute(
        select(Organisation.name, Assessment.status, func.count())
        .join(Assessment, Assessment.organisation_id == Organisation.id)
        .where(Assessment.id.in_(ids))
        .group_by(Organisation.name, Assessment.status)
        .order_by(Organisation.name)
    ).all()
    by_org: dict[str, dict[str, int]] = {}
    for name, status, n in orgs:
        by_org.setdefault(name, {s: 0 for s in STATUSES})[status] = int(n)
    principle_counts = Counter(p for a in assessments for p in a.principles or [])
    impacts = session.execute(
        select(Impact.dimension, Impact.rating, func.count())
        .where(Impact.assessment_id.in_(ids))
        .group_by(Impact.dimension, Impact.rating)
    ).all()
    impact_table = {d.key: {r: 0 for r in RATINGS} for d in DIMENSIONS}
    for dimension, rating, n in impacts:
        if dimension in impact_table:
            impact_table[dimension][rating] = int(n)
    due = [a for a in services.reviews_due(session, today) if a in assessments]
    return {
        "year": year,
        "total": len(assessments),
        "assessed": sum(n for s, n in by_status.items() if s != "draft"),
        "by_status": {s: by_status.get(s, 0) for s in STATUSES},
        "by_kind": dict(sorted(by_kind.items())),
        "by_organisation": by_org,
        "by_principle": [
            {
                "principle": p.number,
                "title": p.short_title,
                "assessments": principle_counts[p.number],
            }
            for p in PRINCIPLES
        ],
        "impacts": [
            {"dimension": d.key, "label": d.label, **impact_table[d.key]} for d in DIMENSIONS
        ],
        "reviews_due": [
            {
                "id": a.id,
                "title": a.title,
                "organisation": a.organisation.name,
                "review_date": a.review_date.isoformat(),
                "days_overdue": (today - a.review_date).days,
            }
            for a in due
        ],
        "links": links(session),
    }


def links(session: Session) -> list[dict[str, Any]]:
    """Per tracker recommendation: the assessments that serve it or one of its actions."""
    rows = session.scalars(select(Link)).all()
    served: dict[int, set[int]] = {}
    for link in rows:
        rec = link.recommendation or (link.action.recommendation if link.action else None)
        if rec is not None:
            served.setdefault(rec.id, set()).add(link.assessment_id)
    recs = session.scalars(select(Recommendation).order_by(Recommendation.number)).all()
    return [
        {"recommendation": r.number, "text": r.text, "assessments": sorted(served[r.id])}
        for r in recs
        if r.id in served
    ]
