"""The dashboard with the assessment registered, on a small build and a SQLite store, with a
clock the tests move; and a uvicorn server of it for the browser test."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

from healthequity.accountability import importer, users
from healthequity.accountability import services as tracker
from healthequity.assessment import register, services
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.config import example_place_dir, load_place
from healthequity.reports.indicator_set import run_build
from healthequity.store.database import Database
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app
from tests.browser import served

INDICATORS = ["children_relative_low_income", "infant_mortality", "smoking_at_delivery"]
PASSWORD = "correct horse battery staple"
COUNCIL = "Leeds City Council"
SECRET = "test-secret-" + "x" * 40


@dataclass
class Clock:
    """Today, as the app sees it; tests move it forward."""

    day: dt.date

    def __call__(self) -> dt.date:
        return self.day


@dataclass
class WebApp:
    """The app, its database and its clock."""

    app: FastAPI
    db: Database
    clock: Clock


@pytest.fixture(scope="session")
def assessment_place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Leeds place folder with a build of three indicators."""
    folder = tmp_path_factory.mktemp("assessment_place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(
        load_place(folder),
        warehouse=Warehouse(folder / "warehouse.duckdb"),
        out=None,
        only=INDICATORS,
    )
    return folder


def make_webapp(place: Path, db: Path | Database, today: dt.date) -> WebApp:
    """The app on a migrated store (a SQLite file, or a migrated database) seeded with an
    officer (editor of the council), a sponsor (sam) and a viewer."""
    if isinstance(db, Path):
        db = Database.from_url(f"sqlite:///{db}")
        db.upgrade()
    with db.session() as session:
        importer.import_recommendations(session, CLI_ACTOR, importer.leeds_example())
        tracker.create_organisation(session, CLI_ACTOR, COUNCIL)
        users.create_user(
            session, CLI_ACTOR, username="olive", password=PASSWORD, role="editor",
            display_name="Olive Officer", organisations=[COUNCIL],
        )  # fmt: skip
        users.create_user(
            session, CLI_ACTOR, username="sam", password=PASSWORD, role="viewer",
            display_name="Sam Senior", organisations=[COUNCIL],
        )  # fmt: skip
        users.create_user(
            session, CLI_ACTOR, username="vera", password=PASSWORD, role="viewer",
            display_name="Vera Viewer",
        )  # fmt: skip
        services.grant_sponsor(session, CLI_ACTOR, "sam", "Director of Public Health")
    clock = Clock(today)
    app = create_app(Settings(place, refresh_seconds=0))
    register(app, db, secret=SECRET, today=clock)
    return WebApp(app, db, clock)


def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port until the generator is closed."""
    with served(app) as url:
        yield url
