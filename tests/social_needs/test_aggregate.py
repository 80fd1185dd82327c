"""Aggregation counts patients, not codes: a hand-worked example, the code masks, and the
same counts from records kept in the warehouse (aggregated inside DuckDB)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.social_needs.aggregate import aggregate, code_masks, measures
from healthequity.social_needs.store import (
    aggregate_stored,
    load_responses,
    read_responses,
    response_dates,
)
from healthequity.social_needs.synthetic import synthetic_practices, synthetic_records
from healthequity.social_needs.template import default_template
from healthequity.store.warehouse import Warehouse, WarehouseError

pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")
START, END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)


def _hand_records() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five patients at two practices (A and B at the first, C, D and E at the second).

    A: housing need (32911000) and no food need on 1 May 2024, then no housing need (SN-HOU-00)
       on 1 September: still one patient with a housing need.
    B: a fuel need and a 'no fuel need' code on the same day: asked about fuel once, one need.
    C: never asked.  D: asked only on 1 December 2023 (housing need), before the period.
    E: a food need on 31 March 2025, the period's last day (inclusive).
    """
    practices = synthetic_practices(2, per_pcn=2, seed=1)
    first, second = practices["practice_code"]
    lsoa = dict(zip(practices["practice_code"], practices["lsoa_code"], strict=True))
    rows = [
        ("A", first, "2024-05-01", "32911000"), ("A", first, "2024-05-01", "SN-FOO-00"),
        ("A", first, "2024-09-01", "SN-HOU-00"),
        ("B", first, "2024-06-01", "SN-FUE-01"), ("B", first, "2024-06-01", "SN-FUE-00"),
        ("C", second, None, None),
        ("D", second, "2023-12-01", "32911000"),
        ("E", second, "2025-03-31", "733423003"),
    ]  # fmt: skip
    records = pd.DataFrame(rows, columns=["patient_id", "practice_code", "date", "code"]).assign(
        lsoa_code=lambda f: f["practice_code"].map(lsoa),
        age_band="40-44",
        sex="Female",
        ethnic_group="White: British",
        date=lambda f: pd.to_datetime(f["date"]).astype("datetime64[s]"),
        code=lambda f: f["code"].astype("string"),
    )
    return records, practices


def _row(agg: pd.DataFrame, breakdown: str, group: str) -> dict[str, int]:
    found = agg[(agg["breakdown"] == breakdown) & (agg["group_code"] == group)]
    assert len(found) == 1, (breakdown, group)
    return {m: int(found[m].iloc[0]) for m in measures()}


def _expected(**counts: int) -> dict[str, int]:
    return {m: counts.get(m, 0) for m in measures()}


def test_patients_are_counted_once_per_measure_in_the_period() -> None:
    records, practices = _hand_records()
    agg = aggregate(records, practices, start=START, end=END)
    total = agg.loc[agg["breakdown"] == "Total", "group_code"].iloc[0]
    assert _row(agg, "Total", total) == _expected(
        registered=5, asked=3, asked_housing=1, need_housing=1, asked_food=2, need_food=1,
        asked_fuel=1, need_fuel=1,
    )  # fmt: skip
    first, second = practices["practice_code"]
    assert _row(agg, "Practice", first) == _expected(
        registered=2, asked=2, asked_housing=1, need_housing=1, asked_food=1, asked_fuel=1,
        need_fuel=1,
    )  # fmt: skip
    assert _row(agg, "Practice", second) == _expected(
        registered=3, asked=1, asked_food=1, need_food=1
    )


def test_without_a_period_every_response_counts() -> None:
    records, practices = _hand_records()
    agg = aggregate(records, practices)
    total = agg.loc[agg["breakdown"] == "Total", "group_code"].iloc[0]
    assert _row(agg, "Total", total) == _expected(
        registered=5, asked=4, asked_housing=2, need_housing=2, asked_food=2, need_food=1,
        asked_fuel=1, need_fuel=1,
    )  # fmt: skip


def test_each_code_sets_asked_its_domain_and_its_need_only_if_a_need() -> None:
    template = default_template()
    masks = code_masks(template).set_index("code")["mask"]
    n = len(template.domains)
    for j, domain in enumerate(template.domains):
        for option in domain.options:
            expected = 1 | 1 << (1 + j) | ((1 << (1 + n + j)) if option.need else 0)
            assert masks[option.code] == expected, option.code
    assert masks.index.is_unique


def test_records_in_the_warehouse_aggregate_inside_it_as_in_memory(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    practices = synthetic_practices(20, seed=2)
    older = synthetic_records(500, practices=practices, seed=4)
    newer = synthetic_records(2_000, practices=practices, seed=5)
    first = load_responses(warehouse, older, source_name="older.csv", sha256="a" * 64)
    second = load_responses(warehouse, newer, source_name="newer.csv", sha256="b" * 64)
    assert second == first + 1
    in_memory = aggregate(newer, practices, start=START, end=END)
    stored = aggregate_stored(warehouse, practices, start=START, end=END)
    pd.testing.assert_frame_equal(stored, in_memory)
    assert len(read_responses(warehouse)) == len(newer)
    dates = newer["date"].dropna()
    assert response_dates(warehouse) == (dates.min().date(), dates.max().date())
    warehouse.rollback(first)
    assert aggregate_stored(warehouse, practices)["registered"].iloc[0] == 500


def test_a_warehouse_without_records_says_how_to_ingest(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    practices = synthetic_practices(5, seed=2)
    with pytest.raises(WarehouseError, match="social-needs ingest FILE"):
        aggregate_stored(warehouse, practices)


def test_a_practice_missing_from_the_list_is_named() -> None:
    records, practices = _hand_records()
    second = str(practices["practice_code"].iloc[1])
    with pytest.raises(InputError, match=f"the records name practice {second}, which the practice"):
        aggregate(records, practices.iloc[:1])


def test_a_practice_in_two_pcns_is_refused() -> None:
    records, practices = _hand_records()
    doubled = pd.concat([practices, practices.iloc[:1].assign(pcn_code="SYNP99")])
    with pytest.raises(InputError, match="is listed in more than one PCN") as caught:
        aggregate(records, doubled)
    assert caught.value.field == "pcn_code"
