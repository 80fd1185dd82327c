"""Social needs template aggregation: 5 million template responses to every breakdown on DuckDB.

The records are drawn and loaded into a warehouse file by a child process, so that the peak
memory reported is the aggregation's own; the aggregation then runs as `social-needs publish`
runs it: inside the warehouse (healthequity.social_needs.store.aggregate_stored).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

from bench._report import Timing, time_call, write_section
from healthequity.social_needs.store import aggregate_stored
from healthequity.social_needs.synthetic import synthetic_practices
from healthequity.store.warehouse import Warehouse

#: Registered patients that give just over 5 million responses (about 34% asked, a fifth twice).
PATIENTS = 12_400_000
SEED = 20261129


def _load(path: str, patients: int, queue: multiprocessing.Queue) -> None:
    """Child process: draw the synthetic records and load them as one warehouse batch."""
    from healthequity.social_needs.store import load_responses
    from healthequity.social_needs.synthetic import synthetic_records

    records = synthetic_records(patients, practices=synthetic_practices(), seed=SEED)
    responses = records.dropna(subset=["code"]).drop_duplicates(["patient_id", "date"]).shape[0]
    load_responses(Warehouse(path), records, source_name="bench", sha256="0" * 64)
    queue.put((responses, len(records)))


def run(patients: int = PATIENTS) -> list[Timing]:
    """Time aggregate_stored (cells over the records, then 9 breakdowns x 16 measures)."""
    practices = synthetic_practices()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "warehouse.duckdb")
        queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        child = multiprocessing.get_context("spawn").Process(
            target=_load, args=(path, patients, queue)
        )
        child.start()
        responses, rows = queue.get()
        child.join()
        warehouse = Warehouse(path)
        groups = len(aggregate_stored(warehouse, practices))
        timings = [
            time_call(
                f"DuckDB via Ibis: {responses:,} responses ({rows:,} coded rows, {patients:,} "
                "patients) to 9 breakdowns x 16 measures",
                lambda: aggregate_stored(warehouse, practices),
                repeats=3,
                note=f"{groups} breakdown groups; records in the warehouse file; 90 practices",
            )
        ]
    write_section(
        "Social needs template aggregation",
        "healthequity.social_needs.store.aggregate_stored (as `healthequity social-needs "
        "publish` runs it) on synthetic Leeds records (healthequity.social_needs.synthetic) "
        "loaded in a warehouse file by another process: each code is a bit mask (asked, asked "
        "about its domain, has its need); per patient the masks are OR-ed (bit_or), summed "
        "into practice x LSOA x age band x sex x ethnic group cells, then by practice, PCN, "
        "ward, local fifth, England decile, ethnic group, age band and sex. Peak memory is "
        f"the aggregating process's. Load average (1 min) after the runs: {os.getloadavg()[0]:.1f}.",
        timings,
    )
    return timings


if __name__ == "__main__":
    for t in run():
        print(f"{t.name}: best {t.best:.2f} s, median {t.median:.2f} s, peak {t.peak_mib:.0f} MiB")
