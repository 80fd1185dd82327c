"""Export as JSON (round trip) and PDF (its text), and the batch import from the spreadsheet
template: every row or none, with each problem's row and column."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from healthequity.assessment import batch, export, serialise, services, workflow
from healthequity.assessment.models import Assessment
from healthequity.errors import InputError
from tests.accountability.seed import Seeded
from tests.assessment.conftest import TODAY
from tests.assessment.factories import complete_values


def _published(seeded: Seeded) -> int:
    with seeded.db.session() as session:
        ident = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(recommendations=[3]), today=TODAY
        ).id
    for who, move in (("editor_a", "submit"), ("sponsor", "sign_off"), ("editor_a", "publish")):
        with seeded.db.session() as session:
            a = session.get(Assessment, ident)
            assert a is not None
            workflow.transition(session, seeded.actors[who], ident, move, a.version, today=TODAY)
    return ident


def test_json_round_trip(seeded: Seeded) -> None:
    ident = _published(seeded)
    with seeded.db.session() as session:
        a = services.get_assessment(session, ident)
        data = json.loads(export.to_json(a, today=TODAY))
    assert data["format"] == "healthequity.assessment/1"
    assert data["status"] == "published" and data["recommendations"] == [3]
    assert data["workflow"]["sponsor"] == "Sam Senior, Director of Public Health"
    fields = {k: data[k] for k in services.FIELDS if k not in ("areas", "area_geojson")}
    fields["areas"] = [x["code"] for x in data["areas"]]
    fields["impacts"] = data["impacts"]
    with seeded.db.session() as session:
        copy = services.create_assessment(session, seeded.actors["editor_a"], fields, today=TODAY)
        again = serialise.to_dict(copy)
    for key in services.FIELDS:
        assert again[key] == data[key], key


def test_pdf_holds_the_record(seeded: Seeded) -> None:
    ident = _published(seeded)
    with seeded.db.session() as session:
        pdf = export.to_pdf(services.get_assessment(session, ident), today=TODAY)
        same = export.to_pdf(services.get_assessment(session, ident), today=TODAY)
    assert pdf.startswith(b"%PDF") and pdf == same
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Armley and Beeston regeneration" in text
    assert "Signed off by Sam Senior, Director of Public Health" in text
    assert "Beeston & Holbeck (E05012647)" in text
    assert "Rents may rise and displace private renters" in text


def test_the_shipped_template_is_current(tmp_path: Path) -> None:
    fresh = batch.write_template(tmp_path / "t.xlsx")
    for path in (batch.TEMPLATE, fresh):
        sheet = load_workbook(path)[batch.SHEET]
        assert [c.value for c in sheet[1]] == list(batch.HEADERS)


def _workbook(path: Path, rows: list[dict[str, object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = batch.SHEET
    sheet.append(list(batch.HEADERS))
    for row in rows:
        sheet.append([row.get(h) for h in batch.HEADERS])
    book.save(path)
    return path


def _row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "title": "Selective licensing, Harehills",
        "kind": "licensing scheme",
        "organisation": "Leeds City Council",
        "owner_name": "Head of Housing",
        "principles": "4;6",
        "areas": "Gipton & Harehills",
        "housing_rating": "positive",
        "review_date": dt.date(2026, 9, 1),
        "monitoring_indicators": "children_relative_low_income",
        "recommendations": "3",
    }
    row.update(overrides)
    return row


def test_batch_import(seeded: Seeded, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "ok.xlsx", [_row(), _row(title="Budget change", kind="budget change")]
    )
    with seeded.db.session() as session:
        made = batch.import_workbook(session, seeded.actors["editor_a"], path, today=TODAY)
        assert [a.title for a in made] == ["Selective licensing, Harehills", "Budget change"]
        assert made[0].impact("housing").rating == "positive"  # type: ignore[union-attr]
        assert made[0].review_date == dt.date(2026, 9, 1)
        assert [x.area_name for x in made[0].areas] == ["Gipton & Harehills"]


def test_batch_with_problems_saves_nothing(seeded: Seeded, tmp_path: Path) -> None:
    rows = [
        _row(),
        _row(areas="Narnia"),
        _row(race_rating="negative"),
        _row(review_date="2020-01-01"),
    ]
    path = _workbook(tmp_path / "bad.xlsx", rows)
    with pytest.raises(batch.BatchRejected) as err, seeded.db.session() as session:
        batch.import_workbook(session, seeded.actors["editor_a"], path, today=TODAY)
    assert [p.split(":")[0] for p in err.value.problems] == [
        "bad.xlsx, row 3, column areas",
        "bad.xlsx, row 4, column race_rationale",
        "bad.xlsx, row 5, column review_date",
    ]
    assert str(err.value).startswith("bad.xlsx: 3 problem(s); nothing was imported:")
    with seeded.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_batch_with_wrong_header(seeded: Seeded, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = batch.SHEET
    sheet.append(["title", "colour"])
    book.save(tmp_path / "h.xlsx")
    refused = pytest.raises(InputError, match=r"h.xlsx, row 1: the header does not match")
    with refused, seeded.db.session() as session:
        batch.import_workbook(session, seeded.actors["editor_a"], tmp_path / "h.xlsx", today=TODAY)
