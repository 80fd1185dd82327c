"""Equity impact assessment: resolving a drawn area to LSOAs, filling in the evidence from the
full Leeds build, saving and submitting an assessment, and its PDF.

`python -m bench assessment`. Builds the Leeds indicator set into a temporary place folder (or
uses $HEALTHEQUITY_BENCH_PLACE when it names a folder with a build).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from bench._report import Timing, time_call, write_section


def _place() -> Path:
    given = os.environ.get("HEALTHEQUITY_BENCH_PLACE")
    if given:
        return Path(given)
    from healthequity.config import example_place_dir, load_place
    from healthequity.reports.indicator_set import run_build
    from healthequity.store.warehouse import Warehouse

    folder = Path(tempfile.mkdtemp(prefix="bench-assessment-"))
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None)
    return folder


def run() -> None:
    """Time each step and write the section."""
    from healthequity.accountability import services as tracker
    from healthequity.assessment import evidence, export, geo, services, workflow
    from healthequity.assessment.vocab import DIMENSION_KEYS
    from healthequity.auth.permissions import CLI_ACTOR
    from healthequity.geography import boundaries
    from healthequity.indicators.publication import publishable
    from healthequity.store.database import Database
    from healthequity.store.results import read_build
    from healthequity.store.warehouse import Warehouse

    place = _place()
    table = publishable(read_build(Warehouse(place / "warehouse.duckdb"), "indicator_values"))
    wards = boundaries("ward")["features"]
    two = geo.resolve(["Armley", "Beeston & Holbeck"])
    every = geo.resolve([w["properties"]["area_code"] for w in wards])
    city = "E08000035"

    def cold_points() -> None:
        geo.lsoa_points.cache_clear()
        geo.lsoa_points()

    def drawn_wards() -> None:
        for w in wards:
            geo.lsoas_in(w)

    folder = Path(tempfile.mkdtemp(prefix="bench-assessment-db-"))
    db = Database.from_url(f"sqlite:///{folder / 'app.sqlite'}")
    db.upgrade()
    with db.session() as session:
        tracker.create_organisation(session, CLI_ACTOR, "Leeds City Council")
    today = dt.date.today()
    found = evidence.evidence_for(table, two, city_code=city, build_id=1)
    values = {
        "title": "Bench regeneration",
        "kind": "regeneration scheme",
        "owner_name": "Owner",
        "organisation": "Leeds City Council",
        "areas": ["Armley", "Beeston & Holbeck"],
        "impacts": {k: {"rating": "neutral"} for k in DIMENSION_KEYS},
        "monitoring": [{"indicator_id": "infant_mortality"}],
    }

    def save_and_submit() -> None:
        with db.session() as session:
            a = services.create_assessment(session, CLI_ACTOR, values, today=today)
            workflow.transition(
                session, CLI_ACTOR, a.id, "submit", a.version, today=today, evidence=found
            )

    with db.session() as session:
        first = services.create_assessment(session, CLI_ACTOR, values, today=today).id

    def pdf() -> None:
        with db.session() as session:
            a = services.get_assessment(session, first, CLI_ACTOR)
            export.to_pdf(a, today=today, evidence=found)

    rows = f"{len(table):,} published rows"
    timings: list[Timing] = [
        time_call("LSOA interior points from the shipped boundaries (488 LSOAs)", cold_points),
        time_call(
            "33 drawn wards resolved to LSOAs (ray casting)",
            drawn_wards,
            note="one broadcast per polygon",
        ),
        time_call(
            "evidence for two wards, every indicator",
            lambda: evidence.evidence_for(table, two, city_code=city),
            note=rows,
        ),
        time_call(
            "evidence for all 33 wards, every indicator",
            lambda: evidence.evidence_for(table, every, city_code=city),
            note=rows,
        ),
        time_call(
            "create and submit an assessment (SQLite)",
            save_and_submit,
            repeats=5,
            note="audit entries and two versions",
        ),
        time_call("assessment PDF (Typst)", pdf),
    ]
    intro = (
        "`python -m bench assessment`: the steps behind the assessment pages, on the full Leeds "
        "build (synthetic demo data)."
    )
    print(write_section("Equity impact assessment", intro, timings))
    db.dispose()
