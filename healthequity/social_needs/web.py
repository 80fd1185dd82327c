"""The social needs indicators in the dashboard: ``register(app)`` adds the pages under
/social-needs (menu item 'Social needs'), the downloads of the stored publication and the JSON
API under /api/social-needs. Everything shown is a publication stored by
``healthequity social-needs publish``: the indicator table after disclosure control."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from healthequity.social_needs.web_data import PublicationStore

TEMPLATES = Path(__file__).parent / "templates"


def register(app: FastAPI, store: PublicationStore | None = None) -> None:
    """Add the social needs pages and API to the dashboard ``app``; ``store`` defaults to the
    place's warehouse, re-checked as often as the dashboard checks for a build. A second call
    adds nothing (it only replaces the store, when one is given)."""
    from healthequity.social_needs.indicators import social_needs_indicators
    from healthequity.social_needs.web_api import router as api_router
    from healthequity.social_needs.web_pages import router as pages_router
    from healthequity.web.templating import (
        add_menu_item,
        add_principle_link,
        add_template_folder,
        templates,
    )

    if getattr(app.state, "social_needs", None) is not None:  # registered already
        if store is not None:
            app.state.social_needs = store
        return
    settings = app.state.settings
    app.state.social_needs = store or PublicationStore(
        settings.warehouse_path, settings.refresh_seconds
    )
    add_template_folder(templates.env, TEMPLATES)
    add_menu_item("/social-needs", "Social needs", "social_needs")
    for indicator in social_needs_indicators():
        if indicator.kind == "prevalence" or indicator.domain is None:
            add_principle_link(indicator.principle, f"/social-needs/{indicator.id}", indicator.name)
    app.include_router(api_router)
    app.include_router(pages_router)
