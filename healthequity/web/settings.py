"""The dashboard's settings, declared once: where the place is and how often to look for a build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

WAREHOUSE_FILE = "warehouse.duckdb"
EVALUATIONS_FOLDER = "evaluations"


@dataclass(frozen=True)
class Settings:
    """``place_folder`` holds place.toml and the warehouse; ``refresh_seconds`` is how often the
    app checks the warehouse for a newer build (0: on every request); ``changes_in_background``
    works out what changed since the previous build in a thread (pages are served meanwhile)
    rather than before the first page of a new build."""

    place_folder: Path
    refresh_seconds: float = 5.0
    title: str = "Health equity indicators"
    changes_in_background: bool = True

    @property
    def warehouse_path(self) -> Path:
        """The place's DuckDB warehouse."""
        return self.place_folder / WAREHOUSE_FILE

    @property
    def evaluations_path(self) -> Path:
        """Where saved evaluations live: one results folder each, as
        ``healthequity evaluate CONFIG --out PLACE/evaluations/NAME`` writes them."""
        return self.place_folder / EVALUATIONS_FOLDER
