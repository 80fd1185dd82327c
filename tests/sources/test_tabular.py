"""Tidy counts from CSV, Excel and Parquet: every bad file is rejected whole, naming each problem,
and leaves the warehouse as it was; good files load and round-trip exactly in every format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthequity.errors import FileRejected
from healthequity.indicators.catalogue import load_catalogue
from healthequity.indicators.count_rules import count_rules
from healthequity.sources.periods import mixed_formats, parse_periods
from healthequity.sources.tabular import load_counts, read_counts
from healthequity.store.warehouse import Warehouse, sha256_of

HERE = Path(__file__).parent
BAD = HERE / "bad_files"
GOOD = HERE / "good_files"
# What each indicator_id measures: the shipped catalogue ('demo' is not in it).
RULES = count_rules(load_catalogue())

# Every problem of every bad file, word for word, in the order reported (by row, then column).
EXPECTED: dict[str, list[str]] = {
    "bad_age_bands.csv": [
        "bad_age_bands.csv, row 2, column 'age_band': '4-0': expected an age band whose first age is not above the second, like 18-64",
        "bad_age_bands.csv, row 3, column 'age_band': '0 to 4': expected an age band like 0-4, 18-64, 90+, <1 or All ages",
        "bad_age_bands.csv, row 4, column 'age_band': '<0': expected an age band like <1 or <75",
        "bad_age_bands.csv, row 5, column 'age_band': '65+ yrs': expected an age band like 0-4, 18-64, 90+, <1 or All ages",
        "bad_age_bands.csv, row 6, column 'age_band': 'all': expected an age band like 0-4, 18-64, 90+, <1 or All ages",
    ],
    "bad_periods.csv": [
        "bad_periods.csv, row 2, column 'period': '2023/25': expected a financial year ending in the next year, like 2023/24",
        "bad_periods.csv, row 3, column 'period': '2023-21': expected a pooled range that ends after it starts, like 2021-23",
        "bad_periods.csv, row 4, column 'period': '23': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23",
        "bad_periods.csv, row 5, column 'period': 'FY2023': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23",
        "bad_periods.csv, row 6, column 'period': '2023-01-01': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23",
    ],
    "bad_sex.csv": [
        "bad_sex.csv, row 2, column 'sex': 'P': expected Persons, Male or Female",
        "bad_sex.csv, row 3, column 'sex': 'Women': expected Persons, Male or Female",
        "bad_sex.csv, row 4, column 'sex': 'All': expected Persons, Male or Female",
    ],
    "blank_counts.csv": [
        "blank_counts.csv, row 2, column 'numerator': expected a count: a number of 0 or more, such as 12, not a blank (leave out a row whose count is unknown)",
        "blank_counts.csv, row 3, column 'denominator': expected a count: a number of 0 or more, such as 12, not a blank (leave out a row whose count is unknown)",
    ],
    "blank_first_line.csv": [
        "blank_first_line.csv, row 1: expected the header (the column names) on line 1, not a blank",
    ],
    "blank_text.csv": [
        "blank_text.csv, row 2, column 'indicator_id': expected an indicator id, not a blank",
        "blank_text.csv, row 3, column 'period': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23, not a blank",
        "blank_text.csv, row 3, column 'sex': expected Persons, Male or Female, not a blank",
        "blank_text.csv, row 3, column 'age_band': expected an age band like 0-4, 18-64, 90+, <1 or All ages, not a blank",
    ],
    "bom_with_problem.csv": [
        "bom_with_problem.csv, row 2, column 'denominator': '-340': expected a count: a number of 0 or more, such as 12",
    ],
    "category_column_alone.csv": [
        "category_column_alone.csv, row 1, column 'category_type': expected a column named 'category_type' alongside 'category'",
    ],
    "category_without_type.csv": [
        "category_without_type.csv, row 2, column 'category_type': expected a category type for the category 'White'",
        "category_without_type.csv, row 3, column 'category': expected a category of the category type 'Ethnic group'",
    ],
    "counts.txt": [
        "counts.txt: '.txt': expected a .csv, .xlsx or .parquet file",
    ],
    "duplicate_keys.csv": [
        "duplicate_keys.csv, row 4: 'demo, E05011549, 2023, Persons, All ages': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 2 has the same",
        "duplicate_keys.csv, row 6: 'demo, E05011549, 2023, Persons, All ages': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 2 has the same",
    ],
    "duplicate_keys_after_tidying.csv": [
        "duplicate_keys_after_tidying.csv, row 3: 'demo, E05011549, 2023/24, Persons, All ages, Ethnic group, White': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 2 has the same",
    ],
    "empty.csv": [
        "empty.csv: expected a header row naming the columns indicator_id, area_code, period, sex, age_band, numerator, denominator; the file is empty",
    ],
    "excel_date_period.xlsx": [
        "excel_date_period.xlsx, row 3, column 'period': '2023-01-01': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23, not a date (format the column as Text in Excel)",
    ],
    "excel_empty.xlsx": [
        "excel_empty.xlsx: expected a header row naming the columns indicator_id, area_code, period, sex, age_band, numerator, denominator; the file is empty",
    ],
    "excel_header_only.xlsx": [
        "excel_header_only.xlsx, row 2: expected at least one row of counts after the header; the file has none",
    ],
    "excel_many_problems.xlsx": [
        "excel_many_problems.xlsx, row 1: expected a name in the header for column H, which has values",
        "excel_many_problems.xlsx, row 1, column 'notes': expected only the columns indicator_id, area_code, period, sex, age_band, numerator, denominator, category_type, category, sd",
        "excel_many_problems.xlsx, row 3: 'demo, E05011549, 2023, Persons, All ages': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 2 has the same",
        "excel_many_problems.xlsx, row 4, column 'area_code': 'E0501154': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "excel_many_problems.xlsx, row 4, column 'period': '2023/25': expected a financial year ending in the next year, like 2023/24",
        "excel_many_problems.xlsx, row 4, column 'sex': 'Men': expected Persons, Male or Female",
        "excel_many_problems.xlsx, row 4, column 'numerator': -3: expected a count: a number of 0 or more, such as 12",
        "excel_many_problems.xlsx, row 5, column 'numerator': 350: expected a numerator no greater than the denominator (340): 'demo' is not in the indicator catalogue, so is checked as a proportion",
    ],
    "excel_not_a_workbook.xlsx": [
        "excel_not_a_workbook.xlsx: expected an Excel .xlsx workbook (File is not a zip file)",
    ],
    "excel_wrong_types.xlsx": [
        "excel_wrong_types.xlsx, row 2, column 'age_band': '2024-04-01': expected an age band like 0-4, 18-64, 90+, <1 or All ages, not a date (format the column as Text in Excel)",
        "excel_wrong_types.xlsx, row 4, column 'numerator': 'TRUE': expected a count: a number of 0 or more, such as 12, not true/false",
        "excel_wrong_types.xlsx, row 5, column 'area_code': '5011395': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "excel_wrong_types.xlsx, row 5, column 'numerator': '#N/A': expected a count: a number of 0 or more, such as 12",
        "excel_wrong_types.xlsx, row 6, column 'period': '2023.5': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23",
        "excel_wrong_types.xlsx, row 6, column 'denominator': '12:30:00': expected a count: a number of 0 or more, such as 12, not a time",
    ],
    "extra_column.csv": [
        "extra_column.csv, row 1, column 'notes': expected only the columns indicator_id, area_code, period, sex, age_band, numerator, denominator, category_type, category, sd",
    ],
    "header_only.csv": [
        "header_only.csv, row 2: expected at least one row of counts after the header; the file has none",
    ],
    "line_break_in_value.csv": [
        "line_break_in_value.csv, row 2, column 'category': 'White\\nBritish': expected a category (or blank) on one line (is a closing quote missing?)",
        "line_break_in_value.csv, row 4, column 'numerator': '-1': expected a count: a number of 0 or more, such as 12",
    ],
    "malformed_area_code.csv": [
        "malformed_area_code.csv, row 2, column 'area_code': 'E0501154': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "malformed_area_code.csv, row 3, column 'area_code': 'e05011549': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "malformed_area_code.csv, row 4, column 'area_code': 'E05011549X': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "malformed_area_code.csv, row 5, column 'area_code': expected a GSS area code such as E05011549, not a blank",
    ],
    "many_problems.csv": [
        "many_problems.csv, row 1, column 'notes': expected only the columns indicator_id, area_code, period, sex, age_band, numerator, denominator, category_type, category, sd",
        "many_problems.csv, row 3, column 'area_code': 'E0501139': expected a GSS area code: the letter E and 8 digits, such as E05011549",
        "many_problems.csv, row 3, column 'numerator': '-1': expected a count: a number of 0 or more, such as 12",
        "many_problems.csv, row 4, column 'sex': 'Person': expected Persons, Male or Female",
        "many_problems.csv, row 5, column 'numerator': 400: expected a numerator no greater than the denominator (340): 'demo' is not in the indicator catalogue, so is checked as a proportion",
        "many_problems.csv, row 5: 'demo, E05011549, 2023, Persons, All ages': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 2 has the same",
        "many_problems.csv, row 6, column 'period': '2023/24': expected a year like 2023, as on row 2: one period format per indicator",
        "many_problems.csv, row 7, column 'age_band': '5-1': expected an age band whose first age is not above the second, like 18-64",
        "many_problems.csv, row 7, column 'numerator': 'x': expected a count: a number of 0 or more, such as 12",
        "many_problems.csv, row 7, column 'denominator': expected a count: a number of 0 or more, such as 12, not a blank (leave out a row whose count is unknown)",
    ],
    "missing_column.csv": [
        "missing_column.csv, row 1, column 'denominator': expected a column named 'denominator'",
    ],
    "mixed_period_formats.csv": [
        "mixed_period_formats.csv, row 4, column 'period': '2023': expected a financial year like 2023/24, as on row 2: one period format per indicator",
        "mixed_period_formats.csv, row 6, column 'period': '2021-23': expected a financial year like 2023/24, as on row 2: one period format per indicator",
    ],
    "negative_counts.csv": [
        "negative_counts.csv, row 2, column 'numerator': '-1': expected a count: a number of 0 or more, such as 12",
        "negative_counts.csv, row 3, column 'denominator': '-340': expected a count: a number of 0 or more, such as 12",
        "negative_counts.csv, row 4, column 'numerator': '-0.5': expected a count: a number of 0 or more, such as 12",
        "negative_counts.csv, row 4, column 'denominator': '-1': expected a count: a number of 0 or more, such as 12",
    ],
    "numerator_above_denominator.csv": [
        "numerator_above_denominator.csv, row 3, column 'numerator': 341: expected a numerator no greater than the denominator (340): 'demo' is not in the indicator catalogue, so is checked as a proportion",
        "numerator_above_denominator.csv, row 4, column 'numerator': 1: expected a numerator no greater than the denominator (0): 'demo' is not in the indicator catalogue, so is checked as a proportion",
    ],
    "only_blank_lines.csv": [
        "only_blank_lines.csv: expected a header row naming the columns indicator_id, area_code, period, sex, age_band, numerator, denominator; the file is empty",
    ],
    "parquet_missing_column.parquet": [
        "parquet_missing_column.parquet, column 'sex': expected a column named 'sex'",
        "parquet_missing_column.parquet, column 'gender': expected only the columns indicator_id, area_code, period, sex, age_band, numerator, denominator, category_type, category, sd",
    ],
    "parquet_truncated.parquet": [
        "parquet_truncated.parquet: expected a Parquet file (Could not open Parquet input source 'parquet_truncated.parquet': Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.)",
    ],
    "parquet_values.parquet": [
        "parquet_values.parquet, row 2: 'demo, E05011549, 2023, Persons, All ages': expected one row per indicator_id, area_code, period, sex, age_band, category_type, category; row 1 has the same",
        "parquet_values.parquet, row 3, column 'numerator': expected a count: a number of 0 or more, such as 12, not a blank (leave out a row whose count is unknown)",
        "parquet_values.parquet, row 4, column 'area_code': 'E99011549': expected a GSS area code of a known type (E01, E02, E05, E06, E07, E08, E09, E12, E92), such as E05011549",
        "parquet_values.parquet, row 4, column 'numerator': -4: expected a count: a number of 0 or more, such as 12",
    ],
    "parquet_wrong_types.parquet": [
        "parquet_wrong_types.parquet, row 1, column 'period': '2023-01-01': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23, not a date",
        "parquet_wrong_types.parquet, row 1, column 'denominator': 'TRUE': expected a count: a number of 0 or more, such as 12, not true/false",
        "parquet_wrong_types.parquet, row 2, column 'period': '2023-01-01': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23, not a date",
        "parquet_wrong_types.parquet, row 2, column 'numerator': 'twelve': expected a count: a number of 0 or more, such as 12",
        "parquet_wrong_types.parquet, row 2, column 'denominator': 'FALSE': expected a count: a number of 0 or more, such as 12, not true/false",
        "parquet_wrong_types.parquet, row 3, column 'period': expected a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23, not a blank",
        "parquet_wrong_types.parquet, row 3, column 'numerator': expected a count: a number of 0 or more, such as 12, not a blank (leave out a row whose count is unknown)",
        "parquet_wrong_types.parquet, row 3, column 'denominator': 'TRUE': expected a count: a number of 0 or more, such as 12, not true/false",
    ],
    "repeated_column.csv": [
        "repeated_column.csv, row 1, column 'sex': 'Sex': expected each column once",
    ],
    "semicolons.csv": [
        "semicolons.csv, row 1, column 'indicator_id': expected a column named 'indicator_id'",
        "semicolons.csv, row 1, column 'area_code': expected a column named 'area_code'",
        "semicolons.csv, row 1, column 'period': expected a column named 'period'",
        "semicolons.csv, row 1, column 'sex': expected a column named 'sex'",
        "semicolons.csv, row 1, column 'age_band': expected a column named 'age_band'",
        "semicolons.csv, row 1, column 'numerator': expected a column named 'numerator'",
        "semicolons.csv, row 1, column 'denominator': expected a column named 'denominator'",
        "semicolons.csv, row 1, column 'indicator_id;area_code;period;sex;age_band;numerator;denominator': expected only the columns indicator_id, area_code, period, sex, age_band, numerator, denominator, category_type, category, sd (values must be separated by commas)",
    ],
    "text_in_numbers.csv": [
        "text_in_numbers.csv, row 2, column 'numerator': 'twelve': expected a count: a number of 0 or more, such as 12",
        "text_in_numbers.csv, row 3, column 'numerator': '1,234': expected a count: a number of 0 or more, such as 12",
        "text_in_numbers.csv, row 4, column 'numerator': 'n/a': expected a count: a number of 0 or more, such as 12",
        "text_in_numbers.csv, row 4, column 'denominator': '*': expected a count: a number of 0 or more, such as 12",
        "text_in_numbers.csv, row 5, column 'denominator': 'inf': expected a count: a number of 0 or more, such as 12",
    ],
    "too_many_fields.csv": [
        "too_many_fields.csv, row 2: 'demo,E05011549,2023,Persons,All ages,12,340,Ethnic group,Asian, Asian British': expected 9 fields, as in the header; found 10 (a comma inside a value needs quotes)",
    ],
    "truncated.csv": [
        "truncated.csv, row 4, column 'sex': 'demo,E08000035,20': expected 7 fields, as in the header; found 3 (is the line cut short?)",
    ],
    "unclosed_quote.csv": [
        "unclosed_quote.csv, row 2, column 'category': 'Asian\\ndemo,E05011395,2023,Persons,All ages,12,340,,\\ndemo,E08000035,2023,Persons,...': expected a category (or blank) on one line (is a closing quote missing?)",
    ],
    "unknown_area_code.csv": [
        "unknown_area_code.csv, row 3, column 'area_code': 'E03011395': expected a GSS area code of a known type (E01, E02, E05, E06, E07, E08, E09, E12, E92), such as E05011549",
        "unknown_area_code.csv, row 4, column 'area_code': 'W05000001': expected a GSS area code: the letter E and 8 digits, such as E05011549",
    ],
    "windows_1252.csv": [
        "windows_1252.csv, row 2, column 'category': 'Café owners': expected UTF-8 text; this file is not UTF-8 (perhaps Windows-1252, as Excel's plain 'CSV' saves): save it as 'CSV UTF-8'",
        "windows_1252.csv, row 3, column 'numerator': '£5': expected UTF-8 text; this file is not UTF-8 (perhaps Windows-1252, as Excel's plain 'CSV' saves): save it as 'CSV UTF-8'",
    ],
}


def test_the_corpus_is_complete() -> None:
    files = sorted(p.name for p in BAD.iterdir() if p.suffix != ".py")
    assert files == sorted(EXPECTED)
    assert len(files) >= 30
    assert {Path(f).suffix for f in files} >= {".csv", ".xlsx", ".parquet"}


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """A warehouse already holding one good batch."""
    wh = Warehouse(tmp_path / "w.duckdb")
    assert load_counts(wh, GOOD / "counts.csv", rules=RULES) == 1
    return wh


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_rejected_whole(warehouse: Warehouse, name: str) -> None:
    versions, contents = warehouse.versions(), warehouse.read("counts")
    with pytest.raises(FileRejected) as info:
        load_counts(warehouse, BAD / name, rules=RULES)
    assert [str(p) for p in info.value.problems] == EXPECTED[name]
    message = str(info.value)
    count = len(EXPECTED[name])
    assert message.startswith(f"{name}: rejected, {count} problem")
    assert "nothing was loaded" in message
    for line in EXPECTED[name]:
        assert f"  - {line}" in message
    pd.testing.assert_frame_equal(warehouse.versions(), versions)
    pd.testing.assert_frame_equal(warehouse.read("counts"), contents)


def test_every_problem_names_file_row_column_and_value() -> None:
    with pytest.raises(FileRejected) as info:
        read_counts(BAD / "many_problems.csv", rules=RULES)
    problems = info.value.problems
    assert all(p.file == "many_problems.csv" for p in problems)
    located = [(p.row, p.column, p.value) for p in problems if p.column is not None]
    assert (3, "area_code", "E0501139") in located
    assert (7, "numerator", "x") in located
    assert info.value.rows == (1, 3, 3, 4, 5, 5, 6, 7, 7, 7)


def test_the_three_formats_give_the_same_frame() -> None:
    csv = read_counts(GOOD / "counts.csv", rules=RULES)
    pd.testing.assert_frame_equal(read_counts(GOOD / "counts.xlsx", rules=RULES), csv)
    pd.testing.assert_frame_equal(read_counts(GOOD / "counts.parquet", rules=RULES), csv)
    assert list(csv.columns) == [
        "indicator_id",
        "area_code",
        "period",
        "sex",
        "age_band",
        "category_type",
        "category",
        "numerator",
        "denominator",
        "sd",
    ]
    assert csv["sd"].isna().all()  # no sd column: blank on every row
    assert len(csv) == 10
    row = csv.iloc[4]
    assert (row["category_type"], row["category"]) == ("Ethnic group", "Asian, Asian British")
    assert (csv["category"] == "").sum() == 8  # blanks, not missing values
    assert csv["indicator_id"].iloc[9] == "90366"  # a number in Excel is kept as its text
    assert csv["period"].tolist()[4:9] == ["2023", "2022/23", "2023/24", "2021-23", "2019-23"]
    assert csv["numerator"].sum() == 12 + 0 + 3 + 1.5 + 4 + 1000 + 0 + 7 + 25 + 5
    assert csv["denominator"].iloc[3] == 2.25


@pytest.mark.parametrize("name", ["counts.csv", "counts.xlsx", "counts.parquet"])
def test_round_trip_through_the_warehouse(tmp_path: Path, name: str) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    frame = read_counts(GOOD / name, rules=RULES)
    assert load_counts(wh, GOOD / name, kind="test", rules=RULES) == 1
    stored = wh.read("counts").drop(columns="batch")
    key = ["indicator_id", "area_code", "period", "sex", "age_band", "category_type", "category"]
    expected = frame.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    batch = wh.versions().iloc[0]
    assert (batch["dataset"], batch["kind"], batch["source_name"]) == ("counts", "test", name)
    assert batch["sha256"] == sha256_of(GOOD / name)
    assert batch["row_count"] == 10


def test_bom_crlf_spaces_and_case_are_tidied() -> None:
    frame = read_counts(GOOD / "bom_crlf_spaces.csv", rules=RULES)
    assert frame[["indicator_id", "area_code", "period", "sex", "age_band"]].to_dict("list") == {
        "indicator_id": ["demo", "demo", "pooled"],
        "area_code": ["E05011549", "E05011395", "E01011264"],
        "period": ["2023/24", "2023/24", "2021-23"],
        "sex": ["Persons", "Male", "Female"],
        "age_band": ["All ages", "0-4", "90+"],
    }
    assert frame["numerator"].tolist() == [12, 0, 7]


def test_optional_columns_and_trailing_commas() -> None:
    for name in ("no_category.csv", "trailing_commas.csv"):
        frame = read_counts(GOOD / name, rules=RULES)
        assert frame["category_type"].tolist() == ["", ""]
        assert frame["category"].tolist() == ["", ""]
        assert frame["area_code"].tolist() == ["E05011549", "E05011395"]


def test_a_revision_is_a_new_version(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    assert load_counts(wh, GOOD / "counts.csv", rules=RULES) == 1
    assert load_counts(wh, GOOD / "no_category.csv", rules=RULES) == 2
    latest = wh.read("counts")
    assert len(latest) == 10
    revised = latest[(latest["area_code"] == "E05011395") & (latest["sex"] == "Male")]
    assert revised["batch"].tolist() == [2]


def test_a_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(
        FileRejected, match=r"nowhere.csv: '.*nowhere.csv': expected an existing file"
    ):
        read_counts(tmp_path / "nowhere.csv", rules=RULES)


def test_periods_are_parsed_whole_columns() -> None:
    parsed = parse_periods(
        pd.Series(["2023", "2023 / 24", "2019-23", "2099/00", "2023/2024", None])
    )
    assert parsed["period"].tolist()[:4] == ["2023", "2023/24", "2019-23", "2099/00"]
    assert parsed["kind"].tolist()[:4] == [
        "year",
        "financial year",
        "pooled range",
        "financial year",
    ]
    assert parsed["problem"].isna().tolist() == [True, True, True, True, False, False]


def test_the_usual_period_format_wins_a_tie_by_first_row() -> None:
    odd = mixed_formats(
        pd.Series(["a", "a", "b", "b", "b"]),
        pd.Series(["pooled range", "year", "year", "year", "financial year"]),
    )
    assert odd.index.tolist() == [1, 4]
    assert odd["usual"].tolist() == ["pooled range", "year"]
    assert odd["example"].tolist() == [0, 2]
