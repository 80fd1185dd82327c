"""`healthequity demo`: set up the Leeds example place, build the indicator set, publish
synthetic social needs indicators (when none are published), serve it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated

import typer

from healthequity.cli._common import WAREHOUSE_FILE, console
from healthequity.cli.build import build
from healthequity.config import example_place_dir

#: The synthetic extract the demo writes in the place folder, and the year it covers (the
#: synthetic generator's default period: the 2024/25 financial year).
SYNTHETIC_EXTRACT = "social_needs_synthetic.csv"
SYNTHETIC_PERIOD = ("2024-04-01", "2025-03-31")


def demo(
    place: Annotated[Path, typer.Option(help="Folder of the demo place.")] = Path("out/leeds"),
    report: Annotated[bool, typer.Option(help="Write the annual report after the build.")] = True,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard after the build.")] = True,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
    social_needs_patients: Annotated[
        int,
        typer.Option(
            min=0,
            help="Synthetic patients for the social needs indicators, generated and published "
            "when the place has none published (0: skip).",
        ),
    ] = 100_000,
) -> None:
    """The main job on the embedded default: the Leeds indicator set built, reported, served."""
    if not (place / "place.toml").exists():
        place.mkdir(parents=True, exist_ok=True)
        shutil.copy(example_place_dir() / "place.toml", place / "place.toml")
        console.print(f"Created the Leeds example place in [bold]{place}[/bold].")
    build(place=place, only=None, out=None)
    if social_needs_patients:
        synthetic_social_needs(place, social_needs_patients)
    if report:
        from healthequity.cli.report import report as write_report

        write_report(place=place, year=dt.date.today().year, out=None, ward_profiles=False,
                     ward=None, as_of=None)  # fmt: skip
    if serve:
        from healthequity.cli.serve import serve as serve_dashboard

        serve_dashboard(place=place, port=port)


def synthetic_social_needs(place: Path, patients: int, *, seed: int = 2025) -> bool:
    """Generate, ingest and publish synthetic social needs responses for the place (labelled
    synthetic) with the `social-needs` commands, unless a publication exists; True if it ran."""
    from healthequity.cli.social_needs import ingest, publish_cmd, synthetic
    from healthequity.social_needs.publications import publication_periods
    from healthequity.store.warehouse import Warehouse

    if publication_periods(Warehouse(place / WAREHOUSE_FILE)):
        return False
    extract = place / SYNTHETIC_EXTRACT
    synthetic(out=extract, patients=patients, seed=seed, practices_out=None)
    ingest(file=extract, practices=None, allow_synthetic=True, place=place)
    first, last = SYNTHETIC_PERIOD
    publish_cmd(out=None, start=first, end=last, practices=None, allow_synthetic=True, place=place)
    return True
