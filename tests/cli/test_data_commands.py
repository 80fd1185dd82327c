"""The command line: init a place, load files (good and bad), list versions, roll back."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from healthequity.cli import app
from healthequity.cli._common import console, err_console

GOOD = Path(__file__).parents[1] / "sources" / "good_files" / "counts.csv"
BAD = Path(__file__).parents[1] / "sources" / "bad_files" / "negative_counts.csv"
RECORDS = (
    "age,sex,lsoa_code,date,code\n34,F,E01011264,2023-05-01,I21\n71,M,E01011265,2023-07-09,C18\n"
)

runner = CliRunner()
console.width = err_console.width = 200  # wide tables whatever the terminal


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_init_load_versions_rollback(tmp_path: Path) -> None:
    place = tmp_path / "leeds"
    code, out = run("init", str(place))
    assert code == 0 and (place / "place.toml").exists()
    code, out = run("init", str(place))
    assert code == 2 and "exists and is not empty" in out

    code, out = run("load", str(GOOD), "--place", str(place))
    assert code == 0, out
    assert "as version 1" in out
    records = tmp_path / "deaths.csv"
    records.write_text(RECORDS)
    code, out = run(
        "load", str(records), "--kind", "records", "--indicator-id", "deaths", "-p", str(place)
    )
    assert code == 0, out
    assert "as version 2" in out

    code, out = run("versions", "-p", str(place))
    assert code == 0
    assert "counts.csv" in out and "deaths.csv" in out and "records" in out

    code, out = run("rollback", "1", "-p", str(place))
    assert code == 0 and "Rolled back version(s) 2" in out
    code, out = run("rollback", "5", "-p", str(place))
    assert code == 1 and "version 5 does not exist" in out


def test_rejected_file_exits_non_zero_and_loads_nothing(tmp_path: Path) -> None:
    place = tmp_path / "p"
    run("init", str(place))
    assert BAD.exists()
    code, out = run("load", str(BAD), "-p", str(place))
    assert code == 1
    assert "negative_counts.csv: rejected" in out and "nothing was loaded" in out
    code, out = run("versions", "-p", str(place))
    assert "The warehouse is empty." in out


def test_records_need_an_indicator_id(tmp_path: Path) -> None:
    place = tmp_path / "p"
    run("init", str(place))
    records = tmp_path / "r.csv"
    records.write_text(RECORDS)
    code, out = run("load", str(records), "--kind", "records", "-p", str(place))
    assert code != 0 and "--indicator-id is required" in out


def test_missing_place_says_how_to_make_one(tmp_path: Path) -> None:
    code, out = run("versions", "-p", str(tmp_path / "nowhere"))
    assert code == 2 and "healthequity init FOLDER" in out
