"""`healthequity report`: the annual progress report (PDF, HTML, Excel) or the ward profiles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from healthequity.cli._common import PlaceOption, console, open_place, run_or_exit, step

_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn())  # fmt: skip


def report(
    place: PlaceOption = None,
    year: Annotated[
        int, typer.Option(help="Reporting year (title, narrative, assessments).")
    ] = dt.date.today().year,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to (default: PLACE/out/report-YEAR).")
    ] = None,
    ward_profiles: Annotated[
        bool, typer.Option("--ward-profiles", help="Write one PDF per ward instead.")
    ] = False,
    ward: Annotated[
        list[str] | None,
        typer.Option("--ward", help="With --ward-profiles: only this ward code (repeatable)."),
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Date of the action status (default: today)."),
    ] = None,
) -> None:
    """Write report.pdf, report.html and report.xlsx, or with --ward-profiles a PDF per ward."""
    from healthequity.reports.report import load_report_data, write_report
    from healthequity.reports.report.ward_profiles import wards, write_ward_profiles

    the_place = open_place(place)
    folder = the_place.folder or Path(".")
    target = out or folder / "out" / f"report-{year}"
    with step("Reading the latest build and the application records"):
        data = run_or_exit(
            lambda: load_report_data(folder, year=year, as_of=as_of.date() if as_of else None)
        )
    with Progress(*_COLUMNS, console=console) as bar:
        if ward_profiles:
            total = len(ward) if ward else len(wards(data))
            task = bar.add_task("Ward profiles", total=total)

            def advance(code: str, name: str) -> None:
                bar.update(task, advance=1, description=name)

            paths = run_or_exit(
                lambda: write_ward_profiles(data, target / "wards", only=ward, on_ward=advance)
            )
            bar.update(task, description="Ward profiles")
        else:
            task = bar.add_task("Charts", total=None)
            paths = run_or_exit(
                lambda: write_report(data, target, on_chart=lambda c: bar.update(task, advance=1))
            )
            bar.update(task, total=bar.tasks[0].completed, description="Report")
    if ward_profiles:
        console.print(f"Wrote {len(paths)} ward profiles to {target / 'wards'}")
    else:
        for path in paths:
            console.print(f"Wrote {path}")
