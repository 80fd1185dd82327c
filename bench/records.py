"""Record-level aggregation: 10 million records to counts through the Ibis expression."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from bench._report import Timing, time_call, write_section
from healthequity.aggregation import count_records, execute, local_spark_session, spark_backend
from healthequity.geography.lookups import lsoa_lookup
from healthequity.sources.records import read_records, validate_records

SEED = 20261128
CODES = ["I21.9", "I219", "I63", "I25", "C34", "J10", "E11", "22298006", "F32", "K70"]
GROUPS = {"cvd": ["I2", "I6"], "mi": ["I21"]}


def generate(n: int = 10_000_000, seed: int = SEED) -> pd.DataFrame:
    """``n`` records as read_records returns them: Leeds 2021 LSOAs, ages 0-100, 2015-2024."""
    rng = np.random.default_rng(seed)
    lsoas = pa.array(lsoa_lookup(2021)["lsoa_code"].to_numpy(dtype=object), pa.string())

    def pick(values: pa.Array) -> pa.Array:
        idx = pa.array(rng.integers(0, len(values), n), pa.int32())
        return pa.DictionaryArray.from_arrays(idx, values).cast(pa.string())

    days = rng.integers(0, 10 * 365, n).astype("timedelta64[D]")
    table = pa.table(
        {
            "age": pa.array(rng.integers(0, 101, n)),
            "sex": pick(pa.array(["Male", "Female"])),
            "lsoa_code": pick(lsoas),
            "date": pa.array(np.datetime64("2015-01-01", "s") + days),
            "code": pick(pa.array(CODES)),
        }
    )
    return table.to_pandas()


def run() -> list[Timing]:
    """Time the DuckDB aggregation on 10M rows, validation, and Spark on a 1M-row sample."""
    records = generate()
    sample = records.iloc[:1_000_000].reset_index(drop=True)
    default = count_records(ibis.memtable(records))
    groups = count_records(ibis.memtable(records), period="financial_year", codes=GROUPS)
    cells = len(execute(default))
    timings = [
        time_call(
            "DuckDB via Ibis: 10,000,000 records to LSOA x sex x 5-year band x year",
            lambda: execute(default),
            note=f"{cells:,} counts; fresh in-memory DuckDB per run, 488 Leeds LSOAs",
        ),
        time_call(
            "DuckDB via Ibis: the same by financial year, 2 code groups",
            lambda: execute(groups),
            note="code prefixes I2/I6 and I21",
        ),
        time_call(
            "validate_records: 10,000,000 records in memory",
            lambda: validate_records(records),
            repeats=1,
            note="every cell checked; no problems",
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "records.csv"
        sample.assign(date=sample["date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
        timings.append(
            time_call(
                "read_records: 1,000,000-row CSV",
                lambda: read_records(csv),
                repeats=2,
                note=f"{csv.stat().st_size / 2**20:.0f} MiB file",
            )
        )
    start = time.perf_counter()
    session = local_spark_session("healthequity-bench", driver_memory="2g")
    started = time.perf_counter() - start
    try:
        on_spark = count_records(ibis.memtable(sample))
        backend = spark_backend(session)
        timings.append(
            time_call(
                "PySpark local[2] via Ibis: 1,000,000 records, the same expression",
                lambda: execute(on_spark, backend),
                repeats=2,
                note=f"for reference; session start {started:.0f} s not included",
            )
        )
        on_duckdb = execute(count_records(ibis.memtable(sample)))
        assert execute(on_spark, backend)["count"].sum() == on_duckdb["count"].sum() == 1_000_000
    finally:
        session.stop()
    print(
        write_section(
            "Record-level aggregation",
            "Generated record-level rows (numpy, fixed seed) counted by the one Ibis expression "
            "`count_records` (`python -m bench records`): labels are built after grouping on "
            "integer keys, so the work per row is one hash aggregation.",
            timings,
        )
    )
    return timings
