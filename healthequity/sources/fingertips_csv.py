"""Fingertips-format CSV: read and validate a whole file, load it atomically, write one back out.

The columns are Fingertips' own (healthequity.schema.FINGERTIPS_COLUMNS). Every problem in a
file is collected, column by column and vectorised, and raised together as one FileRejected;
nothing is loaded from a rejected file. Rows are numbered as the user sees them: the CSV line
(header = line 1, first data row = line 2; a quoted cell spanning lines is not counted).

Two Fingertips quirks are accepted: the sub-national comparison column is named after the parent
area type ('Compared to Region value or percentiles'), and the all_data export can repeat a row
that differs only in its parent (England is written once as the nation and once as the parent);
such repeats are dropped, while rows that share a key but disagree in a value are rejected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from healthequity.errors import FileRejected, InputError, Problem
from healthequity.geography.codes import code_problems
from healthequity.schema import (
    FINGERTIPS_COLUMNS,
    KEY_COLUMNS,
    NUMERIC_COLUMNS,
    REQUIRED_COLUMNS,
    TIDY_COLUMNS,
    TIDY_TO_FINGERTIPS,
    fingertips_name,
)
from healthequity.store.warehouse import Warehouse, sha256_of

#: GSS entities Fingertips publishes beyond the ones the geography layer works with.
FINGERTIPS_EXTRA_PREFIXES: dict[str, str] = {
    "E10": "County",
    "E11": "Metropolitan county",
    "E38": "Sub-ICB location",
    "E40": "NHS region",
    "E47": "Combined authority",
    "E54": "Integrated care board",
}
#: NHS ODS codes Fingertips uses as area codes: GP practices (B86001) and PCNs (U12345).
_ODS_CODE = r"[A-Z]\d{5}"

MISSING = "a value (the cell is empty)"
EXPECTED: dict[str, str] = {
    "indicator_id": "a whole-number Fingertips indicator ID, such as 90366",
    "area_code": "a GSS area code such as E08000035 (or a GP practice code such as B86001)",
    "number": "a number, or an empty cell",
    "count": "a count of zero or more",
    "denominator": "a denominator of zero or more",
}
_MUST_HAVE_VALUE = ("indicator_id", "area_code", "sex", "age", "time_period")
_ORDER = {tidy: i for i, tidy in enumerate(TIDY_COLUMNS)}
_INTERVALS = (("lower_95", "upper_95"), ("lower_99_8", "upper_99_8"))

Flag = tuple[str, np.ndarray, pd.Series, str]
Source = str | Path | IO[bytes] | IO[str]


def read_fingertips_csv(path: str | Path) -> pd.DataFrame:
    """Read a Fingertips-format CSV file into the ``fingertips`` layout, checking every row.

    Raises FileRejected listing every problem (nothing partial is returned).
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise FileRejected(name, [Problem(name, None, None, None, "an existing file")])
    return parse_fingertips_csv(path, name)


def parse_fingertips_csv(source: Source, name: str) -> pd.DataFrame:
    """Parse Fingertips CSV text (a path or an open file) named ``name`` in messages."""
    raw, rows = read_cells(source, name)
    return validate_fingertips(raw, name, rows=rows)


def validate_fingertips(
    raw: pd.DataFrame,
    file: str,
    *,
    rows: np.ndarray | None = None,
    numeric_ids: bool = True,
) -> pd.DataFrame:
    """Check a frame of Fingertips columns (cells as text); return it in the ``fingertips`` layout.

    ``rows`` numbers each row as the user sees it (default: CSV lines, starting at 2);
    ``numeric_ids=False`` accepts indicator IDs of our own (non-Fingertips sources).
    """
    raw = raw.rename(columns=lambda c: fingertips_name(str(c))).reset_index(drop=True)
    rows = 2 + np.arange(len(raw)) if rows is None else np.asarray(rows)
    problems = _column_problems(raw, file)
    if problems:
        raise FileRejected(file, problems)
    text = _text_frame(raw)
    numbers = {c: _numbers(text[c]) for c in NUMERIC_COLUMNS}
    problems = _problems(_cell_flags(text, numbers, numeric_ids), rows, file)
    tidy = _typed(text, numbers)
    keep = ~_repeats(tidy)
    tidy, rows = tidy[keep].reset_index(drop=True), rows[keep]
    problems += _duplicate_problems(tidy, rows, file)
    if problems:
        raise FileRejected(file, sorted(problems, key=_position))
    return tidy


def load_fingertips(warehouse: Warehouse, path: str | Path) -> int:
    """Validate a whole Fingertips CSV, then load it as one atomic batch; return its version."""
    frame = read_fingertips_csv(path)
    name = str(path)
    if frame.empty:
        raise FileRejected(name, [Problem(name, None, None, None, "at least one data row")])
    return warehouse.load(
        "fingertips", frame, kind="fingertips", source_name=name, sha256=sha256_of(path)
    )


def write_fingertips_csv(
    frame: pd.DataFrame, path: str | Path, *, extra_columns: Mapping[str, str] | None = None
) -> None:
    """Write a frame in the ``fingertips`` layout as a Fingertips CSV (exact names and order).

    ``extra_columns`` (our column -> heading) are written after Fingertips' own, as text.

    Missing optional columns are written empty. Numbers are written with up to 15 significant
    digits and no spurious '.0' (1234, 78.2), as Fingertips does. The file is replaced atomically.
    """
    required = [FINGERTIPS_COLUMNS[c] for c in REQUIRED_COLUMNS]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"cannot write a Fingertips CSV: columns {', '.join(missing)} missing",
            field=", ".join(missing),
            expected="the fingertips layout (healthequity.schema.TIDY_COLUMNS)",
        )
    out = pd.DataFrame(index=range(len(frame)))
    for tidy, heading in TIDY_TO_FINGERTIPS.items():
        column = (
            frame[tidy].reset_index(drop=True)
            if tidy in frame.columns
            else pd.Series(np.nan, index=out.index)
        )
        if tidy in NUMERIC_COLUMNS:
            try:
                out[heading] = pd.to_numeric(column).astype("float64")
            except (ValueError, TypeError):
                raise InputError(
                    f"cannot write a Fingertips CSV: column {tidy} holds values that are not "
                    "numbers",
                    field=tidy,
                    expected="numbers (or missing values)",
                ) from None
        else:
            out[heading] = _as_text(column)
    for tidy, heading in (extra_columns or {}).items():
        out[heading] = _as_text(frame[tidy].reset_index(drop=True))
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        out.to_csv(
            temporary, index=False, lineterminator="\n", encoding="utf-8", float_format="%.15g"
        )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def area_code_problems(codes: pd.Series) -> pd.Series:
    """Per code, None if Fingertips could publish it, else what is wrong (vectorised).

    GSS codes the geography layer knows, the extra GSS entities Fingertips uses (counties,
    sub-ICBs, ICBs, NHS regions, combined authorities) and NHS ODS practice / PCN codes pass.
    """
    text = codes.astype("string").str.strip()
    text = text.mask(text == "")
    problems = code_problems(text)
    extra = text.str.fullmatch(r"E\d{8}") & text.str.slice(0, 3).isin(
        list(FINGERTIPS_EXTRA_PREFIXES)
    )
    ods = text.str.fullmatch(_ODS_CODE)
    problems[(extra | ods).fillna(False).astype(bool).to_numpy()] = None
    return problems


def read_cells(
    source: str | Path | IO[bytes] | IO[str], name: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The cells as text (empty string for an empty cell) and each row's CSV line number."""
    try:
        raw = pd.read_csv(
            source,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except pd.errors.EmptyDataError:
        raise FileRejected(
            name, [Problem(name, None, None, None, "a CSV file with a header row")]
        ) from None
    except UnicodeDecodeError:
        raise FileRejected(name, [Problem(name, None, None, None, "UTF-8 text")]) from None
    except pd.errors.ParserError as err:
        found = re.search(r"line (\d+)", str(err))
        row = int(found.group(1)) if found else None
        raise FileRejected(
            name, [Problem(name, row, None, None, f"a well-formed CSV file ({err})")]
        ) from None
    rows = 2 + np.arange(len(raw))
    if len(raw):
        blank = (raw.isna() | (raw.apply(lambda col: col.str.strip()) == "")).all(axis=1)
        raw, rows = raw[~blank.to_numpy()].reset_index(drop=True), rows[~blank.to_numpy()]
    return raw, rows


def _column_problems(raw: pd.DataFrame, file: str) -> list[Problem]:
    """Missing required columns and columns given twice (checked before any row)."""
    problems = [
        Problem(file, None, column, None, f"a column named {column!r}")
        for column in REQUIRED_COLUMNS
        if column not in raw.columns
    ]
    twice = raw.columns[raw.columns.duplicated()].unique()
    problems += [Problem(file, None, str(c), None, "each column once") for c in twice]
    return problems


def _text_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Every column of the layout as stripped text, missing (NaN) where empty or absent."""
    columns = {}
    for heading, tidy in FINGERTIPS_COLUMNS.items():
        if heading in raw.columns:
            values = raw[heading].astype("str").str.strip()
            columns[tidy] = values.mask(values == "")
        else:
            columns[tidy] = pd.Series(np.nan, index=raw.index, dtype="str")
    return pd.DataFrame(columns, index=raw.index)


def _cell_flags(text: pd.DataFrame, numbers: dict[str, pd.Series], numeric_ids: bool) -> list[Flag]:
    """Every check of every cell: (column, bad rows, values shown, expected)."""
    empty = text.isna()
    flags: list[Flag] = [(c, empty[c].to_numpy(), text[c], MISSING) for c in _MUST_HAVE_VALUE]
    ids = text["indicator_id"]
    whole = ids.str.fullmatch(r"\d+").fillna(False).astype(bool)
    bad_id = ~empty["indicator_id"] & ~whole & numeric_ids
    flags.append(("indicator_id", bad_id.to_numpy(), ids, EXPECTED["indicator_id"]))
    bad_code = area_code_problems(text["area_code"]).notna() & ~empty["area_code"]
    flags.append(("area_code", bad_code.to_numpy(), text["area_code"], EXPECTED["area_code"]))
    for column in NUMERIC_COLUMNS:
        number = numbers[column]
        bad = ~empty[column] & (number.isna() | np.isinf(number))
        flags.append((column, bad.to_numpy(), text[column], EXPECTED["number"]))
    for column in ("count", "denominator"):
        negative = (numbers[column] < 0).to_numpy()
        flags.append((column, negative, text[column], EXPECTED[column]))
    value = numbers["value"]
    for low, high in _INTERVALS:
        lower, upper = numbers[low], numbers[high]
        below = (lower > value).to_numpy()
        above = (value > upper).to_numpy()
        crossed = (value.isna() & (lower > upper)).to_numpy()
        flags.append((low, below, text[low], "a lower limit at or below the Value"))
        flags.append((high, above, text[high], "an upper limit at or above the Value"))
        flags.append((high, crossed, text[high], "an upper limit at or above the lower limit"))
    return flags


def _problems(flags: list[Flag], rows: np.ndarray, file: str) -> list[Problem]:
    """Problem items for every flagged cell, in row order then column order."""
    flagged: list[tuple[int, int, str, object, str]] = []
    for column, bad, values, expected in flags:
        positions = np.flatnonzero(bad)
        if not len(positions):
            continue
        shown = values.iloc[positions].tolist()
        for pos, value in zip(positions.tolist(), shown, strict=True):
            cell = None if expected == MISSING else value
            flagged.append((pos, _ORDER[column], column, cell, expected))
    flagged.sort(key=lambda item: (item[0], item[1]))
    return [Problem(file, int(rows[p]), TIDY_TO_FINGERTIPS[c], v, e) for p, _, c, v, e in flagged]


def _position(problem: Problem) -> tuple[int, int]:
    """Sort key: row, then column in Fingertips order (whole-row problems last)."""
    column = FINGERTIPS_COLUMNS.get(problem.column or "")
    return (problem.row or 0, _ORDER.get(column or "", len(_ORDER)))


def _typed(text: pd.DataFrame, numbers: dict[str, pd.Series]) -> pd.DataFrame:
    """The layout with numbers as floats and everything else as text."""
    tidy = text.copy()
    for column in NUMERIC_COLUMNS:
        tidy[column] = numbers[column]
    return tidy[list(TIDY_COLUMNS)].reset_index(drop=True)


def _repeats(tidy: pd.DataFrame) -> np.ndarray:
    """Rows that repeat an earlier row in everything but the parent (a Fingertips quirk)."""
    same = [c for c in TIDY_COLUMNS if c not in ("parent_code", "parent_name")]
    return tidy.duplicated(subset=same, keep="first").to_numpy()


def _duplicate_problems(tidy: pd.DataFrame, rows: np.ndarray, file: str) -> list[Problem]:
    """One problem per row whose key an earlier row already has (with different values)."""
    key = list(KEY_COLUMNS)
    later = tidy.duplicated(subset=key, keep="first").to_numpy()
    if not later.any():
        return []
    group = tidy.groupby(key, dropna=False, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(tidy))).groupby(group).transform("min").to_numpy()
    names = ", ".join(TIDY_TO_FINGERTIPS[c] for c in key)
    problems = []
    for pos in np.flatnonzero(later).tolist():
        shown = " / ".join(_key_text(tidy.iloc[pos][key]))
        problems.append(
            Problem(
                file,
                int(rows[pos]),
                None,
                shown,
                f"one row per {names} (row {int(rows[first[pos]])} has the same)",
            )
        )
    return problems


def _key_text(values: Iterable[object]) -> list[str]:
    """A key's parts as text, '-' for a missing part."""
    return ["-" if pd.isna(v) else str(v) for v in values]  # type: ignore[call-overload]


def _numbers(text: pd.Series) -> pd.Series:
    """Text cells as floats (NaN where empty or not a number)."""
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _number_text(value: float) -> str:
    """A number as Fingertips writes it (up to 15 significant digits)."""
    return "" if pd.isna(value) else format(value, ".15g")


def _as_text(column: pd.Series) -> pd.Series:
    """A column as text for writing: whole numbers without '.0', missing as NaN."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = column.astype("Float64")
        if bool(((numbers % 1) == 0).fillna(True).all()):
            return numbers.astype("Int64").astype("str")
        return numbers.map(_number_text).astype("str").where(numbers.notna())
    return column.astype("str")
