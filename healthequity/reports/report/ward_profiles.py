"""Ward profiles: one short PDF per ward, its every indicator against the city and England
(the dashboard's spine chart, one per principle, and a table), made in batch."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from healthequity.charts import spine_chart
from healthequity.indicators.principles import PRINCIPLES
from healthequity.reports.report import formatting as fmt
from healthequity.reports.report.charts import Chart, SvgRenderer, sized
from healthequity.reports.report.content import TONES, Table
from healthequity.reports.report.data import ReportData
from healthequity.reports.report.typst import write_pdf
from healthequity.web.data import SYNTHETIC_NOTE
from healthequity.web.summaries import WARD

SPINE_WIDTH = 300


def ward_file(code: str, name: str) -> str:
    """The profile's file name: code and a slug of the name, e.g. E05011234-armley.pdf."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"{code}-{slug}.pdf"


def wards(data: ReportData) -> pd.DataFrame:
    """The place's wards (code, name) in name order."""
    areas = data.view.areas
    return areas[areas["area_type"] == WARD][["area_code", "area_name"]].reset_index(drop=True)


def ward_charts(data: ReportData, code: str) -> list[Chart]:
    """The ward's spine chart for each principle with ward figures."""
    rows = data.view.ward_latest[data.view.ward_latest["area_code"] == code]
    out = []
    for p in PRINCIPLES:
        part = rows[rows["principle"] == p.number]
        if part.empty:
            continue
        name = str(part["area_name"].iloc[0])
        spec = spine_chart(part, title=f"{name}: {p.short_title}", comparator=data.place)
        out.append(Chart(f"{code}-p{p.number}", f"Principle {p.number}: {p.title}",
                         str(spec["description"]), sized(spec, width=SPINE_WIDTH)))  # fmt: skip
    return out


def ward_table(data: ReportData, code: str) -> Table:
    """Each indicator's ward value, the city's and England's, and the comparison."""
    rows = data.view.ward_latest[data.view.ward_latest["area_code"] == code]
    cells, tones = [], []
    for _, r in rows.iterrows():
        compared = fmt.text(r["compared_to_city"]) if not fmt.missing(
            r["compared_to_city"]) else "Not compared"  # fmt: skip
        cells.append([f"{r['indicator_name']} ({r['unit']})", fmt.text(r["period"]),
                      fmt.figure(r["value"]), fmt.figure(r["city"]), fmt.figure(r["england"]),
                      compared])  # fmt: skip
        tones.append([None, None, None, None, None, TONES.get(compared)])
    return Table("Every indicator for the ward: latest period",
                 ["Indicator", "Period", "Ward", data.place, "England", f"Compared with "
                  f"{data.place}"], cells, tones, numeric=[2, 3, 4],
                 empty="No ward figures in this build")  # fmt: skip


def ward_document(data: ReportData, code: str, name: str, svgs: dict[str, str],
                  charts: list[Chart]) -> dict[str, Any]:  # fmt: skip
    """One ward's profile as the template's JSON."""
    p = data.provenance
    return {
        "title": f"{name}: ward health equity profile {data.year}",
        "place": data.place, "ward": name, "code": code, "year": data.year,
        "as_of": data.as_of.isoformat(), "as_of_text": f"{data.as_of:%d %B %Y}",
        "build": {"id": p.build_id, "built_at": f"{p.built_at:%d %B %Y}",
                  "data_version": p.data_version},
        "synthetic_note": SYNTHETIC_NOTE if p.synthetic else None,
        "table": ward_table(data, code).as_dict(),
        "charts": [{"key": c.key, "title": c.title, "alt": c.alt, "svg": svgs[c.key]}
                   for c in charts],
    }  # fmt: skip


def write_ward_profiles(
    data: ReportData,
    out: str | Path,
    *,
    only: list[str] | None = None,
    renderer: SvgRenderer | None = None,
    on_ward: Callable[[str, str], None] | None = None,
) -> list[Path]:
    """One PDF per ward (or the wards whose codes are in ``only``) in folder ``out``;
    ``on_ward(code, name)`` is called as each is written (for a progress bar)."""
    folder = Path(out)
    renderer = renderer or SvgRenderer()
    chosen = wards(data)
    if only is not None:
        unknown = sorted(set(only) - set(chosen["area_code"]))
        if unknown:
            from healthequity.errors import InputError

            raise InputError(f"ward: {', '.join(unknown)} not a ward of {data.place} in this "
                             "build", field="ward", values=unknown)  # fmt: skip
        chosen = chosen[chosen["area_code"].isin(only)]
    per_ward = {code: ward_charts(data, code) for code in chosen["area_code"]}
    svgs = renderer.render([c for charts in per_ward.values() for c in charts])
    written = []
    for code, name in chosen.itertuples(index=False, name=None):
        document = ward_document(data, code, name, svgs, per_ward[code])
        written.append(write_pdf(document, "ward_profile.typ", folder / ward_file(code, name)))
        if on_ward is not None:
            on_ward(code, name)
    return written
