"""`healthequity evaluate CONFIG`: run an evaluation and write its results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthequity.cli._common import console, run_or_exit, step
from healthequity.evaluation import evaluate as run_evaluation
from healthequity.evaluation import load_config, results_table, write_results
from healthequity.evaluation.report import SYNTHETIC_BANNER, interpretation


def evaluate(
    config: Annotated[Path, typer.Argument(help="Evaluation config (YAML).", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder (default: a folder named after CONFIG beside it)."),
    ] = None,
    svg: Annotated[bool, typer.Option(help="Render the charts as SVG too.")] = True,
) -> None:
    """Evaluate a place-based intervention: matched comparison areas, DiD, event study, ITS."""
    settings = run_or_exit(lambda: load_config(config))
    with step("Matching comparison areas and fitting the models"):
        result = run_or_exit(lambda: run_evaluation(settings))
    folder = out or config.with_suffix("").with_name(config.stem + "-results")
    with step("Writing the results"):
        written = run_or_exit(lambda: write_results(result, folder, svg=svg))
    if settings.synthetic:
        console.print(f"[bold yellow]{SYNTHETIC_BANNER}[/bold yellow]")
    table = Table(title=settings.name)
    for column in ("estimator", "estimate", "lower", "upper", "p_value"):
        table.add_column(column, justify="left" if column == "estimator" else "right")
    for row in results_table(result).itertuples(index=False):
        table.add_row(
            str(row.estimator),
            f"{row.estimate:.3f}",
            f"{row.lower:.3f}",
            f"{row.upper:.3f}",
            f"{row.p_value:.3g}",
        )
    console.print(table)
    for paragraph in interpretation(result):
        console.print(paragraph)
    console.print(f"Wrote {written} (report: {written / 'report.md'})")
