"""The dashboard's settings, declared once: where the place is and how often to look for a build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class Settings:
    """``place_folder`` holds place.toml and the warehouse; ``refresh_seconds`` is how often the
    app checks the warehouse for a newer build (0: on every request)."""

    place_folder: Path
    refresh_seconds: float = 5.0
    title: str = "Health equity indicators"

    @property
    def warehouse_path(self) -> Path:
        """The place's DuckDB warehouse."""
        return self.place_folder / WAREHOUSE_FILE
