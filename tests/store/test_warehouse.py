"""The warehouse: atomic versioned batches, provenance, reading as of a version, rollback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.indicators.count_rules import place_count_rules
from healthequity.sources.tabular import load_counts
from healthequity.store import warehouse as warehouse_module
from healthequity.store.datasets import COUNTS, DATASETS, Dataset
from healthequity.store.warehouse import _BATCHES, Warehouse, WarehouseError


def counts(value: float, areas: tuple[str, ...] = ("E05011549", "E05011395")) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": "demo",
            "area_code": list(areas),
            "period": "2023",
            "sex": "Persons",
            "age_band": "All ages",
            "category_type": "",
            "category": "",
            "numerator": value,
            "denominator": 100.0,
        }
    )


def test_versions_and_revisions(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    v1 = wh.load("counts", counts(1), kind="counts", source_name="a.csv", sha256="aa")
    v2 = wh.load(
        "counts", counts(2, ("E05011549",)), kind="counts", source_name="b.csv", sha256="bb"
    )
    assert (v1, v2) == (1, 2)
    latest = wh.read("counts")
    assert latest.set_index("area_code")["numerator"].to_dict() == {"E05011395": 1, "E05011549": 2}
    assert latest.set_index("area_code")["batch"].to_dict() == {"E05011395": 1, "E05011549": 2}
    assert wh.read("counts", version=1)["numerator"].tolist() == [1, 1]
    versions = wh.versions()
    assert versions["version"].tolist() == [2, 1]
    assert versions["source_name"].tolist() == ["b.csv", "a.csv"]
    assert versions["row_count"].tolist() == [1, 2]


def test_rollback(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load("counts", counts(1), kind="counts", source_name="a.csv", sha256="aa")
    wh.load("counts", counts(2), kind="counts", source_name="b.csv", sha256="bb")
    assert wh.rollback(1) == [2]
    assert wh.read("counts")["numerator"].tolist() == [1, 1]
    assert wh.versions()["status"].tolist() == ["rolled_back", "active"]
    with pytest.raises(WarehouseError, match="nothing to roll back"):
        wh.rollback(1)
    with pytest.raises(WarehouseError, match="version 7 does not exist"):
        wh.rollback(7)


def test_missing_columns_refused_and_nothing_written(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    with pytest.raises(InputError, match="columns numerator missing"):
        wh.load(
            "counts",
            counts(1).drop(columns="numerator"),
            kind="counts",
            source_name="x.csv",
            sha256="x",
        )
    assert wh.versions().empty


def test_failure_inside_the_transaction_leaves_nothing(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load("counts", counts(1), kind="counts", source_name="a.csv", sha256="aa")

    def boom() -> None:
        raise RuntimeError("disk full")

    wh._before_commit = boom
    with pytest.raises(RuntimeError):
        wh.load("counts", counts(5), kind="counts", source_name="b.csv", sha256="bb")
    assert wh.versions()["version"].tolist() == [1]
    assert wh.read("counts")["numerator"].tolist() == [1, 1]


def test_kill_9_mid_load_keeps_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path)
    wh.load("counts", counts(1), kind="counts", source_name="a.csv", sha256="aa")
    script = textwrap.dedent(
        f"""
        import os, signal
        import pandas as pd
        from healthequity.store.warehouse import Warehouse
        big = pd.DataFrame({{
            "indicator_id": "demo", "area_code": [f"E01{{i:06d}}00" for i in range(200_000)],
            "period": "2024", "sex": "Persons", "age_band": "All ages", "category_type": "",
            "category": "", "numerator": 3.0, "denominator": 10.0}})
        wh = Warehouse({str(path)!r})
        wh._before_commit = lambda: os.kill(os.getpid(), signal.SIGKILL)
        wh.load("counts", big, kind="counts", source_name="big.csv", sha256="cc")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), check=False)
    assert proc.returncode == -9
    again = Warehouse(path)
    assert again.versions()["version"].tolist() == [1]
    assert len(again.read("counts")) == 2


def _old_warehouse(path: Path) -> None:
    """A warehouse file as created before ``sd`` was added to counts, holding one batch."""
    con = duckdb.connect(str(path))
    con.execute(_BATCHES)
    for dataset in DATASETS.values():  # the columns every batch has: the first layout
        cols = ", ".join(f'"{c}" {t}' for c, t in dataset.columns.items())
        con.execute(f'CREATE TABLE "{dataset.name}" (batch INTEGER NOT NULL, {cols})')
    con.execute(
        "INSERT INTO batches VALUES (1, 'counts', 'counts', 'old.csv', 'aa', "
        "TIMESTAMP '2024-01-02 03:04:05', 2, 'active', NULL)"
    )
    con.register("old", counts(1))
    con.execute("INSERT INTO counts SELECT 1, * FROM old")
    con.close()


def _columns(path: Path, table: str) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[1] for r in con.execute(f"PRAGMA table_info('{table}')").fetchall()]
    finally:
        con.close()


def test_an_old_warehouse_gains_sd_and_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    _old_warehouse(path)
    assert "sd" not in _columns(path, "counts")
    wh = Warehouse(path)
    assert _columns(path, "counts") == ["batch", *COUNTS.column_names, "sd"]
    old = wh.read("counts")
    assert old["numerator"].tolist() == [1, 1] and old["sd"].isna().all()
    new = tmp_path / "means.csv"
    new.write_text(
        "indicator_id,area_code,period,sex,age_band,numerator,denominator,sd\n"
        "weekly_earnings,E05011549,2023,Persons,All ages,6123.5,10,150.25\n"
    )
    assert load_counts(wh, new, rules=place_count_rules(tmp_path)) == 2
    later = counts(3, ("E05011395",))  # a writer that knows nothing of sd
    assert wh.load("counts", later, kind="counts", source_name="c.csv", sha256="cc") == 3
    rows = Warehouse(path).read("counts").set_index(["indicator_id", "area_code"])
    assert rows["sd"].to_dict() == pytest.approx(
        {
            ("demo", "E05011395"): np.nan,
            ("demo", "E05011549"): np.nan,
            ("weekly_earnings", "E05011549"): 150.25,
        },
        nan_ok=True,
    )
    assert rows["batch"].tolist() == [3, 1, 2]
    assert wh.versions()["source_name"].tolist() == ["c.csv", "means.csv", "old.csv"]


def test_a_failed_upgrade_leaves_the_old_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "warehouse.duckdb"
    _old_warehouse(path)
    real = warehouse_module._create_or_upgrade

    def fail_after_counts(con: duckdb.DuckDBPyConnection, dataset: Dataset, at: Path) -> None:
        real(con, dataset, at)
        if dataset.name == "fingertips":  # counts (first) already altered in this transaction
            raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse_module, "_create_or_upgrade", fail_after_counts)
    with pytest.raises(RuntimeError, match="disk full"):
        Warehouse(path)
    assert "sd" not in _columns(path, "counts")
    monkeypatch.undo()
    assert Warehouse(path).read("counts")["numerator"].tolist() == [1, 1]


def test_a_table_not_of_this_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE counts (batch INTEGER, area_code VARCHAR, value DOUBLE)")
    con.close()
    with pytest.raises(WarehouseError) as info:
        Warehouse(path)
    assert str(info.value) == (
        f"{path}: table 'counts' has no column(s) indicator_id, period, sex, age_band, "
        "category_type, category, numerator, denominator: not a warehouse of this program "
        "(or damaged); use another file"
    )
    assert _columns(path, "counts") == ["batch", "area_code", "value"]


def test_a_batch_without_an_optional_column_stores_nulls(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load("counts", counts(1), kind="counts", source_name="a.csv", sha256="aa")
    with_sd = counts(2, ("E05011395",)).assign(sd=4.5)
    wh.load("counts", with_sd, kind="counts", source_name="b.csv", sha256="bb")
    rows = wh.read("counts").set_index("area_code")
    assert rows["sd"].to_dict() == pytest.approx(
        {"E05011395": 4.5, "E05011549": np.nan}, nan_ok=True
    )
