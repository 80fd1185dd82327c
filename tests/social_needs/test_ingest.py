"""Ingestion of flat extracts: every problem named by file, row and column; nothing returned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from healthequity.errors import FileRejected
from healthequity.social_needs.identifiers import identifier_cells, nhs_number_valid
from healthequity.social_needs.ingest import read_extract, read_practices, to_extract

HEADER = "practice_code,patient_id,lsoa_code,age_band,sex,ethnic_group,date,codes"
GOOD = [
    "B86001,p1,E01011264,40-44,F,White,2024-05-02,733423003;SN-FUE-01",
    "B86001,p1,E01011264,40-44,F,White,2024-09-30,SN-FOO-00",
    "B86001,p2,E01011264,0-4,M,,,",
]
TODAY = dt.date(2025, 1, 1)


def write(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def problems(path: Path, **kw: object) -> list[str]:
    with pytest.raises(FileRejected) as err:
        read_extract(path, today=TODAY, **kw)  # type: ignore[arg-type]
    return [str(p) for p in err.value.problems]


def test_a_good_extract_gives_one_row_per_code_and_round_trips(tmp_path: Path) -> None:
    records = read_extract(write(tmp_path, GOOD), today=TODAY)
    assert records["code"].tolist()[:3] == ["733423003", "SN-FUE-01", "SN-FOO-00"]
    assert pd.isna(records["code"].iloc[3]) and pd.isna(records["date"].iloc[3])
    assert records["sex"].tolist() == ["Female"] * 3 + ["Male"]
    assert records["ethnic_group"].iloc[3] == "Not known"
    back = to_extract(records)
    assert back["codes"].tolist() == ["733423003;SN-FUE-01", "SN-FOO-00", ""]


def test_unknown_codes_future_dates_bad_practice_and_lsoa_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            "B8600,p1,E01011264,40-44,F,White,2024-05-02,733423003;99999",
            "B86001,p2,E0101126,40-44,F,White,2026-01-01,SN-FOO-00",
            "B86001,p3,E01999999,40-44,X,Purple,2024-01-01,",
        ],
    )
    assert problems(path) == [
        f"{path}, row 2, column 'practice_code': 'B8600': expected an ODS GP practice code: a "
        "letter and 5 digits, such as B86001",
        f"{path}, row 2, column 'codes': '99999': expected codes of the social needs template",
        f"{path}, row 3, column 'lsoa_code': 'E0101126': expected a 2021 LSOA code of England, "
        "such as E01011264",
        f"{path}, row 3, column 'date': '2026-01-01': expected a date on or before 2025-01-01",
        f"{path}, row 4, column 'lsoa_code': 'E01999999': expected a 2021 LSOA code of England, "
        "such as E01011264",
        f"{path}, row 4, column 'sex': 'X': expected Male or Female (or M / F, 1 / 2)",
        f"{path}, row 4, column 'ethnic_group': 'Purple': expected a Census 2021 broad ethnic "
        "group (Asian, Black, Mixed, White, Other) or blank",
        f"{path}, row 4, column 'codes': '': expected at least one code for a response with a date",
    ]


def test_duplicates_and_a_patient_described_twice_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD[0], GOOD[0], GOOD[1].replace("40-44", "45-49")])
    assert problems(path) == [
        f"{path}, row 2, column 'age_band': '40-44': expected the same value on every row of a "
        "patient",
        f"{path}, row 3, column 'patient_id': 'p1': expected one response per patient and date "
        "(a duplicate of row 2, on 2024-05-02)",
        f"{path}, row 3, column 'age_band': '40-44': expected the same value on every row of a "
        "patient",
        f"{path}, row 4, column 'age_band': '45-49': expected the same value on every row of a "
        "patient",
    ]


def test_direct_identifiers_are_refused_wherever_they_are(tmp_path: Path) -> None:
    assert nhs_number_valid("943 476 5919") and not nhs_number_valid("9434765918")
    path = write(
        tmp_path,
        [
            "B86001,9434765919,E01011264,40-44,F,White,2024-05-02,SN-FOO-00",
            "B86001,p2,LS1 4AP,40-44,F,White,2024-05-02,SN-FOO-00",
            "B86001,9434765918,E01011264,40-44,F,White,2024-05-02,SN-FOO-00",
        ],
    )
    assert problems(path) == [
        f"{path}, row 2, column 'patient_id': expected no direct identifier (this looks like an "
        "NHS number)",
        f"{path}, row 3, column 'lsoa_code': expected no direct identifier (this looks like a "
        "postcode)",
    ]
    header = HEADER + ",Date of Birth,Surname,notes"
    path = write(tmp_path, [GOOD[0] + ",1980-01-01,Smith,x"], header=header)
    expected = (
        "no direct identifier: columns holding names, dates of birth, addresses, postcodes or NHS "
        "numbers are refused"
    )
    assert problems(path) == [
        f"{path}, column 'Date of Birth': expected {expected}",
        f"{path}, column 'Surname': expected {expected}",
        f"{path}, column 'notes': expected only the columns {HEADER.replace(',', ', ')}",
    ]
    assert identifier_cells(pd.Series(["E01011264", "B86001", "SN-FOO-00"])).isna().all()


def test_practices_must_be_listed_and_synthetic_codes_need_permission(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD[0].replace("B86001", "SYN001")])
    assert problems(path) == [
        f"{path}, row 2, column 'practice_code': 'SYN001': expected an ODS GP practice code: a "
        "letter and 5 digits, such as B86001"
    ]
    assert len(read_extract(path, today=TODAY, allow_synthetic=True)) == 2
    path = write(tmp_path, GOOD)
    assert problems(path, practices={"C12345"})[0] == (
        f"{path}, row 2, column 'practice_code': 'B86001': expected a practice in the practice list"
    )


def test_the_practice_list_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "practices.csv"
    path.write_text(
        "practice_code,practice_name,pcn_code,pcn_name\nB86001,A,U1234,P\nB86001,B,U12345,P\n"
    )
    with pytest.raises(FileRejected) as err:
        read_practices(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}, row 2, column 'pcn_code': 'U1234': expected a PCN code: U and 5 digits, such as "
        "U12345",
        f"{path}, row 3, column 'practice_code': 'B86001': expected each practice once",
    ]
