"""`healthequity load / versions / rollback`: the warehouse from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthequity.cli._common import (
    WAREHOUSE_FILE,
    PlaceOption,
    console,
    open_place,
    run_or_exit,
    step,
)
from healthequity.store.warehouse import Warehouse


class Kind(StrEnum):
    """What kind of file is being loaded."""

    counts = "counts"
    fingertips = "fingertips"
    records = "records"


def warehouse_of(place: Path | None) -> Warehouse:
    """The warehouse file of the place folder."""
    folder = open_place(place).folder
    assert folder is not None
    return Warehouse(folder / WAREHOUSE_FILE)


def load(
    file: Annotated[Path, typer.Argument(help="CSV, Excel (.xlsx) or Parquet file.", exists=True)],
    kind: Annotated[Kind, typer.Option("--kind", "-k", help="What the file holds.")] = Kind.counts,
    indicator_id: Annotated[
        str | None, typer.Option(help="For --kind records: the indicator the events count.")
    ] = None,
    place: PlaceOption = None,
) -> None:
    """Validate a file and load it as one new warehouse version (all or nothing)."""
    wh = warehouse_of(place)
    with step(f"Validating and loading {file.name}"):
        version = run_or_exit(lambda: _load(wh, file, kind, indicator_id))
    console.print(f"Loaded [bold]{file.name}[/bold] as version [bold]{version}[/bold].")


def _load(wh: Warehouse, file: Path, kind: Kind, indicator_id: str | None) -> int:
    if kind is Kind.counts:
        from healthequity.indicators.count_rules import place_count_rules
        from healthequity.sources.tabular import load_counts

        # checked by what each id measures in the catalogue the place builds from
        return load_counts(wh, file, rules=place_count_rules(wh.path.parent))
    if kind is Kind.fingertips:
        from healthequity.sources.fingertips_csv import load_fingertips

        return load_fingertips(wh, file)
    from healthequity.sources.records import load_records

    if indicator_id is None:
        raise typer.BadParameter("--indicator-id is required with --kind records")
    return load_records(wh, file, indicator_id=indicator_id)


def versions(place: PlaceOption = None) -> None:
    """List the warehouse's versions with their provenance."""
    table = run_or_exit(lambda: warehouse_of(place).versions())
    out = Table("version", "dataset", "kind", "source", "sha256", "loaded (UTC)", "rows", "status")
    for row in table.itertuples():
        out.add_row(
            str(row.version),
            str(row.dataset),
            str(row.kind),
            str(row.source_name),
            str(row.sha256)[:12],
            str(row.loaded_at)[:19],
            f"{row.row_count:,}",
            str(row.status),
        )
    console.print(out if len(table) else "The warehouse is empty.")


def rollback(
    to: Annotated[int, typer.Argument(help="The version to return to (0: empty).")],
    place: PlaceOption = None,
) -> None:
    """Roll the warehouse back to a version; later versions are kept but no longer read."""
    undone = run_or_exit(lambda: warehouse_of(place).rollback(to))
    console.print(f"Rolled back version(s) {', '.join(map(str, undone))}; now at version {to}.")


def fingertips(
    indicator_ids: Annotated[list[int], typer.Argument(help="Fingertips indicator ID(s).")],
    area_type: Annotated[
        int, typer.Option(help="Fingertips child area type ID (e.g. 501 lower-tier LAs).")
    ] = 501,
    parent_area_type: Annotated[int, typer.Option(help="Parent area type ID (15: England).")] = 15,
    place: PlaceOption = None,
) -> None:
    """Fetch indicator data from the Fingertips API (cached) into the warehouse."""
    from healthequity.sources.fingertips_api import FingertipsClient, load_from_api

    wh = warehouse_of(place)
    cache = wh.path.parent / ".cache" / "fingertips"
    client = FingertipsClient(cache_dir=cache)
    with step(f"Fetching {', '.join(map(str, indicator_ids))} from Fingertips"):
        version = run_or_exit(
            lambda: load_from_api(wh, client, indicator_ids, area_type, parent_area_type)
        )
    console.print(f"Loaded Fingertips data as version [bold]{version}[/bold].")
