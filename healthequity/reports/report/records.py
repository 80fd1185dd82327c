"""The report's sections from the application store: accountability status by theme and
recommendation with overdue actions, equity impact assessments, and the year's narrative.

Read through the accountability and assessment packages' public services; a section with
nothing stored (or a database without its tables) is an empty frame with its columns, so the
report says 'No records yet'.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from healthequity.assessment.vocab import RATINGS
from healthequity.store.database import DATABASE_ENV, Database, database_url

STATUSES = ("not started", "on track", "at risk", "off track", "complete")
RECOMMENDATION_COLUMNS = [
    "theme_number", "theme", "recommendation", "text", "lead_organisation", *STATUSES,
    "actions", "overdue",
]  # fmt: skip
THEME_COLUMNS = ["theme_number", "theme", "aim", "recommendations", *STATUSES, "actions", "overdue"]
OVERDUE_COLUMNS = [
    "action_id", "recommendation", "title", "owner_organisation", "owner_name", "due_date",
    "status", "days_overdue",
]  # fmt: skip
ASSESSMENT_COLUMNS = [
    "reference", "title", "decision_type", "organisation", "assessed_on", "score", "outcome",
    "status",
]  # fmt: skip
NARRATIVE_SECTIONS = ("challenges", "successes", "learning")
NARRATIVE_COLUMNS = ["year", "section", "heading", "text", "author", "updated_at"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class Accountability:
    """Action status counts by theme and by recommendation, and the overdue actions."""

    themes: pd.DataFrame = field(default_factory=lambda: _empty(THEME_COLUMNS))
    recommendations: pd.DataFrame = field(default_factory=lambda: _empty(RECOMMENDATION_COLUMNS))
    overdue: pd.DataFrame = field(default_factory=lambda: _empty(OVERDUE_COLUMNS))
    source: str = "no application database"

    @property
    def empty(self) -> bool:
        """True when no recommendation is recorded."""
        return self.recommendations.empty


def open_database(place_folder: Path) -> Database | None:
    """The place's application database when one exists ($HEALTHEQUITY_DATABASE_URL, else its
    SQLite file); None when there is none. A report never creates or migrates it."""
    url = database_url(place_folder)
    parsed = make_url(url)
    named = bool(os.environ.get(DATABASE_ENV, "").strip())
    is_file = parsed.get_backend_name() == "sqlite" and not named
    if is_file and (not parsed.database or not Path(parsed.database).exists()):
        return None
    return Database.from_url(url)


def accountability_status(database: Database | None, as_of: dt.date) -> Accountability:
    """Every recommendation's actions counted by status, summed by theme, and the actions overdue
    on ``as_of`` (due before it and not complete), most overdue first."""
    if database is None:
        return Accountability()
    if not inspect(database.engine).has_table("recommendations"):
        return Accountability(source="application database has no tracker tables yet")
    from healthequity.accountability import services

    recs: list[dict[str, object]] = []
    late: list[dict[str, object]] = []
    aims: dict[int, tuple[str, str]] = {}
    with database.session() as session:
        for theme in services.list_themes(session):
            aims[theme.number] = (theme.name, theme.aim)
        for rec in services.list_recommendations(session):
            counts = dict.fromkeys(STATUSES, 0)
            overdue = 0
            for action in rec.actions:
                counts[action.status] = counts.get(action.status, 0) + 1
                if services.is_overdue(action, as_of):
                    overdue += 1
                    assert action.due_date is not None
                    late.append({
                        "action_id": action.id, "recommendation": rec.number,
                        "title": action.title, "owner_organisation": action.owner.name,
                        "owner_name": action.owner_name, "due_date": action.due_date,
                        "status": action.status,
                        "days_overdue": (as_of - action.due_date).days,
                    })  # fmt: skip
            recs.append({
                "theme_number": rec.theme.number if rec.theme else None,
                "theme": rec.theme.name if rec.theme else "No theme",
                "recommendation": rec.number, "text": rec.text,
                "lead_organisation": rec.lead_organisation.name if rec.lead_organisation else "",
                **counts, "actions": len(rec.actions), "overdue": overdue,
            })  # fmt: skip
    recommendations = pd.DataFrame(recs, columns=RECOMMENDATION_COLUMNS)
    themes = _themes(recommendations, aims)
    overdue_frame = pd.DataFrame(late, columns=OVERDUE_COLUMNS)
    if len(overdue_frame):
        overdue_frame = overdue_frame.sort_values(
            ["days_overdue", "action_id"], ascending=[False, True], ignore_index=True
        )
    url = database.engine.url.render_as_string(hide_password=True)
    return Accountability(themes, recommendations, overdue_frame, f"application database {url}")


def _themes(recommendations: pd.DataFrame, aims: dict[int, tuple[str, str]]) -> pd.DataFrame:
    """Status counts summed over each theme's recommendations (themes with none included)."""
    numeric = [*STATUSES, "actions", "overdue"]
    keyed = recommendations.assign(theme_number=recommendations["theme_number"].fillna(0))
    sums = keyed.groupby("theme_number")[numeric].sum()
    sums["recommendations"] = keyed.groupby("theme_number").size()
    totals: dict[int, dict[str, int]] = {
        int(float(str(k))): {str(c): int(v) for c, v in row.items()}
        for k, row in sums.to_dict("index").items()
    }
    rows = []
    for number in sorted(set(aims) | set(totals)):
        name, aim = aims.get(number, ("No theme", ""))
        got = totals.get(number, {})
        rows.append({
            "theme_number": number or None, "theme": name, "aim": aim,
            "recommendations": got.get("recommendations", 0),
            **{c: got.get(c, 0) for c in numeric},
        })  # fmt: skip
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


def assessments(database: Database | None, year: int) -> pd.DataFrame:
    """The equity impact assessments made in reporting ``year``: published (or reviewed) ones
    signed off by their sponsor that year, as the public may read them, oldest first. Drafts and
    assessments not yet published stay out of a published report."""
    if database is None or not inspect(database.engine).has_table("assessments"):
        return _empty(ASSESSMENT_COLUMNS)
    from healthequity.assessment import services

    rows: list[dict[str, object]] = []
    with database.session() as session:
        for a in services.list_assessments(session, None):
            made = a.signed_off_at or a.created_at
            if made.year != year:
                continue
            ratings = Counter(i.rating for i in a.impacts)
            score = ", ".join(f"{ratings[r]} {r}" for r in RATINGS if ratings[r])
            outcome = f"signed off by {a.sponsor_name}" if a.sponsor_name else a.status
            if a.status == "reviewed" and a.reviewed_at is not None:
                outcome += f"; reviewed {_long(a.reviewed_at)}"
            else:
                outcome += f"; review due {_long(a.review_date)}"
            rows.append({
                "reference": f"HEIA-{a.id}", "title": a.title, "decision_type": a.kind,
                "organisation": a.organisation.name, "assessed_on": made.date(),
                "score": score or "no impacts rated", "outcome": outcome, "status": a.status,
            })  # fmt: skip
    frame = pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS)
    return frame.sort_values(["assessed_on", "reference"], ignore_index=True) if rows else frame


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def narrative(database: Database | None, year: int) -> pd.DataFrame:
    """The narrative entered in the tracker for reporting ``year``: one row per section written
    (challenges, successes, learning), empty when nothing is written."""
    if database is None or not inspect(database.engine).has_table("narratives"):
        return _empty(NARRATIVE_COLUMNS)
    from healthequity.accountability.narrative import get_narrative

    with database.session() as session:
        found = get_narrative(session, year)
        if found is None:
            return _empty(NARRATIVE_COLUMNS)
        rows = [
            {"year": year, "section": section, "heading": "", "text": text,
             "author": found.updated_by, "updated_at": f"{found.updated_at:%Y-%m-%d %H:%M} UTC"}
            for section, text in found.texts().items() if text
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=NARRATIVE_COLUMNS)
