"""Disclosure control: worked examples by hand, the auditor, and properties over random tables."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.disclosure import (
    DisclosureRules,
    Hierarchy,
    SiblingGroup,
    check_published,
    publish,
)
from healthequity.errors import InputError

NOTE = DisclosureRules().note_text
CITY = "E08000035"


def counts(frame: pd.DataFrame, column: str = "count") -> list[float | None]:
    """A count column as a list, None where suppressed."""
    return [None if pd.isna(v) else float(v) for v in frame[column]]


# ---- the rules ------------------------------------------------------------------------------


def test_rules_defaults_and_note() -> None:
    rules = DisclosureRules()
    assert NOTE == (
        "Suppressed for disclosure control: counts of 1 to 7, "
        "and figures that could reveal them, are not published"
    )
    x = np.array([0, 1, 7, 8, 9, 12, 13, 100, 102.0, np.nan])
    assert rules.is_small(x).tolist() == [False, True, True] + [False] * 7
    assert rules.round_counts(x)[:-1].tolist() == [0, 0, 5, 10, 10, 10, 15, 100, 100]
    assert DisclosureRules(suppress_zero=True).note_text.startswith(
        "Suppressed for disclosure control: counts of 0 to 7,"
    )
    assert DisclosureRules(suppress_zero=True).is_small(np.array([0.0, 8.0])).tolist() == [
        True,
        False,
    ]
    assert DisclosureRules(rounding=0).round_counts(np.array([13.0])).tolist() == [13.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(min_count=0), "disclosure rules: min_count 0 and max_suppressed 7; expected 1 <= min_count <= max_suppressed (zero is controlled by suppress_zero)"),
        (dict(min_count=5, max_suppressed=4), "disclosure rules: min_count 5 and max_suppressed 4; expected 1 <= min_count <= max_suppressed (zero is controlled by suppress_zero)"),
        (dict(rounding=-5), "disclosure rules: rounding -5; expected 0 (no rounding) or a positive base such as 5"),
    ],
)  # fmt: skip
def test_rules_refuse_nonsense(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        DisclosureRules(**kwargs)
    assert str(err.value) == message


# ---- worked examples ------------------------------------------------------------------------


def ward_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["E05000001", "E05000002", "E05000003", "E05000004", CITY, "E92000001"],
            "parent_code": [CITY, CITY, CITY, CITY, "E12000003", None],
            "count": [5, 40, 12, 100, 157, 90000],
            "denominator": [1000, 2000, 1500, 3000, 7500, 5_000_000],
            "value": [0.5, 2.0, 0.8, 3.333, 2.093, 1.8],
        }
    )


def test_ward_table_by_hand() -> None:
    table = ward_table()
    out = publish(table, relations=[Hierarchy(by=())])
    # ward 1 (5) is small; the smallest other member of the city's equation (ward 3, 12) goes
    # with it; England is in no equation (its region is not in the table); counts to nearest 5.
    assert counts(out) == [None, 40, None, 100, 155, 90000]
    assert counts(out, "denominator") == [1000, 2000, 1500, 3000, 7500, 5_000_000]
    assert out["value"].isna().tolist() == [True, False, True, False, False, False]
    assert out["value_note"].isna().tolist() == [False, True, False, True, True, True]
    assert (out["value_note"].iloc[[0, 2]] == NOTE).all()
    assert str(out["count"].dtype) == "Int64"
    assert check_published(out, relations=[Hierarchy(by=())]) == []


def test_fifths_with_total_by_hand() -> None:
    table = pd.DataFrame(
        {
            "sex": ["Persons"] * 6,
            "category": ["1", "2", "3", "4", "5", "Total"],
            "count": [0.0, 9, 4, 25, 30, 68],
            "denominator": [1201.0, 998, 1103, 1499, 1700, 6501],
            "value": [0.0, 0.9, 0.36, 1.67, 1.76, 1.05],
            "lower_95": [0.0, 0.5, 0.1, 1.1, 1.2, 0.8],
            "value_note": [None, None, "Provisional", None, None, None],
        }
    )
    relation = SiblingGroup(by=["sex"], member_column="category")
    out = publish(table, relations=[relation])
    # fifth 3 (4) is small; the smallest non-zero published sibling is fifth 2 (9): a zero is
    # chosen only when no non-zero sibling is left. 0 stays published as 0.
    assert counts(out) == [0, None, None, 25, 30, 70]
    assert counts(out, "denominator") == [1200, 1000, 1105, 1500, 1700, 6500]
    assert out["value"].isna().tolist() == [False, True, True, False, False, False]
    assert out["lower_95"].isna().tolist() == [False, True, True, False, False, False]
    assert out["value_note"].iloc[1] == NOTE
    assert out["value_note"].iloc[2] == f"Provisional; {NOTE}"
    assert out["value_note"].iloc[[0, 3, 4, 5]].isna().all()
    assert check_published(out, rules=DisclosureRules(), relations=[relation]) == []


def test_missing_total_is_protected_like_a_suppressed_one() -> None:
    """The symmetric case: an unknown total with every part published gives itself away."""
    table = pd.DataFrame({"category": ["a", "b", "c", "Total"], "count": [20.0, 11, 40, np.nan]})
    relation = SiblingGroup(by=(), member_column="category")
    out = publish(table, relations=[relation])
    assert counts(out) == [20, None, 40, None]
    assert out["value_note"].tolist()[1] == NOTE
    assert pd.isna(out["value_note"].iloc[3])  # missing in the input: not suppressed here


def cross_table() -> pd.DataFrame:
    rows = [
        ("Male", "A", 3), ("Male", "B", 20), ("Male", "Total", 23),
        ("Female", "A", 15), ("Female", "B", 30), ("Female", "Total", 45),
        ("Persons", "A", 18), ("Persons", "B", 50), ("Persons", "Total", 68),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["sex", "category", "count"])


CROSS = [
    SiblingGroup(by=["sex"], member_column="category", total_value="Total"),
    SiblingGroup(by=["category"], member_column="sex", total_value="Persons"),
]


def test_cross_table_cascades_across_two_relations() -> None:
    out = publish(cross_table(), relations=CROSS)
    # Male A (3) is small. Round 1: Male row needs Male B (20 < 23); column A needs Female A
    # (15 < 18). Round 2: Female row and column B both need Female B (30). Then every row and
    # column holds 0 or 2 suppressed cells and the four hidden cells keep one degree of freedom.
    assert counts(out) == [None, None, 25, None, None, 45, 20, 50, 70]
    assert out["value_note"].notna().tolist() == [True, True, False, True, True] + [False] * 4
    assert check_published(out, relations=CROSS) == []


def test_auditor_names_every_problem() -> None:
    table = cross_table().assign(value=[0.1] * 9)
    table.loc[1, "count"] = np.nan  # Male B hidden alone in its row... and in column B
    table.loc[1, "value_note"] = NOTE
    problems = check_published(table, relations=CROSS)
    assert problems == [
        "row 1, column 'count': 3 is a count of 1 to 7, which must be suppressed",
        "row 1, column 'count': 3 is not a multiple of 5",
        "row 3, column 'count': 23 is not a multiple of 5",
        "row 7, column 'count': 18 is not a multiple of 5",
        "row 9, column 'count': 68 is not a multiple of 5",
        "row 2, column 'count': the suppressed count is the only unknown in "
        "'category 'Total' = sum of the other category within each sex' (rows 1, 2, 3), "
        "so it can be recovered",
        "row 2, column 'count': the suppressed count is the only unknown in "
        "'sex 'Persons' = sum of the other sex within each category' (rows 2, 5, 8), "
        "so it can be recovered",
        "row 2, column 'value': 0.1 is published but a count in its row is suppressed",
    ]


def bridge_table() -> pd.DataFrame:
    """A 4 x 4 table with margins where every row and column hides 0 or >= 2 cells, yet the
    cell (r2, c3) joining two hidden cycles is determined by the equations together."""
    hidden = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 3)}
    grid = np.arange(1, 17).reshape(4, 4) * 10 + 7  # 17, 27, ... all large
    rows = []
    for i, j in itertools.product(range(1, 5), range(1, 5)):
        rows.append((f"r{i}", f"c{j}", np.nan if (i, j) in hidden else float(grid[i - 1, j - 1])))
    for i in range(1, 5):
        rows.append((f"r{i}", "Total", float(grid[i - 1].sum())))
    for j in range(1, 5):
        rows.append(("Total", f"c{j}", float(grid[:, j - 1].sum())))
    rows.append(("Total", "Total", float(grid.sum())))
    return pd.DataFrame(rows, columns=["r", "c", "count"])


BRIDGE = [SiblingGroup(by=["r"], member_column="c"), SiblingGroup(by=["c"], member_column="r")]


def test_combined_equations_recovery_found_and_prevented() -> None:
    table = bridge_table()
    problems = check_published(table, DisclosureRules(rounding=0), BRIDGE)
    assert problems == [
        "row 7, column 'count': the suppressed count can be recovered by combining the "
        "declared relations"
    ]
    out = publish(table, DisclosureRules(rounding=0), relations=BRIDGE)
    assert check_published(out, DisclosureRules(rounding=0), BRIDGE) == []
    # one more cell hidden: the smallest published cell of row r2 or column c3 (r1, c3: 37)
    newly = out["count"].isna() & table["count"].notna()
    assert table.loc[newly, ["r", "c"]].values.tolist() == [["r1", "c3"]]


def test_hierarchy_of_any_depth_in_one_relation() -> None:
    table = pd.DataFrame(
        {
            "area_code": ["L1", "L2", "L3", "L4", "M1", "M2", "LA"],
            "parent_code": ["M1", "M1", "M2", "M2", "LA", "LA", "E12000003"],
            "count": [3, 20, 30, 40, 23, 70, 93],
        }
    )
    out = publish(table, relations=[Hierarchy(by=())])
    # L1 (3) is small; within M1 the smaller of L2 (20) and M1 (23) goes with it; LA's
    # equation (M1 + M2) has no unknown, and L1 + L2 = M1 leaves one degree of freedom.
    assert counts(out) == [None, None, 30, 40, 25, 70, 95]


def test_sibling_group_limited_to_named_parts() -> None:
    table = pd.DataFrame({"sex": ["Male", "Female", "Persons", "Unknown"], "count": [5, 30, 35, 2]})
    relation = SiblingGroup(
        by=(), member_column="sex", total_value="Persons", parts=("Male", "Female")
    )
    out = publish(table, relations=[relation])
    assert counts(out) == [None, None, 35, None]
    assert relation.describe() == "sex 'Persons' = sum of the other sex"


# ---- input handling -------------------------------------------------------------------------


def test_input_unchanged_and_idempotent() -> None:
    table = ward_table()
    before = table.copy()
    once = publish(table, relations=[Hierarchy(by=())])
    pd.testing.assert_frame_equal(table, before)
    twice = publish(once, relations=[Hierarchy(by=())])
    pd.testing.assert_frame_equal(once, twice)


def test_without_relations_only_primary_suppression() -> None:
    out = publish(pd.DataFrame({"numerator": [2, 9], "denominator": [10, 100]}))
    assert counts(out, "numerator") == [None, 10]
    assert counts(out, "denominator") == [10, 100]
    assert out["value_note"].tolist()[0] == NOTE


def test_small_denominator_suppresses_the_value_only_in_its_row() -> None:
    out = publish(pd.DataFrame({"count": [0, 50], "denominator": [6, 200], "value": [0.0, 0.25]}))
    assert counts(out) == [0, 50]
    assert counts(out, "denominator") == [None, 200]
    assert out["value"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        ({"count": [1, -2, 3.5, "x"]}, {}, "disclosure control: bad counts; column 'count': row 4 ('x'); expected counts as numbers; column 'count': rows 2 (-2), 3 (3.5); expected counts as whole numbers >= 0"),
        ({"n": [1]}, {}, "publish: the table has no count column; name them with count_columns"),
        ({"count": [1]}, dict(value_columns=["rate"]), "value_columns: columns 'rate' are not in the table"),
        ({"count": [1]}, dict(relations=[SiblingGroup(by=["sex"], member_column="category")]), "relations: columns 'category', 'sex' are not in the table"),
        ({"c": ["a", "a", "Total"], "count": [10, 10, 20]}, dict(relations=[SiblingGroup(by=(), member_column="c")]), "relation 'c 'Total' = sum of the other c': rows 1, 2 repeat the same c; expected one row per member of a group"),
    ],
)  # fmt: skip
def test_refuses_bad_input(frame: dict, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        publish(pd.DataFrame(frame), **kwargs)
    assert str(err.value) == message


# ---- properties over generated tables -------------------------------------------------------

SEXES = ["Male", "Female"]


@st.composite
def cross_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Wards x sex x category cells with random small counts, and every margin: sex totals
    (Persons), category totals (Total) and the city, so relations cross three ways."""
    n_wards = draw(st.integers(1, 3))
    n_cats = draw(st.integers(1, 4))
    wards = [f"E0500000{i}" for i in range(n_wards)]
    cats = [f"g{i}" for i in range(n_cats)]
    cell = st.one_of(st.integers(0, 9), st.integers(0, 40))
    base = {(w, s, c): draw(cell) for w, s, c in itertools.product(wards, SEXES, cats)}
    areas, sexes, categories = [*wards, CITY], [*SEXES, "Persons"], [*cats, "Total"]

    def total(w: str, s: str, c: str) -> int:
        ws = wards if w == CITY else [w]
        ss = SEXES if s == "Persons" else [s]
        cs = cats if c == "Total" else [c]
        return sum(base[k] for k in itertools.product(ws, ss, cs))

    rows = [
        (w, CITY if w != CITY else "E12000003", s, c, total(w, s, c))
        for w, s, c in itertools.product(areas, sexes, categories)
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "parent_code", "sex", "category", "count"])
    order = draw(st.permutations(range(len(frame))))
    frame = frame.iloc[list(order)].reset_index(drop=True)
    frame["denominator"] = frame["count"] * 10 + 100
    frame["value"] = frame["count"] / frame["denominator"]
    return frame, wards, cats


RELATIONS = [
    SiblingGroup(by=["area_code", "sex"], member_column="category", total_value="Total"),
    SiblingGroup(by=["area_code", "category"], member_column="sex", total_value="Persons"),
    Hierarchy(by=["sex", "category"]),
]


def equations(
    frame: pd.DataFrame, wards: list[str], cats: list[str]
) -> list[list[tuple[int, int]]]:
    """Every additive equation of the table, built independently: [(row, +1 total / -1 part)]."""
    at = {(r.area_code, r.sex, r.category): i for i, r in enumerate(frame.itertuples(index=False))}
    areas, sexes, categories = [*wards, CITY], [*SEXES, "Persons"], [*cats, "Total"]
    eqs = []
    for a, s in itertools.product(areas, sexes):
        eqs.append([(at[a, s, "Total"], 1)] + [(at[a, s, c], -1) for c in cats])
    for a, c in itertools.product(areas, categories):
        eqs.append([(at[a, "Persons", c], 1)] + [(at[a, s, c], -1) for s in SEXES])
    for s, c in itertools.product(sexes, categories):
        eqs.append([(at[CITY, s, c], 1)] + [(at[w, s, c], -1) for w in wards])
    return eqs


def recoverable_by_one_equation(hidden: np.ndarray, eqs: list[list[tuple[int, int]]]) -> set[int]:
    """Brute force: the cells that are the only unknown of some equation."""
    found = set()
    for eq in eqs:
        unknown = [r for r, _ in eq if hidden[r]]
        if len(unknown) == 1:
            found.add(unknown[0])
    return found


def recoverable_by_combining(hidden: np.ndarray, eqs: list[list[tuple[int, int]]]) -> set[int]:
    """The cells whose unit vector lies in the row space of the equations on the hidden cells."""
    cols = np.flatnonzero(hidden)
    if cols.size == 0:
        return set()
    index = {int(r): k for k, r in enumerate(cols)}
    a = np.zeros((len(eqs), len(cols)))
    for i, eq in enumerate(eqs):
        for r, coef in eq:
            if hidden[r]:
                a[i, index[r]] += coef
    rank = np.linalg.matrix_rank(a)
    found = set()
    for r, k in index.items():
        unit = np.zeros((1, len(cols)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.add(r)
    return found


@settings(max_examples=100, deadline=None)
@given(cross_tables())
def test_no_published_table_reveals_a_suppressed_count(
    generated: tuple[pd.DataFrame, list[str], list[str]],
) -> None:
    table, wards, cats = generated
    before = table.copy()
    out = publish(table, relations=RELATIONS)
    pd.testing.assert_frame_equal(table, before)
    assert check_published(out, relations=RELATIONS) == []

    eqs = equations(table, wards, cats)
    x = table["count"].to_numpy(dtype=float)
    for col in ["count", "denominator"]:
        hidden = out[col].isna().to_numpy()
        assert not recoverable_by_one_equation(hidden, eqs)
        assert not recoverable_by_combining(hidden, eqs)
    hidden = out["count"].isna().to_numpy()
    small = (x >= 1) & (x <= 7)
    assert hidden[small].all()
    shown = out["count"].dropna().to_numpy(dtype=float)
    assert (shown % 5 == 0).all()
    assert (shown == np.floor(x[~hidden] / 5 + 0.5) * 5).all()
    assert out.loc[hidden, "value"].isna().all()
    assert (out.loc[hidden, "value_note"] == NOTE).all()
    untouched = ~out["count"].isna() & ~out["denominator"].isna()
    assert out.loc[untouched, "value"].tolist() == table.loc[untouched, "value"].tolist()
    assert out.loc[untouched, "value_note"].isna().all()


@st.composite
def grids_with_gaps(draw: st.DrawFn) -> pd.DataFrame:
    """A rows x columns table with both margins, random counts and random missing cells: the
    gaps make patterns (like the bridge) that only the combined equations give away."""
    n_r, n_c = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 30), min_size=n_r * n_c, max_size=n_r * n_c)
    grid = np.array(draw(cells)).reshape(n_r, n_c)
    gaps = st.lists(st.booleans(), min_size=n_r * n_c, max_size=n_r * n_c)
    missing = np.array(draw(gaps)).reshape(n_r, n_c)
    rows = [
        (f"r{i}", f"c{j}", np.nan if missing[i, j] else float(grid[i, j]))
        for i, j in itertools.product(range(n_r), range(n_c))
    ]
    rows += [(f"r{i}", "Total", float(grid[i].sum())) for i in range(n_r)]
    rows += [("Total", f"c{j}", float(grid[:, j].sum())) for j in range(n_c)]
    rows.append(("Total", "Total", float(grid.sum())))
    return pd.DataFrame(rows, columns=["r", "c", "count"])


@settings(max_examples=200, deadline=None)
@given(grids_with_gaps())
def test_no_cell_recoverable_by_combining_rows_and_columns(table: pd.DataFrame) -> None:
    out = publish(table, relations=BRIDGE)
    assert check_published(out, relations=BRIDGE) == []
    at = {(r, c): i for i, (r, c) in enumerate(zip(table["r"], table["c"], strict=True))}
    rs = sorted({r for r in table["r"] if r != "Total"})
    cs = sorted({c for c in table["c"] if c != "Total"})
    eqs = [[(at[r, "Total"], 1)] + [(at[r, c], -1) for c in cs] for r in [*rs, "Total"]]
    eqs += [[(at["Total", c], 1)] + [(at[r, c], -1) for r in rs] for c in [*cs, "Total"]]
    hidden = out["count"].isna().to_numpy()
    assert not recoverable_by_one_equation(hidden, eqs)
    assert not recoverable_by_combining(hidden, eqs)
    assert hidden[table["count"].isna().to_numpy()].all()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda m: st.integers(1, 8).flatmap(
            lambda n: st.lists(
                st.lists(st.sampled_from([0, 0, 0, 1, -1]), min_size=n, max_size=n),
                min_size=m,
                max_size=m,
            )
        )
    )
)
def test_determined_unknowns_match_the_rank_test(matrix: list[list[int]]) -> None:
    """The pivoted-QR test used by publish agrees with a plain rank test, unknown by unknown."""
    from healthequity.disclosure import _fixed_unknowns

    a = np.array(matrix, dtype=float)
    rank = np.linalg.matrix_rank(a)
    expected = [
        np.linalg.matrix_rank(np.vstack([a, np.eye(a.shape[1])[k]])) == rank
        for k in range(a.shape[1])
    ]
    assert _fixed_unknowns(a).tolist() == expected
