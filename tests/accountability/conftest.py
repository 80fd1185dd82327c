"""Fixtures of the tracker tests: a database on each backend, seeded with users and an action."""

from tests.accountability.databases import db, empty_db, fast_hashing
from tests.accountability.seed import seeded

__all__ = ["db", "empty_db", "fast_hashing", "seeded"]
