"""Record-level files: typed clean records, or every problem named by file, row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthequity.errors import FileRejected, InputError
from healthequity.sources.records import read_records, validate_records

TODAY = dt.date(2024, 6, 30)
HEADER = "age,sex,lsoa_code,date,code,ethnic_group\n"


def write(tmp_path: Path, text: str, name: str = "deaths.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(err: pytest.ExceptionInfo[FileRejected], folder: Path) -> list[str]:
    return [str(p).replace(f"{folder}/", "") for p in err.value.problems]


def test_good_csv_is_typed_and_normalised(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "34, M ,E01011264,2023-03-31,i21.9,White\n"
        + "0,female,E01011265,2024-06-30T10:15:00,22298006,\n"
        + "120,2,E01011264,1999-12-31,I63,NA\n"
        + "7,1,E01011266,2020-02-29,J10,Asian\n",
    )
    records = read_records(path, today=TODAY)
    assert records.columns.tolist() == [
        "age", "sex", "lsoa_code", "date", "code", "ethnic_group",
    ]  # fmt: skip
    assert records["age"].tolist() == [34, 0, 120, 7]
    assert records["age"].dtype == np.dtype("int64")
    assert records["sex"].tolist() == ["Male", "Female", "Female", "Male"]
    assert records["lsoa_code"].tolist() == ["E01011264", "E01011265", "E01011264", "E01011266"]
    assert records["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-03-31", "2024-06-30", "1999-12-31", "2020-02-29",
    ]  # fmt: skip
    assert records["code"].tolist() == ["I21.9", "22298006", "I63", "J10"]
    assert records["ethnic_group"].isna().tolist() == [False, True, True, False]


def test_every_problem_is_named_by_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "34,M,E01011264,2023-03-31,I21,White\n"
        + "\n"  # a blank line is skipped but still counts as a line
        + "-1,X,E0101126,2023-02-30,,\n"
        + "42.5,f,E02002340,2024-07-01,I63,\n"
        + "NA,2,E01011265,31/01/2023,J10,Asian\n"
        + "121,,,,I21,\n",
    )
    with pytest.raises(FileRejected) as err:
        read_records(path, today=TODAY)
    assert messages(err, tmp_path) == [
        "deaths.csv, row 4, column 'age': '-1': expected a whole number of years from 0 to 120",
        "deaths.csv, row 4, column 'sex': 'X': expected Male or Female (or M / F, 1 / 2)",
        "deaths.csv, row 4, column 'lsoa_code': 'E0101126': expected an LSOA code: E01 and 6 digits, such as E01011264",
        "deaths.csv, row 4, column 'date': '2023-02-30': expected a date as YYYY-MM-DD",
        "deaths.csv, row 4, column 'code': expected a value (the cell is empty or NA)",
        "deaths.csv, row 5, column 'age': '42.5': expected a whole number of years from 0 to 120",
        "deaths.csv, row 5, column 'lsoa_code': 'E02002340': expected an LSOA code: E01 and 6 digits, such as E01011264",
        "deaths.csv, row 5, column 'date': '2024-07-01': expected a date on or before 2024-06-30",
        "deaths.csv, row 6, column 'age': expected a value (the cell is empty or NA)",
        "deaths.csv, row 6, column 'date': '31/01/2023': expected a date as YYYY-MM-DD",
        "deaths.csv, row 7, column 'age': '121': expected a whole number of years from 0 to 120",
        "deaths.csv, row 7, column 'sex': expected a value (the cell is empty or NA)",
        "deaths.csv, row 7, column 'lsoa_code': expected a value (the cell is empty or NA)",
        "deaths.csv, row 7, column 'date': expected a value (the cell is empty or NA)",
    ]
    assert err.value.rows == (4, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 7)
    assert str(err.value).startswith(f"{path}: rejected, 14 problems; nothing was loaded:\n")


def test_missing_and_repeated_columns_are_reported_before_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "Age,SEX,date,date\n34,M,2023-01-01,2023-01-01\n")
    with pytest.raises(FileRejected) as err:
        read_records(path, today=TODAY)
    assert messages(err, tmp_path) == [
        "deaths.csv, column 'lsoa_code': expected a column named 'lsoa_code'",
        "deaths.csv, column 'code': expected a column named 'code'",
        "deaths.csv, column 'date': expected each column once",
    ]


def test_a_file_without_records_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as err:
        read_records(write(tmp_path, HEADER), today=TODAY)
    assert messages(err, tmp_path) == ["deaths.csv: expected at least one record"]


def test_unreadable_files_are_rejected_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as err:
        read_records(write(tmp_path, "x", name="deaths.xlsx"))
    assert messages(err, tmp_path) == ["deaths.xlsx: '.xlsx': expected a .csv or .parquet file"]
    with pytest.raises(FileRejected) as err:
        read_records(tmp_path / "absent.csv")
    assert messages(err, tmp_path) == ["absent.csv: expected an existing file"]
    ragged = write(tmp_path, HEADER + "34,M,E01011264,2023-03-31,I21,White\n1,2,3,4,5,6,7,8\n")
    with pytest.raises(FileRejected) as err:
        read_records(ragged)
    assert err.value.problems[0].row == 3
    assert "expected a well-formed CSV file" in str(err.value)
    broken = tmp_path / "deaths.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(FileRejected, match="expected a readable parquet file"):
        read_records(broken)


def test_parquet_with_typed_columns_gives_the_same_records(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "age": [34, 0],
            "sex": [1, 2],
            "lsoa_code": ["E01011264", "E01011265"],
            "date": [dt.date(2023, 3, 31), dt.date(2024, 6, 30)],
            "code": ["I21", "J10"],
        }
    )
    frame.to_parquet(tmp_path / "deaths.parquet")
    write(
        tmp_path,
        "age,sex,lsoa_code,date,code\n34,1,E01011264,2023-03-31,I21\n0,2,E01011265,2024-06-30,J10\n",
    )
    from_parquet = read_records(tmp_path / "deaths.parquet", today=TODAY)
    from_csv = read_records(tmp_path / "deaths.csv", today=TODAY)
    pd.testing.assert_frame_equal(from_parquet, from_csv)


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "age": [34.0, 3.5, np.nan],
            "sex": ["F", "F", "M"],
            "lsoa_code": ["E01011264"] * 3,
            "date": pd.to_datetime(["2023-01-01", "2023-01-02", "2030-01-01"]),
            "code": ["I21"] * 3,
        }
    )
    frame.to_parquet(tmp_path / "deaths.parquet")
    with pytest.raises(FileRejected) as err:
        read_records(tmp_path / "deaths.parquet", today=TODAY)
    assert messages(err, tmp_path) == [
        "deaths.parquet, row 2, column 'age': 3.5: expected a whole number of years from 0 to 120",
        "deaths.parquet, row 3, column 'age': expected a value (the cell is empty or NA)",
        "deaths.parquet, row 3, column 'date': '2030-01-01': expected a date on or before 2024-06-30",
    ]


def test_validate_records_checks_a_frame_in_memory() -> None:
    frame = pd.DataFrame(
        {
            "AGE": ["5", "x"],
            "sex": ["m", "F"],
            "lsoa_code": ["E01011264", "E01011264"],
            "date": ["2023-01-01", "2023-01-01"],
            "code": ["I21", "I21"],
        },
        index=[10, 20],
    )
    with pytest.raises(FileRejected) as err:
        validate_records(frame, file="extract", today=TODAY)
    assert [str(p) for p in err.value.problems] == [
        "extract, row 2, column 'age': 'x': expected a whole number of years from 0 to 120"
    ]
    assert isinstance(err.value, InputError)
    clean = validate_records(frame.iloc[:1], today=TODAY)
    assert clean[["age", "sex"]].to_dict("records") == [{"age": 5, "sex": "Male"}]
