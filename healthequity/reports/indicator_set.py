"""Build, store and publish the indicator set in one step (what `healthequity build` runs).

The internal tables (full figures) go to the warehouse; the downloads are made from the
publishable table, after disclosure control.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from healthequity.config import Place
from healthequity.indicators.build import Progress, build
from healthequity.indicators.catalogue import Catalogue
from healthequity.indicators.downloads import write_fingertips, write_workbook
from healthequity.indicators.headline import city_summary, poorest_fastest
from healthequity.indicators.inequality import inequality_by_period
from healthequity.indicators.publication import publishable
from healthequity.store.results import save_build
from healthequity.store.warehouse import Warehouse
from healthequity.synthetic.provider import synthetic_indicator_counts

VALUE_TABLE = "indicator_values"


@dataclass
class BuildOutputs:
    """What one run produced: tables, the build id in the warehouse, and the files written."""

    place: str
    build_id: int
    table: pd.DataFrame
    inequality: pd.DataFrame
    verdicts: pd.DataFrame
    summary: pd.DataFrame
    skipped: dict[str, str]
    files: list[Path] = field(default_factory=list)

    def summary_rows(self) -> list[tuple[str, str]]:
        """Lines for the console: indicators, rows, principles, verdicts."""
        t = self.table
        rows = [
            ("indicators built", f"{t['indicator_id'].nunique():,}"),
            ("principles covered", ", ".join(map(str, sorted(t["principle"].unique())))),
            ("rows", f"{len(t):,}"),
            ("areas", f"{t['area_code'].nunique():,}"),
            ("rows from synthetic demo data", f"{int((t['source'] == 'synthetic').sum()):,}"),
        ]
        counts = self.verdicts["verdict"].value_counts()
        rows += [(f"verdict: {v}", f"{n:,}") for v, n in counts.items()]
        rows += [(f"skipped: {k}", why) for k, why in self.skipped.items()]
        return rows


def run_build(
    place: Place,
    catalogue: Catalogue | None = None,
    *,
    warehouse: Warehouse,
    out: Path | None,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> BuildOutputs:
    """Build (``data: synthetic`` indicators from the demo generator), analyse, store and
    (when ``out`` is given) write the downloads."""
    result = build(
        place,
        catalogue,
        warehouse=warehouse,
        only=only,
        progress=progress,
        synthetic=synthetic_indicator_counts,
    )
    table = result.table
    inequality = inequality_by_period(table)
    verdicts = poorest_fastest(table, inequality)
    summary = city_summary(verdicts)
    build_id = save_build(
        warehouse,
        {VALUE_TABLE: table, "inequality": inequality, "verdicts": verdicts},
        built_at=result.built_at,
        place=place.name,
        summary={"indicators": result.built, "skipped": result.skipped, "rows": len(table)},
    )
    outputs = BuildOutputs(
        place.name, build_id, table, inequality, verdicts, summary, result.skipped
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        safe = publishable(table)
        outputs.files.append(write_fingertips(safe, out / "indicators_fingertips.csv"))
        sheets = {"Inequality": inequality, "Poorest fastest": verdicts, "Summary": summary}
        outputs.files.append(write_workbook(safe, out / "indicators.xlsx", extra_sheets=sheets))
    return outputs
