"""The recovery check: the batched and torn routes against the per-block QR and a rank test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from healthequity import disclosure_solve
from healthequity.disclosure_solve import (
    BATCH_LIMIT,
    TEAR_NNZ,
    determined_cells,
    fixed_unknowns,
    fixed_unknowns_stacked,
)


def by_rank(a: np.ndarray) -> np.ndarray:
    """Brute force: unknown j is determined iff adding e_j to the rows keeps the rank."""
    rank = np.linalg.matrix_rank(a)
    eye = np.eye(a.shape[1])
    return np.array(
        [np.linalg.matrix_rank(np.vstack([a, eye[j]])) == rank for j in range(len(eye))]
    )


def per_block(rows: np.ndarray, eqs: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The former routine: a Python loop over the connected blocks, a pivoted QR for each."""
    cells, col = np.unique(rows, return_inverse=True)
    eq_ids, erow = np.unique(eqs, return_inverse=True)
    n_e, n_c = len(eq_ids), len(cells)
    graph = coo_matrix((np.ones(len(rows)), (erow, n_e + col)), shape=(n_e + n_c, n_e + n_c))
    _, label = connected_components(graph, directed=False)
    out = []
    for block in np.unique(label[erow]):
        chunk = np.flatnonzero(label[erow] == block)
        c_ids, c_local = np.unique(col[chunk], return_inverse=True)
        e_ids, e_local = np.unique(erow[chunk], return_inverse=True)
        a = np.zeros((len(e_ids), len(c_ids)))
        np.add.at(a, (e_local, c_local), coef[chunk])
        out.append(cells[c_ids[fixed_unknowns(a)]])
    return np.sort(np.concatenate(out))


def whole_system(rows: np.ndarray, eqs: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The whole system at once (no blocks): cells with a zero row in scipy's null space."""
    cells, col = np.unique(rows, return_inverse=True)
    _, erow = np.unique(eqs, return_inverse=True)
    a = np.zeros((erow.max() + 1, len(cells)))
    np.add.at(a, (erow, col), coef)
    return cells[np.abs(null_space(a)).max(axis=1, initial=0.0) < 1e-7]


def random_system(
    rng: np.random.Generator, n_clusters: int, n_long: int, cluster_max: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries (row, equation, coefficient) of clusters of 1-``cluster_max`` cells, each tied
    into one piece by a spine of three-cell sums, plus random short equations (1-4 cells, some
    repeated or negated: rank-deficient) and long equations across clusters; rows and equation
    numbers are scattered like a table's."""
    rows, eqs, coef = [], [], []
    next_cell = next_eq = 0

    def add(cells: np.ndarray, signs: np.ndarray) -> None:
        nonlocal next_eq
        rows.extend(cells.tolist())
        eqs.extend([next_eq] * len(cells))
        coef.extend(signs.tolist())
        next_eq += 1

    for _ in range(n_clusters):
        size = int(rng.integers(1, cluster_max + 1))
        cluster = np.arange(next_cell, next_cell + size)
        next_cell += size
        for start in range(0, size - 2, 2):  # a spine of three-cell sums keeps it one piece
            add(cluster[start : start + 3], rng.choice([-1, 1], size=3))
        for _ in range(int(rng.integers(0, size // 2 + 2))):
            members = rng.choice(cluster, size=min(size, int(rng.integers(1, 5))), replace=False)
            signs = rng.choice([-1, 1], size=len(members))
            add(members, signs)
            if rng.random() < 0.2:  # the same equation again, or negated
                add(members, signs * rng.choice([-1, 1]))
    for _ in range(n_long):
        members = rng.choice(next_cell, size=min(next_cell, int(rng.integers(TEAR_NNZ + 1, 40))),
                             replace=False)  # fmt: skip
        add(members, rng.choice([-1, 1], size=len(members)))
    scatter = rng.permutation(3 * next_cell)[:next_cell]  # table rows, not 0..n-1
    eq_scatter = rng.permutation(2 * next_eq)[:next_eq]
    return (
        scatter[np.array(rows, dtype=np.int64)],
        eq_scatter[np.array(eqs, dtype=np.int64)],
        np.array(coef, dtype=np.int64),
    )


# ---- worked examples -------------------------------------------------------------------------


def test_worked_example() -> None:
    # rows 3 and 5: u3 - u5 = b0 and u5 = b1 fix both; rows 7, 8, 9: u7 - u8 - u9 = b2 fixes
    # none; rows 10, 11: u10 + u11 and u10 - u11 known fix both.
    rows = np.array([3, 5, 5, 7, 8, 9, 10, 11, 10, 11])
    eqs = np.array([0, 0, 1, 2, 2, 2, 3, 3, 4, 4])
    coef = np.array([1, -1, 1, 1, -1, -1, 1, 1, 1, -1])
    assert determined_cells(rows, eqs, coef).tolist() == [3, 5, 10, 11]
    # only the blocks holding a changed entry are decided
    changed = np.isin(rows, [7, 10])
    assert determined_cells(rows, eqs, coef, changed).tolist() == [10, 11]
    assert determined_cells(rows[:0], eqs[:0], coef[:0]).tolist() == []


def chain(n: int, anchored: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """u0 - u1 = b, u1 - u2 = b, ... (n cells), plus u0 = b if anchored."""
    rows = np.repeat(np.arange(n - 1), 2) + np.tile([0, 1], n - 1)
    eqs = np.repeat(np.arange(n - 1), 2)
    coef = np.tile([1, -1], n - 1)
    if anchored:
        rows, eqs, coef = np.r_[rows, 0], np.r_[eqs, n - 1], np.r_[coef, 1]
    return rows, eqs, coef


@pytest.mark.parametrize("n", [5, BATCH_LIMIT + 10])
def test_chain_is_determined_only_when_anchored(n: int) -> None:
    """A chain: one anchor determines every cell; without it none. Both sizes, both routes."""
    assert determined_cells(*chain(n, anchored=True)).tolist() == list(range(n))
    assert determined_cells(*chain(n, anchored=False)).tolist() == []


def test_torn_block_long_equation_closes_the_pieces() -> None:
    """Twenty pairs with a known difference each (a pair can shift together) tied by long sums:
    the sum of the first members and the sum of the second members leave the shifts free as
    long as they add to zero; a third long sum, pair 0's first member plus the other pairs'
    differences, pins pair 0 alone."""
    n = 20
    first, second = np.arange(n) * 2, np.arange(n) * 2 + 1
    rows = np.c_[first, second].ravel()
    eqs = np.repeat(np.arange(n), 2)
    coef = np.tile([1, -1], n)
    # long equation A: sum of first members; long equation B: sum of second members
    rows = np.r_[rows, first, second]
    eqs = np.r_[eqs, np.full(n, n), np.full(n, n + 1)]
    coef = np.r_[coef, np.ones(2 * n, dtype=np.int64)]
    # no cell is determined: shift pair 0 up and pair 1 down by the same amount
    assert whole_system(rows, eqs, coef).tolist() == []
    assert determined_cells(rows, eqs, coef).tolist() == []
    # with the pair equations the third sum reads u0 = b: pair 0 is determined
    extra_rows = np.r_[0, first[1:], second[1:]]
    extra_coef = np.r_[1, np.ones(n - 1, dtype=np.int64), -np.ones(n - 1, dtype=np.int64)]
    rows2 = np.r_[rows, extra_rows]
    eqs2 = np.r_[eqs, np.full(len(extra_rows), n + 2)]
    coef2 = np.r_[coef, extra_coef]
    assert determined_cells(rows2, eqs2, coef2).tolist() == [0, 1]
    assert whole_system(rows2, eqs2, coef2).tolist() == [0, 1]


def test_torn_block_whose_pieces_fix_everything() -> None:
    """Twenty pairs with known sum and difference (each pair fixed by itself) tied by a long
    sum: every cell is determined, with no null vector left to tie together."""
    n = 20
    pairs = np.arange(2 * n)
    rows = np.r_[pairs, pairs, np.arange(0, 2 * n, 2)]
    eqs = np.r_[np.repeat(np.arange(n), 2), np.repeat(np.arange(n, 2 * n), 2), np.full(n, 2 * n)]
    coef = np.r_[np.ones(2 * n), np.tile([1, -1], n), np.ones(n)].astype(np.int64)
    assert determined_cells(rows, eqs, coef).tolist() == pairs.tolist()


def test_torn_route_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs tied by a long sum are decided without the per-block QR; a long chain (no long
    equation to set aside) goes to it."""
    calls: list[tuple[int, int]] = []
    real = disclosure_solve.fixed_unknowns

    def spy(a: np.ndarray) -> np.ndarray:
        calls.append(a.shape)
        return real(a)

    monkeypatch.setattr(disclosure_solve, "fixed_unknowns", spy)
    n = 20
    rows = np.r_[np.arange(2 * n), np.arange(0, 2 * n, 2)]
    eqs = np.r_[np.repeat(np.arange(n), 2), np.full(n, n)]
    coef = np.r_[np.tile([1, -1], n), np.ones(n, dtype=np.int64)]
    assert determined_cells(rows, eqs, coef).tolist() == []
    assert calls == []
    # a long chain has no long equation to set aside: the QR decides it
    assert determined_cells(*chain(BATCH_LIMIT + 10, anchored=True)).size == BATCH_LIMIT + 10
    assert calls == [(BATCH_LIMIT + 10, BATCH_LIMIT + 10)]


# ---- batched against per-block, on many random systems ----------------------------------------


def random_matrix(rng: np.random.Generator) -> np.ndarray:
    """A small {-1, 0, 1} matrix, often rank-deficient: some rows repeated, negated or summed."""
    m, n = int(rng.integers(1, 10)), int(rng.integers(1, 10))
    a = rng.choice([0.0, 0.0, 0.0, 1.0, -1.0], size=(m, n))
    for i in range(m):
        kind = rng.random()
        if i >= 1 and kind < 0.15:
            a[i] = a[rng.integers(0, i)] * rng.choice([-1.0, 1.0])
        elif i >= 2 and kind < 0.3:
            j, k = rng.choice(i, size=2, replace=False)
            a[i] = a[j] + a[k] if np.abs(a[j] + a[k]).max() <= 2 else a[j]
    return a


def test_stacked_matches_per_block_on_random_systems() -> None:
    rng = np.random.default_rng(20240517)
    mats = [random_matrix(rng) for _ in range(3000)]
    deficient = sum(np.linalg.matrix_rank(a) < min(a.shape) for a in mats)
    assert deficient > 500  # the sample does exercise rank-deficient systems
    stack = np.zeros((len(mats), 16, 16))  # padded: zero rows and zero columns
    for k, a in enumerate(mats):
        stack[k, : a.shape[0], : a.shape[1]] = a
    got = fixed_unknowns_stacked(stack)
    for k, a in enumerate(mats):
        expected = fixed_unknowns(a)
        assert got[k, : a.shape[1]].tolist() == expected.tolist(), a
        assert expected.tolist() == by_rank(a).tolist(), a
        assert not got[k, a.shape[1] :].any()  # padding columns are free


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
def test_stacked_matches_rank_test(matrix: list[list[int]]) -> None:
    a = np.array(matrix, dtype=float)
    assert fixed_unknowns_stacked(a[None])[0].tolist() == by_rank(a).tolist()


def test_edge_stacks() -> None:
    assert fixed_unknowns_stacked(np.zeros((0, 3, 4))).shape == (0, 4)
    assert fixed_unknowns_stacked(np.zeros((2, 3, 4))).tolist() == [[False] * 4] * 2
    assert fixed_unknowns_stacked(np.eye(3)[None]).tolist() == [[True] * 3]


ROUTES = {  # (clusters, long equations, largest cluster): which route the large blocks take
    "torn": ((5, 60), (1, 6), 8),
    "pieces too large: QR": ((2, 6), (1, 3), 45),
    "too many long equations: QR": ((20, 40), (BATCH_LIMIT + 1, BATCH_LIMIT + 8), 8),
}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("route", list(ROUTES))
def test_determined_cells_matches_per_block_and_rank(
    route: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random tables of clusters tied by long equations: every route agrees with the per-block
    loop and with the null space of the whole system; ``changed`` limits the blocks decided."""
    clusters, long, cluster_max = ROUTES[route]
    rng = np.random.default_rng(seed)
    rows, eqs, coef = random_system(rng, int(rng.integers(*clusters)), int(rng.integers(*long)),
                                    cluster_max)  # fmt: skip
    qr_shapes: list[tuple[int, int]] = []
    real = disclosure_solve.fixed_unknowns
    monkeypatch.setattr(
        disclosure_solve, "fixed_unknowns", lambda a: qr_shapes.append(a.shape) or real(a)
    )
    expected = per_block(rows, eqs, coef)
    qr_shapes.clear()
    assert determined_cells(rows, eqs, coef).tolist() == expected.tolist()
    assert whole_system(rows, eqs, coef).tolist() == expected.tolist()
    assert 0 < len(expected) < len(np.unique(rows))
    assert (max(map(max, qr_shapes), default=0) > BATCH_LIMIT) == route.endswith("QR")
    changed = np.isin(rows, rng.choice(rows, size=3))
    solved = np.isin(rows, determined_cells(rows, eqs, coef, changed))
    # the blocks holding a changed cell get the full answer, the others none
    cells, col = np.unique(rows, return_inverse=True)
    _, erow = np.unique(eqs, return_inverse=True)
    n_e = erow.max() + 1
    graph = coo_matrix((np.ones(len(rows)), (erow, n_e + col)), shape=(n_e + len(cells),) * 2)
    label = connected_components(graph, directed=False)[1][n_e + col]
    wanted = np.isin(label, label[changed])
    assert (solved == (wanted & np.isin(rows, expected))).all()
