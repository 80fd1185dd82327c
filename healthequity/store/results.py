"""Build results in the warehouse: each build's tables kept under a build id, written atomically.

The analyst's internal tables (full figures) live here; anything published goes through
disclosure control on its way out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pandas as pd

from healthequity.store.warehouse import Warehouse, WarehouseError

_BUILDS = """
CREATE TABLE IF NOT EXISTS builds (
    build_id INTEGER PRIMARY KEY,
    built_at TIMESTAMP NOT NULL,
    place VARCHAR NOT NULL,
    data_version INTEGER NOT NULL,
    summary VARCHAR NOT NULL
)
"""


def save_build(
    warehouse: Warehouse,
    tables: Mapping[str, pd.DataFrame],
    *,
    built_at: dt.datetime,
    place: str,
    summary: Mapping[str, object],
) -> int:
    """Store every table (e.g. 'indicator_values', 'verdicts') under a new build id, in one
    transaction; returns the build id."""
    data_version = warehouse.latest_version()
    with warehouse.connect() as con:
        con.execute(_BUILDS)
        con.execute("BEGIN TRANSACTION")
        try:
            row = con.execute("SELECT coalesce(max(build_id), 0) + 1 FROM builds").fetchone()
            build_id = int(row[0]) if row else 1
            con.execute(
                "INSERT INTO builds VALUES (?, ?, ?, ?, ?)",
                [build_id, built_at.replace(tzinfo=None), place, data_version,
                 json.dumps(summary, default=str)],
            )  # fmt: skip
            for name, frame in tables.items():
                con.register("incoming", frame)
                con.execute(
                    f'CREATE TABLE IF NOT EXISTS "{name}" AS '
                    "SELECT 0::INTEGER AS build_id, * FROM incoming LIMIT 0"
                )
                con.execute(
                    f'INSERT INTO "{name}" BY NAME SELECT {build_id} AS build_id, * FROM incoming'
                )
                con.unregister("incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return build_id


def builds(warehouse: Warehouse) -> pd.DataFrame:
    """Every build, newest first."""
    with warehouse.connect() as con:
        con.execute(_BUILDS)
        return con.execute("SELECT * FROM builds ORDER BY build_id DESC").df()


def read_build(warehouse: Warehouse, name: str, build_id: int | None = None) -> pd.DataFrame:
    """One table of a build (default: the latest build)."""
    with warehouse.connect() as con:
        con.execute(_BUILDS)
        if build_id is None:
            row = con.execute("SELECT max(build_id) FROM builds").fetchone()
            build_id = None if row is None else row[0]
            if build_id is None:
                raise WarehouseError("no build yet: run `healthequity build`")
        known = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if name not in known:
            raise WarehouseError(f"no table {name!r} in the warehouse")
        frame = con.execute(
            f'SELECT * EXCLUDE (build_id) FROM "{name}" WHERE build_id = ?', [build_id]
        ).df()
    return frame
