"""The warehouse: atomic versioned batches, provenance, reading as of a version, rollback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.store.warehouse import Warehouse, WarehouseError


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
