"""The analytics warehouse: one DuckDB file of versioned, atomic batches with provenance.

Every load is one transaction: the batch's provenance row and all its data rows commit together
or not at all, so a process killed mid-load leaves the previous state intact (DuckDB discards an
uncommitted transaction on recovery). A version is a batch number; reading "as of" a version
takes, for each key, the row of the latest active batch up to it. Rollback marks later batches
rolled back (kept, for the audit trail, but no longer read).

A warehouse created before a dataset gained an optional column gets it (NULL in every earlier
row) when opened, in one transaction with the table checks: it is upgraded whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from healthequity.errors import HealthEquityError, InputError
from healthequity.store.datasets import DATASETS, Dataset

_BATCHES = """
CREATE TABLE IF NOT EXISTS batches (
    version INTEGER PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'active',
    note VARCHAR
)
"""


class WarehouseError(HealthEquityError):
    """The warehouse cannot do what was asked (unknown version, nothing to roll back ...)."""


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (streamed)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Warehouse:
    """A DuckDB warehouse file. Open it, load batches, list versions, roll back, read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        #: Called inside the load transaction just before COMMIT (tests inject faults here).
        self._before_commit: Callable[[], None] | None = None
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(_BATCHES)
                for dataset in DATASETS.values():
                    _create_or_upgrade(con, dataset, self.path)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the file, closed on exit."""
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def load(
        self,
        dataset: str,
        frame: pd.DataFrame,
        *,
        kind: str,
        source_name: str,
        sha256: str,
        note: str | None = None,
    ) -> int:
        """Write ``frame`` as a new batch of ``dataset`` in one transaction; return its version."""
        spec = _dataset(dataset)
        missing = [c for c in spec.column_names if c not in frame.columns]
        if missing:
            raise InputError(
                f"{source_name}: cannot load into {dataset}: columns {', '.join(missing)} missing",
                field=", ".join(missing),
            )
        given = [c for c in spec.table_columns if c in frame.columns]
        incoming = frame[given]
        select = ", ".join(
            f'"{c}"' if c in frame.columns else f'CAST(NULL AS {t}) AS "{c}"'
            for c, t in spec.table_columns.items()
        )
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                version = new_batch(
                    con, dataset, kind=kind, source_name=source_name, sha256=sha256,
                    rows=len(incoming), note=note,
                )  # fmt: skip
                con.register("incoming", incoming)
                cols = ", ".join(f'"{c}"' for c in spec.table_columns)
                con.execute(
                    f'INSERT INTO "{dataset}" (batch, {cols}) '
                    f"SELECT {version}, {select} FROM incoming"
                )
                con.unregister("incoming")
                if self._before_commit is not None:
                    self._before_commit()
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return int(version)

    def versions(self) -> pd.DataFrame:
        """Every batch with its provenance, newest first."""
        with self.connect() as con:
            return con.execute("SELECT * FROM batches ORDER BY version DESC").df()

    def latest_version(self) -> int:
        """The newest active version (0 for an empty warehouse)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT coalesce(max(version), 0) FROM batches WHERE status = 'active'"
            ).fetchone()
        return int(row[0]) if row else 0

    def rollback(self, to: int) -> list[int]:
        """Mark every active batch after version ``to`` rolled back; return their versions."""
        with self.connect() as con:
            known = {int(v) for (v,) in con.execute("SELECT version FROM batches").fetchall()}
            if to != 0 and to not in known:
                raise WarehouseError(f"version {to} does not exist; versions: {sorted(known)}")
            later = [
                int(v)
                for (v,) in con.execute(
                    "SELECT version FROM batches WHERE version > ? AND status = 'active' "
                    "ORDER BY version",
                    [to],
                ).fetchall()
            ]
            if not later:
                raise WarehouseError(f"nothing to roll back: no active version after {to}")
            con.execute(
                "UPDATE batches SET status = 'rolled_back' WHERE version > ? AND status = 'active'",
                [to],
            )
        return later

    def read(self, dataset: str, version: int | None = None) -> pd.DataFrame:
        """The dataset as of ``version`` (default: latest): the newest active row for each key."""
        spec = _dataset(dataset)
        as_of = self.latest_version() if version is None else version
        key = ", ".join(f'"{c}"' for c in spec.key)
        with self.connect() as con:
            if version is not None:
                status = con.execute(
                    "SELECT status FROM batches WHERE version = ?", [version]
                ).fetchone()
                if status is None:
                    raise WarehouseError(f"version {version} does not exist")
            return con.execute(
                f"""
                SELECT * EXCLUDE (rn) FROM (
                    SELECT t.*, row_number() OVER (PARTITION BY {key} ORDER BY t.batch DESC) AS rn
                    FROM "{dataset}" t JOIN batches b ON b.version = t.batch
                    WHERE b.status = 'active' AND b.version <= ?
                ) WHERE rn = 1
                ORDER BY {key}
                """,
                [as_of],
            ).df()


def _create_or_upgrade(con: duckdb.DuckDBPyConnection, dataset: Dataset, path: Path) -> None:
    """Create the dataset's table, or add the optional columns an older table lacks.

    A table without one of the required columns is not this program's: refused, not altered.
    """
    have = {
        str(name)
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ?",
            [dataset.name],
        ).fetchall()
    }
    if not have:
        cols = ", ".join(f'"{c}" {t}' for c, t in dataset.table_columns.items())
        con.execute(f'CREATE TABLE "{dataset.name}" (batch INTEGER NOT NULL, {cols})')
        return
    lacking = [c for c in ["batch", *dataset.column_names] if c not in have]
    if lacking:
        raise WarehouseError(
            f"{path}: table {dataset.name!r} has no column(s) {', '.join(lacking)}: "
            "not a warehouse of this program (or damaged); use another file"
        )
    for column, kind in dataset.optional.items():
        if column not in have:
            con.execute(f'ALTER TABLE "{dataset.name}" ADD COLUMN "{column}" {kind}')


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise InputError(
            f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}", field="dataset"
        )
    return DATASETS[name]


def new_batch(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    *,
    kind: str,
    source_name: str,
    sha256: str,
    rows: int,
    note: str | None = None,
) -> int:
    """Record a new active batch of ``dataset`` with its provenance, inside the caller's open
    transaction (so the batch and its rows commit together); return its version."""
    version = int(con.execute("SELECT coalesce(max(version), 0) + 1 FROM batches").fetchone()[0])  # type: ignore[index]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
        [version, dataset, kind, source_name, sha256, now, rows, note],
    )
    return version
