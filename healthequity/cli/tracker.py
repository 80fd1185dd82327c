"""`healthequity tracker ...`: the accountability tracker's database from the command line
(migrate, import the recommendations, add and list organisations, show the board)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthequity.accountability import importer, serialise, services
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.cli._common import PlaceOption, console, place_folder, run_or_exit
from healthequity.store.database import Database, database_url

app = typer.Typer(
    name="tracker",
    help="The accountability tracker: recommendations, actions, organisations.",
    no_args_is_help=True,
    add_completion=False,
)


def open_database(place: Path | None) -> Database:
    """The application database ($HEALTHEQUITY_DATABASE_URL, else the place folder's SQLite
    file), migrated to the newest schema."""
    database = Database.from_url(database_url(place_folder(place)))
    database.upgrade()
    return database


@app.command()
def migrate(place: PlaceOption = None) -> None:
    """Create or upgrade the tracker's tables to the newest schema."""
    database = run_or_exit(lambda: open_database(place))
    console.print(f"Database is up to date: {database.engine.url.render_as_string()}")


@app.command(name="import")
def import_file(
    file: Annotated[Path, typer.Argument(help="YAML or CSV file of themes and recommendations.")],
    place: PlaceOption = None,
) -> None:
    """Import themes and recommendations (the whole file or nothing)."""
    database = run_or_exit(lambda: open_database(place))

    def work() -> importer.ImportSummary:
        with database.session() as session:
            return importer.import_recommendations(session, CLI_ACTOR, file)

    summary = run_or_exit(work)
    console.print(
        f"Imported {file}: {summary.themes} themes, "
        f"{len(summary.created)} recommendations added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged."
    )
    if summary.organisations_added:
        console.print("Organisations added: " + ", ".join(summary.organisations_added))
    if summary.kept_wording:
        numbers = ", ".join(str(n) for n in summary.kept_wording)
        console.print(f"Kept the wording already entered for recommendations {numbers}.")


@app.command(name="add-organisation")
def add_organisation(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    place: PlaceOption = None,
) -> None:
    """Add a partner organisation."""
    database = run_or_exit(lambda: open_database(place))

    def work() -> None:
        with database.session() as session:
            services.create_organisation(session, CLI_ACTOR, name)

    run_or_exit(work)
    console.print(f"Added organisation {name!r}.")


@app.command()
def organisations(place: PlaceOption = None) -> None:
    """List the organisations."""
    database = run_or_exit(lambda: open_database(place))
    with database.session() as session:
        for org in services.list_organisations(session):
            console.print(org.name, highlight=False)


@app.command()
def board(place: PlaceOption = None) -> None:
    """The recommendations with their action status counts."""
    database = run_or_exit(lambda: open_database(place))
    table = Table("No.", "Theme", "Recommendation", *serialise.status_counts([]).keys())
    with database.session() as session:
        for rec in services.list_recommendations(session):
            counts = serialise.status_counts(rec.actions)
            theme = rec.theme.name if rec.theme else "(theme not yet entered)"
            table.add_row(str(rec.number), theme, rec.text, *(str(v) for v in counts.values()))
    console.print(table)
