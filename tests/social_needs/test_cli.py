"""`healthequity social-needs`: questionnaire, synthetic, ingest (all or nothing), publish."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthequity.cli.place import init
from healthequity.cli.social_needs import app
from healthequity.store.warehouse import Warehouse

runner = CliRunner()
# ibis 12 reads a pandas option that pandas 3 deprecates; not this package's warning.
pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")


def test_questionnaire_synthetic_ingest_publish(tmp_path: Path) -> None:
    import typer

    setup = typer.Typer()
    setup.command()(init)
    setup.command("noop")(lambda: None)
    place = tmp_path / "leeds"
    assert runner.invoke(setup, ["init", str(place)]).exit_code == 0

    out = tmp_path / "q.json"
    result = runner.invoke(app, ["questionnaire", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["resourceType"] == "Questionnaire"

    extract = place / "extract.csv"
    result = runner.invoke(app, ["synthetic", str(extract), "--patients", "4000"])
    assert result.exit_code == 0, result.output
    assert (place / "social_needs_practices.csv").exists()

    refused = runner.invoke(app, ["ingest", str(extract), "--place", str(place)])
    assert refused.exit_code == 1
    assert "SYN" in refused.output and "nothing was loaded" in refused.output

    loaded = runner.invoke(app, ["ingest", str(extract), "--synthetic", "--place", str(place)])
    assert loaded.exit_code == 0, loaded.output
    assert "4,000 patients" in loaded.output

    published = tmp_path / "out" / "social_needs.csv"
    args = ["publish", str(published), "--synthetic", "--place", str(place),
            "--start", "2024-04-01", "--end", "2025-03-31"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(published)
    assert set(table["period"]) == {"2024/25"}
    assert table["source"].str.startswith("synthetic").all()
    prevalence = table[table["indicator_id"].str.startswith("sn-need-")]
    assert prevalence["coverage_indicator_id"].notna().all()

    # a practice list that lacks a practice of the records is named, and nothing is stored
    listed = pd.read_csv(place / "social_needs_practices.csv")
    trimmed = tmp_path / "trimmed.csv"
    listed.iloc[1:].to_csv(trimmed, index=False)
    versions = len(Warehouse(place / "warehouse.duckdb").versions())
    refused = runner.invoke(
        app, ["publish", "--synthetic", "--place", str(place), "--practices", str(trimmed)]
    )
    assert refused.exit_code == 1, refused.output
    assert f"the records name practice {listed['practice_code'].iloc[0]}" in refused.output
    assert len(Warehouse(place / "warehouse.duckdb").versions()) == versions
