"""GSS area codes: which area type a code names, and vectorised checks of code columns."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows


class AreaType(StrEnum):
    """The area types the system works with, named as Fingertips users know them."""

    LSOA = "LSOA"
    MSOA = "MSOA"
    WARD = "Ward"
    LOCAL_AUTHORITY = "Local authority"
    REGION = "Region"
    ENGLAND = "England"


#: GSS entity prefix -> area type (E06 unitary, E07 non-metropolitan, E08 metropolitan, E09 London).
PREFIXES: dict[str, AreaType] = {
    "E01": AreaType.LSOA,
    "E02": AreaType.MSOA,
    "E05": AreaType.WARD,
    "E06": AreaType.LOCAL_AUTHORITY,
    "E07": AreaType.LOCAL_AUTHORITY,
    "E08": AreaType.LOCAL_AUTHORITY,
    "E09": AreaType.LOCAL_AUTHORITY,
    "E12": AreaType.REGION,
    "E92": AreaType.ENGLAND,
}

ENGLAND_CODE = "E92000001"
_PATTERN = r"^E\d{8}$"


def area_type(code: str) -> AreaType:
    """The area type of one GSS code; an InputError for a malformed or unknown code."""
    bad = code_problems(pd.Series([code]))
    if pd.notna(bad.iloc[0]):
        raise InputError(f"area code {code!r}: {bad.iloc[0]}", field="area_code", values=[code])
    return PREFIXES[code[:3]]


def code_problems(codes: pd.Series, allowed: set[AreaType] | None = None) -> pd.Series:
    """Per code, None if valid, else what is wrong (vectorised over the column)."""
    text = codes.astype("string")
    malformed = ~text.str.fullmatch(_PATTERN).fillna(False).astype(bool)
    prefix = text.str.slice(0, 3)
    known = prefix.isin(list(PREFIXES)).fillna(False).astype(bool)
    types = prefix.map(lambda p: PREFIXES.get(p) if isinstance(p, str) else None)
    problems = pd.Series(None, index=codes.index, dtype=object)
    problems[~known] = "unknown GSS entity (expected one of " + ", ".join(PREFIXES) + ")"
    problems[malformed] = "malformed (expected 'E' and 8 digits, such as E01011264)"
    problems[codes.isna().to_numpy()] = "missing"
    if allowed is not None:
        wrong = known & ~malformed & ~types.isin(list(allowed)).fillna(False).astype(bool)
        names = ", ".join(sorted(str(a) for a in allowed))
        problems[wrong.to_numpy()] = f"not an area of type {names}"
    return problems


def check_codes(
    codes: pd.Series, *, field: str = "area_code", allowed: set[AreaType] | None = None
) -> None:
    """Raise one InputError naming every row with a malformed, unknown or disallowed code."""
    problems = code_problems(codes, allowed)
    bad = problems.notna().to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad) + 1
        first = problems[bad].iloc[0]
        raise InputError(
            f"column {field!r}: bad area codes at {describe_rows(rows, codes[bad])}: {first}",
            field=field,
            rows=rows.tolist(),
            expected="GSS codes such as E01011264",
            values=codes[bad].tolist(),
        )
