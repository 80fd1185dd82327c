"""What the assessment's API and pages share: the database, the session signer, the clock, who
is signed in, and the evidence of the latest build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from healthequity.assessment import evidence as evidence_module
from healthequity.assessment import geo
from healthequity.assessment.models import Assessment
from healthequity.auth.signed_in import SignedIn
from healthequity.errors import HealthEquityError

#: How many areas' evidence each build keeps ready (oldest dropped first).
MEMO_SIZE = 256


@dataclass
class Context(SignedIn):
    """The assessment's share of the app: ``app.state.assessment``."""

    today: Callable[[], dt.date]


def context(request: Request) -> Context:
    """The app's assessment context."""
    found: Context = request.app.state.assessment
    return found


def live_evidence(request: Request, a: Assessment) -> tuple[dict[str, Any] | None, str | None]:
    """The evidence of the latest build for the assessment's areas, or (None, why not)."""
    if not a.areas:
        return None, "Name the areas affected to see the evidence for them."
    cache = getattr(request.app.state, "cache", None)
    if cache is None:
        return None, "No indicator build is available to this application."
    try:
        view = cache.current()
    except HealthEquityError as err:
        return None, str(err)
    codes = tuple(sorted(x.area_code for x in a.areas))
    principles = tuple(sorted(a.principles or []))
    memo = view.memo.setdefault("assessment_evidence", {})  # per build: never stale
    key = (codes, principles)
    found = memo.get(key)
    if found is None:
        areas = [geo.Area(x.area_code, x.area_type, x.area_name, x.source) for x in a.areas]
        found = evidence_module.evidence_for(
            view.table,
            areas,
            city_code=view.city_code,
            principles=list(principles),
            build_id=view.provenance.build_id,
            place=view.provenance.place,
        )
        if len(memo) >= MEMO_SIZE:
            memo.pop(next(iter(memo)))
        memo[key] = found
    return found, None


def shown_evidence(request: Request, a: Assessment) -> tuple[dict[str, Any] | None, str | None]:
    """The evidence frozen at submission, else the live evidence."""
    if a.evidence_json:
        from healthequity.assessment.serialise import evidence

        return evidence(a), None
    return live_evidence(request, a)
