"""The report's narrative and assessments sections from the application store (SQLite and
PostgreSQL): the year's narrative and a published assessment saved in the tracker appear in the
report's HTML; a draft assessment and other years' narratives do not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from healthequity.accountability import users
from healthequity.accountability.narrative import save_narrative
from healthequity.assessment import services, workflow
from healthequity.assessment.models import Assessment
from healthequity.auth.permissions import CLI_ACTOR, actor_for
from healthequity.reports.report import load_report_data
from healthequity.reports.report.charts import SvgRenderer
from healthequity.reports.report.content import build_document
from healthequity.reports.report.html import render_html
from healthequity.reports.report.records import assessments, narrative
from healthequity.store.database import Database
from tests.accountability.databases import fast_hashing
from tests.accountability.seed import ORG_A, PASSWORD, seed
from tests.assessment.factories import complete_values

__all__ = ["fast_hashing"]

TODAY = dt.date(2026, 3, 2)
CHALLENGES = "Rising fuel poverty in inner-city wards"
SUCCESSES = "Every partner signed the equity pledge"


def _fill(db: Database) -> int:
    """The tracker seed, one published assessment and one draft, the narrative of the year the
    assessment was signed off (and of the year before); returns that year."""
    s = seed(db)
    with db.session() as session:
        sam = users.create_user(
            session, CLI_ACTOR, username="sam", password=PASSWORD, role="viewer",
            display_name="Sam Senior", organisations=[ORG_A],
        )  # fmt: skip
        services.grant_sponsor(session, CLI_ACTOR, "sam", "Director of Public Health")
        sponsor = actor_for(sam)
    editor = s.actors["editor_a"]
    with db.session() as session:
        ident = services.create_assessment(session, editor, complete_values(), today=TODAY).id
        services.create_assessment(
            session, editor, complete_values(title="Draft budget change"), today=TODAY
        )
    for who, move in [(editor, "submit"), (sponsor, "sign_off"), (editor, "publish")]:
        with db.session() as session:
            found = session.get(Assessment, ident)
            assert found is not None
            workflow.transition(session, who, ident, move, found.version, today=TODAY)
    with db.session() as session:
        found = session.get(Assessment, ident)
        assert found is not None and found.signed_off_at is not None
        year = found.signed_off_at.year
        for y, text in [(year, CHALLENGES), (year - 1, "Last year's challenge")]:
            save_narrative(session, editor, y, challenges=text, successes=SUCCESSES,
                           learning="", version=None)  # fmt: skip
    return year


def test_records_of_the_year(db: Database) -> None:
    year = _fill(db)
    frame = assessments(db, year)
    assert frame[["reference", "title", "decision_type", "organisation", "status"]].values.tolist() == [
        ["HEIA-1", "Armley and Beeston regeneration", "regeneration scheme", ORG_A, "published"]
    ]  # fmt: skip
    row = frame.iloc[0]
    assert row["score"].startswith("1 positive, ") and row["score"].endswith(", 1 negative")
    assert row["outcome"] == (
        "signed off by Sam Senior, Director of Public Health; review due 1 September 2026"
    )
    assert assessments(db, year + 1).empty
    text = narrative(db, year)
    assert text[["section", "text", "author"]].values.tolist() == [
        ["challenges", CHALLENGES, "Ed Ashworth"],
        ["successes", SUCCESSES, "Ed Ashworth"],
    ]
    assert narrative(db, year + 1).empty


def test_report_html_shows_the_narrative_and_the_assessment(
    db: Database, place_folder: Path, renderer: SvgRenderer
) -> None:
    year = _fill(db)
    data = load_report_data(place_folder, year=year, as_of=TODAY, database=db)
    page = render_html(build_document(data, renderer))
    assert f"Equity impact assessments made in {year}" in page
    assert "Armley and Beeston regeneration" in page and "HEIA-1" in page
    assert "Draft budget change" not in page
    assert CHALLENGES in page and SUCCESSES in page
    assert "Last year&#39;s challenge" not in page and "Last year's challenge" not in page
    learning = page.split('id="narrative-learning"')[1].split("</h3>")[1]
    assert learning.lstrip().startswith('<p class="empty">')
