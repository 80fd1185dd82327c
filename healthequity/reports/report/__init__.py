"""The annual progress report, board pack and ward profiles, generated from the system's data.

``load_report_data`` gathers one place's latest build (made publishable) and its application
records; ``write_report`` writes the PDF (Typst), the accessible HTML and the Excel workbook;
``write_ward_profiles`` writes one short PDF per ward.
"""

from healthequity.reports.report.data import ReportData, load_report_data
from healthequity.reports.report.output import write_report

__all__ = ["ReportData", "load_report_data", "write_report"]
