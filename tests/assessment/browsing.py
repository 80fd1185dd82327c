"""Driving Debian's chromium through Playwright for the assessment's browser tests: the browser
fixture, a page that records script errors and failed responses, signing in, and an axe-core
check that the page has no serious or critical accessibility violation."""

from __future__ import annotations

from tests.assessment.webapp import PASSWORD
from tests.browser import axe_problems


def open_page(browser, server, errors):  # type: ignore[no-untyped-def]
    """A fresh context and page on ``server``; script errors and 4xx/5xx go to ``errors``."""
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in on the assessment's sign-in page."""
    page.goto("/assessments/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#account strong")


def accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe-core violation on the page."""
    assert axe_problems(page) == [], page.url
