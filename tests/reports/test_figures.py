"""Figures in the report equal those in the warehouse and on the dashboard, after disclosure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from healthequity.indicators.publication import publishable
from healthequity.reports.report import ReportData
from healthequity.reports.report.content import build_document
from healthequity.reports.report.data import WITHHELD_NOTE, gate_inequality
from healthequity.store.results import read_build
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app
from healthequity.web.data import load_view
from tests.reports.conftest import INDICATORS


def _raw(place_folder: Path) -> pd.DataFrame:
    return read_build(Warehouse(place_folder / "warehouse.duckdb"), "indicator_values")


def test_at_a_glance_values_equal_the_warehouse(
    place_folder: Path, report_data: ReportData
) -> None:
    raw = _raw(place_folder)
    safe = publishable(raw)
    g = report_data.glance.set_index("indicator_id")
    assert sorted(g.index) == sorted(INDICATORS)
    for ind, row in g.iterrows():
        hit = safe[(safe["indicator_id"] == ind) & (safe["area_code"] == "E08000035")
                   & (safe["sex"] == row["sex"]) & (safe["category_type"] == "")
                   & (safe["period"] == row["period"])]  # fmt: skip
        assert len(hit) == 1
        assert np.isclose(hit["value"].iloc[0], row["value"], equal_nan=True)
        unsafe = raw.loc[hit.index.intersection(raw.index)]  # noqa: F841 (rows align by build)
        full = raw[(raw["indicator_id"] == ind) & (raw["area_code"] == "E08000035")
                   & (raw["sex"] == row["sex"]) & (raw["category_type"] == "")
                   & (raw["period"] == row["period"])]  # fmt: skip
        if pd.notna(row["value"]):  # a published value is the warehouse's value
            assert np.isclose(full["value"].iloc[0], row["value"])


def test_printed_figures_equal_the_dashboards(place_folder: Path, report_data: ReportData) -> None:
    settings = Settings(place_folder, refresh_seconds=0)
    dashboard = load_view(settings, Warehouse(settings.warehouse_path), 1).overview
    document = build_document(report_data)
    printed = {row[0]: row for p in document["principles"] for row in p["glance"]["rows"]}
    for _, r in dashboard.iterrows():
        sex = "" if r["sex"] == "Persons" else f", {r['sex']}"
        row = printed[f"{r['indicator_name']} ({r['unit']}{sex})"]
        assert row[1] == r["period"]
        assert row[2] == ("–" if pd.isna(r["value"]) else f"{r['value']:,.1f}")
        assert row[3] == ("–" if pd.isna(r["england"]) else f"{r['england']:,.1f}")
        assert row[4] == (r["compared_to_england"] if pd.notna(r["compared_to_england"])
                          else "Not compared")  # fmt: skip


def test_dashboard_page_shows_the_same_city_value(
    place_folder: Path, report_data: ReportData
) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(Settings(place_folder)))
    page = client.get("/").text
    row = report_data.glance.set_index("indicator_id").loc["infant_mortality"]
    assert f"{row['value']:,.1f}" in page


def test_workbook_holds_the_reports_figures(
    report_files: dict[str, Path], report_data: ReportData
) -> None:
    book = openpyxl.load_workbook(report_files["xlsx"], read_only=True)
    for sheet in ["Contents", "Principle 1", "At a glance", "Inequality", "Poorest fastest",
                  "Accountability by theme", "By recommendation", "Overdue actions",
                  "Assessments", "Narrative", "Provenance", "Data sources", "Methods"]:  # fmt: skip
        assert sheet in book.sheetnames
    rows = list(book["At a glance"].iter_rows(values_only=True))
    header = rows[0]
    got = {r[header.index("Indicator ID")]: r[header.index("Value")] for r in rows[1:]}
    expected = report_data.glance.set_index("indicator_id")["value"]
    assert set(got) == set(expected.index)
    for ind, value in got.items():
        assert np.isclose(value, expected[ind]) if value is not None else pd.isna(expected[ind])


def test_inequality_is_withheld_where_a_group_is_suppressed() -> None:
    keys = {"indicator_id": "x", "area_code": "E08000035", "sex": "Persons", "period": "2023"}
    table = pd.DataFrame([
        {**keys, "category_type": "q", "category": "1", "value": np.nan,
         "value_note": "Suppressed for disclosure control: counts of 1 to 7"},
        {**keys, "category_type": "q", "category": "5", "value": 4.0, "value_note": None},
        {**keys, "category_type": "r", "category": "1", "value": 3.0, "value_note": None},
        {**keys, "category_type": "r", "category": "5", "value": 4.0, "value_note": None},
    ])  # fmt: skip
    inequality = pd.DataFrame([
        {**keys, "category_type": "q", "absolute_gap": 9.0, "sii": 2.0, "value_note": None},
        {**keys, "category_type": "r", "absolute_gap": 1.0, "sii": 0.5, "value_note": None},
    ])  # fmt: skip
    out = gate_inequality(inequality, table).set_index("category_type")
    assert pd.isna(out.loc["q", "absolute_gap"]) and pd.isna(out.loc["q", "sii"])
    assert out.loc["q", "value_note"] == WITHHELD_NOTE
    assert out.loc["r", "absolute_gap"] == 1.0 and out.loc["r", "sii"] == 0.5
