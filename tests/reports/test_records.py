"""The accountability section from the application store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from healthequity.accountability import importer, services
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.reports.report import load_report_data
from healthequity.reports.report.content import build_document
from healthequity.reports.report.html import render_html
from healthequity.reports.report.records import accountability_status, open_database
from healthequity.store.database import Database

ORG = "Leeds City Council"


def _fill(db: Database) -> None:
    with db.session() as session:
        importer.import_recommendations(session, CLI_ACTOR, importer.leeds_example())
        services.create_organisation(session, CLI_ACTOR, ORG)
        for title, due, status in [("Publish the annual report", "2025-03-31", "on track"),
                                   ("Set up the equity board", "2025-05-01", "complete"),
                                   ("Agree the data sharing", "2025-12-31", "at risk")]:  # fmt: skip
            services.create_action(session, CLI_ACTOR, 1, {
                "title": title, "owner_organisation": ORG, "start_date": "2025-01-01",
                "due_date": due, "status": status})  # fmt: skip


def test_status_by_theme_and_recommendation_with_overdue_actions(db: Database) -> None:
    _fill(db)
    acc = accountability_status(db, dt.date(2025, 6, 30))
    assert len(acc.recommendations) == 15
    first = acc.recommendations.set_index("recommendation").loc[1]
    assert (first["on track"], first["complete"], first["at risk"], first["actions"],
            first["overdue"]) == (1, 1, 1, 3, 1)  # fmt: skip
    assert acc.themes["recommendations"].sum() == 15
    assert acc.themes["actions"].sum() == 3
    assert acc.overdue[["title", "days_overdue"]].values.tolist() == [
        ["Publish the annual report", 91]
    ]


def test_report_shows_the_overdue_action(db: Database, place_folder: Path) -> None:
    _fill(db)
    data = load_report_data(place_folder, year=2025, as_of=dt.date(2025, 6, 30), database=db)
    html = render_html(build_document(data))
    assert "Publish the annual report" in html
    assert "Overdue actions (due date passed, not complete)" in html


def test_no_database_means_no_records(tmp_path: Path) -> None:
    assert open_database(tmp_path) is None
    assert accountability_status(None, dt.date(2025, 6, 30)).empty


def test_database_without_tracker_tables_is_empty(empty_db: Database) -> None:
    acc = accountability_status(empty_db, dt.date(2025, 6, 30))
    assert acc.empty and acc.source == "application database has no tracker tables yet"
