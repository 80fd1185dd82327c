"""Shared fixtures: the shipped Leeds place."""

from __future__ import annotations

import pytest

from healthequity.config import Place, load_place


@pytest.fixture(scope="session")
def leeds() -> Place:
    """The shipped Leeds example place (IoD2025, 2021 LSOAs)."""
    return load_place()
