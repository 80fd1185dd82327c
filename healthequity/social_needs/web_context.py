"""What the social needs pages and API share: the chosen publication, indicator and breakdown
(each a 404 naming its field when unknown) and the charts built from a publication."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import Request

from healthequity.charts.social_needs import breakdown_chart, deprivation_chart
from healthequity.social_needs.aggregate import BREAKDOWNS
from healthequity.social_needs.publications import Publication
from healthequity.social_needs.web_data import (
    PublicationStore,
    WarehouseBusy,
    breakdown_rows,
    deprivation_rows,
    indicator_info,
)
from healthequity.web.chart_a11y import accessible
from healthequity.web.errors import ApiError

HOW_TO_PUBLISH = (
    "healthequity social-needs ingest EXTRACT.csv --place PLACE",
    "healthequity social-needs publish --place PLACE",
)
HOW_TO_TRY = (
    "healthequity social-needs synthetic PLACE/social_needs_synthetic.csv",
    "healthequity social-needs ingest PLACE/social_needs_synthetic.csv --synthetic --place PLACE",
    "healthequity social-needs publish --synthetic --place PLACE",
)


@dataclass(frozen=True)
class Chosen:
    """A publication and, within it, one indicator's description."""

    publication: Publication
    info: pd.DataFrame
    indicator: dict[str, Any]


def store_of(request: Request) -> PublicationStore:
    """The app's publication store (set by ``register``)."""
    store: PublicationStore = request.app.state.social_needs
    return store


def publication(request: Request, period: str | None) -> Publication | None:
    """The publication of ``period`` (default: the latest); None when nothing is published;
    404 naming ``period`` for a period with no publication, 503 when the warehouse is busy."""
    store = store_of(request)
    try:
        return store.get(period)
    except KeyError:
        known = ", ".join(store.periods())
        raise ApiError(
            404,
            f"no social needs publication for period {period!r}; published periods: {known}",
            field="period",
        ) from None
    except WarehouseBusy as err:
        raise ApiError(503, str(err)) from None


def required(request: Request, period: str | None) -> Publication:
    """The publication, or 404 (field ``period``) saying how to publish when there is none."""
    found = publication(request, period)
    if found is None:
        raise ApiError(
            404,
            "no social needs publication yet: run `" + "` then `".join(HOW_TO_PUBLISH) + "`",
            field="period",
        )
    return found


def choose(pub: Publication, indicator_id: str) -> Chosen:
    """The indicator in ``pub``; 404 naming ``indicator_id`` (and the known ids) when absent."""
    info = indicator_info(pub.table)
    hit = info[info["indicator_id"] == indicator_id]
    if hit.empty:
        raise ApiError(
            404,
            f"no social needs indicator {indicator_id!r}; expected one of "
            + ", ".join(info["indicator_id"]),
            field="indicator_id",
        )
    return Chosen(pub, info, {str(k): v for k, v in hit.iloc[0].items()})


def check_breakdown(breakdown: str | None, allowed: tuple[str, ...] = BREAKDOWNS) -> None:
    """404 naming ``breakdown`` when it is not one of ``allowed``."""
    if breakdown is not None and breakdown not in allowed:
        raise ApiError(
            404,
            f"no breakdown {breakdown!r}; expected one of {', '.join(allowed)}",
            field="breakdown",
        )


def place_name(pub: Publication) -> str:
    """The place's name: the group name of the publication's place total."""
    total = pub.table.loc[pub.table["breakdown"] == "Total", "group_name"]
    return str(total.iloc[0]) if len(total) else ""


def deprivation_spec(pub: Publication) -> dict[str, Any]:
    """The deprivation chart of a publication, made accessible for the page."""
    rows = deprivation_rows(pub.table, indicator_info(pub.table))
    return accessible(deprivation_chart(rows, period=pub.period, place=place_name(pub)))


def indicator_spec(chosen: Chosen, breakdown: str) -> dict[str, Any]:
    """One indicator's chart by ``breakdown``, made accessible for the page."""
    ind = chosen.indicator
    rows = breakdown_rows(chosen.publication.table, str(ind["indicator_id"]), breakdown)
    spec = breakdown_chart(
        rows,
        title=str(ind["indicator_name"]),
        breakdown=breakdown,
        period=chosen.publication.period,
        with_coverage=ind["kind"] == "prevalence",
    )
    return accessible(spec)


def embedded(spec: dict[str, Any]) -> str:
    """A spec as JSON safe inside a <script> element."""
    return json.dumps(spec).replace("</", "<\\/")
