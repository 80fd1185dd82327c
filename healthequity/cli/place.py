"""`healthequity init`: a new place folder from the shipped Leeds example."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from healthequity.cli._common import console, err_console
from healthequity.config import example_place_dir


def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")],
) -> None:
    """Create a place folder from the Leeds example; edit its place.toml for another place."""
    if folder.exists() and any(folder.iterdir()):
        err_console.print(f"[red]{folder} exists and is not empty[/red]; choose a new folder.")
        raise typer.Exit(2)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    console.print(
        f"Created [bold]{folder}[/bold] with place.toml (Leeds, E08000035). "
        "Change la_codes and name there to set up another local authority."
    )
