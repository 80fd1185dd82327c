"""Write the report in its three forms: report.pdf (Typst), report.html and report.xlsx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from healthequity.reports.report.charts import Chart, SvgRenderer
from healthequity.reports.report.content import build_document
from healthequity.reports.report.data import ReportData
from healthequity.reports.report.html import write_html
from healthequity.reports.report.typst import write_pdf
from healthequity.reports.report.workbook import write_report_workbook

REPORT_FILES = ("report.pdf", "report.html", "report.xlsx")


def write_report(
    data: ReportData,
    out: str | Path,
    *,
    renderer: SvgRenderer | None = None,
    on_chart: Callable[[Chart], None] | None = None,
) -> list[Path]:
    """The PDF, HTML and workbook of ``data`` in folder ``out``; returns the paths written."""
    folder = Path(out)
    document = build_document(data, renderer, on_chart)
    return [
        write_pdf(document, "report.typ", folder / REPORT_FILES[0]),
        write_html(document, folder / REPORT_FILES[1]),
        write_report_workbook(data, document, folder / REPORT_FILES[2]),
    ]
