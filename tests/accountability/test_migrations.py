"""Migrations: upgrade an empty database to the newest schema, downgrade it again, and the
audit trail's append-only triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from healthequity.store.database import Database
from healthequity.store.migrations import current_revision, downgrade, head_revision, upgrade

TABLES = {
    "action_indicators",
    "action_partners",
    "actions",
    "alembic_version",
    "audit_entries",
    "login_attempts",
    "milestones",
    "organisations",
    "progress_updates",
    "recommendation_indicators",
    "recommendations",
    "themes",
    "user_organisations",
    "users",
}
#: Tables of the equity impact assessment (revision 0002, on top of the tracker's).
ASSESSMENT_TABLES = {
    "assessment_sponsors",
    "assessments",
    "assessment_areas",
    "assessment_evidence",
    "assessment_impacts",
    "assessment_mitigations",
    "assessment_monitoring",
    "assessment_versions",
    "assessment_links",
}
#: The annual report's narrative (revision 0003).
NARRATIVE_TABLES = {"narratives"}
ALL_TABLES = TABLES | ASSESSMENT_TABLES | NARRATIVE_TABLES


def tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_then_downgrade_and_again(empty_db: Database) -> None:
    assert tables(empty_db) == set()
    assert current_revision(empty_db.engine) is None
    upgrade(empty_db.engine)
    assert tables(empty_db) == ALL_TABLES
    assert current_revision(empty_db.engine) == head_revision() == "0003"
    downgrade(empty_db.engine, "0002")
    assert tables(empty_db) == TABLES | ASSESSMENT_TABLES
    downgrade(empty_db.engine, "0001")
    assert tables(empty_db) == TABLES
    downgrade(empty_db.engine)
    assert tables(empty_db) <= {"alembic_version"}
    assert current_revision(empty_db.engine) is None
    upgrade(empty_db.engine)
    assert tables(empty_db) == ALL_TABLES


def test_upgrade_twice_is_harmless(empty_db: Database) -> None:
    empty_db.upgrade()
    empty_db.upgrade()
    assert current_revision(empty_db.engine) == head_revision()


def test_database_refuses_to_change_or_delete_audit_entries(db: Database) -> None:
    with db.engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO audit_entries (at, actor, operation, entity, entity_id, field) "
                "VALUES (CURRENT_TIMESTAMP, 'ada', 'create', 'action', 1, 'title')"
            )
        )
    for statement in ("UPDATE audit_entries SET actor = 'mallory'", "DELETE FROM audit_entries"):
        with (
            pytest.raises(DBAPIError, match="audit_entries is append-only"),
            db.engine.begin() as con,
        ):
            con.execute(text(statement))
    with db.engine.connect() as con:
        assert con.execute(text("SELECT actor FROM audit_entries")).scalars().all() == ["ada"]
