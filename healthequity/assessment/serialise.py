"""An assessment as JSON-ready data: the whole record (export, versions, API) and the flat
field view the audit trail compares."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from healthequity.assessment.models import Assessment
from healthequity.assessment.vocab import DIMENSIONS

FORMAT = "healthequity.assessment/1"


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def evidence(a: Assessment) -> dict[str, Any] | None:
    """The evidence frozen on the assessment (when submitted), if any."""
    return json.loads(a.evidence_json) if a.evidence_json else None


def to_dict(a: Assessment, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every field of the assessment, its children and workflow, as JSON-ready values."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "id": a.id,
        "version": a.version,
        "title": a.title,
        "kind": a.kind,
        "description": a.description,
        "owner_name": a.owner_name,
        "organisation": a.organisation.name,
        "status": a.status,
        "principles": list(a.principles or []),
        "areas": [
            {"code": x.area_code, "type": x.area_type, "name": x.area_name, "source": x.source}
            for x in a.areas
        ],
        "area_geojson": json.loads(a.area_geojson) if a.area_geojson else None,
        "population_groups": list(a.population_groups or []),
        "impacts": {
            d.key: {"rating": i.rating, "rationale": i.rationale}
            for d in DIMENSIONS
            if (i := a.impact(d.key)) is not None
        },
        "evidence_items": [
            {
                "title": e.title,
                "source": e.source,
                "summary": e.summary,
                "url": e.url,
                "added_by": e.added_by,
                "added_at": _iso(e.added_at),
            }
            for e in a.evidence_items
        ],
        "mitigations": [
            {"action": m.action, "scaled_by_need": m.scaled_by_need, "owner": m.owner}
            for m in a.mitigations
        ],
        "proportionate_universalism": a.proportionate_universalism,
        "monitoring": [
            {"indicator_id": m.indicator_id, "breakdown": m.breakdown, "baseline": m.baseline}
            for m in a.monitoring
        ],
        "review_date": _iso(a.review_date),
        "recommendations": sorted(
            link.recommendation.number for link in a.links if link.recommendation is not None
        ),
        "actions": sorted(link.action_id for link in a.links if link.action_id is not None),
        "workflow": {
            "created_by": a.created_by,
            "created_at": _iso(a.created_at),
            "updated_at": _iso(a.updated_at),
            "submitted_by": a.submitted_by,
            "submitted_at": _iso(a.submitted_at),
            "sponsor": a.sponsor_name,
            "signed_off_at": _iso(a.signed_off_at),
            "published_at": _iso(a.published_at),
            "reviewed_at": _iso(a.reviewed_at),
            "review_findings": a.review_findings,
            "note": a.workflow_note,
        },
        "evidence": evidence(a),
    }
    if today is not None:
        out["review_due"] = is_due(a, today)
    return out


def is_due(a: Assessment, today: dt.date) -> bool:
    """True when a published or reviewed assessment's review date has come."""
    return a.status in ("published", "reviewed") and a.review_date <= today


def audit_fields(a: Assessment) -> dict[str, Any]:
    """The assessment as flat fields, each compared before and after a change for the trail."""
    out: dict[str, Any] = {
        "title": a.title,
        "kind": a.kind,
        "description": a.description,
        "owner_name": a.owner_name,
        "organisation": a.organisation.name if a.organisation else None,
        "status": a.status,
        "principles": [str(p) for p in a.principles or []],
        "areas": [x.area_code for x in a.areas],
        "area_geojson": a.area_geojson,
        "population_groups": list(a.population_groups or []),
        "proportionate_universalism": a.proportionate_universalism,
        "review_date": a.review_date,
        "recommendations": [
            str(link.recommendation.number) for link in a.links if link.recommendation
        ],
        "actions": [str(link.action_id) for link in a.links if link.action_id is not None],
        "sponsor": a.sponsor_name,
        "review_findings": a.review_findings,
        "workflow_note": a.workflow_note,
    }
    for d in DIMENSIONS:
        i = a.impact(d.key)
        out[f"impact.{d.key}"] = f"{i.rating}: {i.rationale}".rstrip(": ") if i else None
    for n, m in enumerate(a.mitigations, start=1):
        out[f"mitigation.{n}"] = f"{m.action} | scaled by need: {m.scaled_by_need} | {m.owner}"
    for n, mon in enumerate(a.monitoring, start=1):
        out[f"monitoring.{n}"] = f"{mon.indicator_id} | {mon.breakdown} | {mon.baseline}"
    for n, e in enumerate(a.evidence_items, start=1):
        out[f"evidence.{n}"] = f"{e.title} | {e.source} | {e.summary} | {e.url}"
    return out
