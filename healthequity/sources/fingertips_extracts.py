"""The shipped indicator extracts (geography/data/indicators/), read into the fingertips layout.

Two kinds of file (their provenance is in geography/data/SOURCES.md):

- ``ohid_fingertips_la/*.csv``: Fingertips data tidied by Trafford Data Lab, with columns
  area_code, area_name, area_type, period, indicator, measure, unit, value, compared_to_England,
  inequality. The indicator ID comes from the number(s) in the file name; sex is in ``unit``
  (or in ``inequality`` for the life-expectancy files); ``inequality`` otherwise holds a
  deprivation quintile; Fingertips' Age column was dropped upstream, so the age is Fingertips'
  published age group for the indicator (AGES); England's area type 'Country' is 'England' again.
- ``ons_health_index/*.csv``: the ONS Health Index for England by lower-tier LA, one column per
  score; each score becomes an indicator with an ID of our own (``ons_hi_…``).

Every file is checked whole, like a Fingertips CSV; a problem names the file's own column.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from healthequity.errors import FileRejected, InputError, Problem
from healthequity.schema import FINGERTIPS_COLUMNS
from healthequity.sources.fingertips_csv import read_cells, validate_fingertips
from healthequity.store.warehouse import Warehouse, sha256_of

TRAFFORD_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "area_type",
    "period",
    "indicator",
    "measure",
    "unit",
    "value",
    "compared_to_England",
    "inequality",
)
HEALTH_INDEX_COLUMNS: tuple[str, ...] = ("ltla21_code", "year")
SEXES: tuple[str, ...] = ("Male", "Female", "Persons")

#: Fingertips' published age group of each indicator in the extracts (upstream dropped the Age
#: column; the Trafford scripts filter England on 18+ yrs, 18-64 yrs and 19+ yrs for 92443,
#: 92445, 93014 and 93088).
AGES: dict[str, str] = {
    "90366": "All ages",
    "90362": "All ages",
    "92901": "All ages",
    "93721": "<75 yrs",
    "92443": "18+ yrs",
    "92445": "18-64 yrs",
    "93014": "19+ yrs",
    "93088": "18+ yrs",
    "90319": "4-5 yrs",
    "92026": "4-5 yrs",
    "93105": "4-5 yrs",
    "90323": "10-11 yrs",
    "92033": "10-11 yrs",
    "93107": "10-11 yrs",
    "93563": "5 yrs",
}
#: Category type given to the deprivation quintiles in ``inequality`` (upstream kept only the
#: category, from Fingertips' 'deprivation quintiles within area' breakdown).
DEPRIVATION_QUINTILES = "Deprivation quintiles within area"
#: Age given to an indicator missing from AGES (the extracts do not say).
UNKNOWN_AGE = "Not known"
PERIOD_EXPECTED = "a time period like 2018, 2018/19, 2018 - 20 or 2020/21 - 24/25"

_PERIOD = re.compile(
    r"^(?P<start>\d{4})(?:\s*/\s*(?P<fy>\d{2}|\d{4}))?"
    r"(?:\s*-\s*(?P<end>\d{2}|\d{4})(?:\s*/\s*(?P<end_fy>\d{2}|\d{4}))?)?$"
)
_HEALTH_INDEX_NAMES = {
    "overall_score": "overall score",
    "healthy_people_domain_score": "Healthy People domain score",
    "healthy_lives_domain_score": "Healthy Lives domain score",
    "healthy_places_domain_score": "Healthy Places domain score",
}


def extracts_dir() -> Path:
    """The folder of shipped extracts inside the installed package."""
    return Path(str(files("healthequity.geography").joinpath("data", "indicators")))


def shipped_extracts() -> list[str]:
    """Names of the shipped extracts, as 'folder/file.csv'."""
    root = extracts_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.csv"))


def read_extract(path_or_name: str | Path) -> pd.DataFrame:
    """Read an extract (a path, or a shipped name, file name or stem) into the fingertips layout.

    Raises FileRejected listing every problem in the file.
    """
    path, name = _resolve(path_or_name)
    raw, rows = read_cells(path, name)
    if set(TRAFFORD_COLUMNS) <= set(raw.columns):
        return _read_trafford(raw, rows, name, path.stem)
    if set(HEALTH_INDEX_COLUMNS) <= set(raw.columns):
        return _read_health_index(raw, rows, name)
    problems = [
        Problem(name, None, c, None, f"a column named {c!r} (a Fingertips extract)")
        for c in TRAFFORD_COLUMNS
        if c not in raw.columns
    ]
    raise FileRejected(name, problems)


def load_extract(warehouse: Warehouse, name: str | Path) -> int:
    """Validate a whole extract, then load it as one atomic ``fingertips`` batch; its version."""
    path, source = _resolve(name)
    frame = read_extract(path)
    return warehouse.load(
        "fingertips", frame, kind="fingertips_extract", source_name=source, sha256=sha256_of(path)
    )


def normalise_time_period(periods: pd.Series) -> pd.DataFrame:
    """Periods as Fingertips writes them ('2015 - 17', '2020/21 - 24/25'), with Fingertips'
    'Time period Sortable' (start year then 0000) and 'Time period range' ('3y').

    Returns columns ``time_period``, ``time_period_sortable``, ``time_period_range`` (missing
    where the period is not understood).
    """
    parts = periods.astype("str").str.strip().str.extract(_PERIOD.pattern)
    start = parts["start"]
    two = {c: parts[c].str.slice(-2) for c in ("fy", "end", "end_fy")}
    text = (
        start
        + ("/" + two["fy"]).fillna("")
        + (" - " + two["end"] + ("/" + two["end_fy"]).fillna("")).fillna("")
    )
    first = pd.to_numeric(start, errors="coerce")
    end = first - first % 100 + pd.to_numeric(two["end"], errors="coerce")
    end = end.where(end >= first, end + 100)
    years = (end - first + 1).fillna(1)
    ok = start.notna()
    return pd.DataFrame(
        {
            "time_period": text.where(ok),
            "time_period_sortable": (start + "0000").where(ok),
            "time_period_range": (years.astype("Int64").astype("str") + "y").where(ok),
        },
        index=periods.index,
    )


def indicator_ids(stem: str) -> list[str]:
    """The Fingertips indicator IDs in a file name: 'reception_obesity_90319_92026_93105'."""
    return re.findall(r"(?<![0-9])\d{4,6}(?![0-9])", stem)


def _resolve(path_or_name: str | Path) -> tuple[Path, str]:
    """The file and the name used in messages, for a path or a shipped extract's name."""
    given = Path(path_or_name)
    if given.is_file():
        return given, str(path_or_name)
    names = shipped_extracts()
    text = str(path_or_name)
    for name in names:
        if text in (name, name.rsplit("/", 1)[-1], Path(name).stem):
            return extracts_dir() / name, name
    raise InputError(
        f"no extract {text!r}: not a file, nor a shipped extract ({', '.join(names)})",
        field="name",
        expected="a path or the name of a shipped extract",
        values=[text],
    )


def _read_trafford(raw: pd.DataFrame, rows: np.ndarray, file: str, stem: str) -> pd.DataFrame:
    """A Trafford Data Lab extract in the fingertips layout."""
    ids = indicator_ids(stem)
    if not ids:
        expected = "a file name ending in its Fingertips indicator ID, such as le_90366.csv"
        raise FileRejected(file, [Problem(file, None, None, stem, expected)])
    text = raw.apply(lambda col: col.str.strip())
    missing = text.isin(["", "NA"])
    unit, inequality = text["unit"].mask(missing["unit"]), text["inequality"]
    inequality = inequality.mask(missing["inequality"])
    sex = unit.where(unit.isin(SEXES)).fillna(inequality.where(inequality.isin(SEXES)))
    category = inequality.where(~inequality.isin(SEXES))
    indicator = pd.Series(ids[0], index=raw.index, dtype="str")
    if len(ids) > 1:
        indicator = indicator.mask(category.notna(), ids[1])
    if len(ids) > 2:
        indicator = indicator.mask(text["area_code"].str.startswith("E05"), ids[2])
    period = normalise_time_period(text["period"])
    cells = {
        "Indicator ID": indicator,
        "Indicator Name": text["indicator"],
        "Area Code": text["area_code"],
        "Area Name": text["area_name"],
        "Area Type": text["area_type"].replace({"Country": "England"}),
        "Sex": sex.fillna("Persons"),
        "Age": indicator.map(AGES).fillna(UNKNOWN_AGE),
        "Category Type": pd.Series(DEPRIVATION_QUINTILES, index=raw.index).where(
            category.str.contains("quintile", case=False).fillna(False).astype(bool)
        ),
        "Category": category,
        "Time period": period["time_period"].fillna(text["period"]),
        "Value": text["value"].mask(missing["value"]),
        "Compared to England value or percentiles": text["compared_to_England"].mask(
            missing["compared_to_England"]
        ),
        "Time period Sortable": period["time_period_sortable"],
        "Time period range": period["time_period_range"],
    }
    bad_period = period["time_period"].isna().to_numpy()
    own = [
        Problem(file, int(r), "period", v, PERIOD_EXPECTED)
        for r, v in zip(rows[bad_period].tolist(), text["period"][bad_period].tolist(), strict=True)
    ]
    columns = {"Area Code": "area_code", "Value": "value", "Time period": "period"}
    return _validated(cells, rows, file, own, columns, list(raw.columns))


def _read_health_index(raw: pd.DataFrame, rows: np.ndarray, file: str) -> pd.DataFrame:
    """An ONS Health Index file (one column per score) in the fingertips layout."""
    scores = [c for c in raw.columns if c not in HEALTH_INDEX_COLUMNS]
    text = raw.apply(lambda col: col.str.strip())
    bad_year = ~text["year"].str.fullmatch(r"\d{4}").fillna(False).astype(bool).to_numpy()
    own = [
        Problem(file, int(r), "year", v, "a year such as 2021")
        for r, v in zip(rows[bad_year].tolist(), text["year"][bad_year].tolist(), strict=True)
    ]
    for column in scores:  # one check per score column, each vectorised over the rows
        cells = text[column]
        bad = (~cells.isin(["", "NA"]) & pd.to_numeric(cells, errors="coerce").isna()).to_numpy()
        own += [
            Problem(file, int(r), column, v, "a number, or an empty cell")
            for r, v in zip(rows[bad].tolist(), cells[bad].tolist(), strict=True)
        ]
        text[column] = cells.mask(bad | cells.eq("NA").to_numpy(), "")
    long = text.melt(id_vars=list(HEALTH_INDEX_COLUMNS), value_vars=scores, var_name="score")
    score, year = long["score"], long["year"]
    names = score.map(lambda s: _HEALTH_INDEX_NAMES.get(s, s))
    cells = {
        "Indicator ID": "ons_hi_" + score.str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True),
        "Indicator Name": "ONS Health Index: " + names,
        "Area Code": long["ltla21_code"],
        "Area Type": pd.Series("LTLA (2021)", index=long.index),
        "Sex": pd.Series("Persons", index=long.index),
        "Age": pd.Series("All ages", index=long.index),
        "Time period": year,
        "Value": long["value"],
        "Time period Sortable": (year + "0000").where(~np.tile(bad_year, len(scores))),
        "Time period range": pd.Series("1y", index=long.index),
    }
    columns = {"Area Code": "ltla21_code", "Time period": "year"}
    return _validated(cells, np.tile(rows, len(scores)), file, own, columns, list(raw.columns))


def _validated(
    cells: dict[str, pd.Series],
    rows: np.ndarray,
    file: str,
    own: list[Problem],
    columns: dict[str, str],
    order: list[str],
) -> pd.DataFrame:
    """Check the cells as a Fingertips file; problems name the extract's own columns
    (``columns`` maps Fingertips names to them; ``order`` is the file's column order)."""
    frame = pd.DataFrame(cells)
    frame = frame.reindex(columns=list(FINGERTIPS_COLUMNS))
    frame = frame.astype("str").where(frame.notna(), "")
    problems = list(own)
    try:
        tidy = validate_fingertips(frame, file, rows=rows, numeric_ids=False)
    except FileRejected as err:
        for p in err.problems:
            column = columns.get(p.column or "", p.column)
            problems.append(Problem(p.file, p.row, column, p.value, p.expected))
        tidy = pd.DataFrame()
    if problems:
        unique = list(dict.fromkeys(problems))  # a bad code shows once, not once per score
        rank = {c: i for i, c in enumerate(order)}
        unique.sort(key=lambda p: (p.row or 0, rank.get(p.column or "", len(rank))))
        raise FileRejected(file, unique)
    return tidy
