"""Expected events for indirectly standardised ratios (SMR/SAR): the reference's rates applied.

An indirectly standardised ratio compares an area's observed events with those it would have
had at the reference's age-specific rates: expected = sum over cells (period, sex, age band)
of the area's population x the reference's rate in that cell. The reference is England
(``standardisation: {reference: england}``): its rate in a cell is the events / population
summed over the England rows (area E92000001, all groups) of the indicator's counts for that
cell, the method of Fingertips' Local Health ratios (England = 100).

Expected events add up like counts, so they are worked out once per count row and then summed
with the counts to any area or group: a ward, a deprivation fifth, Persons summed from Male
and Female rows (which is then standardised for age and sex, as Local Health's ratios are).
A row whose cell has no reference population while it has a population of its own has no
expected events and is refused, naming the indicator and the cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.geography.codes import ENGLAND_CODE

#: The columns that make one standardisation cell of the counts layout.
CELL = ("period", "sex", "age_band")
#: How many missing cells an error lists.
MAX_LISTED = 5


def reference_rates(
    cell: np.ndarray, numerator: np.ndarray, denominator: np.ndarray, n_cells: int
) -> np.ndarray:
    """Per cell (integer codes 0 .. n_cells - 1), the reference's events / population summed
    over its rows; NaN for a cell with no reference population."""
    events = np.bincount(cell, weights=np.nan_to_num(numerator), minlength=n_cells)
    people = np.bincount(cell, weights=np.nan_to_num(denominator), minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(people > 0, events / people, np.nan)


def expected_from_rates(rate: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's expected events (its population x its cell's reference ``rate``) and which
    rows have a population but no reference rate (their expected events are 0 and unknown)."""
    people = np.nan_to_num(np.asarray(denominator, dtype="float64"))
    missing = np.isnan(rate) & (people > 0)
    return np.where(people > 0, people * np.nan_to_num(rate), 0.0), missing


def no_reference_error(label: str) -> InputError:
    """The error for an indicator whose counts hold no England rows to standardise against."""
    return InputError(
        f"{label}: an indirectly standardised ratio needs England's counts (area {ENGLAND_CODE}, "
        "all groups) by age band as its reference (standardisation: {reference: england}); "
        "none were given",
        field="area_code",
        expected=f"rows for {ENGLAND_CODE} with the same periods, sexes and age bands",
    )


def missing_cells_error(label: str, cells: Sequence[tuple[str, str, str]]) -> InputError:
    """The error for cells (period, sex, age band) with population but no England reference."""
    shown = ", ".join(f"{p} {s} {a}" for p, s, a in cells[:MAX_LISTED])
    more = f" and {len(cells) - MAX_LISTED} more" if len(cells) > MAX_LISTED else ""
    return InputError(
        f"{label}: no England reference counts (area {ENGLAND_CODE}, all groups, population > 0) "
        f"for period, sex and age band {shown}{more}, where areas have population: the "
        "indirectly standardised ratio has no expected events there",
        field="age_band",
        expected="England rows for every period, sex and age band of the areas' counts",
    )


def _cell_codes(frame: pd.DataFrame, other: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer cell codes of two frames' (period, sex, age_band), on one shared numbering."""
    both = pd.concat([frame[list(CELL)], other[list(CELL)]], ignore_index=True)
    codes = both.astype("string").fillna("").groupby(list(CELL), sort=False).ngroup().to_numpy()
    return codes[: len(frame)], codes[len(frame) :], int(codes.max(initial=-1)) + 1


def expected_events(counts: pd.DataFrame, england: pd.DataFrame, label: str) -> pd.DataFrame:
    """``counts`` (the counts layout) with column ``expected``: each row's population x
    England's rate for its period, sex and age band, from ``england``'s rows with no category.

    Refuses (naming ``label``) counts with no England rows, or with population in a cell
    England has no population in.
    """
    for name, frame in (("counts", counts), ("england", england)):
        missing = [c for c in (*CELL, "numerator", "denominator") if c not in frame]
        if missing:
            raise InputError(
                f"{label}: {name} lacks column(s) {', '.join(missing)} for the ISR",
                field=missing[0],
                expected=", ".join((*CELL, "numerator", "denominator")),
            )
    whole = england
    if "category_type" in england:
        whole = england[england["category_type"].astype("string").fillna("") == ""]
    if whole.empty:
        raise no_reference_error(label)
    own, ref, n_cells = _cell_codes(counts, whole)
    rate = reference_rates(
        ref,
        whole["numerator"].to_numpy(dtype="float64"),
        whole["denominator"].to_numpy(dtype="float64"),
        n_cells,
    )
    expected, missing_rows = expected_from_rates(rate[own], counts["denominator"].to_numpy(float))
    if missing_rows.any():
        cells = counts.loc[missing_rows, list(CELL)].astype(str).drop_duplicates()
        raise missing_cells_error(label, list(cells.itertuples(index=False, name=None)))
    return counts.assign(expected=expected)
