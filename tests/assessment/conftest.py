"""Fixtures of the assessment tests: the tracker's databases (SQLite and PostgreSQL) seeded with
users, plus a senior sponsor."""

from __future__ import annotations

import datetime as dt

import pytest

from healthequity.accountability import users
from healthequity.assessment import services
from healthequity.auth.permissions import CLI_ACTOR, actor_for
from healthequity.store.database import Database
from tests.accountability.databases import db, empty_db, fast_hashing
from tests.accountability.seed import ORG_A, PASSWORD, Seeded, seed

__all__ = ["db", "empty_db", "fast_hashing"]

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def seeded(db: Database) -> Seeded:
    """The tracker seed plus 'sam', a sponsor of organisation A, and 'sue', a sponsor of B."""
    s = seed(db)
    with db.session() as session:
        sam = users.create_user(
            session, CLI_ACTOR, username="sam", password=PASSWORD, role="viewer",
            display_name="Sam Senior", organisations=[ORG_A],
        )  # fmt: skip
        sue = users.create_user(
            session, CLI_ACTOR, username="sue", password=PASSWORD, role="viewer",
            display_name="Sue Other", organisations=["NHS West Yorkshire ICB"],
        )  # fmt: skip
        services.grant_sponsor(session, CLI_ACTOR, "sam", "Director of Public Health")
        services.grant_sponsor(session, CLI_ACTOR, "sue", "ICB Chief Executive")
        s.actors["sponsor"] = actor_for(sam)
        s.actors["sponsor_b"] = actor_for(sue)
    return s
