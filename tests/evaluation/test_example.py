"""The shipped worked example: data as generated, the planted effect recovered, the CLI's
results folder (manifest, tables, charts, report), disclosure, and the generated doc."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from healthequity.cli.evaluate import evaluate as evaluate_command
from healthequity.disclosure import check_published
from healthequity.evaluation import evaluate, load_config, load_results, parse_config, write_results
from healthequity.evaluation.example import (
    EXAMPLE_CONFIG,
    EXAMPLE_DATA,
    EXAMPLE_EFFECT,
    example_panel,
    example_report,
)
from healthequity.evaluation.report import published_series

DOC = Path(__file__).parents[2] / "docs" / "evaluation-example.md"


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return evaluate(load_config(EXAMPLE_CONFIG))


def test_shipped_data_is_the_generated_example() -> None:
    shipped = pd.read_csv(EXAMPLE_DATA, dtype={"period": str})
    made = example_panel()
    assert shipped.shape == (488 * 11, 6)
    pd.testing.assert_frame_equal(shipped, made.astype({"period": str}), check_dtype=False)
    assert shipped["synthetic"].all()


def test_example_recovers_the_planted_effect(result) -> None:  # type: ignore[no-untyped-def]
    assert len(result.treated_areas) == 33  # the 2021 LSOAs of the two licensing wards
    assert result.did.lower < EXAMPLE_EFFECT < result.did.upper
    assert result.did.upper < 0
    assert result.event.pretrend.p_value > 0.05
    assert len(result.matched.comparison) == 99
    assert not set(result.matched.comparison) & set(result.treated_areas)


def test_no_effect_found_where_none_was_planted(tmp_path: Path) -> None:
    path = tmp_path / "null.csv"
    example_panel(effect=0.0, seed=7).to_csv(path, index=False)
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["outcome"]["counts"] = str(path)
    res = evaluate(parse_config(raw))
    assert res.did.lower < 0 < res.did.upper


def test_staggered_groups_use_sun_abraham(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["outcome"]["counts"] = str(EXAMPLE_DATA)
    raw["intervention"] = {
        "groups": [
            {"name": "Beeston", "areas": ["E05012647"], "start": 2020},
            {"name": "Harehills", "areas": ["E05011394"], "start": 2018},
        ]
    }
    res = evaluate(parse_config(raw))
    assert res.staggered is not None and res.headline is res.staggered.overall
    assert set(res.staggered.cohort_effects["cohort"]) == {2018, 2020}


def test_cli_writes_a_loadable_results_folder(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(evaluate_command)
    app.command("noop")(lambda: None)
    out = tmp_path / "results"
    run = CliRunner().invoke(app, ["evaluate", str(EXAMPLE_CONFIG), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "SYNTHETIC DATA" in run.output and f"Wrote {out}" in run.output
    loaded = load_results(out)
    manifest = loaded["manifest"]
    assert manifest["kind"] == "healthequity-evaluation" and manifest["synthetic"] is True
    assert manifest["headline"]["lower"] < EXAMPLE_EFFECT < manifest["headline"]["upper"]
    for chart in manifest["files"]["charts"].values():
        spec = json.loads((out / chart["spec"]).read_text())
        assert spec["$schema"].endswith("vega-lite/v5.json")
        assert (out / chart["svg"]).read_text().startswith("<svg")
    assert loaded["tables"]["results"]["estimator"].iloc[0] == "DiD (two-way fixed effects)"
    assert (out / "report.md").read_text().startswith("# Selective licensing")
    # published series pass the disclosure audit
    for name in ("trends", "its"):
        table = loaded["tables"][name]
        assert (
            check_published(
                table, count_columns=["numerator", "denominator"], value_columns=["value"]
            )
            == []
        )


def test_cli_bad_config_exits_with_the_message(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["outcome"]["counts"] = str(EXAMPLE_DATA)
    raw["intervention"]["start"] = 2030
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    app = typer.Typer()
    app.command()(evaluate_command)
    app.command("noop")(lambda: None)
    run = CliRunner().invoke(app, ["evaluate", str(path), "--out", str(tmp_path / "o")])
    assert run.exit_code == 1
    assert "intervention.start: 2030 is after the last period" in run.output
    assert not (tmp_path / "o").exists()


def test_small_counts_are_suppressed_in_published_series() -> None:
    series = pd.DataFrame(
        {
            "year": [2019, 2020],
            "period": ["2019", "2020"],
            "numerator": [3.0, 40.0],
            "denominator": [1000.0, 1003.0],
            "value": [3.0, 39.88],
        }
    )
    out = published_series(series)
    assert pd.isna(out.loc[0, "numerator"]) and pd.isna(out.loc[0, "value"])
    assert out.loc[1, "numerator"] == 40 and out.loc[1, "denominator"] == 1005


def test_rewriting_results_replaces_the_folder(tmp_path: Path, result) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r"
    write_results(result, out, svg=False)
    (out / "stale.txt").write_text("x")
    write_results(result, out, svg=False)
    assert not (out / "stale.txt").exists() and (out / "manifest.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_doc_is_the_generated_example_report() -> None:
    assert DOC.read_text(encoding="utf-8") == example_report()
