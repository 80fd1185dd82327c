"""Errors of the tracker's services: a record that does not exist, a stale save."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthequity.errors import HealthEquityError


class NotFound(HealthEquityError):
    """No record with that number or id."""


class Conflict(HealthEquityError):
    """A save made on a version that someone else has changed since (optimistic locking).

    Nothing is saved; ``attempted`` holds the refused changes so they are not lost.
    """

    def __init__(self, message: str, *, current_version: int, attempted: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.attempted = dict(attempted)
