"""The command line: `healthequity COMMAND` (Typer, with Rich output)."""

from __future__ import annotations

from healthequity.cli.app import app


def main() -> None:
    """Entry point of the `healthequity` script."""
    app()


__all__ = ["app", "main"]
