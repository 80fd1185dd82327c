"""Disclosure control: the single gate every published table passes through.

``publish`` returns the publishable copy of a table: small counts suppressed (primary), every
value computed from a suppressed count blanked with a value note, the remaining counts rounded,
and enough further cells suppressed (secondary) that no suppressed count can be worked out from
the published ones. Analysts' internal tables keep the full figures: they simply do not call
``publish``, and ``publish`` never changes its input.

What is guaranteed, for every count column and every declared relation (``SiblingGroup``,
``Hierarchy``), treating every published count as if it were exact (rounding is extra cover):

- no equation of a relation (total = sum of its parts) has exactly one unknown cell, so no
  suppressed count is the total minus its published siblings, or the sum of published parts;
- no suppressed count is determined by any combination of the declared equations (adding and
  subtracting whole rows and columns of a cross table, across relations): the cell is checked
  against the null space of the equations restricted to the unknown cells.

Not guaranteed: bounds (a suppressed count can be narrowed to an interval using the fact that
counts are non-negative), relations that were not declared, and values computed across rows
(gaps, SII) from suppressed counts. Values in published rows are left as computed (from the
unrounded counts). Every missing count is treated as a protected cell.

Secondary cells are chosen smallest first, non-zero before zero, ties by row order; one note
marks primary and secondary suppression alike, as is usual in official statistics: telling them
apart would tell a reader which hidden cells are small, and narrow them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from healthequity.disclosure_solve import determined_cells
from healthequity.disclosure_solve import fixed_unknowns as _fixed_unknowns  # noqa: F401 (tests)
from healthequity.errors import InputError, describe_rows

__all__ = [
    "DEFAULT_COUNT_COLUMNS",
    "DEFAULT_VALUE_COLUMNS",
    "DisclosureRules",
    "Hierarchy",
    "Relation",
    "SiblingGroup",
    "check_published",
    "publish",
]

#: Count columns used when none are named (those present in the table).
DEFAULT_COUNT_COLUMNS: tuple[str, ...] = ("count", "numerator", "denominator")
#: Columns computed from the counts, blanked when a count in their row is suppressed.
DEFAULT_VALUE_COLUMNS: tuple[str, ...] = (
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "compared_to_england",
    "compared_to_percentiles",
    "compared_to_goal",
)


@dataclass(frozen=True)
class DisclosureRules:
    """The suppression and rounding rules: by default counts 1-7 suppressed, others to nearest 5."""

    min_count: int = 1
    max_suppressed: int = 7
    suppress_zero: bool = False
    rounding: int = 5
    note: str = (
        "Suppressed for disclosure control: counts of {low} to {high}, "
        "and figures that could reveal them, are not published"
    )

    def __post_init__(self) -> None:
        if not 1 <= self.min_count <= self.max_suppressed:
            raise InputError(
                f"disclosure rules: min_count {self.min_count} and max_suppressed "
                f"{self.max_suppressed}; expected 1 <= min_count <= max_suppressed "
                "(zero is controlled by suppress_zero)",
                field="min_count",
                expected="1 <= min_count <= max_suppressed",
            )
        if self.rounding < 0:
            raise InputError(
                f"disclosure rules: rounding {self.rounding}; expected 0 (no rounding) or a "
                "positive base such as 5",
                field="rounding",
                expected=">= 0",
            )

    @property
    def note_text(self) -> str:
        """The value note placed on every suppressed row."""
        low = 0 if self.suppress_zero else self.min_count
        return self.note.format(low=low, high=self.max_suppressed)

    def is_small(self, counts: np.ndarray) -> np.ndarray:
        """Which counts must be suppressed (NaN is not small: it is already unknown)."""
        x = np.asarray(counts, dtype="float64")
        small = (x >= self.min_count) & (x <= self.max_suppressed)
        if self.suppress_zero:
            small |= x == 0
        return small

    def round_counts(self, counts: np.ndarray) -> np.ndarray:
        """Counts rounded to the nearest multiple of ``rounding`` (halves up); 0 leaves them."""
        x = np.asarray(counts, dtype="float64")
        if self.rounding == 0:
            return x
        return np.floor(x / self.rounding + 0.5) * self.rounding


@dataclass(frozen=True)
class SiblingGroup:
    """Rows equal on ``by`` form a group whose ``total_value`` row (in ``member_column``) is the
    sum of the other rows: fifths of a place, Male + Female = Persons, ethnic groups of a total.

    ``parts`` limits the parts to these member values (None: every other row of the group).
    """

    by: tuple[str, ...]
    member_column: str
    total_value: Any = "Total"
    parts: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "by", _as_tuple(self.by))
        if self.parts is not None:
            object.__setattr__(self, "parts", tuple(self.parts))

    def describe(self) -> str:
        """A short readable name for messages."""
        by = f" within each {', '.join(self.by)}" if self.by else ""
        return (
            f"{self.member_column} {self.total_value!r} = sum of the other {self.member_column}{by}"
        )

    def columns(self) -> list[str]:
        """Columns the relation reads."""
        return [*self.by, self.member_column]

    def entries(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, equation, coefficient) triples: +1 for the total, -1 for each part."""
        member = table[self.member_column]
        is_total = (member == self.total_value).fillna(False).to_numpy(dtype=bool)
        in_parts = member.isin(self.parts) if self.parts is not None else member.notna()
        is_part = ~is_total & in_parts.to_numpy(dtype=bool)
        group = _group_ids(table, self.by)
        _refuse_duplicates(table, self.columns(), is_total | is_part, self.describe())
        n_groups = int(group.max()) + 1 if len(group) else 0
        valid = (np.bincount(group[is_total], minlength=n_groups) == 1) & (
            np.bincount(group[is_part], minlength=n_groups) >= 1
        )
        rows = np.flatnonzero((is_total | is_part) & valid[group])
        return rows, group[rows], np.where(is_total[rows], 1, -1)


@dataclass(frozen=True)
class Hierarchy:
    """Among rows equal on ``by``, a row is the sum of the rows whose ``parent_column`` holds its
    ``code_column``: wards sum to the city, LSOAs to their MSOA (any depth, in one relation)."""

    by: tuple[str, ...]
    code_column: str = "area_code"
    parent_column: str = "parent_code"

    def __post_init__(self) -> None:
        object.__setattr__(self, "by", _as_tuple(self.by))

    def describe(self) -> str:
        """A short readable name for messages."""
        by = f" within each {', '.join(self.by)}" if self.by else ""
        return f"{self.code_column} = sum of the rows whose {self.parent_column} is it{by}"

    def columns(self) -> list[str]:
        """Columns the relation reads."""
        return [*self.by, self.code_column, self.parent_column]

    def entries(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, equation, coefficient) triples: the equation of a parent row is its row number."""
        keys = list(self.by)
        pos = np.arange(len(table))
        parts = table[keys].assign(_link=table[self.parent_column].to_numpy(), _part=pos)
        totals = table[keys].assign(_link=table[self.code_column].to_numpy(), _total=pos)
        parts = parts[parts["_link"].notna()]
        totals = totals[totals["_link"].notna()]
        pairs = parts.merge(totals, on=[*keys, "_link"], how="inner")
        pairs = pairs[pairs["_part"] != pairs["_total"]]
        involved = np.zeros(len(table), dtype=bool)
        involved[pairs["_part"].to_numpy()] = True
        involved[pairs["_total"].to_numpy()] = True
        _refuse_duplicates(table, [*keys, self.code_column], involved, self.describe())
        part_rows = pairs["_part"].to_numpy(dtype=np.int64)
        total_rows = np.unique(pairs["_total"].to_numpy(dtype=np.int64))
        rows = np.concatenate([total_rows, part_rows])
        eqs = np.concatenate([total_rows, pairs["_total"].to_numpy(dtype=np.int64)])
        coef = np.concatenate([np.ones(len(total_rows)), -np.ones(len(part_rows))])
        return rows, eqs, coef.astype(np.int64)


Relation = SiblingGroup | Hierarchy


@dataclass(frozen=True)
class _Equations:
    """Every declared equation as sparse entries: ``rows[k]`` is in equation ``eqs[k]``."""

    rows: np.ndarray
    eqs: np.ndarray
    coef: np.ndarray
    relation: np.ndarray  # the relation index of each equation
    n_eq: int


def _as_tuple(by: Any) -> tuple[str, ...]:
    return (by,) if isinstance(by, str) else tuple(by)


def _group_ids(table: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    if not by:
        return np.zeros(len(table), dtype=np.int64)
    return table.groupby(list(by), dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)


def _refuse_duplicates(
    table: pd.DataFrame, columns: list[str], involved: np.ndarray, relation: str
) -> None:
    dup = table.duplicated(subset=columns, keep=False).to_numpy(dtype=bool) & involved
    if dup.any():
        rows = np.flatnonzero(dup) + 1
        raise InputError(
            f"relation '{relation}': {describe_rows(rows)} repeat the same "
            f"{', '.join(columns)}; expected one row per member of a group",
            field=columns[-1],
            rows=rows.tolist(),
            expected="one row per member of a group",
        )


def _equations(table: pd.DataFrame, relations: Sequence[Relation]) -> _Equations:
    """Compile the relations into one set of equations, numbered across relations."""
    missing = sorted({c for r in relations for c in r.columns()} - set(table.columns))
    if missing:
        raise InputError(
            f"relations: columns {', '.join(map(repr, missing))} are not in the table",
            field=missing[0],
            expected=f"one of {', '.join(map(str, table.columns))}",
        )
    rows, eqs, coef, rel = [], [], [], []
    offset = 0
    for i, relation in enumerate(relations):
        r, e, c = relation.entries(table)
        ids, local = np.unique(e, return_inverse=True)
        rows.append(r)
        eqs.append(local + offset)
        coef.append(c)
        rel.append(np.full(len(ids), i))
        offset += len(ids)
    if not relations:
        empty = np.zeros(0, dtype=np.int64)
        return _Equations(empty, empty, empty, empty, 0)
    return _Equations(
        np.concatenate(rows).astype(np.int64),
        np.concatenate(eqs).astype(np.int64),
        np.concatenate(coef).astype(np.int64),
        np.concatenate(rel).astype(np.int64),
        offset,
    )


def _counts(table: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """The count columns as floats (NaN where missing); negative, fractional or text refused."""
    out: dict[str, np.ndarray] = {}
    lines: list[str] = []
    for col in columns:
        raw = table[col]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad_text = np.isnan(num) & raw.notna().to_numpy(dtype=bool)
        bad_num = ~np.isnan(num) & ((num < 0) | (num != np.floor(num)))
        for mask, expected in ((bad_text, "numbers"), (bad_num, "whole numbers >= 0")):
            if mask.any():
                rows = np.flatnonzero(mask)
                lines.append(
                    f"column {col!r}: {describe_rows(rows + 1, raw.to_numpy()[rows])}; "
                    f"expected counts as {expected}"
                )
        out[col] = num
    if lines:
        raise InputError(
            "disclosure control: bad counts; " + "; ".join(lines),
            field=columns[0],
            expected="counts as whole numbers >= 0",
        )
    return out


def _resolve(
    table: pd.DataFrame, given: Sequence[str] | None, default: Sequence[str], what: str
) -> list[str]:
    if given is None:
        return [c for c in default if c in table.columns]
    missing = [c for c in given if c not in table.columns]
    if missing:
        raise InputError(
            f"{what}: columns {', '.join(map(repr, missing))} are not in the table",
            field=missing[0],
            expected=f"one of {', '.join(map(str, table.columns))}",
        )
    return list(given)


def _unknowns_per_equation(hidden: np.ndarray, eq: _Equations) -> np.ndarray:
    return np.bincount(eq.eqs, weights=hidden[eq.rows], minlength=eq.n_eq).astype(np.int64)


def _pick_smallest(
    targets: np.ndarray, entry_eqs: np.ndarray, eq: _Equations, hidden: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """For each target, the smallest published cell (non-zero first) of its equations.

    ``targets[k]`` wants a cell from equation ``entry_eqs[k]``; returns the rows to hide.
    """
    want = pd.DataFrame({"target": targets, "eq": entry_eqs})
    open_ = ~hidden[eq.rows]
    cand = pd.DataFrame({"eq": eq.eqs[open_], "row": eq.rows[open_]})
    pairs = want.merge(cand, on="eq", how="inner")
    if pairs.empty:
        return np.zeros(0, dtype=np.int64)
    value = x[pairs["row"].to_numpy()]
    pairs = pairs.assign(zero=value == 0, value=value)
    pairs = pairs.sort_values(["target", "zero", "value", "row"], kind="stable")
    return np.unique(pairs.drop_duplicates("target")["row"].to_numpy(dtype=np.int64))


def _determined(
    hidden: np.ndarray, eq: _Equations, changed: np.ndarray | None = None
) -> np.ndarray:
    """Rows of hidden cells whose value follows from the equations and the published cells.

    Decided per connected block of hidden cells and their equations, small blocks in batches
    (``healthequity.disclosure_solve``); with ``changed``, only blocks holding a changed cell.
    """
    on = hidden[eq.rows]
    rows = eq.rows[on]
    return determined_cells(
        rows, eq.eqs[on], eq.coef[on], None if changed is None else changed[rows]
    )


def _protect(hidden: np.ndarray, x: np.ndarray, eq: _Equations) -> np.ndarray:
    """Secondary suppression: hide more cells, round by round, until none can be recovered."""
    hidden = hidden.copy()
    changed: np.ndarray | None = None  # the first check solves every block
    while True:
        before = hidden.copy()
        while True:  # one round: every equation with a single unknown gets a second one
            lone = np.flatnonzero(_unknowns_per_equation(hidden, eq) == 1)
            if lone.size == 0:
                break
            picks = _pick_smallest(lone, lone, eq, hidden, x)
            if picks.size == 0:
                break
            hidden[picks] = True
        if changed is not None:
            changed |= hidden & ~before
        fixed = _determined(hidden, eq, changed)
        if fixed.size == 0:
            return hidden
        in_fixed = np.isin(eq.rows, fixed)
        picks = _pick_smallest(eq.rows[in_fixed], eq.eqs[in_fixed], eq, hidden, x)
        if picks.size == 0:  # every cell around them is hidden already: nothing more to do
            return hidden
        changed = np.zeros(len(hidden), dtype=bool)
        changed[picks] = True
        hidden[picks] = True


def publish(
    table: pd.DataFrame,
    rules: DisclosureRules | None = None,
    *,
    relations: Sequence[Relation] = (),
    count_columns: Sequence[str] | None = None,
    value_columns: Sequence[str] | None = None,
    note_column: str = "value_note",
) -> pd.DataFrame:
    """The publishable copy of ``table``: small counts and everything that would reveal them
    suppressed (with a value note), other counts rounded. The input is left unchanged.

    ``relations`` declares the additive structure (totals and their parts) that secondary
    suppression protects. Count columns default to those of ``DEFAULT_COUNT_COLUMNS`` present,
    value columns to those of ``DEFAULT_VALUE_COLUMNS`` present.
    """
    rules = rules or DisclosureRules()
    counts_cols = _resolve(table, count_columns, DEFAULT_COUNT_COLUMNS, "count_columns")
    if not counts_cols:
        raise InputError(
            "publish: the table has no count column; name them with count_columns",
            field="count_columns",
            expected=f"one of {', '.join(DEFAULT_COUNT_COLUMNS)}",
        )
    values_cols = _resolve(table, value_columns, DEFAULT_VALUE_COLUMNS, "value_columns")
    counts = _counts(table, counts_cols)
    eq = _equations(table, relations)
    out = table.copy()
    suppressed_row = np.zeros(len(table), dtype=bool)
    for col, x in counts.items():
        missing = np.isnan(x)
        # many small factorisations: BLAS threads only add overhead (measured 10x slower)
        with threadpool_limits(limits=1, user_api="blas"):
            hidden = _protect(missing | rules.is_small(x), x, eq)
        suppressed_row |= hidden & ~missing
        published = np.where(hidden, np.nan, rules.round_counts(x))
        series = pd.Series(published, index=out.index, name=col)
        integer = pd.api.types.is_integer_dtype(table[col].dtype)
        out[col] = series.astype("Int64") if integer else series
    mask = pd.Series(suppressed_row, index=out.index)
    for col in values_cols:
        out[col] = out[col].mask(mask)
    out[note_column] = _add_note(out, note_column, suppressed_row, rules.note_text)
    return out


def _add_note(out: pd.DataFrame, column: str, rows: np.ndarray, note: str) -> pd.Series:
    """The note column with ``note`` added (after any note already there) on ``rows``."""
    if column in out.columns:
        old = out[column].astype("object")
    else:
        old = pd.Series([None] * len(out), index=out.index, dtype="object")
    has_old = old.notna().to_numpy(dtype=bool) & (old.astype(str).str.strip() != "").to_numpy()
    joined = np.where(has_old, old.astype(str) + "; " + note, note)
    return pd.Series(np.where(rows, joined, old.to_numpy()), index=out.index, dtype="str")


def check_published(
    table: pd.DataFrame,
    rules: DisclosureRules | None = None,
    relations: Sequence[Relation] = (),
    *,
    count_columns: Sequence[str] | None = None,
    value_columns: Sequence[str] | None = None,
    note_column: str = "value_note",
) -> list[str]:
    """Audit a table about to be published; an empty list means it passes.

    Finds visible small counts, counts not rounded, values published beside a suppressed count,
    and suppressed (missing) counts that a declared relation, alone or combined with the others,
    gives away. Rows are numbered from 1 (the first data row).
    """
    rules = rules or DisclosureRules()
    counts_cols = _resolve(table, count_columns, DEFAULT_COUNT_COLUMNS, "count_columns")
    values_cols = _resolve(table, value_columns, DEFAULT_VALUE_COLUMNS, "value_columns")
    counts = _counts(table, counts_cols)
    eq = _equations(table, relations)
    descriptions = [r.describe() for r in relations]
    low = 0 if rules.suppress_zero else rules.min_count
    problems: list[str] = []
    any_missing = np.zeros(len(table), dtype=bool)
    for col, x in counts.items():
        hidden = np.isnan(x)
        any_missing |= hidden
        for r in np.flatnonzero(rules.is_small(x)):
            problems.append(
                f"row {r + 1}, column {col!r}: {x[r]:g} is a count of {low} to "
                f"{rules.max_suppressed}, which must be suppressed"
            )
        if rules.rounding:
            off = ~hidden & (np.mod(np.nan_to_num(x), rules.rounding) != 0)
            for r in np.flatnonzero(off):
                problems.append(
                    f"row {r + 1}, column {col!r}: {x[r]:g} is not a multiple of {rules.rounding}"
                )
        lone = np.flatnonzero(_unknowns_per_equation(hidden, eq) == 1)
        order = np.argsort(eq.eqs, kind="stable")
        bounds = np.searchsorted(eq.eqs[order], np.arange(eq.n_eq + 1))
        reported: set[int] = set()
        for e in lone:
            members = eq.rows[order[bounds[e] : bounds[e + 1]]]
            cell = int(members[hidden[members]][0])
            reported.add(cell)
            listed = ", ".join(str(m + 1) for m in sorted(members))
            problems.append(
                f"row {cell + 1}, column {col!r}: the suppressed count is the only unknown in "
                f"'{descriptions[eq.relation[e]]}' (rows {listed}), so it can be recovered"
            )
        with threadpool_limits(limits=1, user_api="blas"):
            determined = _determined(hidden, eq)
        for cell in determined:
            if int(cell) not in reported:
                problems.append(
                    f"row {cell + 1}, column {col!r}: the suppressed count can be recovered by "
                    "combining the declared relations"
                )
    if note_column in table.columns:
        noted = table[note_column].astype("object").fillna("").astype(str)
        any_missing &= noted.str.contains(rules.note_text, regex=False).to_numpy(dtype=bool)
    for col in values_cols:
        for r in np.flatnonzero(any_missing & table[col].notna().to_numpy(dtype=bool)):
            value = table[col].iloc[r]
            value = value.item() if isinstance(value, np.generic) else value
            problems.append(
                f"row {r + 1}, column {col!r}: {value!r} is published but a count "
                "in its row is suppressed"
            )
    return problems
