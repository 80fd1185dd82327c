"""Reports: all 33 Leeds ward profiles rendered from a full build of the indicator set."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from bench._report import Timing, time_call, write_section
from healthequity.config import example_place_dir, load_place
from healthequity.reports.indicator_set import run_build
from healthequity.reports.report import load_report_data, write_report
from healthequity.reports.report.charts import SvgRenderer
from healthequity.reports.report.ward_profiles import wards, write_ward_profiles
from healthequity.store.warehouse import Warehouse


def run() -> list[Timing]:
    """Build Leeds once, then time the 33 ward profiles (fresh chart cache each run) and the
    annual report (PDF, HTML and workbook)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
        run_build(load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None)
        data = load_report_data(folder, year=2025, as_of=dt.date(2025, 6, 30))
        count = len(wards(data))
        timings = [
            time_call(
                f"All {count} ward profiles (spine charts to SVG, Typst PDF each)",
                lambda: write_ward_profiles(data, folder / "wards", renderer=SvgRenderer()),
                repeats=2,
                note=f"{count} PDFs; full Leeds build, {data.glance.shape[0]} indicators",
            ),
            time_call(
                "Annual report: report.pdf, report.html, report.xlsx",
                lambda: write_report(data, folder / "report", renderer=SvgRenderer()),
                repeats=1,
                note="two charts per indicator rendered fresh each run",
            ),
        ]
    write_section(
        "Reports",
        "`python -m bench reports`: the annual report and the ward profiles from a full Leeds "
        "build (load and disclosure control of the build not included).",
        timings,
    )
    return timings
