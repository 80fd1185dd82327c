"""The HTML report in a real browser: axe-core finds no serious or critical violation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip
AXE = Path(__file__).resolve().parent.parent / "web" / "vendor" / "axe.min.js"


def test_report_html_passes_axe(report_files: dict[str, Path]) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed: run scripts/install-browser.sh")
    if not AXE.exists():
        pytest.skip(f"axe-core is not vendored at {AXE}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        page.goto(report_files["html"].as_uri())
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        svgs = page.eval_on_selector_all("figure svg[role='img']", "els => els.length")
        labelled = page.eval_on_selector_all(
            "figure svg[role='img']",
            "els => els.filter(e => e.querySelector('title') && e.querySelector('title').textContent.trim()).length",
        )
        browser.close()
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert bad == []
    assert svgs > 0 and labelled == svgs  # every chart is inline SVG with alt text
