"""Everything a report shows, gathered once from a place folder.

The indicator figures are the dashboard's own: the latest build read from the warehouse and made
publishable (``healthequity.indicators.publication.publishable``) by ``healthequity.web.data``,
so every figure in a report has passed disclosure control and equals the dashboard's. Inequality
figures are withheld where a group they are computed from is suppressed. The accountability,
assessment and narrative sections come from the application store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthequity.errors import HealthEquityError
from healthequity.reports.report import records
from healthequity.store.results import builds
from healthequity.store.warehouse import Warehouse
from healthequity.web.data import BuildView, Provenance, load_view
from healthequity.web.settings import WAREHOUSE_FILE, Settings
from healthequity.web.summaries import overview

#: Inequality columns withheld when a group they rest on is suppressed.
GAP_COLUMNS = [
    "most_deprived_value", "least_deprived_value", "absolute_gap", "absolute_gap_lower_95",
    "absolute_gap_upper_95", "absolute_gap_lower_99_8", "absolute_gap_upper_99_8",
    "relative_gap", "relative_gap_lower_95", "relative_gap_upper_95", "relative_gap_lower_99_8",
    "relative_gap_upper_99_8", "sii", "sii_lower_95", "sii_upper_95", "sii_lower_99_8",
    "sii_upper_99_8", "rii", "rii_lower_95", "rii_upper_95", "rii_lower_99_8", "rii_upper_99_8",
]  # fmt: skip
_GROUP_KEYS = ["indicator_id", "area_code", "sex", "category_type", "period"]
WITHHELD_NOTE = "withheld: a group it is computed from is suppressed by disclosure control"


class NoReportData(HealthEquityError):
    """The place has no warehouse or no build to report on."""


@dataclass
class ReportData:
    """One reporting year of a place: its publishable build and its application records."""

    place: str
    year: int
    as_of: dt.date
    view: BuildView
    inequality: pd.DataFrame
    glance: pd.DataFrame
    accountability: records.Accountability
    assessments: pd.DataFrame
    narrative: pd.DataFrame
    builds: pd.DataFrame

    @property
    def provenance(self) -> Provenance:
        """The build the figures come from."""
        return self.view.provenance

    @property
    def city_code(self) -> str:
        """The place's (first) local authority code."""
        return self.view.city_code

    @property
    def table(self) -> pd.DataFrame:
        """The publishable indicator table."""
        return self.view.table


def gate_inequality(inequality: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``inequality`` with its gap, SII and RII figures withheld (NA, with a note) wherever one
    of the groups behind them has its value suppressed in the publishable ``table``."""
    groups = table[table["category_type"].fillna("") != ""]
    hidden = groups["value"].isna() & groups["value_note"].fillna("").str.contains(
        "suppress", case=False
    )
    flagged = hidden.groupby([groups[k] for k in _GROUP_KEYS]).any().rename("_hidden")
    out = inequality.merge(flagged.reset_index(), on=_GROUP_KEYS, how="left")
    mask = out["_hidden"].fillna(False).to_numpy(dtype=bool)
    cols = [c for c in GAP_COLUMNS if c in out.columns]
    out.loc[mask, cols] = np.nan
    out.loc[mask, "value_note"] = WITHHELD_NOTE
    return out.drop(columns="_hidden")


def load_report_data(
    place_folder: str | Path,
    *,
    year: int,
    as_of: dt.date | None = None,
    database: records.Database | None = None,
    build_id: int | None = None,
) -> ReportData:
    """Gather reporting ``year`` of the place in ``place_folder``: the latest build (or
    ``build_id``), and the application records as of ``as_of`` (default: today)."""
    folder = Path(place_folder)
    warehouse_path = folder / WAREHOUSE_FILE
    if not warehouse_path.exists():
        raise NoReportData(
            f"no warehouse at {warehouse_path}: run `healthequity build --place {folder}` first"
        )
    warehouse = Warehouse(warehouse_path)
    history = builds(warehouse)
    if history.empty:
        raise NoReportData(
            f"no build in {warehouse_path}: run `healthequity build --place {folder}` first"
        )
    chosen = int(history["build_id"].iloc[0]) if build_id is None else build_id
    if chosen not in set(history["build_id"].astype(int)):
        raise NoReportData(f"build_id: no build {chosen} in {warehouse_path}")
    view = load_view(Settings(folder, refresh_seconds=0), warehouse, chosen)
    inequality = gate_inequality(view.inequality, view.table)
    glance = overview(view.table, view.indicators, inequality, view.verdicts, city=view.city_code)
    as_of = as_of or dt.date.today()
    db = database if database is not None else records.open_database(folder)
    return ReportData(
        place=view.provenance.place,
        year=year,
        as_of=as_of,
        view=view,
        inequality=inequality,
        glance=glance,
        accountability=records.accountability_status(db, as_of),
        assessments=records.assessments(db, year),
        narrative=records.narrative(db, year),
        builds=history,
    )
