"""Validated template records in the place's warehouse file: each ingest is one atomic batch.

Kept as two tables, as the aggregation reads them: patients (one row per registered patient:
id, practice, LSOA, age band, sex, ethnic group) and responses (one row per recorded code:
id, date, code), so a patient's description is stored once, not once per code.
An extract is a complete picture of the registered patients, so the newest active batch is the
one read (a rollback with `healthequity rollback` returns to the one before). The batch and its
rows commit together or not at all, as in healthequity.store.warehouse.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from healthequity.config import Place
from healthequity.social_needs.aggregate import CELL_KEYS, aggregate_tables
from healthequity.social_needs.ingest import RECORD_COLUMNS
from healthequity.social_needs.template import Template
from healthequity.store.warehouse import Warehouse, WarehouseError, new_batch

#: The batches' dataset name, and the two tables holding a batch's rows.
DATASET = "social_needs_responses"
PATIENTS = "social_needs_patients"
RESPONSES = "social_needs_responses"
_PATIENT_COLUMNS: dict[str, str] = {"patient_id": "VARCHAR"} | dict.fromkeys(CELL_KEYS, "VARCHAR")
_RESPONSE_COLUMNS: dict[str, str] = {"patient_id": "VARCHAR", "date": "DATE", "code": "VARCHAR"}


def load_responses(
    warehouse: Warehouse, records: pd.DataFrame, *, source_name: str, sha256: str
) -> int:
    """Write validated records (one row per code, code empty for a patient never asked) as a
    new batch of patients and responses; return its version."""
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for table, columns in ((PATIENTS, _PATIENT_COLUMNS), (RESPONSES, _RESPONSE_COLUMNS)):
                cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
                con.execute(
                    f'CREATE TABLE IF NOT EXISTS "{table}" (batch INTEGER NOT NULL, {cols})'
                )
            version = new_batch(
                con, DATASET, kind="social_needs", source_name=source_name, sha256=sha256,
                rows=len(records),
            )  # fmt: skip
            con.register("incoming", records[list(RECORD_COLUMNS)])
            con.execute(
                f'INSERT INTO "{PATIENTS}" SELECT DISTINCT {version}, {_names(_PATIENT_COLUMNS)} '
                "FROM incoming"
            )
            con.execute(
                f'INSERT INTO "{RESPONSES}" SELECT {version}, {_names(_RESPONSE_COLUMNS)} '
                "FROM incoming WHERE code IS NOT NULL"
            )
            con.unregister("incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(version)


def read_responses(warehouse: Warehouse) -> pd.DataFrame:
    """The records of the newest active batch, flat as ingested (one row per code, code empty
    for a patient never asked); WarehouseError when none was ingested."""
    with warehouse.connect(read_only=True) as con:
        version = _newest_batch(con)
        cells = ", ".join(f'p."{c}"' for c in CELL_KEYS)
        frame = con.execute(
            f'SELECT p.patient_id, {cells}, r."date", r.code FROM "{PATIENTS}" p '
            f'LEFT JOIN (SELECT * FROM "{RESPONSES}" WHERE batch = $v) r USING (patient_id) '
            "WHERE p.batch = $v ORDER BY p.patient_id, r.date, r.code",
            {"v": version},
        ).df()
    return frame[list(RECORD_COLUMNS)].astype({"date": "datetime64[s]", "code": "string"})


def response_dates(warehouse: Warehouse) -> tuple[dt.date | None, dt.date | None]:
    """First and last response date of the newest active batch (None when nobody was asked)."""
    with warehouse.connect(read_only=True) as con:
        version = _newest_batch(con)
        row = con.execute(
            f'SELECT min("date"), max("date") FROM "{RESPONSES}" WHERE batch = ?', [version]
        ).fetchone()
    first, last = row if row is not None else (None, None)
    return first, last


def aggregate_stored(
    warehouse: Warehouse,
    practices: pd.DataFrame,
    *,
    place: Place | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    template: Template | None = None,
) -> pd.DataFrame:
    """aggregate() over the newest active batch inside the warehouse: the records never leave
    DuckDB (millions of rows need no pandas copy), only the breakdown counts come out."""
    with warehouse.connect(read_only=True) as con:
        version = _newest_batch(con)
        backend = ibis.duckdb.from_connection(con)
        patients, responses = (_batch(backend.table(t), version) for t in (PATIENTS, RESPONSES))
        return aggregate_tables(
            patients, responses, practices, backend,
            place=place, start=start, end=end, template=template,
        )  # fmt: skip


def _batch(table: ir.Table, version: int) -> ir.Table:
    """The rows of one batch, without the batch column."""
    return table.filter(table.batch == version).drop("batch")


def _names(columns: dict[str, str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _newest_batch(con: duckdb.DuckDBPyConnection) -> int:
    """The version of the newest active batch of records; WarehouseError when there is none."""
    row = con.execute(
        "SELECT max(version) FROM batches WHERE dataset = ? AND status = 'active'", [DATASET]
    ).fetchone()
    if row is None or row[0] is None:
        raise WarehouseError(
            "no social needs records in the warehouse: ingest an extract with "
            "`healthequity social-needs ingest FILE`"
        )
    return int(row[0])
