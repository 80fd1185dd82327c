"""The whole dashboard: the indicator set's pages with every other part's (the tracker, the
equity impact assessments, the social needs indicators), as `healthequity serve` runs it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from healthequity.web import Settings, create_app
from healthequity.web.app import Register


def parts() -> list[Register]:
    """The register functions of every part with pages, in menu order."""
    from healthequity.accountability.web import register as register_tracker
    from healthequity.assessment import register as register_assessments
    from healthequity.social_needs.web import register as register_social_needs

    return [register_tracker, register_assessments, register_social_needs]


def create_dashboard(place: str | Path | Settings) -> FastAPI:
    """The dashboard of a place folder (or full ``Settings``) with every part's pages."""
    return create_app(place, parts=parts())
