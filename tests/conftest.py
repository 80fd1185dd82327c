"""Fixtures every test folder may use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium for a module's browser tests (skipped where not installed)."""
    with chromium() as b:
        yield b
