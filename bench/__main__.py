"""Run the benchmarks: `python -m bench [name ...]` (default: all)."""

from __future__ import annotations

import importlib
import sys

SUITES = ["methods", "records", "web", "reports", "assessment", "social_needs", "build"]


def main(argv: list[str]) -> None:
    """Run each named suite (or all); each writes its own section of docs/benchmarks.md."""
    for name in argv or SUITES:
        if name not in SUITES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(SUITES)}")
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
