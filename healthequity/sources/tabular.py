"""Tidy counts from CSV, Excel (.xlsx) or Parquet: read, check whole, load atomically.

The documented columns are ``indicator_id, area_code, period, sex, age_band, numerator,
denominator`` and, optionally, ``category_type, category`` (a breakdown such as an ethnic group)
and ``sd`` (for a mean indicator: the standard deviation of the values whose sum is the
numerator and whose number is the denominator). A file with any problem is rejected whole with
every problem listed (file, row, column, value, what was expected); only a clean file reaches
the warehouse, in one batch.

Decisions, so that users can rely on them:

* Rows are numbered as the user sees them: the CSV line number (header = line 1), the Excel
  sheet row, or the Parquet row (first record = 1).
* CSV must be UTF-8; a byte-order mark is accepted and dropped. A file that is not UTF-8 (most
  often Windows-1252, Excel's plain "CSV") is refused, naming each cell with a bad byte and
  showing it as Windows-1252 would read it, with the hint to save as "CSV UTF-8". It is not
  guessed: a wrong guess would store wrong codes and labels silently.
* Column names are matched ignoring case and surrounding spaces; text values are stripped of
  surrounding spaces; sex is matched ignoring case (stored as Persons, Male, Female); periods
  may have spaces around "/" or "-" (stored without them).
* Blank numerators and denominators are refused: a count that is unknown or suppressed is a
  row left out, not a blank, so a blank can never be read as zero by mistake.
* Dates (an Excel cell formatted as a date, or a Parquet date/timestamp column) are refused in
  every column; a number in a text column is taken as its text (2023 -> "2023").
* Line breaks inside a value are refused (often an unclosed quote swallowing the next lines).
* A column with an empty name and no values (a trailing comma on every line) is ignored.
* What a row measures decides two checks; it is looked up by indicator_id in the rules the
  caller gives (``CountRules``; the CLI's ``load`` makes them from the place's indicator
  catalogue: its own ``indicators`` folder over the shipped one, as the build reads it; an id
  is a definition's ``id`` or the ``data.indicator_id`` it reads from the warehouse):

  - numerator <= denominator only for proportions. Crude rates, DSRs, counts and life
    expectancy count events that may outnumber the people (repeat admissions per 100,000), and
    a mean's numerator is a sum of values.
  - ``sd`` belongs to mean indicators only: refused (must be blank) on any other row. On a
    mean's row it is required where the denominator is 2 or more (without it the interval of
    the row, and of every ward or group it is summed into, is unknown) and may be blank where
    it is 0 or 1 (one value has no spread). It is a number of 0 or more: 0 is what identical
    values give. A mean's row of no values (denominator 0) must have numerator 0.
  - An indicator_id the catalogue does not know is accepted, as before (counts may be loaded
    before their definition is written), but checked as strictly as it can be: as a
    proportion, and without ``sd``. To load a rate or a mean, add its definition first.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from healthequity.errors import FileRejected, Problem
from healthequity.geography.codes import PREFIXES, code_problems
from healthequity.sources.count_rules import CountRules
from healthequity.sources.periods import EXAMPLES, PeriodKind, mixed_formats, parse_periods
from healthequity.store.datasets import COUNTS
from healthequity.store.warehouse import Warehouse, sha256_of

REQUIRED: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "period",
    "sex",
    "age_band",
    "numerator",
    "denominator",
)
CATEGORY: tuple[str, ...] = ("category_type", "category")
SD = "sd"
OPTIONAL: tuple[str, ...] = (*CATEGORY, SD)
TEXT_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "period",
    "sex",
    "age_band",
    "category_type",
    "category",
)
NUMERIC_COLUMNS: tuple[str, ...] = ("numerator", "denominator")
ORDER: list[str] = [*TEXT_COLUMNS, *NUMERIC_COLUMNS, SD]  # the order problems are listed in
SEXES: tuple[str, ...] = ("Persons", "Male", "Female")
SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")

EXPECTED: dict[str, str] = {
    "indicator_id": "an indicator id",
    "area_code": "a GSS area code such as E05011549",
    "period": "a year like 2023, a financial year like 2023/24 or a pooled range like 2021-23",
    "sex": "Persons, Male or Female",
    "age_band": "an age band like 0-4, 18-64, 90+, <1 or All ages",
    "category_type": "a category type (or blank)",
    "category": "a category (or blank)",
    "numerator": "a count: a number of 0 or more, such as 12",
    "denominator": "a count: a number of 0 or more, such as 12",
    "sd": "a standard deviation of the row's values: a number of 0 or more, such as 4.2",
}
NOT_UTF8 = (
    "UTF-8 text; this file is not UTF-8 (perhaps Windows-1252, as Excel's plain 'CSV' saves): "
    "save it as 'CSV UTF-8'"
)
_MARK = "\ufdd0"  # a Unicode noncharacter: tags each byte that was not UTF-8
_AGE = r"^(?:(?P<lo>\d{1,3})-(?P<hi>\d{1,3})|\d{1,3}\+|<(?P<lt>\d{1,3})|[Aa]ll ages)$"
_LINE_BREAK = r"\r\n|\r|\n"


@dataclass
class _Cells:
    """One column as read: text, numbers and cells of a wrong type (each NA elsewhere)."""

    text: pd.Series
    number: pd.Series
    odd: pd.Series  # display value of a cell of a wrong type (date, true/false ...)
    odd_kind: pd.Series  # what that cell is ("a date", "true/false" ...)


@dataclass
class _Table:
    """A file as read: header names, one _Cells per column, user row numbers, early problems."""

    names: list[str]
    columns: list[_Cells]
    rows: np.ndarray
    header_row: int | None
    problems: list[Problem] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # where each column is, for a nameless one
    excel: bool = False  # give Excel hints (format a column as Text or Number)


class _Issues:
    """Problems collected column by column (vectorised), turned into Problem objects once."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        rows: np.ndarray,
        column: str | None,
        values: pd.Series | list[object] | None,
        expected: pd.Series | list[str] | str,
    ) -> None:
        """Record one problem per row (``values`` and ``expected`` aligned with ``rows``)."""
        if len(rows) == 0:
            return
        vals = [None] * len(rows) if values is None else list(values)
        exp = [expected] * len(rows) if isinstance(expected, str) else list(expected)
        self.parts.append(
            pd.DataFrame(
                {"row": rows, "column": column, "value": vals, "expected": exp}, dtype=object
            )
        )

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found while reading the file or its header."""
        for p in problems:
            self.add(np.array([p.row], dtype=object), p.column, [p.value], p.expected)

    def problems(self, order: list[str]) -> list[Problem]:
        """Every problem, one per (row, column), sorted by row then by column order."""
        if not self.parts:
            return []
        frame = pd.concat(self.parts, ignore_index=True)
        keyed = frame["column"].notna() & frame["row"].notna()
        frame = frame[~(keyed & frame.duplicated(["row", "column"]))]
        rank = {c: i for i, c in enumerate(order)}
        frame = frame.assign(
            _row=pd.to_numeric(frame["row"]).fillna(0),
            _col=frame["column"].map(lambda c: rank.get(c, len(rank))),
        ).sort_values(["_row", "_col"], kind="stable")
        return [
            Problem(
                self.file,
                None if pd.isna(row) else int(row),
                None if pd.isna(col) else str(col),
                None if _is_missing(val) else _short(_plain(val)),
                str(exp),
            )
            for row, col, val, exp in zip(
                frame["row"], frame["column"], frame["value"], frame["expected"], strict=True
            )
        ]


def read_counts(path: str | Path, *, rules: CountRules) -> pd.DataFrame:
    """Read and check a tidy counts file; return it in the warehouse's ``counts`` layout
    (with ``sd``, NaN where blank).

    ``rules`` say what each indicator_id measures (``healthequity.indicators.count_rules``
    makes them from a catalogue).
    Raises FileRejected listing every problem (file, row, column, value, expected).
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRejected(
            name, [Problem(name, None, None, path.suffix, "a .csv, .xlsx or .parquet file")]
        )
    if not path.is_file():
        raise FileRejected(name, [Problem(name, None, None, str(path), "an existing file")])
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix == ".xlsx":
        table = _read_xlsx(path)
    else:
        table = _read_parquet(path)
    return _validate(table, name, rules)


def load_counts(
    warehouse: Warehouse,
    path: str | Path,
    *,
    kind: str = "counts",
    rules: CountRules,
) -> int:
    """Check a tidy counts file whole, then load it as one new batch; return its version.

    ``rules`` should be those of the catalogue the warehouse's place builds from
    (``healthequity.indicators.count_rules.place_count_rules``).
    """
    path = Path(path)
    frame = read_counts(path, rules=rules)
    return warehouse.load("counts", frame, kind=kind, source_name=path.name, sha256=sha256_of(path))


# --- reading -------------------------------------------------------------------------------


def _empty_file(name: str) -> FileRejected:
    """The rejection of a file with nothing in it."""
    columns = ", ".join(REQUIRED)
    return FileRejected(
        name,
        [
            Problem(
                name,
                None,
                None,
                None,
                f"a header row naming the columns {columns}; the file is empty",
            )
        ],
    )


def _text_cells(text: pd.Series) -> _Cells:
    """Cells that are all text (or NA)."""
    na = pd.Series(np.nan, index=text.index, dtype=float)
    none = pd.Series(None, index=text.index, dtype=object)
    return _Cells(text.astype("string"), na, none, none)


def _read_csv(path: Path) -> _Table:
    """Read a CSV as text: check the encoding, parse with pyarrow, number rows by line."""
    name = path.name
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = re.sub(
            "[\udc80-\udcff]",
            lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", "replace") + _MARK,
            raw.decode("utf-8", "surrogateescape"),
        )
    if not text.strip():
        raise _empty_file(name)
    header, _, body = _split_first_line(text)
    names = next(csv.reader([header])) if header.strip() else []
    problems: list[Problem] = []
    if not names:
        problems.append(
            Problem(name, 1, None, None, "the header (the column names) on line 1, not a blank")
        )
        raise FileRejected(name, problems)
    for position, column in enumerate(names):
        if _MARK in column:
            problems.append(Problem(name, 1, f"column {position + 1}", _unmark(column), NOT_UTF8))
    names = [_unmark(n) for n in names]
    width = len(names)
    invalid: list[tuple[int, int, str]] = []

    def skip(row: pa_csv.InvalidRow) -> str:
        invalid.append((int(row.number), int(row.actual_columns), str(row.text)))
        return "skip"

    labels = [f"c{i}" for i in range(width)]
    if body.strip():
        arrow = pa_csv.read_csv(
            pa.py_buffer(body.encode("utf-8", "surrogatepass")),
            read_options=pa_csv.ReadOptions(use_threads=False, column_names=labels),
            parse_options=pa_csv.ParseOptions(
                invalid_row_handler=skip, ignore_empty_lines=False, newlines_in_values=True
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.string() for c in labels},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = arrow.to_pandas()
        frame.columns = labels
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype="string") for c in labels})
    rows, skipped_rows = _line_numbers(frame, invalid)
    for (_, actual, line), where in zip(invalid, skipped_rows.tolist(), strict=True):
        shown = _unmark(line)
        if actual < width:
            problems.append(
                Problem(
                    name,
                    where,
                    names[actual],
                    shown,
                    f"{width} fields, as in the header; found {actual} (is the line cut short?)",
                )
            )
        else:
            problems.append(
                Problem(
                    name,
                    where,
                    None,
                    shown,
                    f"{width} fields, as in the header; found {actual} "
                    "(a comma inside a value needs quotes)",
                )
            )
    filled = np.zeros(len(frame), dtype=bool)  # blank lines and lines of commas are skipped
    for label in labels:
        filled |= (frame[label].str.strip() != "").fillna(False).to_numpy(dtype=bool)
    frame = frame[filled].reset_index(drop=True)
    rows = rows[filled]
    columns: list[_Cells] = []
    for label, column in zip(labels, names, strict=True):
        values = frame[label].astype("string")
        marked = values.str.contains(_MARK, regex=False).fillna(False).to_numpy(dtype=bool)
        for row, value in zip(rows[marked], values[marked], strict=True):
            problems.append(Problem(name, int(row), column, _unmark(str(value)), NOT_UTF8))
        if marked.any():
            values = values.str.replace(_MARK, "", regex=False)
        columns.append(_text_cells(values))
    places = [f"field {i + 1}" for i in range(width)]
    return _Table(names, columns, rows, 1, problems, places)


def _split_first_line(text: str) -> tuple[str, str, str]:
    """The first line, its line break, and the rest."""
    parts = re.split(f"({_LINE_BREAK})", text, maxsplit=1)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (parts[0], "", "")


def _unmark(text: str) -> str:
    return text.replace(_MARK, "")


def _line_numbers(
    frame: pd.DataFrame, invalid: list[tuple[int, int, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """The line on which each record starts (header = line 1): (parsed records, skipped ones).

    pyarrow numbers records (parsed and skipped) from 1; a record spans more than one line when a
    quoted value holds line breaks, so the line breaks of earlier records are added up.
    """
    total = len(frame) + len(invalid)
    breaks = np.zeros(total, dtype=np.int64)
    skipped = np.array([n - 1 for n, _, _ in invalid], dtype=np.int64)
    keep = np.ones(total, dtype=bool)
    keep[skipped] = False
    kept = np.flatnonzero(keep)
    inside = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        inside += frame[column].str.count(_LINE_BREAK).fillna(0).to_numpy(dtype=np.int64)
    breaks[kept] = inside
    breaks[skipped] = [len(re.findall(_LINE_BREAK, line)) for _, _, line in invalid]
    starts = 2 + np.arange(total) + np.concatenate([[0], np.cumsum(breaks)[:-1]])
    return starts[kept], starts[skipped]


def _read_xlsx(path: Path) -> _Table:
    """Read the sheet named 'counts' (any case), else the first sheet; rows are sheet rows."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    name = path.name
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises zip, XML and key errors for a broken file
        raise FileRejected(
            name, [Problem(name, None, None, None, f"an Excel .xlsx workbook ({err})")]
        ) from None
    try:
        sheets = {s.title.strip().lower(): s for s in book.worksheets}
        sheet = sheets.get("counts", book.worksheets[0])
        records = list(sheet.iter_rows(min_row=1, values_only=True))
    finally:
        book.close()
    if not records or (len(records) == 1 and all(v is None for v in records[0])):
        raise _empty_file(name)
    width = max(len(r) for r in records)
    grid = pd.DataFrame(
        [tuple(r) + (None,) * (width - len(r)) for r in records], columns=range(width), dtype=object
    )
    names = ["" if pd.isna(v) else str(v) for v in grid.iloc[0]]
    if not any(n.strip() for n in names):
        raise FileRejected(
            name,
            [Problem(name, 1, None, None, "the header (the column names) in row 1, not a blank")],
        )
    body = grid.iloc[1:]
    filled = body.notna().any(axis=1).to_numpy()
    body = body[filled].reset_index(drop=True)
    rows = np.arange(2, len(grid) + 1)[filled]
    columns = [_object_cells(body[i]) for i in range(width)]
    places = [f"column {get_column_letter(i + 1)}" for i in range(width)]
    return _Table(names, columns, rows, 1, places=places, excel=True)


def _object_cells(values: pd.Series) -> _Cells:
    """Classify Python objects (from Excel) into text, numbers and cells of a wrong type."""
    kinds = values.map(type).map(_kind_of_type)
    is_text = (kinds == "text").to_numpy()
    is_number = (kinds == "number").to_numpy()
    odd = ~(is_text | is_number) & values.notna().to_numpy()
    text = pd.Series(pd.NA, index=values.index, dtype="string")
    text[is_text] = values[is_text].astype("string")
    number = pd.Series(np.nan, index=values.index, dtype=float)
    number[is_number] = values[is_number].astype(float)
    shown = pd.Series(None, index=values.index, dtype=object)
    shown[odd] = values[odd].map(_show)
    what = pd.Series(None, index=values.index, dtype=object)
    what[odd] = kinds[odd]
    return _Cells(text, number, shown, what)


def _kind_of_type(kind: type) -> str:
    if issubclass(kind, str):
        return "text"
    if issubclass(kind, bool | np.bool_):
        return "true/false"
    if issubclass(kind, int | float | np.integer | np.floating | decimal.Decimal):
        return "number"
    if issubclass(kind, dt.date | np.datetime64):
        return "a date"
    if issubclass(kind, dt.time):
        return "a time"
    if issubclass(kind, dt.timedelta | np.timedelta64):
        return "a duration"
    if kind is type(None):
        return "blank"
    return f"a {kind.__name__} value"


def _show(value: object) -> str:
    """A wrong-typed value as the user would recognise it (a date without a midnight time)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    return str(value)


def _read_parquet(path: Path) -> _Table:
    """Read a Parquet file; a column of a wrong type (dates, true/false ...): a problem per row."""
    name = path.name
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises ArrowInvalid / OSError for a broken file
        raise FileRejected(
            name,
            [
                Problem(
                    name, None, None, None, f"a Parquet file ({str(err).replace(str(path), name)})"
                )
            ],
        ) from None
    if table.num_columns == 0:
        raise _empty_file(name)
    columns: list[_Cells] = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        values = column.to_pandas()
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            columns.append(_text_cells(values))
        elif pa.types.is_null(kind):
            columns.append(_text_cells(pd.Series(pd.NA, index=values.index, dtype="string")))
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            none = pd.Series(None, index=values.index, dtype=object)
            text = pd.Series(pd.NA, index=values.index, dtype="string")
            columns.append(_Cells(text, values.astype(float), none, none))
        else:
            columns.append(_object_cells(pd.Series(column.to_pylist(), dtype=object)))
    rows = np.arange(1, table.num_rows + 1)
    places = [f"column {i + 1}" for i in range(table.num_columns)]
    return _Table(list(table.column_names), columns, rows, None, [], places)


# --- checking ------------------------------------------------------------------------------


def _validate(table: _Table, name: str, rules: CountRules) -> pd.DataFrame:
    """Check every cell and row; return the counts frame or raise FileRejected with all problems."""
    issues = _Issues(name)
    problems = list(table.problems)
    found = _match_columns(table, name, problems)
    issues.extend(problems)
    if len(table.rows) == 0:
        issues.extend(
            [
                Problem(
                    name,
                    None if table.header_row is None else table.header_row + 1,
                    None,
                    None,
                    "at least one row of counts after the header; the file has none",
                )
            ]
        )
    rows = table.rows
    out: dict[str, pd.Series] = {}
    bad: dict[str, np.ndarray] = {}
    for column in TEXT_COLUMNS:
        if column in found:
            out[column], bad[column] = _text_column(
                found[column], column, rows, issues, table.excel
            )
    for column in (*NUMERIC_COLUMNS, SD):
        if column in found:
            out[column], bad[column] = _numeric_column(
                found[column], column, rows, issues, table.excel, blank_allowed=column == SD
            )
    _check_values(out, bad, rows, issues)
    _check_categories(out, bad, rows, issues, found)
    if all(c in out for c in REQUIRED):
        _check_across_rows(out, bad, rows, issues)
        _check_by_indicator(out, bad, rows, issues, rules, table.header_row)
    problems = issues.problems(ORDER)
    if problems:
        raise FileRejected(name, problems)
    n = len(rows)
    for column in CATEGORY:
        out.setdefault(column, pd.Series("", index=range(n), dtype="string"))
    out.setdefault(SD, pd.Series(np.nan, index=range(n), dtype="float64"))
    frame = pd.DataFrame({c: out[c].reset_index(drop=True) for c in COUNTS.table_columns})
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype(str)
    for column in (*NUMERIC_COLUMNS, SD):
        frame[column] = frame[column].astype("float64")
    return frame


def _match_columns(table: _Table, name: str, problems: list[Problem]) -> dict[str, _Cells]:
    """Find the documented columns by name; report missing, unknown and repeated ones."""
    known = REQUIRED + OPTIONAL
    found: dict[str, _Cells] = {}
    row = table.header_row
    for column_name, cells, place in zip(table.names, table.columns, table.places, strict=True):
        key = column_name.strip().lower()
        empty = bool(
            (cells.text.str.strip().fillna("") == "").all()
            and cells.number.isna().all()
            and cells.odd.isna().all()
        )
        if key == "" and empty:
            continue  # an unnamed, empty column: a trailing comma on every line
        if key == "":
            problems.append(
                Problem(
                    name, row, None, None, f"a name in the header for {place}, which has values"
                )
            )
        elif key in found:
            problems.append(Problem(name, row, key, column_name, "each column once"))
        elif key in known:
            found[key] = cells
        else:
            hint = ""
            if ";" in column_name or "\t" in column_name:
                hint = " (values must be separated by commas)"
            problems.append(
                Problem(
                    name,
                    row,
                    column_name,
                    None,
                    "only the columns " + ", ".join(known) + hint,
                )
            )
    for column in REQUIRED:
        if column not in found:
            problems.append(Problem(name, row, column, None, f"a column named {column!r}"))
    pair = [c for c in CATEGORY if c in found]
    if len(pair) == 1:
        other = CATEGORY[1 - CATEGORY.index(pair[0])]
        problems.append(
            Problem(name, row, other, None, f"a column named {other!r} alongside {pair[0]!r}")
        )
    return found


def _report_odd(
    cells: _Cells, column: str, rows: np.ndarray, issues: _Issues, excel: bool
) -> np.ndarray:
    """Report cells of a wrong type (a date, true/false ...); return their mask."""
    odd = cells.odd.notna().to_numpy()
    if odd.any():
        fix = "Number" if column in (*NUMERIC_COLUMNS, SD) else "Text"
        tip = f" (format the column as {fix} in Excel)" if excel else ""
        hint = cells.odd_kind[odd].map(lambda k: f", not {k}" + (tip if k == "a date" else ""))
        issues.add(rows[odd], column, cells.odd[odd], EXPECTED[column] + hint)
    return odd


def _text_column(
    cells: _Cells, column: str, rows: np.ndarray, issues: _Issues, excel: bool
) -> tuple[pd.Series, np.ndarray]:
    """The column as stripped text (numbers as their text); blanks and wrong types reported."""
    odd = _report_odd(cells, column, rows, issues, excel)
    text = cells.text.str.strip().astype("string")
    number = cells.number.to_numpy(dtype=float)
    given = ~np.isnan(number)
    if given.any():  # numbers in a text column (Excel, Parquet) are taken as their text
        shown = number[given]
        whole = np.isfinite(shown) & (np.floor(shown) == shown) & (np.abs(shown) < 1e15)
        as_text = np.where(
            whole, np.where(whole, shown, 0).astype(np.int64).astype(str), shown.astype(str)
        )
        text = text.copy()
        text[given] = as_text
    blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool) & ~odd
    if column in CATEGORY:
        text = text.fillna("")
        return text, odd
    issues.add(rows[blank], column, None, EXPECTED[column] + ", not a blank")
    broken = text.str.contains(_LINE_BREAK, regex=True).fillna(False).to_numpy(dtype=bool)
    issues.add(
        rows[broken],
        column,
        text[broken],
        EXPECTED[column] + " on one line (is a closing quote missing?)",
    )
    return text, odd | blank | broken


def _numeric_column(
    cells: _Cells,
    column: str,
    rows: np.ndarray,
    issues: _Issues,
    excel: bool,
    *,
    blank_allowed: bool = False,
) -> tuple[pd.Series, np.ndarray]:
    """The column as numbers (NaN for a blank); text that is not a number, negatives and, unless
    ``blank_allowed``, blanks reported."""
    odd = _report_odd(cells, column, rows, issues, excel)
    text = cells.text.str.strip()
    parsed = pd.to_numeric(text, errors="coerce").astype(float)
    number = cells.number.where(cells.number.notna(), parsed)
    values = number.to_numpy(dtype=float)
    has_text = (text.notna() & (text != "")).fillna(False).to_numpy(dtype=bool)
    blank = ~has_text & np.isnan(cells.number.to_numpy(dtype=float)) & ~odd
    not_number = has_text & ~np.isfinite(values)
    negative = np.isfinite(values) & (values < 0)
    if blank_allowed:
        blank = np.zeros(len(rows), dtype=bool)
    issues.add(
        rows[blank],
        column,
        None,
        EXPECTED[column] + ", not a blank (leave out a row whose count is unknown)",
    )
    issues.add(rows[not_number], column, text[not_number], EXPECTED[column])
    issues.add(rows[negative], column, _display(cells, negative), EXPECTED[column])
    return number, odd | blank | not_number | negative


def _display(cells: _Cells, mask: np.ndarray) -> list[object]:
    """The cells under ``mask`` as written: the text, else the number."""
    text = cells.text[mask].str.strip()
    return [t if isinstance(t, str) else n for t, n in zip(text, cells.number[mask], strict=True)]


def _check_values(
    out: dict[str, pd.Series], bad: dict[str, np.ndarray], rows: np.ndarray, issues: _Issues
) -> None:
    """Area codes, periods, sexes and age bands, each against its rules, once per distinct value.

    Adds the column ``_period_kind`` to ``out`` (NA where the period is bad or missing).
    """
    out["_period_kind"] = pd.Series(pd.NA, index=range(len(rows)), dtype="string")
    for column, check in _VALUE_CHECKS.items():
        if column not in out:
            continue
        ok = ~bad[column]
        values = out[column][ok]
        codes, uniques = pd.factorize(values)
        answers = check(pd.Series(uniques, dtype="string"))
        problem = answers["problem"].to_numpy(dtype=object)[codes]
        wrong = answers["problem"].notna().to_numpy(dtype=bool)[codes]
        issues.add(rows[ok][wrong], column, values[wrong], list(problem[wrong]))
        tidy = out[column].copy()
        tidy[ok] = answers["value"].to_numpy(dtype=object)[codes]
        out[column] = tidy.astype("string")
        if column == "period":
            kinds = out["_period_kind"].copy()
            kinds[ok] = answers["kind"].to_numpy(dtype=object)[codes]
            out["_period_kind"] = kinds
        bad[column] = bad[column].copy()
        bad[column][np.flatnonzero(ok)[wrong]] = True


def _area_codes(values: pd.Series) -> pd.DataFrame:
    """GSS codes: well formed and of a known area type."""
    reasons = code_problems(values)
    wrong = reasons.notna().to_numpy(dtype=bool)
    unknown = reasons[wrong].astype(str).str.startswith("unknown").to_numpy(dtype=bool)
    problem = np.full(len(values), None, dtype=object)
    problem[np.flatnonzero(wrong)[unknown]] = (
        "a GSS area code of a known type (" + ", ".join(PREFIXES) + "), such as E05011549"
    )
    problem[np.flatnonzero(wrong)[~unknown]] = (
        "a GSS area code: the letter E and 8 digits, such as E05011549"
    )
    return pd.DataFrame({"value": values, "problem": problem})


def _periods(values: pd.Series) -> pd.DataFrame:
    """Periods in one of the three formats (tidied of spaces)."""
    parsed = parse_periods(values)
    return pd.DataFrame(
        {
            "value": parsed["period"].fillna(values),
            "kind": parsed["kind"],
            "problem": parsed["problem"],
        }
    )


def _sexes(values: pd.Series) -> pd.DataFrame:
    """Persons, Male or Female, in any case."""
    canonical = values.str.lower().map({s.lower(): s for s in SEXES})
    problem = pd.Series(EXPECTED["sex"], index=values.index, dtype=object)
    problem[canonical.notna().to_numpy()] = None
    return pd.DataFrame({"value": canonical.fillna(values), "problem": problem})


def _age_bands(values: pd.Series) -> pd.DataFrame:
    """Age bands lo-hi (lo <= hi), N+, <N (N >= 1) or All ages."""
    parts = values.str.extract(_AGE)
    matched = values.str.fullmatch(_AGE).fillna(False).to_numpy(dtype=bool)
    lo = pd.to_numeric(parts["lo"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(parts["hi"], errors="coerce").to_numpy(dtype=float)
    lt = pd.to_numeric(parts["lt"], errors="coerce").to_numpy(dtype=float)
    problem = pd.Series(None, index=values.index, dtype=object)
    problem[~matched] = EXPECTED["age_band"]
    problem[matched & (lo > hi)] = "an age band whose first age is not above the second, like 18-64"
    problem[matched & (lt == 0)] = "an age band like <1 or <75"
    tidy = values.str.replace(r"^[Aa]ll ages$", "All ages", regex=True)
    return pd.DataFrame({"value": tidy, "problem": problem})


_VALUE_CHECKS: dict[str, Callable[[pd.Series], pd.DataFrame]] = {
    "area_code": _area_codes,
    "period": _periods,
    "sex": _sexes,
    "age_band": _age_bands,
}


def _check_categories(
    out: dict[str, pd.Series],
    bad: dict[str, np.ndarray],
    rows: np.ndarray,
    issues: _Issues,
    found: dict[str, _Cells],
) -> None:
    """A category type and a category go together: both filled or both blank."""
    if not all(c in found for c in CATEGORY):
        return
    kind, value = out["category_type"], out["category"]
    no_type = ((kind == "") & (value != "")).to_numpy(dtype=bool) & ~bad["category"]
    no_value = ((kind != "") & (value == "")).to_numpy(dtype=bool) & ~bad["category_type"]
    issues.add(
        rows[no_type],
        "category_type",
        None,
        pd.Series("a category type for the category " + value[no_type].map(repr)),
    )
    issues.add(
        rows[no_value],
        "category",
        None,
        pd.Series("a category of the category type " + kind[no_value].map(repr)),
    )
    for column in CATEGORY:
        broken = out[column].str.contains(_LINE_BREAK, regex=True).fillna(False).to_numpy(bool)
        issues.add(
            rows[broken],
            column,
            out[column][broken],
            EXPECTED[column] + " on one line (is a closing quote missing?)",
        )
    bad["category_type"] = bad["category_type"] | no_type
    bad["category"] = bad["category"] | no_value


def _check_across_rows(
    out: dict[str, pd.Series], bad: dict[str, np.ndarray], rows: np.ndarray, issues: _Issues
) -> None:
    """One period format per indicator, no repeated key.

    Only cells that passed their own checks take part, so one bad cell is reported once.
    """
    indicator = out["indicator_id"].where(~bad["indicator_id"])
    odd = mixed_formats(
        indicator.reset_index(drop=True), out["_period_kind"].reset_index(drop=True)
    )
    if len(odd):
        at = odd.index.to_numpy(dtype=np.int64)
        example_rows = rows[odd["example"].to_numpy(dtype=np.int64)]
        expected = [
            f"{EXAMPLES[PeriodKind(k)]}, as on row {r}: one period format per indicator"
            for k, r in zip(odd["usual"], example_rows, strict=True)
        ]
        issues.add(rows[at], "period", list(out["period"].to_numpy()[at]), expected)
    n = len(rows)
    key = pd.DataFrame(
        {
            c: out[c].reset_index(drop=True) if c in out else pd.Series("", index=range(n))
            for c in COUNTS.key
        }
    ).fillna("")
    clean = ~np.logical_or.reduce([bad[c] for c in COUNTS.key if c in bad])
    codes = pd.DataFrame({c: pd.factorize(key[c])[0] for c in COUNTS.key})
    repeated = codes.duplicated(keep=False).to_numpy() & clean
    if repeated.any():
        group = key[repeated].assign(_row=rows[repeated])
        first = group.groupby(list(COUNTS.key), sort=False)["_row"].transform("min").to_numpy()
        later = first != rows[repeated]
        shown = group[later][list(COUNTS.key)].agg(lambda r: ", ".join(v for v in r if v), axis=1)
        expected = [
            "one row per indicator_id, area_code, period, sex, age_band, category_type, "
            f"category; row {f} has the same"
            for f in first[later]
        ]
        issues.add(rows[repeated][later], None, list(shown), expected)


def _check_by_indicator(
    out: dict[str, pd.Series],
    bad: dict[str, np.ndarray],
    rows: np.ndarray,
    issues: _Issues,
    rules: CountRules,
    header_row: int | None,
) -> None:
    """The checks that depend on what a row measures (see the module's decisions): numerator
    within denominator for proportions; sd on means only, given where 2 or more values.

    Rows whose indicator_id, numerator or denominator is bad are left out (reported already).
    """
    kinds = rules.rows(out["indicator_id"].reset_index(drop=True))
    what = kinds["what"].to_numpy(dtype=object)
    mean = kinds["mean"].to_numpy(dtype=bool)
    numerator = out["numerator"].to_numpy(dtype=float)
    denominator = out["denominator"].to_numpy(dtype=float)
    ok = ~bad["indicator_id"] & ~bad["numerator"] & ~bad["denominator"]
    above = ok & kinds["proportion"].to_numpy(dtype=bool) & (numerator > denominator)
    unknown = ~kinds["known"].to_numpy(dtype=bool)[above]
    issues.add(
        rows[above],
        "numerator",
        list(numerator[above]),
        [
            f"a numerator no greater than the denominator ({_plain(d)}): {w}"
            + (", so is checked as a proportion" if u else "")
            for d, w, u in zip(denominator[above], what[above], unknown, strict=True)
        ],
    )
    empty = ok & mean & (denominator == 0) & (numerator != 0)
    issues.add(
        rows[empty],
        "numerator",
        list(numerator[empty]),
        [f"0 when the denominator is 0 (the sum of no values): {w}" for w in what[empty]],
    )
    several = ok & mean & (denominator >= 2)
    if SD not in out:
        if several.any():
            ids = sorted(set(out["indicator_id"].to_numpy(dtype=object)[several]))
            issues.extend(
                [
                    Problem(
                        issues.file,
                        header_row,
                        SD,
                        None,
                        "a column named 'sd' (the standard deviation of each row's values) for "
                        "the mean indicator(s) " + ", ".join(map(repr, ids)),
                    )
                ]
            )
        return
    sd = out[SD].to_numpy(dtype=float)
    given = ~np.isnan(sd) & ~bad[SD] & ~bad["indicator_id"]
    stray = given & ~mean
    issues.add(
        rows[stray],
        SD,
        list(sd[stray]),
        [f"a blank: sd is only for mean indicators, and {w}" for w in what[stray]],
    )
    missing = several & np.isnan(sd) & ~bad[SD]
    issues.add(
        rows[missing],
        SD,
        None,
        [
            EXPECTED[SD] + f", not a blank: {w} and this row has {_plain(d)} values"
            for w, d in zip(what[missing], denominator[missing], strict=True)
        ],
    )


def _short(value: object) -> object:
    """A long text cut to its first 80 characters."""
    return value[:80] + "..." if isinstance(value, str) and len(value) > 80 else value


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _plain(value: object) -> object:
    """Numbers shown without a needless '.0'; numpy scalars as Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
