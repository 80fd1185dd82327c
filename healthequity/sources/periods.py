"""Time periods of tidy counts: a year (2023), a financial year (2023/24), pooled years (2021-23).

Parsed and checked a whole column at a time; a file must use one period format per indicator.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

EXPECTED = "a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23"

# A year 1900-2099, then optionally '/' or '-' (spaces allowed around it) and a two-digit year.
_PATTERN = r"^(?P<start>(?:19|20)\d\d)(?:\s*(?P<sep>[/-])\s*(?P<end>\d\d))?$"


class PeriodKind(StrEnum):
    """The three period formats."""

    YEAR = "year"
    FINANCIAL_YEAR = "financial year"
    POOLED = "pooled range"


#: How each format is described in a message, with an example.
EXAMPLES: dict[PeriodKind, str] = {
    PeriodKind.YEAR: "a year like 2023",
    PeriodKind.FINANCIAL_YEAR: "a financial year like 2023/24",
    PeriodKind.POOLED: "a pooled range like 2021-23",
}


def parse_periods(text: pd.Series) -> pd.DataFrame:
    """Per period: the canonical form (spaces removed), its kind, and what is wrong (or None).

    Returns columns ``period``, ``kind`` and ``problem``; ``period`` and ``kind`` are NA where
    ``problem`` is set. A financial year must end in the next year; a pooled range must end
    after it starts.
    """
    text = text.astype("string").str.strip()
    parts = text.str.extract(_PATTERN)
    matched = parts["start"].notna().to_numpy()
    start = pd.to_numeric(parts["start"], errors="coerce").to_numpy(dtype=float)
    end_yy = pd.to_numeric(parts["end"], errors="coerce").to_numpy(dtype=float)
    end = start - start % 100 + end_yy
    sep = parts["sep"].fillna("").to_numpy(dtype=object)
    fy = matched & (sep == "/")
    pooled = matched & (sep == "-")
    bad_fy = fy & (end_yy != (start + 1) % 100)
    bad_pooled = pooled & ~(end > start)

    problem = pd.Series(None, index=text.index, dtype=object)
    problem[~matched] = EXPECTED
    problem[bad_fy] = "a financial year ending in the next year, like 2023/24"
    problem[bad_pooled] = "a pooled range that ends after it starts, like 2021-23"

    kind = np.select(
        [fy, pooled, matched], [PeriodKind.FINANCIAL_YEAR, PeriodKind.POOLED, PeriodKind.YEAR], ""
    )
    ok = problem.isna().to_numpy()
    canonical = parts["start"] + np.where(sep == "", "", sep) + parts["end"].fillna("")
    return pd.DataFrame(
        {
            "period": canonical.where(ok),
            "kind": pd.Series(kind, index=text.index, dtype="string").where(ok),
            "problem": problem,
        },
        index=text.index,
    )


def mixed_formats(indicator: pd.Series, kind: pd.Series) -> pd.DataFrame:
    """Rows whose period format differs from the usual one of their indicator.

    The usual format is the most common one (the first seen wins a tie). Rows with a missing
    indicator or kind are ignored. Returns, for each offending row (same index), the column
    ``usual`` (the indicator's usual kind) and ``example`` (the first row position using it).
    """
    frame = pd.DataFrame({"indicator": indicator, "kind": kind, "pos": np.arange(len(kind))})
    frame = frame[frame["indicator"].notna() & frame["kind"].notna()]
    if frame.empty:
        return pd.DataFrame({"usual": [], "example": []}, dtype=object)
    groups = (
        frame.groupby(["indicator", "kind"], sort=False, observed=True)["pos"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["indicator", "size", "min"], ascending=[True, False, True])
    )
    usual = groups.drop_duplicates("indicator").set_index("indicator")
    usual = usual.rename(columns={"kind": "usual", "min": "example"})[["usual", "example"]]
    merged = frame.join(usual, on="indicator")
    odd = merged[merged["kind"] != merged["usual"]]
    return odd[["usual", "example"]]
