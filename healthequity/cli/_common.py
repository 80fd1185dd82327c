"""What every command shares: the console, finding the place folder, and printing errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from healthequity.config import Place, load_place
from healthequity.errors import HealthEquityError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

T = TypeVar("T")

PlaceOption = Annotated[
    Path | None,
    typer.Option(
        "--place",
        "-p",
        help="Place folder with place.toml (default: $HEALTHEQUITY_PLACE, else this folder).",
        show_default=False,
    ),
]

WAREHOUSE_FILE = "warehouse.duckdb"


def place_folder(place: Path | None) -> Path:
    """The place folder: --place, else $HEALTHEQUITY_PLACE, else the current folder."""
    if place is not None:
        return place
    return Path(os.environ.get("HEALTHEQUITY_PLACE", "."))


def open_place(place: Path | None) -> Place:
    """Load place.toml, or exit with a message saying how to make one."""
    folder = place_folder(place)
    if not (folder / "place.toml").exists():
        err_console.print(
            f"[red]No place.toml in {folder.resolve()}[/red]: create a place folder with "
            "`healthequity init FOLDER`, then pass it with --place FOLDER."
        )
        raise typer.Exit(2)
    return run_or_exit(lambda: load_place(folder))


def run_or_exit(action: Callable[[], T]) -> T:
    """Run ``action``; on one of our errors print it plainly and exit with status 1."""
    try:
        return action()
    except HealthEquityError as err:
        err_console.print(f"[red]Error:[/red] {err}", markup=True, highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def step(message: str) -> Iterator[None]:
    """A spinner while one step runs."""
    with console.status(message):
        yield
