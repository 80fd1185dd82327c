"""The HTML report in a real browser: axe-core finds no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import axe_problems

pytestmark = pytest.mark.browser


def test_report_html_passes_axe(browser, report_files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(report_files["html"].as_uri())
    problems = axe_problems(page)
    svgs = page.eval_on_selector_all("figure svg[role='img']", "els => els.length")
    labelled = page.eval_on_selector_all(
        "figure svg[role='img']",
        "els => els.filter(e => e.querySelector('title') && e.querySelector('title').textContent.trim()).length",
    )
    page.close()
    assert problems == []
    assert svgs > 0 and labelled == svgs  # every chart is inline SVG with alt text
