"""Record-level files (one row per event or person): read a CSV or Parquet file, check it whole.

Every problem in the file is collected (vectorised, column by column) and raised together as one
FileRejected, so a user fixes a file in one pass. Rows are numbered as the user sees them: the
CSV line number (header = line 1, first record = line 2), or the Parquet row (first record = 1).
A clean file is counted by the Ibis expressions of healthequity.aggregation (DuckDB by default)
and loaded as one atomic warehouse batch by load_records, as load_counts loads tidy files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from healthequity.aggregation.counts import DEFAULT_BY, Period, count_records, to_counts_layout
from healthequity.aggregation.engines import execute
from healthequity.errors import FileRejected, Problem
from healthequity.store.warehouse import Warehouse, sha256_of

#: Columns every record-level file has (one row per event or person).
REQUIRED_COLUMNS: tuple[str, ...] = ("age", "sex", "lsoa_code", "date", "code")
#: Columns a record-level file may have; missing values in them are kept as missing.
OPTIONAL_COLUMNS: tuple[str, ...] = ("ethnic_group",)
#: Accepted spellings of sex (compared case-insensitively) and what they mean.
SEX_VALUES: dict[str, str] = {
    "male": "Male", "m": "Male", "1": "Male",
    "female": "Female", "f": "Female", "2": "Female",
}  # fmt: skip
MAX_AGE = 120

EXPECTED: dict[str, str] = {
    "age": f"a whole number of years from 0 to {MAX_AGE}",
    "sex": "Male or Female (or M / F, 1 / 2)",
    "lsoa_code": "an LSOA code: E01 and 6 digits, such as E01011264",
    "date": "a date as YYYY-MM-DD",
    "code": "a code such as I21.9 or 22298006",
}
MISSING = "a value (the cell is empty or NA)"
_MISSING_TEXT = ["", "na", "n/a", "null", "nan", "none"]
_LSOA = r"E01\d{6}"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_records(path: str | Path, *, today: dt.date | None = None) -> pd.DataFrame:
    """Read a record-level CSV or Parquet file, check every row, return the clean records.

    Raises FileRejected listing every problem (nothing partial is returned). ``today`` bounds
    event dates (default: the current date).
    """
    path = Path(path)
    name = str(path)
    raw, rows = _read_raw(path, name)
    return _validate(raw, rows, name, today)


def validate_records(
    frame: pd.DataFrame,
    *,
    file: str = "records",
    first_row: int = 1,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Check an in-memory frame of records as read_records checks a file; return clean records.

    ``first_row`` is the number the user gives the frame's first row (2 for a CSV's line).
    """
    raw = frame.rename(columns=lambda c: str(c).strip().lower()).reset_index(drop=True)
    return _validate(raw, first_row + np.arange(len(raw)), file, today)


def aggregate_records(
    frame_or_path: pd.DataFrame | str | Path,
    backend: BaseBackend | None = None,
    *,
    by: Sequence[str] = DEFAULT_BY,
    period: Period | None = "year",
    codes: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Validate records (a frame, or a CSV / Parquet file) and count them on ``backend``.

    The default backend is an in-memory DuckDB; pass spark_backend(session) to run on Spark.
    """
    if isinstance(frame_or_path, pd.DataFrame):
        records = validate_records(frame_or_path)
    else:
        records = read_records(frame_or_path)
    expr = count_records(ibis.memtable(records), by=by, period=period, codes=codes)
    return execute(expr, backend)


def load_records(
    warehouse: Warehouse,
    path: str | Path,
    *,
    indicator_id: str,
    by: Sequence[str] = DEFAULT_BY,
    period: Period = "year",
    codes: Mapping[str, Sequence[str]] | None = None,
    backend: BaseBackend | None = None,
) -> int:
    """Validate a whole record-level file, count it and load the counts as one atomic batch.

    Returns the warehouse version of the batch; a bad file raises FileRejected, writing nothing.
    """
    records = read_records(path)
    expr = count_records(ibis.memtable(records), by=by, period=period, codes=codes)
    layout = to_counts_layout(execute(expr, backend), indicator_id)
    return warehouse.load(
        "counts", layout, kind="records", source_name=str(path), sha256=sha256_of(path)
    )


def _read_raw(path: Path, name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The file's cells as read (CSV cells as text) and each row's number as the user sees it."""
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise FileRejected(
            name, [Problem(name, None, None, path.suffix, "a .csv or .parquet file")]
        )
    if not path.is_file():
        raise FileRejected(name, [Problem(name, None, None, None, "an existing file")])
    try:
        if kind == "parquet":
            raw = pd.read_parquet(path)
            rows = 1 + np.arange(len(raw))
        else:
            raw = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
            rows = 2 + np.arange(len(raw))
    except UnicodeDecodeError:
        raise FileRejected(name, [Problem(name, None, None, None, "UTF-8 text")]) from None
    except pd.errors.ParserError as err:
        found = re.search(r"line (\d+)", str(err))
        row = int(found.group(1)) if found else None
        raise FileRejected(
            name, [Problem(name, row, None, None, f"a well-formed {kind.upper()} file ({err})")]
        ) from None
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise FileRejected(
            name, [Problem(name, None, None, None, f"a readable {kind} file ({err})")]
        ) from None
    raw = raw.rename(columns=lambda c: str(c).strip().lower())
    if kind == "csv":  # pandas renames a repeated header 'date' to 'date.1': undo that
        raw.columns = [_unmangled(str(c), raw.columns) for c in raw.columns]
    if kind == "csv" and len(raw):
        blank = (raw == "").all(axis=1)  # a blank line (or bare commas) is no record
        raw, rows = raw[~blank.to_numpy()].reset_index(drop=True), rows[~blank.to_numpy()]
    return raw, rows


def _unmangled(column: str, columns: pd.Index) -> str:
    """The header as written, where pandas suffixed a repeated name with '.1', '.2' ..."""
    found = re.fullmatch(r"(.+)\.\d+", column)
    return found.group(1) if found and found.group(1) in columns else column


def _validate(
    raw: pd.DataFrame, rows: np.ndarray, file: str, today: dt.date | None
) -> pd.DataFrame:
    """Check every column of every row; raise one FileRejected or return the typed records."""
    problems = _column_problems(raw, file)
    if problems:
        raise FileRejected(file, problems)
    if raw.empty:
        raise FileRejected(file, [Problem(file, None, None, None, "at least one record")])
    today = today or dt.date.today()
    raw = raw.reset_index(drop=True)
    columns = {
        c: _Column(raw[c]) for c in raw.columns if c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    }
    found: list[tuple[str, np.ndarray, pd.Series, str]] = []
    missing = {c: columns[c].spread(_is_missing, True) for c in REQUIRED_COLUMNS}
    for column in REQUIRED_COLUMNS:
        found.append((column, missing[column].to_numpy(), raw[column], MISSING))

    age = columns["age"].spread(_ages, np.nan)
    bad_age = ~missing["age"] & age.isna()
    found.append(("age", bad_age.to_numpy(), raw["age"], EXPECTED["age"]))

    sex = columns["sex"].spread(_sexes, None)
    found.append(("sex", (~missing["sex"] & sex.isna()).to_numpy(), raw["sex"], EXPECTED["sex"]))

    bad_lsoa = ~missing["lsoa_code"] & ~columns["lsoa_code"].spread(_is_lsoa, False)
    found.append(("lsoa_code", bad_lsoa.to_numpy(), raw["lsoa_code"], EXPECTED["lsoa_code"]))

    date = columns["date"].spread(_dates, pd.NaT)
    bad_date = ~missing["date"] & date.isna()
    found.append(("date", bad_date.to_numpy(), raw["date"], EXPECTED["date"]))
    future = (date > pd.Timestamp(today)).fillna(False).astype(bool)
    found.append(("date", future.to_numpy(), raw["date"], f"a date on or before {today}"))

    problems = _problems(found, rows, file)
    if problems:
        raise FileRejected(file, problems)
    records = pd.DataFrame(
        {
            "age": age.astype("int64"),
            "sex": sex.astype("str"),
            "lsoa_code": columns["lsoa_code"].spread(_text, None).astype("str"),
            "date": date.astype("datetime64[s]"),
            "code": columns["code"].spread(_upper_text, None).astype("str"),
        }
    )
    if "ethnic_group" in columns:
        ethnic = columns["ethnic_group"].spread(_text, None)
        known = ~columns["ethnic_group"].spread(_is_missing, True)
        records["ethnic_group"] = ethnic.where(known).astype("str")
    return records


class _Column:
    """A column's distinct values, each parsed once, with the results spread back to every row.

    Factorising first makes a 10-million-row column cost one pass plus the work on its distinct
    values (a few thousand), so checks stay vectorised and fast.
    """

    def __init__(self, values: pd.Series) -> None:
        self.values = values
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.uniques = pd.Series(uniques)
        codes[codes < 0] = len(uniques)  # a null cell takes the fill
        self.codes = codes

    def spread(self, parse: Callable[[pd.Series], pd.Series], fill: object) -> pd.Series:
        """``parse`` applied to every row (``fill`` for null cells), computed per distinct value."""
        parsed = parse(self.uniques).reset_index(drop=True)
        if fill is None and parsed.dtype == self.values.dtype and parsed.equals(self.uniques):
            return self.values  # parsing changed nothing: keep the column as it is
        full = pd.concat([parsed, pd.Series([fill], dtype=parsed.dtype)], ignore_index=True)
        return pd.Series(full.array.take(self.codes))


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


def _problems(
    found: list[tuple[str, np.ndarray, pd.Series, str]], rows: np.ndarray, file: str
) -> list[Problem]:
    """Problem items for every flagged cell, in row order then column order."""
    order = {c: i for i, c in enumerate(REQUIRED_COLUMNS)}
    flagged: list[tuple[int, int, str, object, str]] = []
    for column, bad, values, expected in found:
        positions = np.flatnonzero(bad)
        if not len(positions):
            continue
        shown = values.iloc[positions].tolist()
        for pos, value in zip(positions.tolist(), shown, strict=True):
            value = None if expected == MISSING else _plain(value)
            flagged.append((pos, order[column], column, value, expected))
    flagged.sort(key=lambda item: (item[0], item[1]))
    return [Problem(file, int(rows[p]), c, v, e) for p, _, c, v, e in flagged]


def _plain(value: object) -> object:
    """A cell value as the user wrote it: numpy scalars and timestamps as plain Python values."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(values: pd.Series) -> pd.Series:
    """The column as stripped text (numbers without a spurious '.0')."""
    if pd.api.types.is_float_dtype(values):
        return values.astype("str").str.replace(r"\.0$", "", regex=True).str.strip()
    return values.astype("str").str.strip()


def _is_missing(values: pd.Series) -> pd.Series:
    """True where a cell is empty, null or one of the usual spellings of 'not available'."""
    text = _text(values).str.lower()
    return (values.isna() | text.isin(_MISSING_TEXT)).fillna(True).astype(bool)


def _ages(values: pd.Series) -> pd.Series:
    """Ages as numbers where whole and in range, else missing."""
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index)
    numbers = pd.to_numeric(
        values if pd.api.types.is_numeric_dtype(values) else _text(values), errors="coerce"
    ).astype("float64")
    good = (numbers == np.floor(numbers)) & (numbers >= 0) & (numbers <= MAX_AGE)
    return numbers.where(good)


def _sexes(values: pd.Series) -> pd.Series:
    """'Male' / 'Female' for every accepted spelling, else missing."""
    return _text(values).str.lower().map(SEX_VALUES).astype("str")


def _is_lsoa(values: pd.Series) -> pd.Series:
    """True where the cell is an LSOA code (E01 and 6 digits)."""
    return _text(values).str.fullmatch(_LSOA).fillna(False).astype(bool)


def _upper_text(values: pd.Series) -> pd.Series:
    """The column as stripped, upper-case text (codes are matched by prefix, case-blind)."""
    return _text(values).str.upper()


def _dates(values: pd.Series) -> pd.Series:
    """Event dates (midnight timestamps) where the cell is a valid date, else NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dt.tz_convert(None) if values.dt.tz is not None else values
        return pd.to_datetime(stamps).dt.normalize()
    text = _text(values)
    iso = text.str.fullmatch(_ISO_DATE).fillna(False).astype(bool)
    return pd.to_datetime(text.where(iso).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
