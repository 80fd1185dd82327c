"""Social needs template aggregation: 5 million template responses to every breakdown on DuckDB."""

from __future__ import annotations

from bench._report import Timing, time_call, write_section
from healthequity.aggregation import duckdb_backend
from healthequity.social_needs.aggregate import aggregate
from healthequity.social_needs.synthetic import synthetic_practices, synthetic_records

#: Registered patients that give about 5 million responses (about 36% asked, a fifth twice).
PATIENTS = 11_800_000
SEED = 20261129


def run() -> list[Timing]:
    """Time aggregate() (cells over the records, then 9 breakdowns x 16 measures) on DuckDB,
    with the records in a DuckDB table as the warehouse holds them."""
    practices = synthetic_practices()
    records = synthetic_records(PATIENTS, practices=practices, seed=SEED)
    responses = records.dropna(subset=["code"]).drop_duplicates(["patient_id", "date"]).shape[0]
    backend = duckdb_backend()
    backend.con.register("incoming", records)
    backend.raw_sql("CREATE TABLE records AS SELECT * FROM incoming")
    backend.con.unregister("incoming")
    rows = len(records)
    del records
    table = backend.table("records")
    groups = len(aggregate(table, practices, backend))
    timings = [
        time_call(
            f"DuckDB via Ibis: {responses:,} responses ({rows:,} coded rows, {PATIENTS:,} "
            "patients) to 9 breakdowns x 16 measures",
            lambda: aggregate(table, practices, backend),
            repeats=2,
            note=f"{groups} breakdown groups; records in a DuckDB table; 90 practices",
        )
    ]
    write_section(
        "Social needs template aggregation",
        "healthequity.social_needs.aggregate.aggregate on synthetic Leeds records "
        "(healthequity.social_needs.synthetic): per patient, registered / asked / asked about and "
        "with each of 7 needs, summed into practice x LSOA x age band x sex x ethnic group cells, "
        "then by practice, PCN, ward, local fifth, England decile, ethnic group, age band and "
        "sex. The machine was shared with other work while measuring (load average 4 to 8 on 2 "
        "cores), so these times are upper bounds.",
        timings,
    )
    return timings


if __name__ == "__main__":
    for t in run():
        print(f"{t.name}: best {t.best:.2f} s, median {t.median:.2f} s, peak {t.peak_mib:.0f} MiB")
