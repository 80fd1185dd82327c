"""Screenshots of the main page types for the README: docs/screenshots/*.png.

`python scripts/screenshots.py [PLACE_FOLDER]`: serves the place's latest build (default: builds
a few Leeds indicators and publishes synthetic social needs responses into a temporary folder)
and photographs the overview, an indicator page, a ward's profile, the inequalities page and the
social needs page with Playwright driving Debian's chromium.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from healthequity.dashboard import create_dashboard

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO = [
    "smoking_at_delivery",
    "infant_mortality",
    "life_expectancy_birth",
    "u75_preventable_mortality",
    "weekly_earnings",
    "children_relative_low_income",
]


def _demo_place() -> Path:
    from healthequity.config import example_place_dir, load_place
    from healthequity.reports.indicator_set import run_build
    from healthequity.store.warehouse import Warehouse

    folder = Path(tempfile.mkdtemp(prefix="screenshots-"))
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    from healthequity.cli.demo import synthetic_social_needs

    run_build(
        load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None, only=DEMO
    )
    synthetic_social_needs(folder, 100_000)
    return folder


def main(argv: list[str]) -> None:
    """Serve, photograph the page types, stop."""
    from playwright.sync_api import sync_playwright

    place = Path(argv[0]) if argv else _demo_place()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_dashboard(place), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    pages = {
        "overview": "/",
        "indicator": "/indicators/infant_mortality",
        "area": "/areas/E05012841",
        "inequalities": "/inequalities",
        "social-needs": "/social-needs",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, path in pages.items():
                page.goto(base + path)
                if page.locator("[data-chart]").count():
                    page.wait_for_selector("[data-chart][data-drawn='true']", timeout=30_000)
                    page.wait_for_timeout(300)
                target = OUT / f"{name}.png"
                height = page.evaluate("document.body.scrollHeight")
                clip = {"x": 0, "y": 0, "width": 1280, "height": min(height, 3400)}
                page.screenshot(path=str(target), full_page=True, clip=clip)
                print(f"Wrote {target}")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1:])
