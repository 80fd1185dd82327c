"""Publications in the warehouse: a round trip, periods, rollback to the previous publication,
a table failing its disclosure audit refused with nothing stored, and `publish` storing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from healthequity.cli.app import app as cli
from healthequity.config import load_place
from healthequity.errors import InputError
from healthequity.social_needs.publications import (
    DATASET,
    period_start,
    publication_periods,
    publications,
    read_publication,
    store_publication,
    typed,
)
from healthequity.social_needs.publish import DisclosureFailure
from healthequity.store.warehouse import Warehouse, WarehouseError
from tests.social_needs.published import PERIOD, new_place, small_publication

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse.duckdb")


def _store(warehouse: Warehouse, table: pd.DataFrame) -> int:
    _, practices = small_publication()
    return store_publication(warehouse, table, practices, place=load_place())


def test_store_and_read_round_trip(warehouse: Warehouse) -> None:
    table, _ = small_publication()
    assert publication_periods(warehouse) == []
    assert _store(warehouse, table) == 1
    found = read_publication(warehouse)
    assert (found.period, found.version, found.source_name) == (
        PERIOD,
        1,
        "healthequity social-needs publish",
    )
    assert found.synthetic
    assert abs(found.published_at - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
        minutes=5
    )
    pd.testing.assert_frame_equal(found.table, typed(table))
    # suppressed counts come back missing, not as numbers
    assert found.table["count"].isna().sum() == table["count"].isna().sum() > 0
    listed = warehouse.versions()
    assert listed[["dataset", "kind", "row_count", "status", "note"]].to_dict("records") == [
        {"dataset": DATASET, "kind": "social_needs_publication", "row_count": len(table),
         "status": "active", "note": PERIOD}
    ]  # fmt: skip


def test_periods_oldest_first_and_the_latest_read_by_default(warehouse: Warehouse) -> None:
    table, _ = small_publication()
    _store(warehouse, table)
    _store(warehouse, table.assign(period="2023/24"))
    _store(warehouse, table.assign(period="2024-04-01 to 2024-09-30"))
    assert publication_periods(warehouse) == ["2023/24", "2024/25", "2024-04-01 to 2024-09-30"]
    assert read_publication(warehouse).period == "2024-04-01 to 2024-09-30"
    older = read_publication(warehouse, "2023/24")
    assert older.version == 2 and set(older.table["period"]) == {"2023/24"}
    with pytest.raises(WarehouseError) as err:
        read_publication(warehouse, "2019/20")
    assert str(err.value) == (
        "no social needs publication for period '2019/20'; published periods: "
        "2023/24, 2024/25, 2024-04-01 to 2024-09-30"
    )


def test_rollback_returns_to_the_previous_publication(tmp_path: Path) -> None:
    place = new_place(tmp_path / "place")
    warehouse = Warehouse(place / "warehouse.duckdb")
    table, _ = small_publication()
    _store(warehouse, table)
    _store(warehouse, table.assign(source="second publication"))
    assert read_publication(warehouse).version == 2
    assert set(read_publication(warehouse).table["source"]) == {"second publication"}
    result = runner.invoke(cli, ["rollback", "1", "--place", str(place)])
    assert result.exit_code == 0, result.output
    back = read_publication(warehouse)
    assert back.version == 1 and back.synthetic
    pd.testing.assert_frame_equal(back.table, typed(table))
    assert runner.invoke(cli, ["rollback", "0", "--place", str(place)]).exit_code == 0
    assert publication_periods(warehouse) == []
    with pytest.raises(WarehouseError, match=r"^no social needs publication in the warehouse"):
        read_publication(warehouse)


def test_a_table_failing_the_audit_is_refused_and_nothing_is_stored(warehouse: Warehouse) -> None:
    table, _ = small_publication()
    bad = table.copy()
    row = int(np.flatnonzero(bad["count"].notna().to_numpy())[3])
    bad.loc[row, "count"] = 3
    with pytest.raises(DisclosureFailure) as err:
        _store(warehouse, bad)
    message = str(err.value)
    assert message.startswith(
        f"the social needs table for {PERIOD} failed its disclosure audit, so nothing was stored:"
    )
    assert (
        f"row {row + 1}, column 'count': 3 is a count of 1 to 7, which must be suppressed"
        in message
    )
    # a value beside a suppressed count is refused too
    leaky = table.copy()
    hidden = int(np.flatnonzero(leaky["count"].isna().to_numpy())[0])
    leaky.loc[hidden, "value"] = 12.5
    with pytest.raises(DisclosureFailure, match=r"'value': 12\.5 is published but a count"):
        _store(warehouse, leaky)
    assert warehouse.versions().empty
    with warehouse.connect() as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert DATASET not in names


def test_only_an_indicator_table_of_one_period_is_stored(warehouse: Warehouse) -> None:
    table, _ = small_publication()
    with pytest.raises(InputError) as err:
        _store(warehouse, table.assign(asked=1))
    assert str(err.value) == (
        "published table: unexpected columns asked; only the output of indicator_table can be "
        "stored"
    )
    assert err.value.field == "asked"
    with pytest.raises(InputError, match="columns count, denominator are missing") as err:
        _store(warehouse, table.drop(columns=["count", "denominator"]))
    assert err.value.field == "count"
    mixed = table.assign(period=np.where(np.arange(len(table)) % 2, "2023/24", PERIOD))
    with pytest.raises(InputError) as err:
        _store(warehouse, mixed)
    assert (
        str(err.value) == "published table: expected rows of one period, found 2 (2023/24, 2024/25)"
    )
    assert err.value.field == "period"
    assert warehouse.versions().empty


def test_period_start() -> None:
    assert period_start("2024/25") == pd.Timestamp(2024, 4, 1)
    assert period_start("2024-01-01 to 2024-06-30") == pd.Timestamp(2024, 1, 1)
    assert period_start("no responses") is None
    assert period_start("2024/2x") is None
    assert period_start("2024/27") is None
    assert period_start("2024-02-30 to 2024-06-30") is None


def test_publish_stores_the_table_and_writes_the_file_only_when_asked(tmp_path: Path) -> None:
    place = new_place(tmp_path / "leeds")
    extract = place / "extract.csv"
    steps = [
        ["social-needs", "synthetic", str(extract), "--patients", "2000"],
        ["social-needs", "ingest", str(extract), "--synthetic", "--place", str(place)],
    ]
    for args in steps:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    period = ["--start", "2024-04-01", "--end", "2025-03-31"]
    publish = ["social-needs", "publish", "--synthetic", "--place", str(place), *period]
    result = runner.invoke(cli, publish)
    assert result.exit_code == 0, result.output
    assert "to the warehouse as version 2." in result.output  # version 1 is the ingest
    assert sorted(p.name for p in place.iterdir() if p.suffix in (".csv", ".xlsx")) == [
        "extract.csv", "social_needs_practices.csv",
    ]  # fmt: skip
    warehouse = Warehouse(place / "warehouse.duckdb")
    stored = read_publication(warehouse)
    assert stored.period == "2024/25" and stored.synthetic and stored.version == 2

    out = tmp_path / "published.csv"
    result = runner.invoke(cli, [*publish, str(out)])
    assert result.exit_code == 0, result.output
    assert f"and to {out}" in " ".join(result.output.split())
    written = pd.read_csv(out)
    again = read_publication(warehouse)
    assert again.version == 3 and len(written) == len(again.table)
    assert written["count"].equals(again.table["count"].astype("float64"))

    refused = runner.invoke(cli, [*publish, str(tmp_path / "published.txt")])
    assert refused.exit_code == 2
    assert "expected a .csv or .xlsx file name" in refused.output
    assert [int(v) for v in publications(warehouse)["version"]] == [3]
    assert len(warehouse.versions()) == 3
