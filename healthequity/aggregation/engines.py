"""The engines the aggregation runs on: DuckDB embedded by default, PySpark or PostgreSQL.

The Ibis expressions in counts.py are engine-free; an engine only executes them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from healthequity.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Spark settings for a small local run: few shuffle partitions, no UI, loopback only, UTC.
LOCAL_SPARK_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def duckdb_backend(path: str | Path | None = None, *, threads: int | None = None) -> BaseBackend:
    """An Ibis DuckDB backend: in memory by default, or on a database file."""
    options: dict[str, Any] = {} if threads is None else {"threads": threads}
    backend = ibis.duckdb.connect(":memory:" if path is None else str(path), **options)
    backend.raw_sql("SET enable_progress_bar = false")  # no progress bars in library output
    return backend


def spark_backend(session: SparkSession) -> BaseBackend:
    """An Ibis PySpark backend on an existing SparkSession (as in NHS secure data environments)."""
    return ibis.pyspark.connect(session)


def postgres_backend(url: str) -> BaseBackend:
    """An Ibis PostgreSQL backend from a URL such as postgresql://user:pass@host:5432/db."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise InputError(
            f"postgres_backend: {url!r} is not a PostgreSQL URL",
            field="url",
            expected="postgresql://user:password@host:5432/database",
        )
    return ibis.connect(url)


def local_spark_session(
    app_name: str = "healthequity", *, cores: int = 2, driver_memory: str = "1g"
) -> SparkSession:
    """A PySpark session in local mode, tuned to start fast and to use no network. Its Python
    workers run this interpreter (which has pandas and pyarrow), not whatever `python3` is first
    on PATH: turning a pandas frame into Spark rows may start them."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    for key, value in {**LOCAL_SPARK_CONF, "spark.driver.memory": driver_memory}.items():
        builder = builder.config(key, value)
    session: SparkSession = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def execute(expr: ibis.Table, backend: BaseBackend | None = None) -> pd.DataFrame:
    """Run an Ibis table expression on ``backend`` (default: a fresh in-memory DuckDB).

    Through Arrow: Ibis's own pandas conversion takes seconds a million rows (it converts text
    columns value by value); Arrow's is a copy.
    """
    engine = duckdb_backend() if backend is None else backend
    result: pd.DataFrame = engine.to_pyarrow(expr).to_pandas()
    return result
