"""`healthequity users ...`: add, list, (de)activate users and set passwords from the command
line. Passwords are prompted (hidden) or read from standard input, never given as arguments."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthequity.accountability import users
from healthequity.accountability.errors import NotFound
from healthequity.auth.models import Role
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.cli._common import PlaceOption, console, run_or_exit
from healthequity.cli.tracker import open_database
from healthequity.store.database import Database

app = typer.Typer(
    name="users",
    help="Users of the tracker: viewers, editors (of their organisations) and admins.",
    no_args_is_help=True,
    add_completion=False,
)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _find(database: Database, username: str) -> int:
    with database.session() as session:
        user = users.find_user(session, username)
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user.id


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="Sign-in name (no spaces).")],
    role: Annotated[Role, typer.Option("--role", help="viewer, editor or admin.")] = Role.VIEWER,
    org: Annotated[
        list[str] | None,
        typer.Option("--org", help="An organisation the editor works for (repeat for more)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
    place: PlaceOption = None,
) -> None:
    """Add a user; the password is prompted for (or read with --password-stdin)."""
    database = run_or_exit(lambda: open_database(place))
    password = _password(password_stdin)

    def work() -> None:
        with database.session() as session:
            users.create_user(
                session,
                CLI_ACTOR,
                username=username,
                password=password,
                role=role.value,
                display_name=name,
                organisations=org or [],
            )

    run_or_exit(work)
    scope = f" for {', '.join(org)}" if org else ""
    console.print(f"Added {role.value} {username.lower()!r}{scope}.", highlight=False)


@app.command(name="list")
def list_users(place: PlaceOption = None) -> None:
    """List the users with their roles and organisations."""
    database = run_or_exit(lambda: open_database(place))
    table = Table("Username", "Name", "Role", "Organisations", "Active")
    with database.session() as session:
        for user in users.list_users(session):
            orgs = ", ".join(o.name for o in user.organisations)
            active = "yes" if user.active else "no"
            table.add_row(user.username, user.display_name, user.role, orgs, active)
    console.print(table)


@app.command()
def password(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password_stdin: PasswordStdin = False,
    place: PlaceOption = None,
) -> None:
    """Set a user's password (their other sessions stop working)."""
    database = run_or_exit(lambda: open_database(place))
    user_id = run_or_exit(lambda: _find(database, username))
    new = _password(password_stdin)

    def work() -> None:
        with database.session() as session:
            users.set_password(session, CLI_ACTOR, user_id, new)

    run_or_exit(work)
    console.print(f"Password set for {username.lower()!r}.", highlight=False)


def _set_active(username: str, active: bool, place: Path | None) -> None:
    database = run_or_exit(lambda: open_database(place))
    user_id = run_or_exit(lambda: _find(database, username))

    def work() -> None:
        with database.session() as session:
            user = users.get_user(session, user_id)
            users.update_user(session, CLI_ACTOR, user_id, user.version, {"active": active})

    run_or_exit(work)
    state = "activated" if active else "deactivated (cannot sign in)"
    console.print(f"User {username.lower()!r} {state}.", highlight=False)


@app.command()
def deactivate(username: str, place: PlaceOption = None) -> None:
    """Stop a user signing in (their history is kept)."""
    _set_active(username, False, place)


@app.command()
def activate(username: str, place: PlaceOption = None) -> None:
    """Let a deactivated user sign in again."""
    _set_active(username, True, place)


__all__ = ["app"]
