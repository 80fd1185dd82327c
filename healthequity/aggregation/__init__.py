"""Record-level rows to counts, written once in Ibis: DuckDB by default, Spark or PostgreSQL."""

from healthequity.aggregation.counts import (
    AGE_BANDS,
    DEFAULT_BY,
    age_band,
    count_records,
    period_label,
    to_counts_layout,
    with_code_groups,
)
from healthequity.aggregation.engines import (
    duckdb_backend,
    execute,
    local_spark_session,
    postgres_backend,
    spark_backend,
)

__all__ = [
    "AGE_BANDS",
    "DEFAULT_BY",
    "age_band",
    "count_records",
    "duckdb_backend",
    "execute",
    "local_spark_session",
    "period_label",
    "postgres_backend",
    "spark_backend",
    "to_counts_layout",
    "with_code_groups",
]
