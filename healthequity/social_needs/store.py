"""Validated template records in the place's warehouse file: each ingest is one atomic batch.

An extract is a complete picture of the registered patients, so the newest active batch is the
one read (a rollback with `healthequity rollback` returns to the one before). The batch and its
rows commit together or not at all, as in healthequity.store.warehouse.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis
import pandas as pd

from healthequity.config import Place
from healthequity.social_needs.aggregate import aggregate
from healthequity.social_needs.ingest import RECORD_COLUMNS
from healthequity.social_needs.template import Template
from healthequity.store.warehouse import Warehouse, WarehouseError

DATASET = "social_needs_records"
_COLUMNS = {c: "VARCHAR" for c in RECORD_COLUMNS} | {"date": "DATE"}


def load_responses(
    warehouse: Warehouse, records: pd.DataFrame, *, source_name: str, sha256: str
) -> int:
    """Write validated records as a new batch; return its version."""
    cols = ", ".join(f'"{c}" {t}' for c, t in _COLUMNS.items())
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'CREATE TABLE IF NOT EXISTS "{DATASET}" (batch INTEGER NOT NULL, {cols})')
            version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM batches").fetchone()[0]  # type: ignore[index]
            con.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
                [version, DATASET, "social_needs", source_name, sha256,
                 dt.datetime.now(dt.UTC).replace(tzinfo=None), len(records), None],
            )  # fmt: skip
            con.register("incoming", records[list(RECORD_COLUMNS)])
            names = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
            con.execute(f'INSERT INTO "{DATASET}" SELECT {version}, {names} FROM incoming')
            con.unregister("incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(version)


def read_responses(warehouse: Warehouse) -> pd.DataFrame:
    """The records of the newest active batch; WarehouseError when none was ingested."""
    with warehouse.connect(read_only=True) as con:
        version = _newest_batch(con)
        names = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
        frame = con.execute(f'SELECT {names} FROM "{DATASET}" WHERE batch = ?', [version]).df()
    return frame.astype({"date": "datetime64[s]", "code": "string"})


def response_dates(warehouse: Warehouse) -> tuple[dt.date | None, dt.date | None]:
    """First and last response date of the newest active batch (None when nobody was asked)."""
    with warehouse.connect(read_only=True) as con:
        version = _newest_batch(con)
        row = con.execute(
            f'SELECT min("date"), max("date") FROM "{DATASET}" WHERE batch = ?', [version]
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
        table = backend.table(DATASET)
        table = table.filter(table.batch == version).drop("batch")
        return aggregate(
            table, practices, backend, place=place, start=start, end=end, template=template
        )


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
