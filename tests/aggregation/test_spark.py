"""The same Ibis expressions on PySpark (local mode) give exactly the DuckDB counts."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from healthequity.aggregation import count_records, execute, spark_backend
from healthequity.geography.lookups import lsoa_lookup
from healthequity.sources.records import validate_records
from tests.aggregation.test_counts import A, B, rows, small

pytestmark = [
    pytest.mark.spark,
    # ibis 12 reads a pandas option that pandas 3 deprecates; not this package's warning.
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option"),
    # pyspark 4.0 passes copy= to pandas 3's astype; also not this package's warning.
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

CODES = {"cvd": ["I2", "I6"], "mi": ["I21"], "cancer": ["C"]}


def generated(n: int = 20_000, seed: int = 7) -> pd.DataFrame:
    """Records spread over Leeds LSOAs, all ages, and dates around year and 1 April boundaries."""
    rng = np.random.default_rng(seed)
    lsoas = lsoa_lookup(2021)["lsoa_code"].to_numpy(dtype=object)
    days = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, n), unit="D")
    codes = np.array(["I21.9", "I219", "I63", "I25", "C34", "J10", "E11", "22298006"], dtype=object)
    frame = pd.DataFrame(
        {
            "age": rng.integers(0, 121, n),
            "sex": rng.choice(np.array(["M", "F", "1", "2"], dtype=object), n),
            "lsoa_code": rng.choice(lsoas, n),
            "date": days.strftime("%Y-%m-%d"),
            "code": rng.choice(codes, n),
            "ethnic_group": rng.choice(
                np.array(["White", "Asian", "Black", None], dtype=object), n
            ),
        }
    )
    return validate_records(frame)


CASES: list[tuple[tuple[str, ...], Any, Any]] = [
    (("lsoa_code", "sex", "age_band"), "year", None),
    (("lsoa_code", "ethnic_group"), "financial_year", CODES),
    (("age_band",), None, None),
]


def test_the_same_expressions_on_spark_give_the_duckdb_counts(
    spark: Any, subtests: pytest.Subtests
) -> None:
    """One test function (with subtests) so that pytest-xdist starts Spark on one worker only."""
    backend = spark_backend(spark)
    with subtests.test("hand-computed counts"):
        expr = count_records(
            ibis.memtable(small()), by=["lsoa_code", "sex"], period="financial_year"
        )
        assert rows(execute(expr, backend)) == [
            (A, "Female", "2022/23", 1),
            (A, "Female", "2023/24", 1),
            (A, "Male", "2022/23", 1),
            (A, "Male", "2023/24", 2),
            (B, "Female", "2022/23", 2),
            (B, "Male", "2023/24", 1),
        ]
    records = generated()
    for by, period, codes in CASES:
        with subtests.test(by=by, period=period, codes=codes is not None):
            expr = count_records(ibis.memtable(records), by=by, period=period, codes=codes)
            on_duckdb = execute(expr)
            on_spark = execute(expr, backend)
            if codes is None:
                assert on_duckdb["count"].sum() == 20_000
            assert on_spark.columns.tolist() == on_duckdb.columns.tolist()
            key = [c for c in on_duckdb.columns if c != "count"]
            left = on_duckdb.astype({"count": "int64"}).sort_values(key, na_position="first")
            right = on_spark.astype({"count": "int64"}).sort_values(key, na_position="first")
            pd.testing.assert_frame_equal(
                left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False
            )
