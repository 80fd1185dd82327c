"""The report as an Excel workbook for analysts: the indicator download's sheets
(``healthequity.indicators.downloads.write_workbook``) plus a sheet per report section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from healthequity.indicators.downloads import write_workbook
from healthequity.reports.report._files import write_atomic
from healthequity.reports.report.data import ReportData
from healthequity.reports.report.methods_annex import methods_annex

GLANCE_COLUMNS = {
    "principle": "Principle", "indicator_id": "Indicator ID", "indicator_name": "Indicator",
    "unit": "Unit", "sex": "Sex", "period": "Period", "value": "Value", "lower_95": "Lower 95% CI",
    "upper_95": "Upper 95% CI", "england": "England",
    "compared_to_england": "Compared with England",
    "recent_trend": "Recent trend", "gap_period": "Gap period", "gap_groups": "Gap groups",
    "absolute_gap": "Gap (most - least deprived)", "sii": "SII",
    "verdict": "Poorest improving fastest?", "evidence": "Evidence", "source": "Source",
}  # fmt: skip


def _table(t: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(t["rows"], columns=t["columns"])


def report_sheets(data: ReportData, document: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The report's sections as sheets: figures as numbers where the report shows numbers."""
    glance = data.glance.reindex(columns=list(GLANCE_COLUMNS)).rename(columns=GLANCE_COLUMNS)
    city = data.inequality[data.inequality["area_code"] == data.city_code]
    acc = data.accountability
    return {
        "At a glance": glance,
        "Inequality": city,
        "Poorest fastest": data.view.verdicts[data.view.verdicts["area_code"] == data.city_code],
        "Accountability by theme": acc.themes,
        "By recommendation": acc.recommendations,
        "Overdue actions": acc.overdue,
        "Assessments": data.assessments,
        "Narrative": data.narrative,
        "Provenance": _table(document["provenance"]),
        "Data sources": _table(document["sources"]),
        "Methods": methods_annex(data.table),
    }


def write_report_workbook(data: ReportData, document: dict[str, Any], path: Path) -> Path:
    """Write the workbook atomically: the publishable indicator table by principle, then the
    report's sheets."""
    sheets = report_sheets(data, document)
    return write_atomic(path, lambda tmp: write_workbook(data.table, tmp, extra_sheets=sheets))
