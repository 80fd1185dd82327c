"""The same Ibis expressions give the DuckDB counts on PySpark (local mode) for a sample."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from healthequity.aggregation import spark_backend
from healthequity.social_needs.aggregate import aggregate
from healthequity.social_needs.synthetic import synthetic_practices, synthetic_records

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    # pandas 3's Arrow-backed text columns make Spark fall back to its plain conversion
    pytest.mark.filterwarnings("ignore:createDataFrame attempted Arrow optimization"),
]


def test_spark_gives_the_duckdb_counts(spark: Any) -> None:
    practices = synthetic_practices(40, seed=5)
    records = synthetic_records(20_000, practices=practices, seed=9)
    start, end = dt.date(2024, 7, 1), dt.date(2025, 1, 31)
    on_duckdb = aggregate(records, practices, start=start, end=end)
    on_spark = aggregate(records, practices, spark_backend(spark), start=start, end=end)
    assert on_duckdb["registered"].iloc[0] == 20_000
    assert on_spark.columns.tolist() == on_duckdb.columns.tolist()
    numbers = [c for c in on_duckdb.columns if c not in ("breakdown", "group_code")]
    pd.testing.assert_frame_equal(
        on_spark.astype(dict.fromkeys(numbers, "int64")),
        on_duckdb.astype(dict.fromkeys(numbers, "int64")),
        check_dtype=False,
    )


def test_records_read_from_parquet_by_spark_as_the_readme_shows(spark: Any, tmp_path: Any) -> None:
    practices = synthetic_practices(20, seed=6)
    records = synthetic_records(3_000, practices=practices, seed=10)
    path = tmp_path / "social_needs"
    path.mkdir()
    records.to_parquet(path / "part-0.parquet")
    backend = spark_backend(spark)
    on_spark = aggregate(backend.read_parquet(str(path)), practices, backend)
    on_duckdb = aggregate(records, practices)
    numbers = [c for c in on_duckdb.columns if c not in ("breakdown", "group_code")]
    pd.testing.assert_frame_equal(
        on_spark.astype(dict.fromkeys(numbers, "int64")),
        on_duckdb.astype(dict.fromkeys(numbers, "int64")),
        check_dtype=False,
    )
    assert on_duckdb["registered"].iloc[0] == 3_000
