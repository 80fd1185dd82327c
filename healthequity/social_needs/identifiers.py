"""Direct identifiers that must never enter the template data: NHS numbers, postcodes, and
columns that hold names, dates of birth or addresses. Vectorised over a column's values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Column names (normalised: lower case, non-letters removed) that hold a direct identifier.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset(
    {
        "name", "fullname", "forename", "forenames", "firstname", "givenname", "surname",
        "lastname", "familyname", "middlename", "patientname", "dob", "dateofbirth",
        "birthdate", "birthday", "postcode", "postalcode", "address", "addressline1",
        "address1", "street", "nhsnumber", "nhsno", "nhsnum", "chinumber", "email",
        "telephone", "phone", "mobile",
    }
)  # fmt: skip
IDENTIFIER_EXPECTED = (
    "no direct identifier: columns holding names, dates of birth, addresses, postcodes or NHS "
    "numbers are refused"
)
_NHS = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")
_POSTCODE = re.compile(r"(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})", re.IGNORECASE)
_WEIGHTS = np.arange(10, 1, -1)


def normalised_name(column: str) -> str:
    """A column name reduced to lower-case letters and digits: 'Date of Birth' -> 'dateofbirth'."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


def is_identifier_column(column: str) -> bool:
    """True when a column's name says it holds a direct identifier."""
    return normalised_name(column) in IDENTIFIER_COLUMNS


def nhs_number_valid(digits: str) -> bool:
    """The NHS number modulus 11 check on 10 digits (separators ignored)."""
    text = re.sub(r"[ -]", "", digits)
    if not re.fullmatch(r"\d{10}", text):
        return False
    total = int(np.dot(_WEIGHTS, [int(c) for c in text[:9]]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(text[9])


def looks_like_nhs_number(values: pd.Series) -> pd.Series:
    """True where a cell is a 10-digit number (3-3-4 spacing allowed) passing the modulus 11
    check: an NHS number, which must never be in a pseudonymised extract."""
    text = values.astype("string").str.strip()
    shaped = text.str.fullmatch(_NHS.pattern).fillna(False).astype(bool)
    out = np.zeros(len(values), dtype=bool)
    where = np.flatnonzero(shaped.to_numpy())
    out[where] = [nhs_number_valid(str(v)) for v in text.iloc[where]]
    return pd.Series(out, index=values.index)


def looks_like_postcode(values: pd.Series) -> pd.Series:
    """True where a cell is a UK postcode (full, with or without the space)."""
    text = values.astype("string").str.strip()
    return text.str.fullmatch(_POSTCODE.pattern, case=False).fillna(False).astype(bool)


def identifier_cells(values: pd.Series) -> pd.Series:
    """Per cell: 'an NHS number', 'a postcode' or None (checked once per distinct value)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype="string")
    kind = np.full(len(distinct) + 1, None, dtype=object)  # the last entry: a missing cell
    kind[:-1][looks_like_postcode(distinct).to_numpy()] = "a postcode"
    kind[:-1][looks_like_nhs_number(distinct).to_numpy()] = "an NHS number"
    codes = np.where(codes < 0, len(distinct), codes)
    return pd.Series(kind[codes], index=values.index, dtype="object")
