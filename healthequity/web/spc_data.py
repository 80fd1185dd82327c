"""SPC (Making Data Count XmR) for the indicator page: the city's series and its most deprived
group's, from the publishable rows, with the variation and assurance icons in words.

England's latest value serves as the assurance target (the indicator set has no local targets).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthequity.charts.spc import spc_chart
from healthequity.charts.style import CONFIG, SCHEMA
from healthequity.errors import InputError
from healthequity.methods.spc import (
    ASSURE_FAIL,
    ASSURE_HIT_MISS,
    ASSURE_PASS,
    COMMON,
    CONCERN,
    IMPROVEMENT,
    RUN_LENGTH,
    spc_summary,
    xmr,
)
from healthequity.web.chart_a11y import accessible
from healthequity.web.indicator_data import IndicatorData
from healthequity.web.summaries import ENGLAND

log = logging.getLogger(__name__)
POLARITY = {"higher_is_better": "high", "lower_is_better": "low"}
MIN_SERIES = 3
#: Making Data Count's icon colours and a letter for each icon.
ICONS: dict[str, tuple[str, str]] = {
    COMMON: ("#7B7D7D", "~"),
    IMPROVEMENT: ("#289DE0", "I"),
    CONCERN: ("#FAB428", "C"),
    "neither": ("#361475", "N"),
    ASSURE_PASS: ("#289DE0", "P"),
    ASSURE_FAIL: ("#FAB428", "F"),
    ASSURE_HIT_MISS: ("#7B7D7D", "?"),
}
RULES = (
    f"Special cause is a point outside the process limits, a run of {RUN_LENGTH} or more points "
    f"on one side of the mean, {RUN_LENGTH} or more points each rising (or each falling), or two "
    "of three points beyond two-thirds of the way to a limit. Periods that are rolling "
    "multi-year averages overlap, so neighbouring points share data and runs appear more easily."
)


@dataclass(frozen=True)
class SpcSeries:
    """One series' XmR chart and its icons, with the words that explain them."""

    name: str
    label: str
    spec: dict[str, Any]
    points: int
    variation: str
    variation_text: str
    assurance: str | None
    assurance_text: str
    icon_colour: str
    icon_letter: str
    assurance_colour: str
    assurance_letter: str


def _variation_text(icon: str, label: str, latest: str) -> tuple[str, str]:
    """The variation icon's kind and its meaning in words."""
    if icon == COMMON:
        return COMMON, (
            f"Common cause variation: the latest point ({latest}) is within what {label}'s "
            "past points would lead you to expect; no sign of a real change."
        )
    kind, _, side = icon.partition(" (")
    side = side.rstrip(")")
    word = {"high": "higher", "low": "lower"}.get(side, side)
    meaning = {
        IMPROVEMENT: "an improvement",
        CONCERN: "a concern",
    }.get(kind, "a change (this indicator has no better direction)")
    return kind, (
        f"Special cause variation, {word} than expected: the latest point ({latest}) is part "
        f"of a signal of real change in {label}, and the change is {meaning}."
    )


def _assurance_text(icon: str | None, target: float | None, unit: str) -> str:
    if icon is None or target is None:
        return "No assurance: this indicator has no better direction or too few points."
    goal = f"England's latest value ({target:,.1f} {unit})"
    return {
        ASSURE_PASS: f"Assurance: the process limits are all on the better side of {goal}: "
        "the series will consistently do better than it if nothing changes.",
        ASSURE_FAIL: f"Assurance: the process limits are all on the worse side of {goal}: "
        "the series will consistently fall short of it unless something changes.",
        ASSURE_HIT_MISS: f"Assurance: {goal} lies between the process limits: the series "
        "will sometimes do better and sometimes worse than it (hit and miss).",
    }[icon]


def _series(data: IndicatorData, place: str) -> list[tuple[str, str, pd.DataFrame]]:
    """(chart name, label, rows): the city, then its most deprived group when it has one."""
    whole = data.whole()
    out = [("spc", place, whole[whole["area_code"] == data.city])]
    groups = data.groups()
    if len(groups):
        word = "fifth" if groups["category_rank"].max() == 5 else "tenth"
        deprived = groups[groups["category_rank"] == 1]
        out.append(("spc_deprived", f"{place}'s most deprived {word}", deprived))
    return out


def one_per_period(rows: pd.DataFrame) -> pd.DataFrame:
    """One point per period, in time order (``order`` 0, 1, ...): the most common age band,
    and the most common kind of period when an indicator mixes them (one-year figures with
    three-year averages)."""
    if rows.empty:
        return rows.assign(order=pd.Series(dtype="int64"))
    if "age" in rows.columns and rows["period"].duplicated().any():
        rows = rows[rows["age"] == rows["age"].mode().iloc[0]]
    kind = rows["period"].astype(str).str.len()
    if rows["period_start"].duplicated().any():
        rows = rows[kind == kind.mode().iloc[0]]
    rows = rows.sort_values(["period_start", "period"]).drop_duplicates("period")
    out = rows[["period", "period_start", "value"]].reset_index(drop=True)
    return out.assign(order=range(len(out)))


def spc_series(data: IndicatorData, place: str) -> list[SpcSeries]:
    """XmR charts of the city and its most deprived group (series with fewer than three
    published values are left out)."""
    polarity = POLARITY.get(str(data.meta["polarity"]), "neither")
    unit = str(data.meta["unit"])
    whole = data.whole()
    eng = whole[whole["area_type"] == ENGLAND].dropna(subset=["value"])
    target = None
    if len(eng):
        target = float(eng.sort_values("period_start")["value"].iloc[-1])
    out = []
    for name, label, rows in _series(data, place):
        rows = one_per_period(rows.dropna(subset=["value"]))
        if len(rows) < MIN_SERIES:
            continue
        try:
            points = xmr(rows, "value", "order", polarity=polarity)
        except InputError:  # a series the method cannot read costs its chart, not the page
            log.exception("SPC of %s (%s) failed", data.meta["indicator_id"], name)
            continue
        summary = spc_summary(points, target=target).iloc[0]
        latest = str(points["period"].iloc[-1])
        kind, vtext = _variation_text(str(summary["variation_icon"]), label, latest)
        assurance = summary["assurance_icon"] if target is not None else None
        assurance = None if pd.isna(assurance) else str(assurance)
        title = f"{data.meta['indicator_name']}: SPC chart, {label}"
        spec = accessible(
            spc_chart(points, time="period", title=title, y_title=unit, target=target)
        )
        for layer in spec["layer"]:
            if "field" in layer["encoding"].get("y", {}):
                layer["encoding"]["y"]["scale"] = {"zero": False}
        spec.update(
            {
                "$schema": SCHEMA,
                "config": CONFIG,
                "description": (
                    f"XmR chart of {label}: {len(points)} periods with the mean (solid), process "
                    f"limits (dashed grey) and England's latest value (dashed red); points "
                    "coloured by variation (grey common cause, blue improvement, orange concern, "
                    "purple neither)."
                ),
            }
        )
        colour, letter = ICONS.get(kind, ICONS[COMMON])
        a_colour, a_letter = ICONS.get(assurance or "", ("#FFFFFF", "-"))
        out.append(
            SpcSeries(
                name=name,
                label=label,
                spec=spec,
                points=len(points),
                variation=str(summary["variation_icon"]),
                variation_text=vtext,
                assurance=assurance,
                assurance_text=_assurance_text(assurance, target, unit),
                icon_colour=colour,
                icon_letter=letter,
                assurance_colour=a_colour,
                assurance_letter=a_letter,
            )
        )
    return out
