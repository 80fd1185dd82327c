"""`healthequity build`: the whole indicator set, stored, published as downloads, summarised."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from healthequity.cli._common import WAREHOUSE_FILE, PlaceOption, console, open_place, run_or_exit
from healthequity.indicators.catalogue import place_catalogue
from healthequity.reports.indicator_set import BuildOutputs, run_build
from healthequity.store.warehouse import Warehouse


def build(
    place: PlaceOption = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Build only these indicator ids.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the downloads (default: PLACE/out).")
    ] = None,
) -> None:
    """Build every active indicator for the place; write the warehouse tables and downloads."""
    the_place = open_place(place)
    folder = the_place.folder or Path(".")
    catalogue = run_or_exit(lambda: place_catalogue(the_place.folder))
    wanted = [d for d in catalogue.active() if not only or d.id in only]
    warehouse = Warehouse(folder / WAREHOUSE_FILE)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("Building indicators", total=len(wanted))

        def advance(definition: object) -> None:
            bar.update(task, advance=1, description=f"Building {getattr(definition, 'id', '')}")

        outputs = run_or_exit(
            lambda: run_build(
                the_place,
                catalogue,
                warehouse=warehouse,
                out=out or folder / "out",
                only=only,
                progress=advance,
            )
        )
        bar.update(task, description="Built")
    print_summary(outputs)


def print_summary(outputs: BuildOutputs) -> None:
    """Indicators built, rows, verdicts, and where the outputs are."""
    table = Table(title=f"{outputs.place} indicator set (build {outputs.build_id})")
    table.add_column("what")
    table.add_column("figure", justify="right")
    for label, value in outputs.summary_rows():
        table.add_row(label, value)
    console.print(table)
    for path in outputs.files:
        console.print(f"Wrote {path}")
