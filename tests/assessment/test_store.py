"""The migration (0002 on top of the tracker's 0001, both ways, on SQLite and PostgreSQL), the
reporting across decisions, and the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from healthequity.assessment import reporting, services, workflow
from healthequity.assessment.models import Assessment
from healthequity.cli.assessment import app as cli
from healthequity.store.database import Database
from healthequity.store.migrations import current_revision, downgrade, head_revision
from tests.accountability.seed import Seeded, seed
from tests.assessment.conftest import TODAY
from tests.assessment.factories import complete_values

TABLES = {
    "assessments",
    "assessment_areas",
    "assessment_impacts",
    "assessment_evidence",
    "assessment_mitigations",
    "assessment_monitoring",
    "assessment_links",
    "assessment_versions",
    "assessment_sponsors",
}


def test_migration_up_and_down(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()  # 0002 or a later revision
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    downgrade(db.engine, "0001")
    assert current_revision(db.engine) == "0001"
    assert not TABLES & set(inspect(db.engine).get_table_names())
    db.upgrade()
    assert set(inspect(db.engine).get_table_names()) >= TABLES


def test_the_database_refuses_a_negative_rating_without_rationale(seeded: Seeded) -> None:
    from sqlalchemy.exc import IntegrityError

    with seeded.db.session() as session:
        ident = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(), today=TODAY
        ).id
    with pytest.raises(IntegrityError), seeded.db.session() as session:
        a = session.get(Assessment, ident)
        assert a is not None
        impact = a.impact("housing")
        assert impact is not None
        impact.rationale = ""
        session.flush()


def test_report_across_decisions(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        first = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(recommendations=[2]), today=TODAY
        ).id
        services.create_assessment(
            session,
            seeded.actors["editor_a"],
            complete_values(
                title="Licensing",
                kind="licensing scheme",
                principles=[4],
                actions=[seeded.action_id],
            ),
            today=TODAY,
        )
    with seeded.db.session() as session:
        workflow.transition(session, seeded.actors["editor_a"], first, "submit", 1, today=TODAY)
    with seeded.db.session() as session:
        report = reporting.summary(session, TODAY)
        assert report["total"] == 2 and report["assessed"] == 1
        assert report["by_status"] == {
            "draft": 1,
            "submitted": 1,
            "signed off": 0,
            "published": 0,
            "reviewed": 0,
        }
        assert report["by_kind"] == {"licensing scheme": 1, "regeneration scheme": 1}
        assert report["by_organisation"]["Leeds City Council"]["draft"] == 1
        principles = {p["principle"]: p["assessments"] for p in report["by_principle"]}
        assert principles[4] == 2 and principles[6] == 1 and principles[1] == 0
        housing = next(i for i in report["impacts"] if i["dimension"] == "housing")
        assert housing == {
            "dimension": "housing",
            "label": "Housing",
            "positive": 0,
            "neutral": 0,
            "negative": 2,
            "unknown": 0,
        }
        # the action belongs to recommendation 1; recommendation 2 is linked directly
        assert [(x["recommendation"], len(x["assessments"])) for x in report["links"]] == [
            (1, 1),
            (2, 1),
        ]
        assert reporting.summary(session, TODAY, year=2020)["total"] == 0


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("HEALTHEQUITY_DATABASE_URL", url)
    db = Database.from_url(url)
    db.upgrade()
    seeded = seed(db)
    runner = CliRunner()
    result = runner.invoke(cli, ["sponsor", "ed", "--title", "Chief Officer"])
    assert result.exit_code == 0, result.output
    assert "ed may now sign assessments off as Chief Officer." in result.output
    result = runner.invoke(cli, ["sponsor", "nobody", "--title", "X"])
    assert result.exit_code == 1 and "no user 'nobody'" in result.output
    result = runner.invoke(cli, ["template", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").exists()
    result = runner.invoke(cli, ["import", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 1 and "the template has no rows filled in" in result.output
    with db.session() as session:
        ident = services.create_assessment(
            session,
            seeded.actors["editor_a"],
            complete_values(review_date=dt.date.today()),
            today=dt.date.today(),
        ).id
    result = runner.invoke(cli, ["export", str(ident), str(tmp_path / "a.json")])
    assert result.exit_code == 0
    assert json.loads((tmp_path / "a.json").read_text())["id"] == ident
    result = runner.invoke(cli, ["export", str(ident), str(tmp_path / "a.pdf")])
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    db.dispose()


def test_a_drawn_area_becomes_its_lsoas(seeded: Seeded) -> None:
    from healthequity.geography import boundaries

    feature = boundaries("lsoa21")["features"][0]
    code = feature["properties"]["area_code"]
    values = complete_values(areas=["Armley"], area_geojson=json.dumps(feature))
    with seeded.db.session() as session:
        a = services.create_assessment(session, seeded.actors["editor_a"], values, today=TODAY)
        assert {(x.area_code, x.source) for x in a.areas} == {
            ("E05011385", "listed"),
            (code, "drawn"),
        }
        assert json.loads(a.area_geojson or "{}")["properties"]["area_code"] == code
