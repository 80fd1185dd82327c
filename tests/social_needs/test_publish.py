"""Publication: with many small cells, no table alone or with the others reveals a small count.

Checked twice: by healthequity.disclosure.check_published with the declared relations, and by an
independent brute-force attack -- every published count taken as exact, all the declared sums
of all tables together, and each hidden count minimised and maximised by linear programming
(non-negative counts): a count is revealed when its minimum equals its maximum.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from healthequity.config import load_place
from healthequity.disclosure import Relation, check_published
from healthequity.social_needs.aggregate import BREAKDOWNS, aggregate
from healthequity.social_needs.publish import (
    count_relations,
    counts_table,
    indicator_table,
    published_counts,
)
from healthequity.social_needs.synthetic import synthetic_practices, synthetic_records


@cache
def small_cells() -> tuple[pd.DataFrame, pd.DataFrame]:
    """3,000 patients over 30 practices: most practice, ward and group cells are small."""
    practices = synthetic_practices(30, per_pcn=4, seed=3)
    records = synthetic_records(3_000, practices=practices, seed=11)
    return aggregate(records, practices), practices


def test_the_aggregate_sums_to_the_total_in_every_breakdown() -> None:
    agg, _ = small_cells()
    sums = agg.groupby("breakdown").sum(numeric_only=True)
    assert list(agg["breakdown"].unique()) == list(BREAKDOWNS)
    total = sums.loc[["Total"]].to_numpy()
    for name in BREAKDOWNS:
        assert (sums.loc[[name]].to_numpy() == total).all(), name
    assert sums.loc["Total", "registered"] == 3_000


def test_many_cells_are_small_and_every_published_table_passes_the_audit() -> None:
    agg, practices = small_cells()
    place = load_place()
    raw = counts_table(agg)
    assert ((raw["count"] >= 1) & (raw["count"] <= 7)).sum() > 200
    table = indicator_table(agg, practices, period="2024/25", place=place)
    for breakdown in [None, *BREAKDOWNS]:
        part = table if breakdown is None else table[table["breakdown"].isin([breakdown, "Total"])]
        framed, relations = count_relations(
            part.reset_index(drop=True), place, practices, ("indicator_id",)
        )
        assert (
            check_published(
                framed, None, relations, count_columns=["count", "denominator", "registered"]
            )
            == []
        )
    shown = table[["count", "denominator", "registered"]].to_numpy(dtype="float64", na_value=np.nan)
    visible = shown[~np.isnan(shown)]
    assert not ((visible >= 1) & (visible <= 7)).any()
    assert (visible % 5 == 0).all()
    assert table["value"].isna().sum() > 100  # suppression really happened


def _equations(frame: pd.DataFrame, relations: list[Relation]) -> list[tuple[list[int], list[int]]]:
    """Every declared sum as (rows with +1, rows with -1), from the relations' own columns."""
    out = []
    for rel in relations:
        rows, eqs, coef = rel.entries(frame)
        for e in np.unique(eqs):
            sel = eqs == e
            out.append((rows[sel & (coef > 0)].tolist(), rows[sel & (coef < 0)].tolist()))
    return out


def test_a_brute_force_attack_on_all_tables_together_recovers_no_hidden_count() -> None:
    agg, practices = small_cells()
    place = load_place()
    exact = counts_table(agg)
    safe = published_counts(agg, practices, place=place)
    framed, relations = count_relations(safe, place, practices, ("measure",))
    truth = exact["count"].to_numpy(dtype="float64")
    hidden = safe["count"].isna().to_numpy()
    assert hidden.sum() > 100
    unknown = {int(r): i for i, r in enumerate(np.flatnonzero(hidden))}
    rows_a, rhs = [], []
    for plus, minus in _equations(framed, relations):
        row = np.zeros(len(unknown))
        b = 0.0
        r: int
        for r, sign in [*((p, 1) for p in plus), *((m, -1) for m in minus)]:
            if r in unknown:
                row[unknown[r]] += sign
            else:
                b -= sign * truth[r]  # the attacker knows published counts exactly (worst case)
        if row.any():
            rows_a.append(row)
            rhs.append(b)
    a_eq, b_eq = np.array(rows_a), np.array(rhs, dtype="float64")
    revealed = []
    for r, i in unknown.items():
        if not 1 <= truth[r] <= 7:
            continue
        c = np.zeros(len(unknown))
        c[i] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status == 0
        assert low.fun is not None and high.fun is not None
        if abs(low.fun + high.fun) < 1e-6:
            revealed.append((r, truth[r]))
    assert revealed == []


@pytest.mark.parametrize("bad", ["Practice", "Ward"])
def test_the_audit_catches_a_table_published_without_secondary_suppression(bad: str) -> None:
    agg, practices = small_cells()
    place = load_place()
    table = indicator_table(agg, practices, period="2024/25", place=place)
    exact = counts_table(agg).set_index(["breakdown", "group_code", "measure"])["count"]
    leak = table.copy()
    rows = (leak["indicator_id"] == "sn-need-food") & (leak["breakdown"] == bad)
    rows &= leak["count"].isna()
    pos = leak.index[rows][0]
    leak.loc[pos, "count"] = int(exact[(bad, leak.loc[pos, "group_code"], "need_food")])
    framed, relations = count_relations(leak, place, practices, ("indicator_id",))
    assert check_published(framed, None, relations, count_columns=["count"]) != []
