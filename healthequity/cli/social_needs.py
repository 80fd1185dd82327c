"""`healthequity social-needs ...`: the template as FHIR, ingestion, synthetic data, publishing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from healthequity.cli._common import (
    WAREHOUSE_FILE,
    PlaceOption,
    console,
    open_place,
    run_or_exit,
    step,
)

app = typer.Typer(
    name="social-needs",
    help="The primary-care social needs template: FHIR Questionnaire, ingestion, publication.",
    no_args_is_help=True,
    add_completion=False,
)
PRACTICES_FILE = "social_needs_practices.csv"
PracticesOption = Annotated[
    Path | None,
    typer.Option(
        help=f"Practice list CSV (default: {PRACTICES_FILE} in the place folder).",
        show_default=False,
    ),
]
SyntheticOption = Annotated[
    bool, typer.Option("--synthetic", help="Accept synthetic practice codes (SYN001 ...).")
]


@app.command("questionnaire")
def questionnaire_cmd(
    out: Annotated[Path, typer.Argument(help="Where to write the Questionnaire JSON.")],
) -> None:
    """Write the template as a FHIR R4 Questionnaire (validated) to OUT."""
    from healthequity.social_needs.fhir import questionnaire
    from healthequity.social_needs.store_files import write_text

    text = json.dumps(run_or_exit(questionnaire), indent=2) + "\n"
    write_text(out, text)
    console.print(f"Wrote the Questionnaire to [bold]{out}[/bold].")


@app.command()
def synthetic(
    out: Annotated[Path, typer.Argument(help="Where to write the synthetic extract (CSV).")],
    patients: Annotated[
        int, typer.Option(min=1, help="Registered patients to generate.")
    ] = 100_000,
    seed: Annotated[
        int, typer.Option(help="Random seed (the same seed gives the same data).")
    ] = 2025,
    practices_out: Annotated[
        Path | None, typer.Option(help="Where to write the practice list.")
    ] = None,
) -> None:
    """Generate a synthetic Leeds extract and its synthetic practice list (labelled synthetic)."""
    from healthequity.social_needs.store_files import write_frame
    from healthequity.social_needs.synthetic import synthetic_extract, synthetic_practices

    with step(f"Generating {patients:,} synthetic patients"):
        practices = synthetic_practices()
        extract = synthetic_extract(patients, practices=practices, seed=seed)
    target = practices_out or out.with_name(PRACTICES_FILE)
    write_frame(extract, out)
    write_frame(practices[["practice_code", "practice_name", "pcn_code", "pcn_name"]], target)
    console.print(
        f"Wrote {len(extract):,} synthetic rows to [bold]{out}[/bold] "
        f"and the practices to [bold]{target}[/bold]."
    )


@app.command()
def ingest(
    file: Annotated[
        Path, typer.Argument(help="A flat CSV extract or a FHIR Bundle (.json).", exists=True)
    ],
    practices: PracticesOption = None,
    allow_synthetic: SyntheticOption = False,
    place: PlaceOption = None,
) -> None:
    """Check a file of completed templates whole and load it as one warehouse batch."""
    from healthequity.social_needs.fhir import read_bundle
    from healthequity.social_needs.ingest import read_extract, read_practices
    from healthequity.social_needs.store import load_responses
    from healthequity.store.warehouse import Warehouse, sha256_of

    folder = open_place(place).folder
    assert folder is not None
    listed = run_or_exit(
        lambda: read_practices(
            practices or folder / PRACTICES_FILE, allow_synthetic=allow_synthetic
        )
    )
    codes = set(listed["practice_code"])
    reader = read_bundle if file.suffix.lower() == ".json" else read_extract
    with step(f"Validating {file.name}"):
        records = run_or_exit(
            lambda: reader(file, practices=codes, allow_synthetic=allow_synthetic)
        )
    version = load_responses(
        Warehouse(folder / WAREHOUSE_FILE), records, source_name=str(file), sha256=sha256_of(file)
    )
    patients = records["patient_id"].nunique()
    console.print(
        f"Loaded [bold]{file.name}[/bold]: {patients:,} patients, {len(records):,} rows, "
        f"as version [bold]{version}[/bold]."
    )


@app.command("publish")
def publish_cmd(
    out: Annotated[
        Path | None,
        typer.Argument(
            help="Also write the published table here (.csv or .xlsx); it is always stored "
            "in the place's warehouse, where the dashboard reads it.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day of the period (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of the period (YYYY-MM-DD).")] = None,
    practices: PracticesOption = None,
    allow_synthetic: SyntheticOption = False,
    place: PlaceOption = None,
) -> None:
    """Aggregate the newest ingested extract, publish it through disclosure control and store
    the published table in the warehouse (one batch per run, keyed by period)."""
    from healthequity.social_needs.ingest import read_practices
    from healthequity.social_needs.publications import store_publication
    from healthequity.social_needs.publish import indicator_table, write_table
    from healthequity.social_needs.store import aggregate_stored, response_dates
    from healthequity.store.warehouse import Warehouse

    the_place = open_place(place)
    folder = the_place.folder
    assert folder is not None
    listed = run_or_exit(
        lambda: read_practices(
            practices or folder / PRACTICES_FILE, allow_synthetic=allow_synthetic
        )
    )
    first, last = _day(start, "--start"), _day(end, "--end")
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise typer.BadParameter(f"{out}: expected a .csv or .xlsx file name", param_hint="OUT")
    warehouse = Warehouse(folder / WAREHOUSE_FILE)
    with step("Aggregating and applying disclosure control"):
        period = _period(*run_or_exit(lambda: response_dates(warehouse)), first, last)
        agg = run_or_exit(
            lambda: aggregate_stored(warehouse, listed, place=the_place, start=first, end=last)
        )
        table = run_or_exit(lambda: indicator_table(agg, listed, period=period, place=the_place,
                                                     source=_source(allow_synthetic)))  # fmt: skip
        version = run_or_exit(lambda: store_publication(warehouse, table, listed, place=the_place))
        if out is not None:
            run_or_exit(lambda: write_table(table, out))
    where = f" and to [bold]{out}[/bold]" if out is not None else ""
    console.print(
        f"Published {len(table):,} rows for {period} to the warehouse as version "
        f"[bold]{version}[/bold]{where}."
    )


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date as YYYY-MM-DD", param_hint=option
        ) from None


def _period(
    earliest: dt.date | None, latest: dt.date | None, start: dt.date | None, end: dt.date | None
) -> str:
    """The period's name: '2024/25' for a financial year, else 'first to last' day."""
    first = start or earliest
    last = end or latest
    if first is None or last is None:
        return "no responses"
    if first.month == 4 and first.day == 1 and last == dt.date(first.year + 1, 3, 31):
        return f"{first.year}/{(first.year + 1) % 100:02d}"
    return f"{first.isoformat()} to {last.isoformat()}"


def _source(synthetic: bool) -> str:
    from healthequity.social_needs.synthetic import SOURCE

    return SOURCE if synthetic else "GP practice records (social needs template)"
