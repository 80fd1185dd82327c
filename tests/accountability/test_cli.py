"""The command line: `tracker import`, `users add` (password from stdin), `users list`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthequity.cli import tracker, users
from healthequity.store.database import DATABASE_ENV

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)


def test_import_add_users_and_list(tmp_path: Path) -> None:
    place = str(tmp_path)
    example = str(tracker.importer.leeds_example())
    result = runner.invoke(tracker.app, ["import", example, "--place", place])
    assert result.exit_code == 0, result.output
    assert "3 themes, 15 recommendations added, 0 updated, 0 unchanged." in result.output
    assert (tmp_path / "healthequity.sqlite").exists()
    again = runner.invoke(tracker.app, ["import", example, "--place", place])
    assert "0 recommendations added, 0 updated, 15 unchanged." in again.output

    result = runner.invoke(tracker.app, ["add-organisation", "Leeds City Council", "-p", place])
    assert result.exit_code == 0 and "Added organisation 'Leeds City Council'." in result.output
    result = runner.invoke(
        users.app,
        [
            "add",
            "Ed",
            "--role",
            "editor",
            "--org",
            "Leeds City Council",
            "--password-stdin",
            "-p",
            place,
        ],
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added editor 'ed' for Leeds City Council." in result.output
    listed = runner.invoke(users.app, ["list", "-p", place])
    assert (
        "ed" in listed.output
        and "Leeds City Council" in listed.output
        and "editor" in listed.output
    )


def test_users_add_errors_name_the_field(tmp_path: Path) -> None:
    place = str(tmp_path)
    bad_org = runner.invoke(
        users.app,
        ["add", "ed", "--role", "editor", "--org", "Nowhere", "--password-stdin", "-p", place],
        input="correct horse battery staple\n",
    )
    assert bad_org.exit_code == 1
    assert "organisations: unknown organisation 'Nowhere'" in bad_org.output
    short = runner.invoke(
        users.app, ["add", "vera", "--password-stdin", "-p", place], input="short\n"
    )
    assert short.exit_code == 1
    assert "password: must be at least 12 characters (got 5)" in short.output
    listed = runner.invoke(users.app, ["list", "-p", place])
    assert "vera" not in listed.output


def test_import_of_a_bad_file_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,text\n1,x\n")
    result = runner.invoke(tracker.app, ["import", str(bad), "-p", str(tmp_path)])
    assert result.exit_code == 1
    assert "rejected, 3 problems; nothing was loaded" in result.output
    board = runner.invoke(tracker.app, ["board", "-p", str(tmp_path)])
    assert "PLACEHOLDER" not in board.output
