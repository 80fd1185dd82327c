"""`healthequity demo`: set up the Leeds example place, build the indicator set, serve it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from healthequity.cli._common import console
from healthequity.cli.build import build
from healthequity.config import example_place_dir


def demo(
    place: Annotated[Path, typer.Option(help="Folder of the demo place.")] = Path("out/leeds"),
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after the build.")] = True,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
) -> None:
    """The main job on the embedded default: the Leeds indicator set, built and served."""
    if not (place / "place.toml").exists():
        place.mkdir(parents=True, exist_ok=True)
        shutil.copy(example_place_dir() / "place.toml", place / "place.toml")
        console.print(f"Created the Leeds example place in [bold]{place}[/bold].")
    build(place=place, only=None, out=None)
    if serve:
        from healthequity.cli.serve import serve as serve_dashboard

        serve_dashboard(place=place, port=port)
