"""`healthequity report`: the three report files, and ward profiles with a progress bar."""

from __future__ import annotations

from pathlib import Path

import pypdf
import typer
from typer.testing import CliRunner

from healthequity.cli.report import report
from healthequity.reports.report import ReportData
from healthequity.reports.report.ward_profiles import ward_file, wards, write_ward_profiles

app = typer.Typer()
app.command()(report)


def test_report_command_writes_pdf_html_and_workbook(place_folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--place", str(place_folder), "--year", "2025",
                                      "--out", str(tmp_path), "--as-of", "2025-06-30"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("report.pdf", "report.html", "report.xlsx"):
        assert (tmp_path / name).stat().st_size > 0
        assert (
            f"Wrote {tmp_path / name}" in " ".join(result.output.split()) or name in result.output
        )
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left behind


def test_ward_profiles_command(place_folder: Path, report_data: ReportData, tmp_path: Path) -> None:
    codes = list(wards(report_data)["area_code"][:2])
    args = ["--place", str(place_folder), "--out", str(tmp_path), "--ward-profiles"]
    result = CliRunner().invoke(app, [*args, "--ward", codes[0], "--ward", codes[1]])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 ward profiles" in result.output
    files = sorted((tmp_path / "wards").glob("*.pdf"))
    assert [f.name.split("-")[0] for f in files] == sorted(codes)


def test_unknown_place_and_ward_are_clear_errors(place_folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--place", str(tmp_path)])
    assert result.exit_code == 2 and "No place.toml" in result.output
    result = CliRunner().invoke(app, ["--place", str(place_folder), "--out", str(tmp_path),
                                      "--ward-profiles", "--ward", "E05999999"])  # fmt: skip
    assert result.exit_code == 1
    assert "ward: E05999999 not a ward of Leeds in this build" in " ".join(result.output.split())


def test_a_ward_profile_names_the_ward_and_its_figures(
    report_data: ReportData, tmp_path: Path
) -> None:
    code, name = wards(report_data).iloc[0]
    [path] = write_ward_profiles(report_data, tmp_path, only=[code])
    assert path.name == ward_file(code, name)
    reader = pypdf.PdfReader(path)
    assert 1 <= len(reader.pages) <= 3
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert name in text and code in text
    rows = report_data.view.ward_latest
    mine = rows[rows["area_code"] == code]
    shown = mine.dropna(subset=["value"])
    assert len(shown) >= 3
    for value in shown["value"]:
        assert f"{value:,.1f}" in text
    if mine["value"].isna().any():  # suppressed by disclosure control: printed as a dash
        assert "–" in text
