"""The PDF: pages, each principle's heading, known figures, charts as vector graphics only."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import DictionaryObject

from healthequity.indicators.principles import PRINCIPLES
from healthequity.reports.report import ReportData
from healthequity.reports.report.content import build_document
from healthequity.reports.report.typst import compile_pdf
from healthequity.store.results import read_build
from healthequity.store.warehouse import Warehouse


@pytest.fixture(scope="module")
def pages(report_files: dict[str, Path]) -> list[str]:
    reader = pypdf.PdfReader(report_files["pdf"])
    return [p.extract_text() for p in reader.pages]


def test_page_count_matches_the_footer_and_each_principle_starts_a_page(
    pages: list[str],
) -> None:
    total = len(pages)
    assert 14 <= total <= 40
    assert f"Page {total} of {total}" in pages[-1]
    starts = {}
    for p in PRINCIPLES:
        heading = f"Principle {p.number}: {p.title}"
        hits = [i for i, text in enumerate(pages) if " ".join(text.split()).startswith(heading)]
        assert hits, f"no page starts with {heading!r}"
        starts[p.number] = hits[0]
    assert sorted(starts.values()) == list(starts.values())


def test_every_section_heading_is_in_the_text(pages: list[str]) -> None:
    text = " ".join("\n".join(pages).split())
    for heading in ["The indicator set at a glance", "The inequality summary",
                    "Accountability: the system recommendations", "Equity impact assessments",
                    "Narrative: challenges, successes and learning", "Provenance of the data",
                    "Methods annex"]:  # fmt: skip
        assert heading in text
    for p in PRINCIPLES:
        assert f"{p.number}. {p.title}" in text  # the at-a-glance subheading


def test_leeds_published_life_expectancy_is_printed(
    place_folder: Path, report_data: ReportData, pages: list[str]
) -> None:
    raw = read_build(Warehouse(place_folder / "warehouse.duckdb"), "indicator_values")
    sex = report_data.glance.set_index("indicator_id").loc["life_expectancy_birth", "sex"]
    assert (
        sex == "Female"
    )  # OHID publishes it by sex; the headline is the first, as on the dashboard
    le = raw[(raw["indicator_id"] == "life_expectancy_birth") & (raw["area_code"] == "E08000035")
             & (raw["sex"] == sex) & (raw["category_type"].fillna("") == "")]  # fmt: skip
    period = report_data.glance.set_index("indicator_id").loc["life_expectancy_birth", "period"]
    assert period == max(le["period"])  # the latest period (yyyy-yy ranges sort as text)
    latest = le[le["period"] == period].iloc[0]
    assert latest["source"] == "published"
    figure = f"{latest['value']:,.1f}"
    sentence = f"Leeds: {figure} years in {latest['period']}"
    assert sentence in " ".join("\n".join(pages).split())


def test_no_records_yet_where_the_application_has_none(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert text.count("No records yet") >= 5  # accountability, assessments, 3 narrative parts


def _xobjects(resources: DictionaryObject, seen: set[int], kinds: list[str]) -> None:
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        key = ref.idnum if hasattr(ref, "idnum") else id(ref)
        if key in seen:
            continue
        seen.add(key)
        obj = ref.get_object()
        kinds.append(str(obj.get("/Subtype")))
        inner = obj.get("/Resources")
        if inner is not None:
            _xobjects(inner.get_object(), seen, kinds)


def test_every_chart_is_an_embedded_vector_graphic(
    report_files: dict[str, Path], report_data: ReportData, pages: list[str]
) -> None:
    reader = pypdf.PdfReader(report_files["pdf"])
    kinds: list[str] = []
    seen: set[int] = set()
    chart_pages = 0
    for page in reader.pages:
        before = len(kinds)
        _xobjects(page["/Resources"].get_object(), seen, kinds)
        chart_pages += len(kinds) > before
    assert "/Image" not in kinds  # no raster image anywhere: charts are paths and text
    assert kinds and set(kinds) == {"/Form"}
    # every chart is there, captioned: one caption per chart in the document
    expected = sum(len(b["charts"]) for p in _principles(report_data) for b in p["indicators"])
    captions = re.findall(r"Chart (\d+):", "\n".join(pages))
    assert expected > 0
    assert sorted(map(int, set(captions))) == list(range(1, expected + 1))
    assert chart_pages >= 8  # a page of charts for each principle with indicators


def _principles(data: ReportData) -> list[dict]:
    return build_document(data)["principles"]


def test_same_inputs_give_the_same_pdf(report_data: ReportData) -> None:
    document = build_document(report_data)
    assert compile_pdf(document, "report.typ") == compile_pdf(document, "report.typ")
