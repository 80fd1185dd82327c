"""In a real browser (Debian's chromium through Playwright): an officer signs in, assesses a
regeneration scheme in two named wards with the evidence filled in for them, rates the impacts
and submits; a sponsor signs it off and publishes it; the public summary shows it; the review
comes due (the app's clock moved on) and is listed as overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthequity.assessment.vocab import DIMENSIONS
from tests.assessment.browsing import accessible as _accessible
from tests.assessment.browsing import open_page as _page
from tests.assessment.browsing import sign_in as _sign_in
from tests.assessment.webapp import WebApp, assessment_place, make_webapp, serve

__all__ = ["assessment_place"]

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def webapp(assessment_place: Path, tmp_path_factory: pytest.TempPathFactory) -> WebApp:
    return make_webapp(assessment_place, tmp_path_factory.mktemp("db") / "app.sqlite", TODAY)


@pytest.fixture(scope="module")
def server(webapp: WebApp) -> Iterator[str]:
    yield from serve(webapp.app)


def test_officer_to_sponsor_to_public_to_review(browser, server, webapp: WebApp) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []

    # The officer starts the assessment: a regeneration scheme in Armley and Beeston & Holbeck.
    context, page = _page(browser, server, errors)
    _sign_in(page, "olive")
    assert "Olive Officer" in page.inner_text("#account")
    page.click("#new-assessment")
    _accessible(page)
    page.fill("#title", "Armley and Beeston regeneration")
    page.check("label:has-text('regeneration scheme')")
    page.fill("#owner_name", "Head of Regeneration")
    page.check("label:has-text('Give every child the best start in life')")
    page.check("label:has-text('Ensure a healthy standard of living for all')")
    page.check("label:text-is('Armley')")
    page.check("label:text-is('Beeston & Holbeck')")
    page.check("label:has-text('Private renters')")
    page.click("#save")

    # Stage 2: the evidence is filled in from the indicator set for those two wards.
    page.wait_for_selector("#evidence-panel")
    rows = page.locator("#evidence-indicators tbody tr")
    areas = set(rows.evaluate_all("rs => rs.map(r => r.dataset.area)"))
    assert areas == {"E05011385", "E05012647"}
    indicators = set(rows.evaluate_all("rs => rs.map(r => r.dataset.indicator)"))
    assert indicators == {"children_relative_low_income", "infant_mortality", "smoking_at_delivery"}
    assert "Children in relative low income families" in page.inner_text("#evidence-indicators")
    share = page.inner_text("#deprivation-share")
    assert "England's most deprived 10%" in share and "Core20" in share
    _accessible(page)

    # ... rates every impact (housing negative, with its rationale) and goes on.
    for d in DIMENSIONS:
        page.check(f"#impact-{d.key}-neutral")
    page.check("#impact-deprivation_gradient-positive")
    page.fill("#rationale-deprivation_gradient", "Jobs and homes targeted at the most deprived")
    page.check("#impact-housing-negative")
    page.click("#save")
    assert page.url.endswith("/edit/assess")  # refused: a negative rating needs its rationale
    assert "impacts.housing.rationale: a negative rating needs a rationale" in page.inner_text(
        "#error-summary"
    )
    assert page.is_checked("#impact-housing-negative")  # the user's input is kept
    page.fill("#rationale-housing", "Rents may rise and displace private renters")
    page.click("#save")

    # Stage 3 and 4: a mitigation scaled by need, an indicator to monitor, the review date.
    page.wait_for_selector("#mitigation_action_1")
    page.fill("#mitigation_action_1", "Rent cap on the new homes for ten years")
    page.fill("#mitigation_scaled_1", "Deeper caps in the most deprived LSOAs")
    page.fill("#proportionate_universalism", "Universal offer, intensity scaled by deprivation")
    page.click("#save")
    page.wait_for_selector("#review_date")
    page.check("#monitor-children_relative_low_income")
    page.fill("#review_date", "2026-09-01")
    page.click("#save")

    # The record: complete, so the officer submits it.
    page.wait_for_selector("#move-submit")
    _accessible(page)
    assert "Armley" in page.inner_text("#areas")
    assert "baseline Armley" in page.inner_text("#monitoring")
    page.click("#move-submit")
    page.wait_for_selector("#status")
    assert "submitted" in page.inner_text("#status")
    record_url = page.url
    context.close()

    # The sponsor signs it off and publishes the summary.
    context, page = _page(browser, server, errors)
    _sign_in(page, "sam")
    page.goto(record_url)
    page.click("#move-sign_off")
    page.wait_for_selector("#sponsor")
    assert page.inner_text("#sponsor") == "Sam Senior, Director of Public Health"
    page.click("#move-publish")
    page.wait_for_selector("#status")
    assert "published" in page.inner_text("#status")
    context.close()

    # The public (not signed in) sees it and its summary.
    context, page = _page(browser, server, errors)
    page.goto("/assessments")
    page.click("text=Armley and Beeston regeneration")
    page.wait_for_selector("#public-summary")
    assert "Sam Senior, Director of Public Health" in page.inner_text("#public-summary")
    assert "Armley, Beeston & Holbeck" in page.inner_text("#summary-areas")
    assert "negative" in page.inner_text("#summary-impacts")
    _accessible(page)
    page.goto("/assessments/reviews")
    assert page.inner_text("#none-due") == "No review is due."

    # Time passes: the review date comes and goes; the assessment is listed as overdue.
    webapp.clock.day = dt.date(2026, 9, 15)
    page.goto("/assessments")
    assert "1 published assessment is due for review" in page.inner_text("#reviews-due")
    page.goto("/assessments/reviews")
    overdue = page.inner_text("#overdue")
    assert "Armley and Beeston regeneration" in overdue and "14 days" in overdue
    _accessible(page)
    context.close()
    ident = record_url.rsplit("/", 1)[1]
    assert errors == [f"422 {server}/assessments/{ident}/edit/assess"]  # only the refused form
