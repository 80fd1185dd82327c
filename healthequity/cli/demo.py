"""`healthequity demo`: set up the Leeds example place, build the indicator set, serve it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated

import typer

from healthequity.cli._common import console
from healthequity.cli.build import build
from healthequity.config import example_place_dir


def demo(
    place: Annotated[Path, typer.Option(help="Folder of the demo place.")] = Path("out/leeds"),
    report: Annotated[bool, typer.Option(help="Write the annual report after the build.")] = True,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after the build.")] = True,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
) -> None:
    """The main job on the embedded default: the Leeds indicator set built, reported, served."""
    if not (place / "place.toml").exists():
        place.mkdir(parents=True, exist_ok=True)
        shutil.copy(example_place_dir() / "place.toml", place / "place.toml")
        console.print(f"Created the Leeds example place in [bold]{place}[/bold].")
    build(place=place, only=None, out=None)
    if report:
        from healthequity.cli.report import report as write_report

        write_report(place=place, year=dt.date.today().year, out=None, ward_profiles=False,
                     ward=None, as_of=None)  # fmt: skip
    if serve:
        from healthequity.cli.serve import serve as serve_dashboard

        serve_dashboard(place=place, port=port)
