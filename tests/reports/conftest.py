"""A small build in a temporary Leeds place, its report written once, shared by the report tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from healthequity.config import example_place_dir, load_place
from healthequity.reports.indicator_set import run_build
from healthequity.reports.report import ReportData, load_report_data, write_report
from healthequity.reports.report.charts import SvgRenderer
from healthequity.store.warehouse import Warehouse
from tests.accountability.databases import db, empty_db

__all__ = ["db", "empty_db"]

#: One or more indicators under most principles, incl. Leeds' published life expectancy.
INDICATORS = [
    "smoking_at_delivery",
    "infant_mortality",
    "neet_16_17",
    "claimant_rate",
    "children_relative_low_income",
    "homelessness_duty",
    "life_expectancy_birth",
    "hate_crime_rate",
    "pm25_concentration",
]
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="session")
def place_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Leeds place folder with one build of ``INDICATORS`` (no application database)."""
    folder = tmp_path_factory.mktemp("report-place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None,
              only=INDICATORS)  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def report_data(place_folder: Path) -> ReportData:
    return load_report_data(place_folder, year=2025, as_of=AS_OF)


@pytest.fixture(scope="session")
def renderer() -> SvgRenderer:
    return SvgRenderer()


@pytest.fixture(scope="session")
def report_files(
    report_data: ReportData, renderer: SvgRenderer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    paths = write_report(report_data, out, renderer=renderer)
    return {p.suffix.lstrip("."): p for p in paths}
