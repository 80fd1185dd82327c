"""`healthequity assessment ...`: equity impact assessments from the command line: name senior
sponsors, write the spreadsheet template, import a batch, export one as PDF or JSON, list the
reviews that are due."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthequity.assessment import batch, export, services
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.cli._common import PlaceOption, console, place_folder, run_or_exit
from healthequity.store.database import Database, database_url

app = typer.Typer(
    name="assessment",
    help="Health equity impact assessments: sponsors, batch import, export, reviews due.",
    no_args_is_help=True,
    add_completion=False,
)


def open_database(place: Path | None) -> Database:
    """The application database, migrated to the newest schema."""
    database = Database.from_url(database_url(place_folder(place)))
    database.upgrade()
    return database


@app.command()
def sponsor(
    username: Annotated[str, typer.Argument(help="The user who may sign assessments off.")],
    title: Annotated[str, typer.Option("--title", help="Their job title, as shown on sign-off.")],
    place: PlaceOption = None,
) -> None:
    """Name a senior sponsor (audited as the command line)."""
    database = run_or_exit(lambda: open_database(place))

    def work() -> None:
        with database.session() as session:
            services.grant_sponsor(session, CLI_ACTOR, username, title)

    run_or_exit(work)
    console.print(f"{username} may now sign assessments off as {title}.", highlight=False)


@app.command()
def sponsors(place: PlaceOption = None) -> None:
    """List the senior sponsors."""
    database = run_or_exit(lambda: open_database(place))
    table = Table("Username", "Name", "Job title")
    with database.session() as session:
        for s in services.list_sponsors(session):
            table.add_row(s.user.username, s.user.display_name, s.job_title)
    console.print(table)


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="Where to write the .xlsx template.")],
) -> None:
    """Write the spreadsheet template for a batch of assessments."""
    run_or_exit(lambda: batch.write_template(out))
    console.print(f"Wrote {out}: one row per decision; see its 'notes' sheet.", highlight=False)


@app.command(name="import")
def import_batch(
    file: Annotated[Path, typer.Argument(help="A filled-in template (.xlsx).")],
    place: PlaceOption = None,
) -> None:
    """Import every row as a draft assessment, or none (each problem listed)."""
    database = run_or_exit(lambda: open_database(place))

    def work() -> list[int]:
        with database.session() as session:
            made = batch.import_workbook(session, CLI_ACTOR, file, today=dt.date.today())
            return [a.id for a in made]

    made = run_or_exit(work)
    console.print(f"Imported {len(made)} assessments: {', '.join(map(str, made))}.")


@app.command(name="export")
def export_one(
    assessment_id: Annotated[int, typer.Argument(help="The assessment's id.")],
    out: Annotated[Path, typer.Argument(help="The file to write: .pdf or .json.")],
    place: PlaceOption = None,
) -> None:
    """Export an assessment as a PDF or JSON file (by the file's extension)."""
    database = run_or_exit(lambda: open_database(place))

    def work() -> None:
        with database.session() as session:
            a = services.get_assessment(session, assessment_id, CLI_ACTOR)
            if out.suffix.lower() == ".pdf":
                body = export.to_pdf(a, today=dt.date.today())
            else:
                body = export.to_json(a, today=dt.date.today()).encode()
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(body)
        tmp.replace(out)

    run_or_exit(work)
    console.print(f"Wrote {out}.", highlight=False)


@app.command()
def due(place: PlaceOption = None) -> None:
    """Published assessments whose review date has come."""
    database = run_or_exit(lambda: open_database(place))
    today = dt.date.today()
    table = Table("Id", "Decision", "Organisation", "Review date", "Days overdue")
    with database.session() as session:
        for a in services.reviews_due(session, today):
            table.add_row(
                str(a.id),
                a.title,
                a.organisation.name,
                a.review_date.isoformat(),
                str((today - a.review_date).days),
            )
    console.print(table)
