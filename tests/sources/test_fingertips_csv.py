"""Fingertips-format CSV import/export and the shipped extracts: round trips, exact messages."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from healthequity.errors import FileRejected, InputError
from healthequity.schema import FINGERTIPS_COLUMNS, TIDY_COLUMNS, fingertips_name
from healthequity.sources.fingertips_csv import (
    area_code_problems,
    load_fingertips,
    read_fingertips_csv,
    write_fingertips_csv,
)
from healthequity.sources.fingertips_extracts import (
    indicator_ids,
    load_extract,
    normalise_time_period,
    read_extract,
    shipped_extracts,
)
from healthequity.store.datasets import FINGERTIPS
from healthequity.store.warehouse import Warehouse

HEADER = ",".join(FINGERTIPS_COLUMNS)
# Written as write_fingertips_csv writes (so the bytes survive a round trip).
CANONICAL = (
    HEADER + "\n"
    "90366,Life expectancy at birth,,,E92000001,England,England,Male,All ages,,,2018 - 20,"
    "79.3,79.26,79.34,79.23,79.37,,,,,Not compared,Not compared,20180000,,,3y\n"
    "90366,Life expectancy at birth,E92000001,England,E08000035,Leeds,UA,Female,All ages,,,"
    "2018 - 20,82,81.75,82.25,81.61,82.39,,,,,Worse,Not compared,20180000,,,3y\n"
    '93721,"Under 75 mortality rate from causes considered preventable (per 100,000 population)",'
    "E92000001,England,E08000035,Leeds,UA,Persons,<75 yrs,,,2024,162.3,158.1,166.6,155.6,"
    "169.2,1234,760307.5,,Cannot be calculated,Worse,Not compared,20240000,New data,,1y\n"
    "93721,Under 75 mortality,,,E92000001,England,England,Persons,<75 yrs,"
    "County & UA deprivation deciles in England,Most deprived decile,2024,,,,,,,,"
    "Value suppressed for disclosure control due to small count,,Not compared,,20240000,,,1y\n"
)
RECORDED = Path(__file__).parent / "recorded" / "all_data_csv_by_indicator_id_90366_101_15.csv"


def _write(tmp_path: Path, text: str, name: str = "ft.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _row(**cells: str) -> str:
    """One data row: a Leeds 2018 - 20 row with the given cells replaced (Fingertips names)."""
    base = dict.fromkeys(FINGERTIPS_COLUMNS, "")
    base.update(
        {
            "Indicator ID": "90366",
            "Area Code": "E08000035",
            "Sex": "Male",
            "Age": "All ages",
            "Time period": "2018 - 20",
            "Value": "78.2",
        }
    )
    base.update(cells)
    return ",".join(base.values())


def _lines(tmp_path: Path, *rows: str) -> Path:
    return _write(tmp_path, "\n".join((HEADER, *rows)) + "\n")


def _messages(err: FileRejected) -> list[str]:
    return [str(p) for p in err.problems]


# --- schema ---------------------------------------------------------------------------------


def test_schema_is_the_warehouse_layout_in_fingertips_order() -> None:
    assert list(TIDY_COLUMNS) == FINGERTIPS.column_names
    assert list(FINGERTIPS_COLUMNS)[:4] == [
        "Indicator ID",
        "Indicator Name",
        "Parent Code",
        "Parent Name",
    ]
    assert len(FINGERTIPS_COLUMNS) == 27


def test_parent_named_comparison_heading_is_the_percentiles_column() -> None:
    assert fingertips_name("Compared to Region value or percentiles") == "Compared to percentiles"
    assert fingertips_name(" Value ") == "Value"
    assert (
        fingertips_name("Compared to England value or percentiles")
        == "Compared to England value or percentiles"
    )


# --- reading ---------------------------------------------------------------------------------


def test_read_gives_the_fingertips_layout_with_typed_values(tmp_path: Path) -> None:
    frame = read_fingertips_csv(_write(tmp_path, CANONICAL))
    assert list(frame.columns) == list(TIDY_COLUMNS)
    assert len(frame) == 4
    u75 = frame.iloc[2]
    assert u75["indicator_id"] == "93721"
    assert u75["value"] == 162.3 and u75["count"] == 1234 and u75["denominator"] == 760307.5
    assert u75["indicator_name"].endswith("(per 100,000 population)")
    suppressed = frame.iloc[3]
    assert math.isnan(suppressed["value"]) and math.isnan(suppressed["lower_95"])
    assert suppressed["category"] == "Most deprived decile"
    assert suppressed["value_note"].startswith("Value suppressed")
    assert pd.isna(frame.iloc[0]["parent_code"])
    assert frame["value"].dtype == "float64"


def test_read_write_read_is_the_same_frame_and_the_same_bytes(tmp_path: Path) -> None:
    source = _write(tmp_path, CANONICAL)
    first = read_fingertips_csv(source)
    out = tmp_path / "out.csv"
    write_fingertips_csv(first, out)
    assert out.read_bytes() == source.read_bytes()
    pd.testing.assert_frame_equal(read_fingertips_csv(out), first)
    write_fingertips_csv(read_fingertips_csv(out), tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


def test_write_fills_missing_optional_columns_and_needs_the_required_ones(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "indicator_id": [90366],
            "area_code": ["E08000035"],
            "sex": ["Male"],
            "age": ["All ages"],
            "time_period": ["2018 - 20"],
            "value": [78.2],
            "count": [1234.0],
        }
    )
    out = tmp_path / "min.csv"
    write_fingertips_csv(frame, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert lines[1] == "90366,,,,E08000035,,,Male,All ages,,,2018 - 20,78.2,,,,,1234,,,,,,,,,"
    with pytest.raises(InputError, match="columns value missing"):
        write_fingertips_csv(frame.drop(columns="value"), out)


def test_recorded_export_drops_the_repeated_england_rows(tmp_path: Path) -> None:
    frame = read_fingertips_csv(RECORDED)
    assert len(frame) == 7  # 9 rows, England male and female written twice
    england = frame[(frame["area_code"] == "E92000001") & frame["category"].isna()]
    assert england["value"].tolist() == [79.3, 83.1]
    assert england["parent_code"].isna().all()  # the first of each pair is kept


def test_region_named_comparison_column_is_read(tmp_path: Path) -> None:
    header = HEADER.replace("Compared to percentiles", "Compared to Region value or percentiles")
    path = _write(tmp_path, header + "\n" + _row(**{"Compared to percentiles": "Lower"}) + "\n")
    assert read_fingertips_csv(path)["compared_to_percentiles"].tolist() == ["Lower"]


def test_every_problem_is_listed_with_file_row_column_value(tmp_path: Path) -> None:
    path = _lines(
        tmp_path,
        _row(),
        _row(**{"Area Code": "X08000035", "Value": "abc", "Count": "-1", "Sex": "Female"}),
        _row(**{"Sex": "Persons", "Lower CI 95.0 limit": "78.5", "Upper CI 95.0 limit": "79"}),
        _row(**{"Sex": "Persons", "Indicator ID": "LE", "Age": "", "Time period": "2019 - 21"}),
        _row(**{"Value": "78.3"}),
        _row(),
    )
    with pytest.raises(FileRejected) as caught:
        read_fingertips_csv(path)
    name = str(path)
    assert _messages(caught.value) == [
        f"{name}, row 3, column 'Area Code': 'X08000035': expected a GSS area code such as "
        "E08000035 (or a GP practice code such as B86001)",
        f"{name}, row 3, column 'Value': 'abc': expected a number, or an empty cell",
        f"{name}, row 3, column 'Count': '-1': expected a count of zero or more",
        f"{name}, row 4, column 'Lower CI 95.0 limit': '78.5': expected a lower limit at or "
        "below the Value",
        f"{name}, row 5, column 'Indicator ID': 'LE': expected a whole-number Fingertips "
        "indicator ID, such as 90366",
        f"{name}, row 5, column 'Age': expected a value (the cell is empty)",
        f"{name}, row 6: '90366 / E08000035 / Male / All ages / - / - / 2018 - 20': expected one "
        "row per Indicator ID, Area Code, Sex, Age, Category Type, Category, Time period "
        "(row 2 has the same)",
    ]
    assert caught.value.rows == (3, 3, 3, 4, 5, 5, 6)
    assert str(caught.value).startswith(f"{name}: rejected, 7 problems; nothing was loaded:")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "Indicator ID,Area Code,Time period\n90366,E08000035,2018 - 20\n")
    with pytest.raises(FileRejected) as caught:
        read_fingertips_csv(path)
    assert _messages(caught.value) == [
        f"{path}, column 'Sex': expected a column named 'Sex'",
        f"{path}, column 'Age': expected a column named 'Age'",
        f"{path}, column 'Value': expected a column named 'Value'",
    ]


def test_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "\n" + _row() + "\n\n" + _row(Value="x", Sex="Female") + "\n")
    with pytest.raises(FileRejected) as caught:
        read_fingertips_csv(path)
    assert caught.value.rows == (4,)


def test_unreadable_files_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="expected an existing file"):
        read_fingertips_csv(tmp_path / "nope.csv")
    with pytest.raises(FileRejected, match="expected a CSV file with a header row"):
        read_fingertips_csv(_write(tmp_path, ""))
    with pytest.raises(FileRejected, match="expected UTF-8 text"):
        (tmp_path / "latin.csv").write_bytes(HEADER.encode() + b"\n" + _row().encode() + b"\xff\n")
        read_fingertips_csv(tmp_path / "latin.csv")


def test_area_codes_fingertips_publishes() -> None:
    codes = pd.Series(["E08000035", "E10000007", "E38000225", "B86001", "E99000001", "", "E0800"])
    problems = area_code_problems(codes)
    assert problems.isna().tolist() == [True, True, True, True, False, False, False]


# --- loading ---------------------------------------------------------------------------------


def test_load_is_atomic_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    version = load_fingertips(warehouse, _write(tmp_path, CANONICAL))
    assert version == 1
    before = warehouse.read("fingertips")
    assert len(before) == 4
    bad = _lines(tmp_path, _row(Value="79.9"), _row(Value="oops"))
    with pytest.raises(FileRejected):
        load_fingertips(warehouse, bad)
    assert warehouse.latest_version() == 1
    pd.testing.assert_frame_equal(warehouse.read("fingertips"), before)
    leeds = before[(before["area_code"] == "E08000035") & (before["indicator_id"] == "90366")]
    assert leeds["value"].tolist() == [82.0]


def test_a_file_with_no_rows_is_not_loaded(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    with pytest.raises(FileRejected, match="expected at least one data row"):
        load_fingertips(warehouse, _write(tmp_path, HEADER + "\n"))
    assert warehouse.latest_version() == 0


# --- the shipped extracts ----------------------------------------------------------------------


def test_the_extracts_are_shipped() -> None:
    names = shipped_extracts()
    assert len(names) == 13
    assert "ohid_fingertips_la/life_expectancy_at_birth_90366.csv" in names
    assert "ons_health_index/ons_health_index_england_ltla21.csv" in names


@pytest.mark.parametrize("name", shipped_extracts())
def test_every_shipped_extract_loads(tmp_path: Path, name: str) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    frame = read_extract(name)
    assert load_extract(warehouse, name) == 1
    stored = warehouse.read("fingertips")
    assert len(stored) == len(frame) > 0
    assert warehouse.versions()["source_name"].tolist() == [name]
    assert stored["area_code"].isin(["E92000001"]).any() or name.startswith("ons_health_index")
    assert stored["time_period_sortable"].str.fullmatch(r"\d{4}0000").all()


def _value(frame: pd.DataFrame, **where: str) -> list[float]:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        mask &= frame[column] == wanted
    return frame.loc[mask, "value"].tolist()


def test_life_expectancy_extract_sex_from_inequality() -> None:
    frame = read_extract("life_expectancy_at_birth_90366.csv")
    leeds = {"area_code": "E08000035", "time_period": "2018 - 20"}
    assert _value(frame, **leeds, sex="Male") == [78.2]
    assert _value(frame, **leeds, sex="Female") == [82.0]
    england = frame[frame["area_code"] == "E92000001"]
    assert set(england["area_type"]) == {"England"}
    assert _value(england, time_period="2018 - 20", sex="Male") == [79.3]
    assert set(frame["indicator_id"]) == {"90366"} and set(frame["age"]) == {"All ages"}
    assert set(frame["time_period_range"]) == {"3y"}
    assert frame["category"].isna().all()


def test_sii_and_u75_extracts() -> None:
    sii = read_extract("inequality_in_life_expectancy_sii_92901")
    leeds = {"area_code": "E08000035", "time_period": "2022 - 24"}
    assert _value(sii, **leeds, sex="Male") == [12.8]
    assert _value(sii, **leeds, sex="Female") == [10.3]
    u75 = read_extract("ohid_fingertips_la/u75_mortality_preventable_93721.csv")
    assert _value(u75, area_code="E08000035", time_period="2024", sex="Persons") == [162.3]
    assert set(u75["sex"]) == {"Male", "Female", "Persons"}
    assert set(u75["age"]) == {"<75 yrs"}


def test_obesity_extract_splits_its_three_indicators() -> None:
    frame = read_extract("reception_obesity_90319_92026_93105.csv")
    by_id = frame.groupby("indicator_id").size().to_dict()
    assert by_id == {"90319": 3590, "92026": 60, "93105": 21}
    quintiles = frame[frame["indicator_id"] == "92026"]
    assert set(quintiles["category_type"]) == {"Deprivation quintiles within area"}
    assert "Most deprived quintile" in set(quintiles["category"])
    assert set(quintiles["time_period"]) == {"2020/21 - 24/25"}
    assert set(quintiles["time_period_range"]) == {"5y"}
    assert set(quintiles["time_period_sortable"]) == {"20200000"}
    wards = frame[frame["indicator_id"] == "93105"]
    assert wards["area_code"].str.startswith("E05").all()
    assert set(wards["time_period_range"]) == {"3y"}
    assert set(frame["age"]) == {"4-5 yrs"} and set(frame["sex"]) == {"Persons"}


def test_dental_decay_unit_is_not_a_sex() -> None:
    frame = read_extract("dental_decay_5y_93563.csv")
    assert set(frame["sex"]) == {"Persons"} and set(frame["age"]) == {"5 yrs"}
    assert frame["area_code"].str.startswith("E10").any()  # counties are Fingertips areas


def test_health_index_extract() -> None:
    frame = read_extract("ons_health_index_england_ltla21")
    leeds = frame[frame["area_code"] == "E08000035"]
    assert len(leeds) == 7 * 4
    assert set(leeds["time_period"]) == {str(y) for y in range(2015, 2022)}
    assert set(frame["indicator_id"]) == {
        "ons_hi_overall_score",
        "ons_hi_healthy_people_domain_score",
        "ons_hi_healthy_lives_domain_score",
        "ons_hi_healthy_places_domain_score",
    }
    assert leeds["indicator_name"].iloc[0].startswith("ONS Health Index: ")


def test_time_periods_are_written_as_fingertips_writes_them() -> None:
    periods = pd.Series(["2015-17", "2015/2016", "2020/21-24/25", "2024", " 2019 - 21 ", "soon"])
    out = normalise_time_period(periods)
    assert out["time_period"].tolist()[:5] == [
        "2015 - 17",
        "2015/16",
        "2020/21 - 24/25",
        "2024",
        "2019 - 21",
    ]
    assert out["time_period_range"].tolist()[:5] == ["3y", "1y", "5y", "1y", "3y"]
    assert out["time_period_sortable"].tolist()[:5] == ["20150000", "20150000", "20200000",
                                                         "20240000", "20190000"]  # fmt: skip
    assert out.iloc[5].isna().all()


def test_indicator_ids_from_file_names() -> None:
    assert indicator_ids("reception_obesity_90319_92026_93105") == ["90319", "92026", "93105"]
    assert indicator_ids("dental_decay_5y_93563") == ["93563"]
    assert indicator_ids("no_number") == []


def test_a_bad_extract_names_its_own_columns(tmp_path: Path) -> None:
    header = (
        "area_code,area_name,area_type,period,indicator,measure,unit,value,"
        "compared_to_England,inequality"
    )
    path = _write(
        tmp_path,
        header + "\n"
        "E08000035,Leeds,UA,2018 - 20,LE,Life expectancy,Years,78.2,Worse,Male\n"
        "E0800003,Leeds,UA,next year,LE,Life expectancy,Years,about 78,Worse,Female\n",
        name="le_90366.csv",
    )
    with pytest.raises(FileRejected) as caught:
        read_extract(path)
    assert _messages(caught.value) == [
        f"{path}, row 3, column 'area_code': 'E0800003': expected a GSS area code such as "
        "E08000035 (or a GP practice code such as B86001)",
        f"{path}, row 3, column 'period': 'next year': expected a time period like 2018, "
        "2018/19, 2018 - 20 or 2020/21 - 24/25",
        f"{path}, row 3, column 'value': 'about 78': expected a number, or an empty cell",
    ]
    no_id = _write(tmp_path, header + "\n", name="le.csv")
    with pytest.raises(FileRejected, match="expected a file name ending in its Fingertips"):
        read_extract(no_id)


def test_unknown_extract_name() -> None:
    with pytest.raises(InputError, match="no extract 'nothing_here'"):
        read_extract("nothing_here")


def test_export_from_the_warehouse_round_trips(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    original = read_fingertips_csv(_write(tmp_path, CANONICAL))
    load_fingertips(warehouse, _write(tmp_path, CANONICAL))
    stored = warehouse.read("fingertips")
    out = tmp_path / "export.csv"
    write_fingertips_csv(stored, out)  # the extra 'batch' column is not written
    again = read_fingertips_csv(out)
    key = ["indicator_id", "area_code", "sex", "time_period"]
    pd.testing.assert_frame_equal(
        again.sort_values(key, ignore_index=True), original.sort_values(key, ignore_index=True)
    )


def test_write_refuses_text_in_a_number_column(tmp_path: Path) -> None:
    frame = read_fingertips_csv(_write(tmp_path, CANONICAL)).astype({"value": "object"})
    frame.loc[0, "value"] = "high"
    with pytest.raises(InputError, match="column value holds values that are not numbers"):
        write_fingertips_csv(frame, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_a_bad_health_index_file_names_its_own_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "ltla21_code,year,overall_score,healthy_people_domain_score\n"
        "E08000035,2021,96.5,95.1\n"
        "E0800003,21,high,95.2\n",
        name="hi.csv",
    )
    with pytest.raises(FileRejected) as caught:
        read_extract(path)
    assert _messages(caught.value) == [  # the bad code once, not once per score column
        f"{path}, row 3, column 'ltla21_code': 'E0800003': expected a GSS area code such as "
        "E08000035 (or a GP practice code such as B86001)",
        f"{path}, row 3, column 'year': '21': expected a year such as 2021",
        f"{path}, row 3, column 'overall_score': 'high': expected a number, or an empty cell",
    ]
