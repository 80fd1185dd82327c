"""A small tracker: the Leeds themes and recommendations, two organisations, a user of each
role (editors of A and of B) and one action owned by A."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from healthequity.accountability import importer, services, users
from healthequity.auth.permissions import CLI_ACTOR, Actor, actor_for
from healthequity.store.database import Database

PASSWORD = "correct horse battery staple"
ORG_A = "Leeds City Council"
ORG_B = "NHS West Yorkshire ICB"


@dataclass
class Seeded:
    """The seeded database and the actors and ids a test needs."""

    db: Database
    actors: dict[str, Actor]
    action_id: int


def seed(db: Database) -> Seeded:
    """Fill ``db`` (already migrated)."""
    with db.session() as session:
        importer.import_recommendations(session, CLI_ACTOR, importer.leeds_example())
        services.create_organisation(session, CLI_ACTOR, ORG_A)
        services.create_organisation(session, CLI_ACTOR, ORG_B)
        made = {
            "viewer": users.create_user(
                session, CLI_ACTOR, username="vera", password=PASSWORD, role="viewer"
            ),
            "editor_a": users.create_user(
                session,
                CLI_ACTOR,
                username="ed",
                password=PASSWORD,
                role="editor",
                display_name="Ed Ashworth",
                organisations=[ORG_A],
            ),
            "editor_b": users.create_user(
                session,
                CLI_ACTOR,
                username="bea",
                password=PASSWORD,
                role="editor",
                organisations=[ORG_B],
            ),
            "admin": users.create_user(
                session, CLI_ACTOR, username="ada", password=PASSWORD, role="admin"
            ),
        }
        actors = {role: actor_for(u) for role, u in made.items()}
        action = services.create_action(
            session,
            actors["editor_a"],
            1,
            {
                "title": "Publish an annual health equity report",
                "owner_organisation": ORG_A,
                "partners": [ORG_B],
                "start_date": "2025-04-01",
                "due_date": "2026-03-31",
                "indicator_ids": ["infant_mortality"],
            },
        )
        return Seeded(db, actors, action.id)


@pytest.fixture
def seeded(db: Database) -> Seeded:
    """The seeded database on each backend."""
    return seed(db)
