"""The Typer application: one command group per layer."""

from __future__ import annotations

import typer

from healthequity.cli import assessment, data, place, tracker, users
from healthequity.cli import build as build_cmd
from healthequity.cli import demo as demo_cmd
from healthequity.cli import evaluate as evaluate_cmd
from healthequity.cli import report as report_cmd
from healthequity.cli import serve as serve_cmd
from healthequity.cli import social_needs as social_needs_cmd

app = typer.Typer(
    name="healthequity",
    help="A city's health equity system as a Marmot Place: indicators, data, publishing.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(place.init)
app.command()(data.load)
app.command()(data.versions)
app.command()(data.rollback)
app.command()(data.fingertips)
app.command()(build_cmd.build)
app.command()(demo_cmd.demo)
app.command()(serve_cmd.serve)
app.command()(report_cmd.report)
app.command()(evaluate_cmd.evaluate)
app.add_typer(tracker.app, name="tracker")
app.add_typer(users.app, name="users")
app.add_typer(assessment.app, name="assessment")
app.add_typer(social_needs_cmd.app, name="social-needs")
