"""The dashboard in a real browser (Debian's chromium, headless, through Playwright): every page
type drawn, charts and the map with marks, navigation, a CSV download, and axe-core."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from healthequity.schema import FINGERTIPS_COLUMNS
from tests.browser import axe_problems

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/indicators/infant_mortality",
    "/indicators/life_expectancy_birth",
    "/areas",
    "/areas/E05012841",
    "/inequalities",
    "/evaluations",
    "/evaluations/selective_licensing",
]


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("requestfailed", lambda r: errors.append("request failed: " + r.url))
    pg.on("response", lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert errors == []


def _marks(page, chart: str) -> int:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#chart-{chart}[data-drawn='true'] svg", timeout=15_000)
    return int(
        page.eval_on_selector(
            f"#chart-{chart} svg",
            "svg => svg.querySelectorAll('g.mark-symbol path, g.mark-shape path, g.mark-rule line,"
            " g.mark-line path, g.mark-rect path').length",
        )
    )


def test_indicator_page_draws_every_chart(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/indicators/infant_mortality")
    assert _marks(page, "trend") >= 20
    assert _marks(page, "gradient") >= 5
    assert (
        page.eval_on_selector(
            "#chart-map svg", "s => s.querySelectorAll('g.mark-shape path').length"
        )
        == 33
    )
    assert _marks(page, "caterpillar") >= 10
    assert page.locator("#data tbody tr").count() > 33
    assert "Synthetic demo data" in page.inner_text("#provenance")


def test_spc_and_comparator_charts_are_drawn(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/indicators/life_expectancy_birth")
    points = page.locator("#spc script[type='application/json']").first.inner_text()
    n = len(json.loads(points)["data"]["values"])
    # a line for the series, mean and limits (4) and a symbol per point
    assert _marks(page, "spc") >= n + 4
    assert _marks(page, "spc_deprived") >= 4
    core = page.eval_on_selector(
        "#chart-core_cities svg",
        "s => s.querySelectorAll('g.mark-symbol.role-mark path').length",
    )
    assert core == 8  # one dot per Core City
    assert _marks(page, "neighbours") >= 16 + 2  # 16 dots, group average and England
    assert page.locator("#table-core_cities tbody tr").count() == 8
    assert "Variation:" in page.inner_text("#spc")


def test_evaluation_page_draws_its_charts(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/evaluations")
    page.get_by_role("link", name="Selective licensing in Beeston and Harehills").click()
    page.wait_for_url("**/evaluations/selective_licensing")
    for chart in ("event_study", "its", "balance", "trends"):
        assert _marks(page, chart) >= 4, chart
    assert page.locator("#results tbody tr").count() >= 3


def test_area_page_draws_the_spine_chart(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/areas/E05012841")
    assert _marks(page, "spine") >= 6 * 3
    assert page.locator("#profile tbody tr").count() == 6


def test_navigation(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_role("link", name="Evaluations").first.click()
    page.wait_for_url("**/evaluations")
    assert page.locator("h1").inner_text() == "Evaluations"
    page.get_by_role("link", name="Inequalities").first.click()
    page.wait_for_url("**/inequalities")
    assert page.locator("h1").inner_text() == "Are the poorest improving fastest?"
    page.get_by_role("link", name="Areas").first.click()
    page.wait_for_url("**/areas")
    page.get_by_role("link", name="Armley").click()
    page.wait_for_url("**/areas/E05*")
    assert page.locator("h1").inner_text() == "Armley"
    page.get_by_role("link", name="Infant mortality rate").click()
    page.wait_for_url("**/indicators/infant_mortality")
    page.get_by_role("link", name="Back to the overview").click()
    page.wait_for_url("**/?principle=1")
    assert page.locator("#shown").inner_text().startswith("Showing 2 of 6 indicators.")
    page.select_option("#principle", "6")
    page.fill("#q", "life")
    page.get_by_role("button", name="Show indicators").click()
    page.wait_for_url("**/?principle=6&q=life")
    assert page.locator("#shown").inner_text().startswith("Showing 1 of 6 indicators.")


def test_csv_download(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/indicators/smoking_at_delivery")
    with page.expect_download() as info:
        page.click("#download-csv")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "smoking_at_delivery_build1.csv"
    header = next(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert header == [*FINGERTIPS_COLUMNS, "Source", "Data version"]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    if page.locator("[data-chart]").count():
        page.wait_for_selector("[data-chart][data-drawn='true']", timeout=15_000)
    assert axe_problems(page) == []
