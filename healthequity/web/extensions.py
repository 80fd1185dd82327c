"""The other parts of the system (tracker, assessments, evaluations, social needs) add their
pages and APIs to the dashboard app through a ``register(app)`` function each."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

Register = Callable[[FastAPI], None]


def extensions() -> list[Register]:
    """The register functions of every part with pages, in menu order."""
    from healthequity.accountability.web import register as register_tracker
    from healthequity.assessment import register as register_assessments
    from healthequity.social_needs.web import register as register_social_needs

    return [register_tracker, register_assessments, register_social_needs]


def register_extensions(app: FastAPI) -> None:
    """Add every part's routes to the app."""
    for register in extensions():
        register(app)
