"""Fixtures of the sign-in tests: a database on each backend, seeded with a user of each role."""

from tests.accountability.databases import db, empty_db
from tests.accountability.seed import seeded

__all__ = ["db", "empty_db", "seeded"]
