"""The report as one JSON-ready document: the same sections, tables and charts feed the PDF
(Typst), the HTML and the workbook, so the three cannot disagree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthequity.indicators.headline import VERDICTS
from healthequity.indicators.principles import PRINCIPLES, Principle
from healthequity.reports.report import formatting as fmt
from healthequity.reports.report import records
from healthequity.reports.report.charts import Chart, SvgRenderer, sized
from healthequity.reports.report.data import ReportData
from healthequity.reports.report.methods_annex import methods_annex
from healthequity.web.data import SYNTHETIC_NOTE
from healthequity.web.indicator_data import chart_specs, indicator_data

NO_RECORDS = "No records yet"
#: Significance words -> a tone both renderers colour (the word is always printed too).
TONES = {"Better": "better", "Worse": "worse", "Similar": "similar", "Higher": "higher",
         "Lower": "lower"}  # fmt: skip
#: Charts drawn for each indicator on its principle's pages: (dashboard chart, width, height).
INDICATOR_CHARTS = (("trend", 380, 200), ("gradient", 300, 200))


@dataclass
class Table:
    """A captioned table of text cells; ``tones`` colours cells (same shape, None for none)."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    tones: list[list[str | None]] = field(default_factory=list)
    numeric: list[int] = field(default_factory=list)
    empty: str = NO_RECORDS

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        tones = self.tones or [[None] * len(self.columns) for _ in self.rows]
        return {"caption": self.caption, "columns": self.columns, "rows": self.rows,
                "tones": tones, "numeric": self.numeric, "empty": self.empty}  # fmt: skip


def _label(row: pd.Series) -> str:
    sex = "" if row["sex"] == "Persons" else f", {row['sex']}"
    return f"{row['indicator_name']} ({row['unit']}{sex})"


def glance_table(glance: pd.DataFrame, place: str, caption: str) -> Table:
    """Value, England, comparison, trend, gap and verdict of each indicator."""
    rows, tones = [], []
    for _, r in glance.iterrows():
        compared = fmt.text(r["compared_to_england"]) if not fmt.missing(
            r["compared_to_england"]) else "Not compared"  # fmt: skip
        rows.append([
            _label(r), fmt.text(r["period"]), fmt.figure(r["value"]), fmt.figure(r["england"]),
            compared, fmt.text(r["recent_trend"]) if not fmt.missing(r["recent_trend"])
            else "Cannot be calculated", fmt.figure(r["absolute_gap"]),
            fmt.text(r["verdict"]) if not fmt.missing(r["verdict"]) else "Not assessed",
        ])  # fmt: skip
        tones.append([None, None, None, None, TONES.get(compared), None, None, None])
    columns = ["Indicator", "Period", place, "England", "Compared with England", "Recent trend",
               "Gap (most − least deprived)", "Poorest improving fastest?"]  # fmt: skip
    return Table(caption, columns, rows, tones, numeric=[2, 3, 6], empty="No indicators built")


def indicator_summary(r: pd.Series, place: str) -> str:
    """One sentence a board member can read: value, comparison, trend, gap and verdict."""
    parts = [f"{place}: {fmt.figure(r['value'])} {r['unit']} in {fmt.text(r['period'])}"]
    if not fmt.missing(r["england"]):
        compared = fmt.text(r["compared_to_england"]).lower()
        parts[0] += f" (England {fmt.figure(r['england'])}; {compared})"
    if not fmt.missing(r["recent_trend"]):
        parts.append(f"recent trend: {str(r['recent_trend']).lower()}")
    if not fmt.missing(r["absolute_gap"]):
        parts.append(
            f"gap between the most and least deprived: {fmt.figure(r['absolute_gap'])} "
            f"({fmt.text(r['gap_period'])})"
        )
    if not fmt.missing(r["verdict"]):
        parts.append(f"poorest improving fastest? {r['verdict']}")
    return "; ".join(parts) + "."


def inequality_table(data: ReportData) -> Table:
    """Each indicator's latest gap, SII and RII for the city (preferred deprivation groups)."""
    g = data.glance
    ineq = data.inequality.merge(
        g[["indicator_id", "sex", "gap_period", "gap_groups"]],
        left_on=["indicator_id", "sex", "period", "category_type"],
        right_on=["indicator_id", "sex", "gap_period", "gap_groups"],
    )
    ineq = ineq[ineq["area_code"] == data.city_code]
    order = g[["indicator_id"]].reset_index(names="_o")
    ineq = ineq.merge(order, on="indicator_id").sort_values("_o")
    unit = g.set_index("indicator_id")["unit"]
    rows = [
        [f"{r['indicator_name']} ({unit.get(r['indicator_id'], '')})", str(r["period"]),
         str(r["category_type"]), fmt.figure(r["most_deprived_value"]),
         fmt.figure(r["least_deprived_value"]), fmt.figure(r["absolute_gap"]),
         fmt.interval(r["absolute_gap_lower_95"], r["absolute_gap_upper_95"]),
         fmt.figure(r["sii"]), fmt.figure(r["rii"], 2)]
        for _, r in ineq.iterrows()
    ]  # fmt: skip
    columns = ["Indicator", "Period", "Groups", "Most deprived", "Least deprived", "Gap",
               "Gap 95% interval", "SII", "RII"]  # fmt: skip
    return Table(f"The inequality gap in {data.place}: latest period, by deprivation", columns,
                 rows, numeric=[3, 4, 5, 7, 8], empty="No inequality figures")  # fmt: skip


def verdict_table(data: ReportData) -> Table:
    """How many indicators under each principle have each poorest-fastest verdict."""
    v = data.glance.assign(verdict=data.glance["verdict"].fillna("Not assessed"))
    counts = pd.crosstab(v["principle"], v["verdict"]).reindex(
        index=[p.number for p in PRINCIPLES], columns=list(VERDICTS), fill_value=0
    )
    rows = [[f"{p.number}. {p.short_title}", *map(str, counts.loc[p.number])] for p in PRINCIPLES]
    rows.append(["All principles", *map(str, counts.sum())])
    return Table("Are the poorest improving fastest? Indicators by verdict and principle",
                 ["Principle", *VERDICTS], rows,
                 numeric=list(range(1, len(VERDICTS) + 1)))  # fmt: skip


def frame_table(
    frame: pd.DataFrame,
    caption: str,
    columns: dict[str, str],
    *,
    formats: dict[str, Callable[[Any], str]] | None = None,
    numeric: Sequence[str] = (),
    empty: str = NO_RECORDS,
) -> Table:
    """A table of ``frame``'s ``columns`` (name -> heading), cells as text."""
    formats = formats or {}
    names = list(columns)
    rows = [
        [formats.get(c, fmt.text)(v) for c, v in zip(names, values, strict=True)]
        for values in frame[names].itertuples(index=False, name=None)
    ]
    return Table(caption, list(columns.values()), rows,
                 numeric=[names.index(c) for c in numeric], empty=empty)  # fmt: skip


def _count(value: Any) -> str:
    return fmt.figure(value, 0)


def accountability_tables(acc: records.Accountability) -> dict[str, Any]:
    """Themes, recommendations and overdue actions as tables."""
    statuses = {s: s.capitalize() for s in records.STATUSES}
    themes = frame_table(
        acc.themes, "Action status by theme",
        {"theme_number": "Theme", "theme": "Name", "recommendations": "Recommendations",
         **statuses, "overdue": "Overdue"},
        formats={c: _count for c in ["theme_number", "recommendations", *statuses, "overdue"]},
        numeric=["recommendations", *statuses, "overdue"],
    )  # fmt: skip
    recs = frame_table(
        acc.recommendations, "Action status by recommendation",
        {"recommendation": "No.", "theme": "Theme", "text": "Recommendation",
         "lead_organisation": "Lead", **statuses, "overdue": "Overdue"},
        formats={c: _count for c in ["recommendation", *statuses, "overdue"]},
        numeric=[*statuses, "overdue"],
    )  # fmt: skip
    overdue = frame_table(
        acc.overdue, "Overdue actions (due date passed, not complete)",
        {"action_id": "Action", "recommendation": "Recommendation", "title": "Title",
         "owner_organisation": "Owner", "due_date": "Due", "status": "Status",
         "days_overdue": "Days overdue"},
        formats={"days_overdue": _count, "action_id": _count, "recommendation": _count},
        numeric=["days_overdue"], empty="No overdue actions",
    )  # fmt: skip
    return {"themes": themes.as_dict(), "recommendations": recs.as_dict(),
            "overdue": overdue.as_dict(), "empty": acc.empty, "source": acc.source}  # fmt: skip


def narrative_sections(narrative: pd.DataFrame) -> list[dict[str, Any]]:
    """Challenges, successes and learning, each a list of entries (empty: 'No records yet')."""
    out = []
    for section in records.NARRATIVE_SECTIONS:
        part = narrative[narrative["section"] == section]
        entries = [{"heading": fmt.text(r["heading"]) if not fmt.missing(r["heading"]) else "",
                    "text": fmt.text(r["text"]), "author": fmt.text(r["author"])}
                   for _, r in part.iterrows()]  # fmt: skip
        out.append({"key": section, "title": section.capitalize(), "entries": entries})
    return out


def provenance_table(data: ReportData) -> Table:
    """Where the figures come from: build, data version, rows, synthetic share, records."""
    p = data.provenance
    rows = [
        ["Place", p.place],
        ["Build", f"{p.build_id} (built {p.built_at:%d %B %Y %H:%M})"],
        ["Data version in the warehouse", str(p.data_version)],
        ["Published rows (after disclosure control)", f"{p.rows:,}"],
        ["Rows from synthetic demo data", f"{p.synthetic_rows:,}"],
        ["Builds in the warehouse", f"{len(data.builds):,}"],
        ["Accountability records", data.accountability.source],
        ["Status as of", f"{data.as_of:%d %B %Y}"],
    ]
    return Table("Provenance of this report", ["Item", "Detail"], rows)


def sources_table(data: ReportData) -> Table:
    """Each indicator's data source and the periods it covers."""
    ind = data.view.indicators
    rows = [[str(r["indicator_name"]), str(r["data_source"] or "–"),
             f"{r['periods'][0]} to {r['periods'][-1]}", ", ".join(r["sources"])]
            for _, r in ind.iterrows()]  # fmt: skip
    return Table("Data sources of the indicators",
                 ["Indicator", "Source", "Periods", "Figures"], rows)  # fmt: skip


def principle_charts(data: ReportData, principle: Principle) -> list[tuple[str, list[Chart]]]:
    """Per indicator of ``principle``: its id and the charts drawn for it."""
    out = []
    part = data.glance[data.glance["principle"] == principle.number]
    for indicator_id in part["indicator_id"]:
        ind = indicator_data(data.view, str(indicator_id), None)
        specs = chart_specs(data.view, ind, inline_map=True)
        charts = []
        for name, width, height in INDICATOR_CHARTS:
            if name in specs:
                spec = specs[name]
                charts.append(Chart(f"{indicator_id}-{name}", str(spec["title"]),
                                    str(spec["description"]), sized(spec, width=width,
                                                                    height=height)))  # fmt: skip
        out.append((str(indicator_id), charts))
    return out


def build_document(
    data: ReportData,
    renderer: SvgRenderer | None = None,
    on_chart: Callable[[Chart], None] | None = None,
) -> dict[str, Any]:
    """The whole report as a JSON-ready dictionary, charts rendered to SVG."""
    renderer = renderer or SvgRenderer()
    place = data.place
    principles: list[dict[str, Any]] = []
    all_charts: list[Chart] = []
    for p in PRINCIPLES:
        part = data.glance[data.glance["principle"] == p.number]
        blocks = []
        for (indicator_id, charts), (_, r) in zip(
            principle_charts(data, p), part.iterrows(), strict=True
        ):
            all_charts += charts
            blocks.append({"id": indicator_id, "name": _label(r),
                           "summary": indicator_summary(r, place),
                           "synthetic": r["source"] == "synthetic",
                           "charts": [c.key for c in charts]})  # fmt: skip
        principles.append({
            "number": p.number, "title": p.title, "short_title": p.short_title,
            "description": p.description,
            "glance": glance_table(part, place, f"Principle {p.number}: {p.short_title}, "
                                                "indicators at a glance").as_dict(),
            "indicators": blocks,
        })  # fmt: skip
    svgs = renderer.render(all_charts, on_chart)
    drawn = {c.key: {"title": c.title, "alt": c.alt, "svg": svgs[c.key]} for c in all_charts}
    methods = frame_table(
        methods_annex(data.table), "Methods used in this report",
        {"method": "Method", "used_for": "Used for", "description": "What it is",
         "source": "Source"},
    )  # fmt: skip
    assessments = frame_table(
        data.assessments, f"Equity impact assessments made in {data.year}",
        {"reference": "Reference", "title": "Decision", "organisation": "Organisation",
         "assessed_on": "Assessed", "score": "Score", "outcome": "Outcome"},
    )  # fmt: skip
    prov = data.provenance
    return {
        "title": f"{place}: health equity progress report {data.year}",
        "place": place,
        "year": data.year,
        "as_of": data.as_of.isoformat(),
        "as_of_text": f"{data.as_of:%d %B %Y}",
        "build": {
            "id": prov.build_id,
            "built_at": f"{prov.built_at:%d %B %Y}",
            "data_version": prov.data_version,
        },
        "synthetic_note": SYNTHETIC_NOTE if prov.synthetic else None,
        "principles": principles,
        "verdicts": verdict_table(data).as_dict(),
        "inequality": inequality_table(data).as_dict(),
        "accountability": accountability_tables(data.accountability),
        "assessments": assessments.as_dict(),
        "narrative": narrative_sections(data.narrative),
        "provenance": provenance_table(data).as_dict(),
        "sources": sources_table(data).as_dict(),
        "methods": methods.as_dict(),
        "charts": drawn,
        "no_records": NO_RECORDS,
    }
