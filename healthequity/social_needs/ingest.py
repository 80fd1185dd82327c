"""Ingestion of completed templates: a flat CSV extract (or rows read from FHIR bundles) checked
whole, every problem reported with file, row and column, nothing returned unless all is well.

An extract has one row per completed template (a response): practice_code, patient_id
(pseudonymous), lsoa_code, age_band, sex, ethnic_group, date, codes (';'-separated template
codes). A registered patient never asked has one row with empty date and codes: that row is the
denominator of recording coverage. Refused: unknown codes, future dates, practice codes not in
the ODS format (or not in the practice list), unknown LSOAs, duplicate responses, a patient
described differently on two rows, and anything that looks like a direct identifier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healthequity.errors import FileRejected, Problem
from healthequity.geography.deprivation import iod
from healthequity.geography.populations import ETHNIC_GROUPS
from healthequity.methods.esp2013 import ESP2013_BANDS
from healthequity.social_needs.identifiers import (
    IDENTIFIER_EXPECTED,
    identifier_cells,
    is_identifier_column,
)
from healthequity.social_needs.template import Template, default_template

#: The columns of a flat extract, in order.
EXTRACT_COLUMNS: tuple[str, ...] = (
    "practice_code", "patient_id", "lsoa_code", "age_band", "sex", "ethnic_group", "date",
    "codes",
)  # fmt: skip
#: The columns of validated records: one row per recorded code (code empty: never asked).
RECORD_COLUMNS: tuple[str, ...] = (*EXTRACT_COLUMNS[:-1], "code")
#: An ODS GP practice (prescribing cost centre) code: a letter and five digits, e.g. B86001.
PRACTICE_FORMAT = r"[A-Z]\d{5}"
#: Synthetic practices: 'SYN' and three digits, which no ODS code can be (accepted only when
#: synthetic data are allowed).
SYNTHETIC_PRACTICE_FORMAT = r"SYN\d{3}"
SEXES: dict[str, str] = {"male": "Male", "m": "Male", "1": "Male",
                         "female": "Female", "f": "Female", "2": "Female"}  # fmt: skip
NOT_KNOWN = "Not known"
#: Accepted spellings of the Census 2021 broad ethnic groups (compared case-blind).
ETHNIC_SPELLINGS: dict[str, str] = {
    **{label.lower(): label for label in ETHNIC_GROUPS.values()},
    **{key.replace("_", " "): label for key, label in ETHNIC_GROUPS.items()},
    "other": ETHNIC_GROUPS["other_ethnic_group"],
    "": NOT_KNOWN, "not known": NOT_KNOWN, "not stated": NOT_KNOWN, "unknown": NOT_KNOWN,
}  # fmt: skip
MAX_PATIENT_ID = 64
EXPECTED: dict[str, str] = {
    "practice_code": "an ODS GP practice code: a letter and 5 digits, such as B86001",
    "patient_id": f"a pseudonymous id of 1 to {MAX_PATIENT_ID} letters, digits, '-' or '_'",
    "lsoa_code": "a 2021 LSOA code of England, such as E01011264",
    "age_band": "a 5-year age band: " + ", ".join(ESP2013_BANDS),
    "sex": "Male or Female (or M / F, 1 / 2)",
    "ethnic_group": "a Census 2021 broad ethnic group (Asian, Black, Mixed, White, Other) or blank",
    "date": "a date as YYYY-MM-DD (empty only for a patient never asked, with empty codes)",
    "codes": "template codes separated by ';' (empty only for a patient never asked)",
}
_REQUIRED = ("practice_code", "patient_id", "lsoa_code", "age_band", "sex")
_DESCRIBE = ("practice_code", "lsoa_code", "age_band", "sex", "ethnic_group")


@cache
def english_lsoas() -> frozenset[str]:
    """Every 2021 LSOA of England (from the shipped IoD2025 file)."""
    return frozenset(iod(2025)["lsoa_code"].astype(str))


def read_extract(
    path: str | Path,
    *,
    template: Template | None = None,
    practices: Collection[str] | None = None,
    lsoa_codes: Collection[str] | None = None,
    today: dt.date | None = None,
    allow_synthetic: bool = False,
) -> pd.DataFrame:
    """Read a flat CSV extract and check it whole: the validated records, or FileRejected.

    Rows are numbered as CSV lines (the header is line 1).
    """
    path = Path(path)
    name = str(path)
    if path.suffix.lower() != ".csv":
        raise FileRejected(name, [Problem(name, None, None, path.suffix, "a .csv file")])
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileRejected(name, [Problem(name, None, None, None, "an existing file")]) from None
    except UnicodeDecodeError:
        raise FileRejected(name, [Problem(name, None, None, None, "UTF-8 text")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        found = re.search(r"line (\d+)", str(err))
        row = int(found.group(1)) if found else None
        raise FileRejected(
            name, [Problem(name, row, None, None, f"a well-formed CSV file ({err})")]
        ) from None
    return validate_extract(
        raw,
        file=name,
        first_row=2,
        template=template,
        practices=practices,
        lsoa_codes=lsoa_codes,
        today=today,
        allow_synthetic=allow_synthetic,
    )


def validate_extract(
    frame: pd.DataFrame,
    *,
    file: str = "extract",
    first_row: int = 1,
    rows: np.ndarray | None = None,
    template: Template | None = None,
    practices: Collection[str] | None = None,
    lsoa_codes: Collection[str] | None = None,
    today: dt.date | None = None,
    allow_synthetic: bool = False,
) -> pd.DataFrame:
    """Check a flat extract held in memory; return the records (one row per code).

    ``rows`` (or ``first_row``) numbers the rows as the user sees them. ``practices`` limits
    practice codes to a list; ``lsoa_codes`` defaults to every 2021 LSOA of England.
    """
    template = template or default_template()
    raw = frame.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    numbers = np.asarray(rows) if rows is not None else first_row + np.arange(len(raw))
    problems = _column_problems(raw, file)
    if problems:
        raise FileRejected(file, problems)
    raw = raw.rename(columns=str.lower)[list(EXTRACT_COLUMNS)].reset_index(drop=True)
    if raw.empty:
        raise FileRejected(file, [Problem(file, None, None, None, "at least one row")])
    text = {c: raw[c].astype("string").fillna("").str.strip() for c in EXTRACT_COLUMNS}
    found: list[tuple[int, str, object, str]] = []

    def flag(
        mask: pd.Series | np.ndarray, column: str, expected: str, values: object = None
    ) -> None:
        shown = text[column] if values is None else values
        for pos in np.flatnonzero(np.asarray(mask, dtype=bool)):
            found.append((int(pos), column, shown.iloc[pos], expected))  # type: ignore[attr-defined]

    for column in EXTRACT_COLUMNS:  # direct identifiers first: they are the worst problem
        kind = identifier_cells(text[column])
        for pos in np.flatnonzero(kind.notna().to_numpy()):
            found.append(
                (int(pos), column, None, f"no direct identifier (this looks like {kind[pos]})")
            )
    has_identifier = {p for p, *_ in found}

    for column in _REQUIRED:
        flag(text[column] == "", column, "a value (the cell is empty)")
    practice = text["practice_code"].str.upper()
    pattern = PRACTICE_FORMAT + (f"|{SYNTHETIC_PRACTICE_FORMAT}" if allow_synthetic else "")
    well_formed = practice.str.fullmatch(pattern).fillna(False).astype(bool)
    flag((practice != "") & ~well_formed, "practice_code", EXPECTED["practice_code"])
    if practices is not None:
        listed = practice.isin(set(practices))
        flag(well_formed & ~listed, "practice_code", "a practice in the practice list")
    patient = text["patient_id"]
    good_id = patient.str.fullmatch(rf"[A-Za-z0-9_-]{{1,{MAX_PATIENT_ID}}}").fillna(False)
    flag((patient != "") & ~good_id.astype(bool), "patient_id", EXPECTED["patient_id"])
    lsoa = text["lsoa_code"].str.upper()
    known = lsoa.isin(set(lsoa_codes) if lsoa_codes is not None else english_lsoas())
    flag((lsoa != "") & ~known, "lsoa_code", EXPECTED["lsoa_code"])
    band = text["age_band"]
    flag((band != "") & ~band.isin(ESP2013_BANDS), "age_band", EXPECTED["age_band"])
    sex = text["sex"].str.lower().map(SEXES)
    flag((text["sex"] != "") & sex.isna(), "sex", EXPECTED["sex"])
    ethnic = text["ethnic_group"].str.lower().map(ETHNIC_SPELLINGS)
    flag(ethnic.isna(), "ethnic_group", EXPECTED["ethnic_group"])

    date_text = text["date"]
    iso = date_text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    date = pd.to_datetime(date_text.where(iso), format="%Y-%m-%d", errors="coerce")
    flag((date_text != "") & date.isna(), "date", EXPECTED["date"])
    today = today or dt.date.today()
    flag((date > pd.Timestamp(today)).fillna(False), "date", f"a date on or before {today}")

    at, code = _codes_by_row(text["codes"])
    asked = pd.Series(np.bincount(at, minlength=len(raw)) > 0)
    unknown = ~np.isin(code, list(template.domain_of()))
    unknown_text = pd.Series(code[unknown]).groupby(at[unknown]).agg(";".join)
    for row, value in zip(unknown_text.index.to_numpy(), unknown_text.to_numpy(), strict=True):
        found.append((int(row), "codes", value, "codes of the social needs template"))
    repeated = pd.DataFrame({"at": at, "code": code}).duplicated().to_numpy()
    for row in np.setdiff1d(np.unique(at[repeated]), unknown_text.index.to_numpy()):
        found.append((int(row), "codes", text["codes"].iloc[row], "each code once in a response"))
    flag(asked & (date_text == ""), "date", "a date for a response with codes")
    flag(~asked & (date_text != ""), "codes", "at least one code for a response with a date")

    key = pd.DataFrame({"patient": patient, "date": date_text})
    first = key.groupby(["patient", "date"], sort=False).cumcount() > 0
    first_pos = key.reset_index().groupby(["patient", "date"], sort=False)["index"].transform("min")
    for pos in np.flatnonzero(first.to_numpy() & (patient != "").to_numpy()):
        other = int(numbers[first_pos.iloc[pos]])
        when = f"on {date_text.iloc[pos]}" if date_text.iloc[pos] else "with no response"
        found.append(
            (int(pos), "patient_id", patient.iloc[pos],
             f"one response per patient and date (a duplicate of row {other}, {when})")
        )  # fmt: skip
    who, _ = pd.factorize(patient)
    both = _varies_within(who, asked)
    flag(both & ~asked.to_numpy(), "codes", "no 'never asked' row for a patient who has responses")
    for column in _DESCRIBE:
        varies = _varies_within(who, text[column].str.upper())
        flag(varies, column, "the same value on every row of a patient")

    found = [f for f in found if f[0] not in has_identifier or f[3].startswith("no direct")]
    if found:
        order = {c: i for i, c in enumerate(EXTRACT_COLUMNS)}
        found.sort(key=lambda f: (f[0], order[f[1]]))
        raise FileRejected(file, [Problem(file, int(numbers[p]), c, v, e) for p, c, v, e in found])
    rows_of = pd.DataFrame(
        {
            "practice_code": practice,
            "patient_id": patient,
            "lsoa_code": lsoa,
            "age_band": band,
            "sex": sex,
            "ethnic_group": ethnic,
            "date": date.astype("datetime64[s]"),
        }
    )
    # each response once per code, a row never asked once with no code, in the file's order
    never = np.flatnonzero(~asked.to_numpy())
    where = np.concatenate([at, never])
    in_file_order = np.argsort(where, kind="stable")
    records = rows_of.iloc[where[in_file_order]].reset_index(drop=True)
    coded = np.concatenate([code, np.full(len(never), None, dtype=object)])
    records["code"] = coded[in_file_order]
    return records.astype({c: "str" for c in RECORD_COLUMNS if c not in ("date", "code")}).astype(
        {"code": "string"}
    )[list(RECORD_COLUMNS)]


def _codes_by_row(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The codes of every row, one entry per code in the file's order: (row position, code),
    split at ';' (spaces around it ignored), upper case, empty parts dropped. Arrow kernels:
    no Python call per row."""
    text = pc.utf8_upper(pa.array(codes.to_numpy(dtype=object), type=pa.string()))
    lists = pc.split_pattern(pc.replace_substring_regex(text, r"\s*;\s*", ";"), ";")
    flat, parent = pc.list_flatten(lists), pc.list_parent_indices(lists)
    keep = pc.not_equal(flat, "")
    at = parent.filter(keep).to_numpy().astype(np.int64)
    return at, np.asarray(flat.filter(keep).to_pylist(), dtype=object)


def _varies_within(group: np.ndarray, values: pd.Series) -> np.ndarray:
    """Per row: whether its group (integer codes, as pd.factorize gives) holds more than one
    distinct value of ``values``."""
    value, _ = pd.factorize(values, use_na_sentinel=False)
    width = int(value.max()) + 1 if len(value) else 1
    pairs = np.sort(group.astype(np.int64) * width + value)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    per_group = np.bincount(pairs // width, minlength=int(group.max()) + 1 if len(group) else 0)
    return per_group[group] > 1


def to_extract(records: pd.DataFrame) -> pd.DataFrame:
    """Records back to the flat extract layout (one row per response, codes joined by ';')."""
    keys = [c for c in RECORD_COLUMNS if c != "code"]
    frame = records.assign(
        date=records["date"].dt.strftime("%Y-%m-%d").fillna(""),
        code=records["code"].astype("string").fillna(""),
    )
    out = frame.groupby(keys, sort=False, dropna=False)["code"].agg(
        lambda cs: ";".join(c for c in cs if c)
    )
    return out.rename("codes").reset_index()[list(EXTRACT_COLUMNS)]


def _column_problems(raw: pd.DataFrame, file: str) -> list[Problem]:
    """Identifier columns, unknown columns, missing and repeated columns."""
    names = [str(c).strip() for c in raw.columns]
    lower = [n.lower() for n in names]
    problems = [
        Problem(file, None, n, None, IDENTIFIER_EXPECTED) for n in names if is_identifier_column(n)
    ]
    problems += [
        Problem(file, None, n, None, "only the columns " + ", ".join(EXTRACT_COLUMNS))
        for n, low in zip(names, lower, strict=True)
        if low not in EXTRACT_COLUMNS and not is_identifier_column(n)
    ]
    problems += [
        Problem(file, None, c, None, f"a column named {c!r}")
        for c in EXTRACT_COLUMNS
        if c not in lower
    ]
    twice = sorted({n for n in lower if lower.count(n) > 1})
    problems += [Problem(file, None, c, None, "each column once") for c in twice]
    return problems


PRACTICE_COLUMNS: tuple[str, ...] = ("practice_code", "practice_name", "pcn_code", "pcn_name")
#: A PCN code: 'U' and five digits (ODS); synthetic PCNs 'SYNP' and two digits.
PCN_FORMAT = r"U\d{5}"
SYNTHETIC_PCN_FORMAT = r"SYNP\d{2}"


def read_practices(path: str | Path, *, allow_synthetic: bool = False) -> pd.DataFrame:
    """The practice list (practice_code, practice_name, pcn_code, pcn_name), checked whole."""
    name = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileRejected(name, [Problem(name, None, None, None, "an existing file")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise FileRejected(name, [Problem(name, None, None, None, f"a CSV file ({err})")]) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    problems = [
        Problem(name, None, c, None, f"a column named {c!r}")
        for c in PRACTICE_COLUMNS
        if c not in raw.columns
    ]
    if problems:
        raise FileRejected(name, problems)
    practice = PRACTICE_FORMAT + (f"|{SYNTHETIC_PRACTICE_FORMAT}" if allow_synthetic else "")
    pcn = PCN_FORMAT + (f"|{SYNTHETIC_PCN_FORMAT}" if allow_synthetic else "")
    for line, row in enumerate(raw.itertuples(index=False), start=2):
        if not re.fullmatch(practice, str(row.practice_code)):
            problems.append(
                Problem(name, line, "practice_code", row.practice_code, EXPECTED["practice_code"])
            )
        if not re.fullmatch(pcn, str(row.pcn_code)):
            problems.append(
                Problem(
                    name,
                    line,
                    "pcn_code",
                    row.pcn_code,
                    "a PCN code: U and 5 digits, such as U12345",
                )
            )
    for dup in np.flatnonzero(raw["practice_code"].duplicated().to_numpy()):
        problems.append(
            Problem(
                name,
                int(dup) + 2,
                "practice_code",
                raw["practice_code"].iloc[dup],
                "each practice once",
            )
        )
    if problems:
        raise FileRejected(name, problems)
    return raw[list(PRACTICE_COLUMNS)].reset_index(drop=True)
