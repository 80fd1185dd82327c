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


LOCAL_RATE = """\
id: local_admissions
name: Local admissions
principle: 6
definition: Admissions per 1,000 people
value_type: crude_rate
numerator: admissions
denominator: people
multiplier: 1000
polarity: lower_is_better
unit: per 1,000
source: tests
lowest_geography: lsoa
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: admissions_counts
"""


def test_load_checks_rows_by_the_place_indicators(tmp_path: Path) -> None:
    """The place's own rate may count more admissions than people; a proportion may not."""
    place = tmp_path / "p"
    run("init", str(place))
    (place / "indicators").mkdir()
    (place / "indicators" / "local_admissions.yaml").write_text(LOCAL_RATE)
    header = "indicator_id,area_code,period,sex,age_band,numerator,denominator\n"
    rates = tmp_path / "rates.csv"
    rates.write_text(header + "admissions_counts,E05011549,2023,Persons,All ages,9,4\n")
    code, out = run("load", str(rates), "-p", str(place))
    assert code == 0, out
    assert "as version 1" in out
    gld = tmp_path / "gld.csv"
    gld.write_text(header + "gld_reception,E05011549,2023/24,Persons,All ages,9,4\n")
    code, out = run("load", str(gld), "-p", str(place))
    assert code == 1
    assert (
        "gld.csv, row 2, column 'numerator': 9: expected a numerator no greater than the "
        "denominator (4): 'gld_reception' is a proportion"
    ) in out
