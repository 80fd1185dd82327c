"""Counting record-level rows with the Ibis expressions on DuckDB: hand-computed counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

from healthequity.aggregation import (
    AGE_BANDS,
    count_records,
    duckdb_backend,
    execute,
    postgres_backend,
    to_counts_layout,
)
from healthequity.errors import FileRejected, InputError
from healthequity.sources.records import aggregate_records, load_records, validate_records
from healthequity.store.datasets import COUNTS
from healthequity.store.warehouse import Warehouse

# ibis 12 reads a pandas option that pandas 3 deprecates; not this package's warning.
pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")

A, B = "E01011264", "E01011265"

#: Eight records; the expected counts below are worked out by hand from them.
ROWS = [
    # age, sex, lsoa, date, code
    (34, "Male", A, "2023-03-31", "I21.9"),
    (33, "Male", A, "2023-04-01", "I63"),
    (30, "Male", A, "2023-12-31", "J10"),
    (4, "Female", A, "2023-01-01", "I25"),
    (5, "Female", A, "2023-06-15", "I21"),
    (90, "Female", B, "2022-12-31", "I64"),
    (120, "Female", B, "2022-05-05", "C34"),
    (89, "Male", B, "2024-02-29", "I21"),
]


def small() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["age", "sex", "lsoa_code", "date", "code"])
    return validate_records(frame, today=dt.date(2024, 12, 31))


def rows(result: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(r) for r in result.itertuples(index=False)]


def test_counts_by_lsoa_sex_band_and_year() -> None:
    result = execute(count_records(ibis.memtable(small())))
    assert result.columns.tolist() == ["lsoa_code", "sex", "age_band", "period", "count"]
    assert rows(result) == [
        (A, "Female", "0-4", "2023", 1),
        (A, "Female", "5-9", "2023", 1),
        (A, "Male", "30-34", "2023", 3),
        (B, "Female", "90+", "2022", 2),
        (B, "Male", "85-89", "2024", 1),
    ]
    assert result["count"].sum() == len(ROWS)


def test_financial_years_start_on_1_april() -> None:
    result = aggregate_records(small(), by=["lsoa_code"], period="financial_year")
    assert rows(result) == [
        (A, "2022/23", 2),  # 2023-03-31 and 2023-01-01: before 1 April 2023
        (A, "2023/24", 3),
        (B, "2022/23", 2),
        (B, "2023/24", 1),
    ]


def test_financial_year_labels_across_a_century() -> None:
    frame = pd.DataFrame(
        {
            "age": [1, 1, 1],
            "sex": ["F", "F", "F"],
            "lsoa_code": [A, A, A],
            "date": ["1999-04-01", "2000-03-31", "2009-04-01"],
            "code": ["X", "X", "X"],
        }
    )
    result = aggregate_records(frame, by=[], period="financial_year")
    assert rows(result) == [("1999/00", 2), ("2009/10", 1)]


def test_every_age_falls_in_its_esp2013_band() -> None:
    ages = list(range(121))
    frame = pd.DataFrame(
        {"age": ages, "sex": "M", "lsoa_code": A, "date": "2023-01-01", "code": "X"}
    )
    result = aggregate_records(frame, by=["age_band"], period=None)
    counts = dict(zip(result["age_band"], result["count"], strict=True))
    assert set(counts) == set(AGE_BANDS)
    assert all(counts[band] == 5 for band in AGE_BANDS[:-1])
    assert counts["90+"] == 31  # 90 ... 120


def test_code_groups_by_prefix_count_a_row_in_every_group_it_matches() -> None:
    result = aggregate_records(
        small(), by=["sex"], period=None, codes={"cvd": ["I2", "i6"], "mi": ["I21"], "none": ["Z"]}
    )
    assert result.columns.tolist() == ["sex", "code_group", "count"]
    assert rows(result) == [
        ("Female", "cvd", 3),  # I25, I21, I64 (C34 is in no group)
        ("Female", "mi", 1),
        ("Male", "cvd", 3),  # I21.9, I63, I21 (J10 is in no group)
        ("Male", "mi", 2),
    ]


def test_ethnic_group_is_a_breakdown_and_blank_is_not_known() -> None:
    groups: list[str | None] = ["White", "White", None, "Asian", None, "Black", "Black", "White"]
    frame = small().assign(ethnic_group=pd.Series(groups, dtype="str"))
    result = aggregate_records(frame, by=["lsoa_code", "ethnic_group"], period="year")
    layout = to_counts_layout(result, "deaths")
    assert layout.columns.tolist() == COUNTS.column_names
    got = layout.set_index(["area_code", "period", "category"])["numerator"].to_dict()
    assert got == {
        (A, "2023", "Asian"): 1.0,
        (A, "2023", "Not known"): 2.0,
        (A, "2023", "White"): 2.0,
        (B, "2022", "Black"): 2.0,
        (B, "2024", "White"): 1.0,
    }
    assert set(layout["category_type"]) == {"Ethnic group"}
    assert set(layout["sex"]) == {"Persons"}
    assert set(layout["age_band"]) == {"All ages"}
    assert layout["denominator"].isna().all()


def test_counts_layout_of_the_default_grouping() -> None:
    layout = to_counts_layout(execute(count_records(ibis.memtable(small()))), "deaths")
    assert layout.iloc[2].to_dict() | {"denominator": None} == {
        "indicator_id": "deaths",
        "area_code": A,
        "period": "2023",
        "sex": "Male",
        "age_band": "30-34",
        "category_type": "",
        "category": "",
        "numerator": 3.0,
        "denominator": None,
    }


def test_bad_arguments_are_named() -> None:
    table = ibis.memtable(small())
    with pytest.raises(
        InputError,
        match=r"by: 'ward' not in the records; expected some of age, age_band, code, date, lsoa_code, sex",
    ):
        count_records(table, by=["lsoa_code", "ward"])
    with pytest.raises(InputError, match="records: column 'date' is needed for the grouping"):
        count_records(table.drop("date"), by=["sex"])
    with pytest.raises(InputError, match="period 'month' is not known"):
        count_records(table, period="month")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"codes: groups 'cvd' need a list of code prefixes"):
        count_records(table, codes={"cvd": "I2"})
    with pytest.raises(InputError, match="codes: give at least one group"):
        count_records(table, codes={})
    with pytest.raises(InputError, match="by: 'code_group' needs codes="):
        count_records(table, by=["code_group"])
    with pytest.raises(InputError, match="one breakdown at a time; got ethnic_group, code_group"):
        to_counts_layout(
            pd.DataFrame(columns=["lsoa_code", "period", "ethnic_group", "code_group", "count"]),
            "x",
        )
    with pytest.raises(InputError, match="columns period missing"):
        to_counts_layout(pd.DataFrame(columns=["lsoa_code", "count"]), "x")
    with pytest.raises(InputError, match="is not a PostgreSQL URL"):
        postgres_backend("mysql://localhost/db")


def test_a_duckdb_file_backend_gives_the_same_counts(tmp_path: Path) -> None:
    backend = duckdb_backend(tmp_path / "agg.duckdb", threads=1)
    expr = count_records(ibis.memtable(small()), by=["lsoa_code"], period=None)
    assert rows(execute(expr, backend)) == [(A, 5), (B, 3)]


def test_load_records_is_one_batch_and_a_bad_file_writes_nothing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "age,sex,lsoa_code,date,code\n34,M,E01011264,2023-01-01,I21\n-3,M,E01011264,2023-01-01,I21\n"
    )
    with pytest.raises(FileRejected, match="row 3, column 'age': '-3'"):
        load_records(warehouse, bad, indicator_id="deaths")
    assert warehouse.versions().empty
    good = tmp_path / "good.csv"
    small().assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d")).to_csv(good, index=False)
    version = load_records(
        warehouse,
        good,
        indicator_id="cvd_deaths",
        by=["lsoa_code", "sex"],
        codes={"cvd": ["I2", "I6"]},
    )
    assert version == 1
    batch = warehouse.versions().iloc[0]
    assert (batch["kind"], batch["source_name"], batch["row_count"]) == ("records", str(good), 4)
    loaded = warehouse.read("counts")
    got = loaded.set_index(["area_code", "sex", "period"])["numerator"].to_dict()
    assert got == {
        (A, "Female", "2023"): 2.0,  # I25, I21
        (A, "Male", "2023"): 2.0,  # I21.9, I63 (J10 is not CVD)
        (B, "Female", "2022"): 1.0,  # I64 (C34 is not CVD)
        (B, "Male", "2024"): 1.0,
    }
    assert set(loaded["category_type"]) == {"Code group"}
    assert set(loaded["category"]) == {"cvd"}


@pytest.mark.parametrize("dialect", ["duckdb", "pyspark", "postgres"])
def test_the_one_expression_compiles_for_every_engine(dialect: str) -> None:
    schema = {
        "age": "int64",
        "sex": "string",
        "lsoa_code": "string",
        "date": "date",
        "code": "string",
    }
    expr = count_records(
        ibis.table(schema, name="records"), period="financial_year", codes={"cvd": ["I2", "I6"]}
    )
    sql = ibis.to_sql(expr, dialect=dialect)
    assert "GROUP BY" in sql
    assert "'90+'" in sql
    assert "'cvd'" in sql
