"""The social needs pages in a real browser (Debian's chromium, headless, through Playwright):
the charts drawn with their marks, the breakdown chosen through the form, and axe-core finding
no serious or critical accessibility violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthequity.config import load_place
from healthequity.social_needs.publications import store_publication
from healthequity.social_needs.web import register
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app
from tests.browser import axe_problems, served
from tests.social_needs.published import new_place, small_publication

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

PAGES = [
    "/social-needs",
    "/social-needs/sn-need-housing?breakdown=Ward",
    "/social-needs/sn-coverage?breakdown=Practice",
]
MARKS = "svg => svg.querySelectorAll('g.mark-symbol path, g.mark-rule line').length"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    place = new_place(tmp_path_factory.mktemp("social_needs_browser") / "leeds")
    table, practices = small_publication()
    store_publication(Warehouse(place / "warehouse.duckdb"), table, practices,
                      place=load_place(place))  # fmt: skip
    app = create_app(Settings(place))
    register(app)
    with served(app) as url:
        yield url


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server)
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
    return int(page.eval_on_selector(f"#chart-{chart} svg", MARKS))


def test_overview_draws_the_deprivation_chart(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/social-needs")
    # a point and an interval for (nearly) every need x fifth x measure: 7 x 5 x 2 each
    assert _marks(page, "deprivation") >= 2 * 60
    assert page.locator("#domains tbody tr").count() == 7
    assert "Synthetic demo data" in page.inner_text("#synthetic")


def test_indicator_page_changes_breakdown(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/social-needs")
    page.get_by_role("link", name="Recorded housing need among patients asked (%)").click()
    page.wait_for_url("**/social-needs/sn-need-housing?period=2024/25")
    assert page.locator("#data tbody tr").count() == 5  # the local fifths (all live in Leeds)
    page.select_option("#breakdown", "Age band")
    page.get_by_role("button", name="Update").click()
    page.wait_for_url("**breakdown=Age+band")
    assert page.locator("#data tbody tr").count() == 5
    assert _marks(page, "breakdown") >= 2 * 2 * 4


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    page.wait_for_selector("[data-chart][data-drawn='true']", timeout=15_000)
    assert axe_problems(page) == []
