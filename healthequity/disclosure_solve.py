"""The recovery check of disclosure control: which hidden cells the declared equations determine.

Restricted to the hidden cells, the equations read ``A @ u = b`` (``b`` from the published
cells). A hidden cell ``j`` is determined when every solution agrees on it: when the unit vector
``e_j`` lies in the row space of ``A``, equivalently when every null-space vector of ``A`` has a
zero ``j``-th component. Cells linked through shared equations form blocks, decided apart.

Tables make many tiny blocks and a few large ones (the Leeds indicator set: 26,731 blocks, all
but 252 of at most 32 equations and 32 cells, the largest ~800 x 1,300). Three routes, no Python
loop over small blocks:

- small blocks (at most ``BATCH_LIMIT`` equations and cells): stacked with zero rows added to a
  power-of-two count, one stacked SVD per shape (``fixed_unknowns_stacked``);
- large blocks whose long equations (more than ``TEAR_NNZ`` hidden cells: a city over its MSOAs
  or wards) tie together small pieces: the pieces' null spaces come from the stacked SVD, and
  the long equations (at most ``BATCH_LIMIT`` of them) are then imposed on those null spaces
  together, one small matrix per block (``_torn``);
- any other large block: a pivoted QR of its own (``fixed_unknowns``).

Every route counts a singular value (diagonal entry of R) as zero below ``RANK_TOL`` times the
largest (at least 1) and calls a cell determined when its unit vector is within ``NULL_TOL`` of
the row space (the QR route: its row of ``inv(r11) @ r12`` below ``NULL_TOL``). The matrices hold
small integers, whose non-zero singular values are far from zero (Leeds: the smallest non-zero
above 0.7, the largest zero below 1e-14), so the routes agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.linalg import qr, solve_triangular
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "BATCH_LIMIT",
    "NULL_TOL",
    "RANK_TOL",
    "TEAR_NNZ",
    "determined_cells",
    "fixed_unknowns",
    "fixed_unknowns_stacked",
]

#: Singular values (diagonal entries of R) below this times the largest (at least 1) are zero.
RANK_TOL = 1e-9
#: A cell is determined when its unit vector is closer than this to the row space.
NULL_TOL = 1e-7
#: Largest block (equations or cells) decided in a stack, and most long equations set aside in
#: a large block. Measured per matrix, a stacked SVD costs 2 us at 4x4, 7 us at 8x8, 25 us at
#: 16x16 and 90 us at 32x32, one per-block QR call 20-30 us up to 32x32 (plus ~20 us to build
#: the block) and 70 us at 64x64: stacking wins clearly up to 16, blocks of 17-32 are few
#: (~300 on Leeds), and beyond 32 the SVD costs several times the QR.
BATCH_LIMIT = 32
#: An equation over more hidden cells than this is set aside when a large block is torn apart
#: (Leeds: setting aside at most 3 such equations a block splits 234 of its 252 large blocks
#: into pieces of at most ``BATCH_LIMIT``; the rest go to the QR).
TEAR_NNZ = 8


def fixed_unknowns(a: np.ndarray) -> np.ndarray:
    """Which unknowns of ``a @ u = b`` are determined: zero in every null-space vector.

    From a pivoted QR, ``a[:, piv] = q @ [[r11, r12], [0, 0]]``: the null space is spanned by
    ``[-inv(r11) @ r12; I]``, so a pivot unknown is determined when its row of ``inv(r11) @ r12``
    is zero, and a free unknown never is.
    """
    r_mat, piv = qr(a, mode="r", pivoting=True)
    diag = np.abs(np.diag(r_mat))
    rank = int((diag > RANK_TOL * max(1.0, float(diag[0]))).sum()) if diag.size else 0
    fixed = np.zeros(a.shape[1], dtype=bool)
    if rank == a.shape[1]:
        fixed[:] = True
    elif rank > 0:
        coeff = solve_triangular(r_mat[:rank, :rank], r_mat[:rank, rank:])
        fixed[piv[:rank]] = np.abs(coeff).max(axis=1) < NULL_TOL
    return fixed


def _svd_null(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a (k, m, n) stack: ``vt`` (k, n, n) from the full SVD and which of its rows (k, n)
    span the null space (those past the rank)."""
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = (s > RANK_TOL * np.maximum(1.0, s[:, :1])).sum(axis=1)
    return vt, np.arange(a.shape[2])[None, :] >= rank[:, None]


def fixed_unknowns_stacked(a: np.ndarray) -> np.ndarray:
    """``fixed_unknowns`` for a stack of systems ``a[k] @ u = b`` at once: a (k, n) mask.

    The squared distance of ``e_j`` to the row space is the sum of squares of column ``j`` of
    the null-space rows of ``vt`` (nothing subtracted from 1, so no cancellation). Zero rows and
    columns added as padding change neither the null space nor the answer for the other columns
    (a zero column is free: never determined).
    """
    k, m, n = a.shape
    if k == 0 or m == 0 or n == 0:
        return np.zeros((k, n), dtype=bool)
    vt, null = _svd_null(a)
    distance2 = np.einsum("kij,ki->kj", vt * vt, null.astype(np.float64))
    return distance2 < NULL_TOL**2


def _rank_within(group: np.ndarray, n_groups: int) -> np.ndarray:
    """Position of each item among the items of its group, in item order."""
    order = np.argsort(group, kind="stable")
    sizes = np.bincount(group, minlength=n_groups)
    starts = np.cumsum(sizes) - sizes
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - starts[group[order]]
    return rank


def _sections(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items sorted by ``key``: (order, distinct keys, start of each key's run, then the end)."""
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    return order, keys, np.append(starts, len(key))


def _run(
    order: np.ndarray, keys: np.ndarray, bounds: np.ndarray, key: int | np.integer
) -> np.ndarray:
    """The items of ``key`` from ``_sections`` (none if it has none)."""
    i = int(np.searchsorted(keys, key))
    if i == len(keys) or keys[i] != key:
        return order[:0]
    return order[bounds[i] : bounds[i + 1]]


@dataclass(frozen=True)
class _Blocks:
    """Equations and cells split into connected blocks, each numbered within its block.

    Entry ``i`` puts cell ``entry_cell[i]`` in equation ``entry_eq[i]`` with ``coef[i]``; a cell
    in no entry is a block of its own (no equation: free).
    """

    entry_eq: np.ndarray
    entry_cell: np.ndarray
    coef: np.ndarray
    eq_block: np.ndarray
    cell_block: np.ndarray
    entry_block: np.ndarray
    eq_local: np.ndarray
    cell_local: np.ndarray
    n_eq: np.ndarray  # equations per block
    n_cell: np.ndarray  # cells per block

    @classmethod
    def of(
        cls, entry_eq: np.ndarray, entry_cell: np.ndarray, coef: np.ndarray, n_e: int, n_c: int
    ) -> _Blocks:
        """Split ``n_e`` equations (each in some entry) and ``n_c`` cells into blocks."""
        graph = coo_matrix(
            (np.ones(len(entry_eq)), (entry_eq, n_e + entry_cell)), shape=(n_e + n_c, n_e + n_c)
        )
        n, label = connected_components(graph, directed=False)
        eq_block, cell_block = label[:n_e], label[n_e:]
        return cls(
            entry_eq,
            entry_cell,
            coef,
            eq_block,
            cell_block,
            eq_block[entry_eq],
            _rank_within(eq_block, n),
            _rank_within(cell_block, n),
            np.bincount(eq_block, minlength=n),
            np.bincount(cell_block, minlength=n),
        )

    def stacks(
        self, chosen: np.ndarray
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """The chosen (small) blocks' matrices, one stack per shape, rows zero-padded to a power
        of two: yields (stack, its blocks, the cells of its blocks, each cell's place in it)."""
        rows = 1 << np.ceil(np.log2(np.maximum(self.n_eq, 1))).astype(np.int64)
        key = np.where(chosen, rows * (BATCH_LIMIT + 1) + self.n_cell, -1)
        e_order, e_keys, e_bounds = _sections(key[self.entry_block])
        c_order, c_keys, c_bounds = _sections(key[self.cell_block])
        for k in c_keys[c_keys >= 0]:
            cells = _run(c_order, c_keys, c_bounds, k)
            blocks, cell_slot = np.unique(self.cell_block[cells], return_inverse=True)
            stack = np.zeros((len(blocks), k // (BATCH_LIMIT + 1), k % (BATCH_LIMIT + 1)))
            entries = _run(e_order, e_keys, e_bounds, k)
            slot = np.searchsorted(blocks, self.entry_block[entries])
            at = (
                slot,
                self.eq_local[self.entry_eq[entries]],
                self.cell_local[self.entry_cell[entries]],
            )
            np.add.at(stack, at, self.coef[entries])
            yield stack, blocks, cells, cell_slot


def determined_cells(
    rows: np.ndarray, eqs: np.ndarray, coef: np.ndarray, changed: np.ndarray | None = None
) -> np.ndarray:
    """Sorted rows of the hidden cells that the equations determine.

    ``rows[i]`` is a hidden cell in equation ``eqs[i]`` with coefficient ``coef[i]`` (entries on
    published cells left out). With ``changed`` (a mask over the entries), only the blocks
    holding a changed entry are decided.
    """
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64)
    cells, col = np.unique(rows, return_inverse=True)
    eq_ids, erow = np.unique(eqs, return_inverse=True)
    top = _Blocks.of(erow, col, coef.astype(np.float64), len(eq_ids), len(cells))
    wanted = np.ones(len(top.n_eq), dtype=bool)
    if changed is not None:
        wanted[:] = False
        wanted[top.entry_block[changed]] = True
    small = np.maximum(top.n_eq, top.n_cell) <= BATCH_LIMIT
    fixed = np.zeros(len(cells), dtype=bool)
    for stack, _, mine, slot in top.stacks(wanted & small):
        fixed[mine] = fixed_unknowns_stacked(stack)[slot, top.cell_local[mine]]
    large = wanted & ~small
    if large.any():
        torn = _torn(top, large, fixed)
        e_order, e_keys, e_bounds = _sections(top.entry_block)
        c_order, c_keys, c_bounds = _sections(top.cell_block)
        for block in np.flatnonzero(large & ~torn):  # one QR per block left
            entries = _run(e_order, e_keys, e_bounds, block)
            mine = _run(c_order, c_keys, c_bounds, block)
            a = np.zeros((int(top.n_eq[block]), int(top.n_cell[block])))
            at = (top.eq_local[top.entry_eq[entries]], top.cell_local[top.entry_cell[entries]])
            np.add.at(a, at, top.coef[entries])
            fixed[mine] = fixed_unknowns(a)[top.cell_local[mine]]
    return cells[fixed]


def _torn(top: _Blocks, large: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Decide the large blocks that fall apart into small pieces once their long equations are
    set aside; sets ``fixed`` for their cells and returns which blocks it decided.

    With ``D`` the other equations (the pieces) and ``C`` the long ones, null(A) is the part of
    null(D) that ``C`` keeps at zero: with ``N`` an orthonormal basis of null(D) (block-diagonal,
    from the pieces' stacked SVD) and ``W`` one of the row space of ``M = C @ N`` (at most
    ``BATCH_LIMIT`` rows), ``N @ null(M)`` is one of null(A), and the squared distance of
    ``e_j`` to the row space of ``A`` is ``|N[j] - (N[j] @ W) @ W.T|^2``, computed as written
    (no difference of near-equal squares).
    """
    n_top = len(top.n_eq)
    long_eq = np.bincount(top.entry_eq, minlength=len(top.eq_block)) > TEAR_NNZ
    n_long = np.bincount(top.eq_block[long_eq], minlength=n_top)
    pieces, piece_cells, parent = _pieces(top, large, long_eq)
    biggest = np.zeros(n_top, dtype=np.int64)
    np.maximum.at(biggest, parent, np.maximum(pieces.n_eq, pieces.n_cell))
    torn = large & (n_long >= 1) & (n_long <= BATCH_LIMIT) & (biggest <= BATCH_LIMIT)
    if not torn.any():
        return torn
    cell, coord, value, n_coord = _null_basis(pieces, parent, torn, n_top)
    cell = piece_cells[cell]
    n_order, n_keys, n_bounds = _sections(top.cell_block[cell])
    long_local = np.full(len(top.eq_block), -1)
    long_local[long_eq] = _rank_within(top.eq_block[long_eq], n_top)
    on_long = np.flatnonzero(long_eq[top.entry_eq] & torn[top.entry_block])
    l_order, l_keys, l_bounds = _sections(top.entry_block[on_long])
    c_order, c_keys, c_bounds = _sections(top.cell_block)
    for block in np.flatnonzero(torn):  # one small matrix product and SVD per torn block
        mine = _run(c_order, c_keys, c_bounds, block)
        if n_coord[block] == 0:  # the pieces alone determine every cell
            fixed[mine] = True
            continue
        n_mat = np.zeros((int(top.n_cell[block]), int(n_coord[block])))
        at = _run(n_order, n_keys, n_bounds, block)
        n_mat[top.cell_local[cell[at]], coord[at]] = value[at]
        c_mat = np.zeros((int(n_long[block]), int(top.n_cell[block])))
        entries = on_long[_run(l_order, l_keys, l_bounds, block)]
        at_c = (long_local[top.entry_eq[entries]], top.cell_local[top.entry_cell[entries]])
        np.add.at(c_mat, at_c, top.coef[entries])
        _, s, vt = np.linalg.svd(c_mat @ n_mat, full_matrices=False)
        w = vt[: int((s > RANK_TOL * max(1.0, float(s[0]))).sum())].T
        residual = n_mat - (n_mat @ w) @ w.T
        distance2 = np.einsum("ij,ij->i", residual, residual)
        fixed[mine] = distance2[top.cell_local[mine]] < NULL_TOL**2
    return torn


def _pieces(
    top: _Blocks, large: np.ndarray, long_eq: np.ndarray
) -> tuple[_Blocks, np.ndarray, np.ndarray]:
    """The large blocks' cells split by their equations other than the long ones: (the pieces,
    the top-level cell of each piece cell, the top-level block of each piece)."""
    piece_cells = np.flatnonzero(large[top.cell_block])
    cell_id = np.full(len(top.cell_block), -1)
    cell_id[piece_cells] = np.arange(len(piece_cells))
    keep = large[top.entry_block] & ~long_eq[top.entry_eq]
    eq_nodes, eq_id = np.unique(top.entry_eq[keep], return_inverse=True)
    pieces = _Blocks.of(
        eq_id, cell_id[top.entry_cell[keep]], top.coef[keep], len(eq_nodes), len(piece_cells)
    )
    parent = np.zeros(len(pieces.n_eq), dtype=np.int64)
    parent[pieces.cell_block] = top.cell_block[piece_cells]
    return pieces, piece_cells, parent


def _null_basis(
    pieces: _Blocks, parent: np.ndarray, torn: np.ndarray, n_top: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The entries of ``N`` for the torn blocks, one coordinate per null vector of a piece:
    (piece cell, coordinate within its top-level block, value, coordinates per top block)."""
    n_null = np.zeros(len(pieces.n_eq), dtype=np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for stack, blocks, mine, slot in pieces.stacks(torn[parent]):
        vt, null = _svd_null(stack)
        n_null[blocks] = null.sum(axis=1)
        reps = n_null[blocks][slot]  # each cell has a value on each null vector of its piece
        cell = np.repeat(mine, reps)
        step = np.arange(len(cell)) - np.repeat(np.cumsum(reps) - reps, reps)
        row = stack.shape[2] - np.repeat(reps, reps) + step  # null rows are the last rows
        parts.append((cell, step, vt[np.repeat(slot, reps), row, pieces.cell_local[cell]]))
    coord_block = parent[np.repeat(np.arange(len(n_null)), n_null)]
    coord_local = _rank_within(coord_block, n_top)
    cell = np.concatenate([p[0] for p in parts])
    first = (np.cumsum(n_null) - n_null)[pieces.cell_block[cell]]
    coord = coord_local[first + np.concatenate([p[1] for p in parts])]
    value = np.concatenate([p[2] for p in parts])
    return cell, coord, value, np.bincount(coord_block, minlength=n_top)
