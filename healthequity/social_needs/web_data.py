"""The social needs publications as the dashboard reads them, and the frames its pages show.

``PublicationStore`` re-reads the warehouse's list of publications at most every
``refresh_seconds`` and keeps each publication read (a stored publication never changes). Every
figure comes from a stored publication: ``publish.indicator_table``'s output, which passed
disclosure control and its audit before it was stored.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

from healthequity.errors import HealthEquityError
from healthequity.social_needs.aggregate import BREAKDOWNS, OUTSIDE
from healthequity.social_needs.indicators import social_needs_indicators
from healthequity.social_needs.publications import Publication, publications, read_publication
from healthequity.social_needs.template import default_template
from healthequity.store.warehouse import Warehouse

#: The breakdowns a reader chooses between on an indicator page (the place total is always shown).
PAGE_BREAKDOWNS: tuple[str, ...] = tuple(b for b in BREAKDOWNS if b != "Total")
DEFAULT_BREAKDOWN = "Deprivation fifth (local)"
_KEPT = 8


class WarehouseBusy(HealthEquityError):
    """The warehouse could not be read (another process is writing it) and nothing is kept."""


class PublicationStore:
    """The place's stored publications: the list checked at most every ``refresh_seconds``,
    each publication read once."""

    def __init__(self, warehouse_path: Path, refresh_seconds: float = 5.0) -> None:
        self.path = Path(warehouse_path)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._listing: pd.DataFrame | None = None
        self._checked = 0.0
        self._read: OrderedDict[int, Publication] = OrderedDict()

    def listing(self) -> pd.DataFrame:
        """The newest active publication of each period, oldest period first (maybe empty)."""
        with self._lock:
            fresh = time.monotonic() - self._checked < self.refresh_seconds
            if self._listing is not None and fresh:
                return self._listing
            try:
                listed = (
                    publications(Warehouse(self.path))
                    if self.path.exists()
                    else pd.DataFrame(columns=["period", "version", "published_at", "source_name"])
                )
            except duckdb.Error as err:
                if self._listing is not None:  # a writer holds the file: keep serving
                    return self._listing
                raise WarehouseBusy(f"the warehouse {self.path} cannot be read now: {err}") from err
            self._listing, self._checked = listed, time.monotonic()
            return listed

    def periods(self) -> list[str]:
        """Published periods, oldest first."""
        return [str(p) for p in self.listing()["period"]]

    def get(self, period: str | None = None) -> Publication | None:
        """The publication of ``period`` (default: the latest); None when nothing is published.
        KeyError for a period with no publication."""
        listed = self.listing()
        if listed.empty:
            return None
        rows = listed if period is None else listed[listed["period"] == period]
        if rows.empty:
            raise KeyError(period)
        version = int(rows["version"].iloc[-1])
        with self._lock:
            kept = self._read.get(version)
            if kept is not None:
                self._read.move_to_end(version)
                return kept
        try:
            found = read_publication(Warehouse(self.path), str(rows["period"].iloc[-1]))
        except duckdb.Error as err:
            raise WarehouseBusy(f"the warehouse {self.path} cannot be read now: {err}") from err
        with self._lock:
            self._read[version] = found
            while len(self._read) > _KEPT:
                self._read.popitem(last=False)
        return found


def indicator_info(table: pd.DataFrame) -> pd.DataFrame:
    """One row per published indicator, in publication order: id, name, principle, kind
    (coverage or prevalence), coverage_indicator_id, domain, domain_title and definition."""
    first = table.drop_duplicates("indicator_id")[
        ["indicator_id", "indicator_name", "principle", "coverage_indicator_id"]
    ]
    template = default_template()
    titles = {d.id: d.title for d in template.domains}
    known = pd.DataFrame(
        [
            {"indicator_id": i.id, "domain": i.domain, "definition": i.definition}
            for i in social_needs_indicators(template)
        ]
    )
    info = first.merge(known, on="indicator_id", how="left")
    info["kind"] = (
        info["coverage_indicator_id"].notna().map({True: "prevalence", False: "coverage"})
    )
    info["domain_title"] = info["domain"].map(titles)
    info = info.astype(object).where(info.notna(), None)
    return info.reset_index(drop=True)


def overall(table: pd.DataFrame, info: pd.DataFrame) -> dict[str, object] | None:
    """The place total of the overall coverage indicator (the coverage with no domain)."""
    ids = info.loc[(info["kind"] == "coverage") & info["domain"].isna(), "indicator_id"]
    rows = table[table["indicator_id"].isin(ids) & (table["breakdown"] == "Total")]
    return None if rows.empty else {str(k): v for k, v in rows.iloc[0].items()}


def domain_rows(table: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Per domain, the place total of its recorded prevalence with its coverage beside it."""
    prevalence = info[info["kind"] == "prevalence"][["indicator_id", "domain_title"]]
    total = table[table["breakdown"] == "Total"]
    rows = prevalence.merge(total, on="indicator_id", how="left")
    rows["domain_title"] = rows["domain_title"].fillna(rows["indicator_name"])
    return rows


def deprivation_rows(table: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """Each recorded prevalence by local deprivation fifth (patients living in the place), with
    its coverage: the deprivation chart's rows (``domain`` is the domain's title)."""
    prevalence = info[info["kind"] == "prevalence"][["indicator_id", "domain_title"]]
    fifths = table[
        (table["breakdown"] == "Deprivation fifth (local)")
        & (table["group_code"].astype(str) != OUTSIDE)
    ]
    rows = prevalence.merge(fifths, on="indicator_id", how="inner")
    rows["domain"] = rows["domain_title"].fillna(rows["indicator_name"])
    return rows


def breakdown_rows(table: pd.DataFrame, indicator_id: str, breakdown: str | None) -> pd.DataFrame:
    """One indicator's rows, of one breakdown (None: every breakdown), in publication order."""
    rows = table[table["indicator_id"] == indicator_id]
    if breakdown is not None:
        rows = rows[rows["breakdown"] == breakdown]
    return rows.reset_index(drop=True)


def over_time(store: PublicationStore, indicator_id: str) -> list[dict[str, object]]:
    """The place total of one indicator in every published period, oldest first (a period
    whose publication lacks the indicator is left out)."""
    found = []
    for period in store.periods():
        pub = store.get(period)
        total = breakdown_rows(pub.table, indicator_id, "Total") if pub else pd.DataFrame()
        if len(total):
            found.append({str(k): v for k, v in total.iloc[0].items()})
    return found
