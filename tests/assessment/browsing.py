"""Driving Debian's chromium through Playwright for the assessment's browser tests: the browser
fixture, a page that records script errors and failed responses, signing in, and an axe-core
check that the page has no serious or critical accessibility violation."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.assessment.webapp import PASSWORD

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
AXE = Path(__file__).parents[1] / "web" / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium (skipped, saying so, where it is not installed)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed: run scripts/install-browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


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
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], page.url
