"""Writes the corpus's Excel and Parquet files (committed; run again only to change them).

.venv/bin/python tests/sources/bad_files/make_binary_files.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BAD = Path(__file__).parent
GOOD = BAD.parent / "good_files"
HEADER = ["indicator_id", "area_code", "period", "sex", "age_band", "numerator", "denominator"]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """One workbook, its sheets in order, each a list of rows from row 1."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    book.save(path)


def good() -> None:
    """The good counts file as Excel (numbers as numbers, as Excel keeps them) and Parquet."""
    frame = pd.read_csv(GOOD / "counts.csv", dtype=str, keep_default_na=False)
    rows: list[list[object]] = [list(frame.columns)]
    for record in frame.to_dict("records"):
        row: list[object] = list(record.values())
        row[2] = int(row[2]) if str(row[2]).isdigit() else row[2]  # Excel keeps 2023 a number
        row[0] = int(row[0]) if str(row[0]).isdigit() else row[0]
        row[5], row[6] = float(row[5]), float(row[6])
        rows.append([None if v == "" else v for v in row])
    workbook(GOOD / "counts.xlsx", {"counts": rows})
    table = pa.table(
        {
            **{c: pa.array(frame[c].tolist(), pa.string()) for c in frame.columns[:5]},
            "numerator": pa.array(frame["numerator"].astype(float), pa.float64()),
            "denominator": pa.array(frame["denominator"].astype(float), pa.float64()),
            "category_type": pa.array(frame["category_type"].tolist(), pa.string()),
            "category": pa.array([v or None for v in frame["category"]], pa.string()),
        }
    )
    pq.write_table(table, GOOD / "counts.parquet")


def bad() -> None:
    """Excel and Parquet files with problems only those formats can have, and a few others."""
    day = dt.datetime(2023, 1, 1)
    workbook(
        BAD / "excel_date_period.xlsx",
        {
            "Sheet1": [
                HEADER,
                ["demo", "E05011549", 2023, "Persons", "All ages", 12, 340],
                ["demo", "E05011395", day, "Persons", "All ages", 12, 340],
            ]
        },
    )
    workbook(
        BAD / "excel_wrong_types.xlsx",
        {
            "Notes": [["This sheet is not read: the sheet named counts is"]],
            "Counts": [
                HEADER,
                ["demo", "E05011549", 2023, "Persons", dt.datetime(2024, 4, 1), 12, 340],
                [],
                ["demo", "E05011395", 2023, "Persons", "All ages", True, 340],
                ["demo", 5011395, 2023, "Persons", "All ages", "#N/A", 340],
                ["demo", "E05011396", 2023.5, "Persons", "All ages", 1, dt.time(12, 30)],
            ],
        },
    )
    workbook(
        BAD / "excel_many_problems.xlsx",
        {
            "Sheet1": [
                [*HEADER, None, "notes"],
                ["demo", "E05011549", 2023, "Persons", "All ages", 12, 340, None, "ok"],
                ["demo", "E05011549", 2023, "Persons", "All ages", 12, 340],
                ["demo", "E0501154", "2023/25", "Men", "0-4", -3, 340],
                ["demo", "E05011395", 2023, "Persons", "All ages", 350, 340, "stray"],
            ]
        },
    )
    workbook(BAD / "excel_empty.xlsx", {"Sheet1": []})
    workbook(BAD / "excel_header_only.xlsx", {"counts": [HEADER]})
    (BAD / "excel_not_a_workbook.xlsx").write_bytes(b"indicator_id,area_code\n")

    pq.write_table(
        pa.table(
            {
                "indicator_id": ["demo", "demo", "demo"],
                "area_code": ["E05011549", "E05011395", "E08000035"],
                "period": pa.array([day, day, None], pa.timestamp("ms")),
                "sex": ["Persons", "Persons", "Persons"],
                "age_band": ["All ages", "All ages", "All ages"],
                "numerator": ["12", "twelve", None],
                "denominator": pa.array([True, False, True], pa.bool_()),
            }
        ),
        BAD / "parquet_wrong_types.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "indicator_id": ["demo", "demo", "demo", "demo"],
                "area_code": ["E05011549", "E05011549", "E05011549", "E99011549"],
                "period": pa.array([2023, 2023, 2023, 2023], pa.int64()),
                "sex": ["Persons", "Persons", "Female", "Persons"],
                "age_band": ["All ages", "All ages", "All ages", "All ages"],
                "numerator": pa.array([1.0, 2.0, float("nan"), -4.0]),
                "denominator": pa.array([10, 10, 10, 10], pa.int32()),
            }
        ),
        BAD / "parquet_values.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "indicator_id": ["demo"],
                "area_code": ["E05011549"],
                "period": ["2023"],
                "gender": ["Persons"],
                "age_band": ["All ages"],
                "numerator": [1.0],
                "denominator": [2.0],
            }
        ),
        BAD / "parquet_missing_column.parquet",
    )
    whole = (BAD / "parquet_values.parquet").read_bytes()
    (BAD / "parquet_truncated.parquet").write_bytes(whole[: len(whole) // 2])


if __name__ == "__main__":
    good()
    bad()
