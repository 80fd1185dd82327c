"""An evaluation's results as data and as a report: the results table, chart specs (and SVGs),
a plain-language interpretation with caveats, and a results folder with a manifest JSON that a
dashboard page can load. Series built from counts pass through healthequity.disclosure first.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthequity.disclosure import publish
from healthequity.evaluation import charts
from healthequity.evaluation.did import Estimate
from healthequity.evaluation.run import Evaluation

MANIFEST = "manifest.json"
MANIFEST_KIND = "healthequity-evaluation"
MANIFEST_VERSION = 1
RESULT_COLUMNS = [
    "estimator",
    "estimate",
    "std_error",
    "lower",
    "upper",
    "p_value",
    "df",
    "n_intervention_areas",
    "n_comparison_areas",
    "n_periods",
]
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: this evaluation runs on made-up data with a planted effect. "
    "Its figures describe nothing real."
)


def results_table(ev: Evaluation) -> pd.DataFrame:
    """One row per estimate: DiD, Sun & Abraham (staggered), event study, the ITS."""
    estimates: list[Estimate] = [ev.did]
    if ev.staggered is not None:
        estimates.append(ev.staggered.overall)
    estimates += [ev.event.overall, ev.its.mean_effect, ev.its.level_change, ev.its.slope_change]
    n_t, n_c = len(ev.treated_areas), len(ev.matched.comparison)
    rows = []
    for e in estimates:
        its = e.term.startswith("ITS")
        rows.append(
            {
                "estimator": e.term,
                "estimate": e.estimate,
                "std_error": e.std_error,
                "lower": e.lower,
                "upper": e.upper,
                "p_value": e.p_value,
                "df": e.df,
                "n_intervention_areas": n_t,
                "n_comparison_areas": 0 if its else n_c,
                "n_periods": ev.its.n_periods if its else len(ev.panel.years),
            }
        )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def published_series(frame: pd.DataFrame) -> pd.DataFrame:
    """A series of aggregated counts as it may be published (small counts suppressed, counts
    rounded, values beside a suppressed count blanked)."""
    return publish(frame, count_columns=["numerator", "denominator"], value_columns=["value"])


def _number(x: float) -> str:
    return f"{x:,.2f}"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def interpretation(ev: Evaluation) -> list[str]:
    """Plain-language paragraphs: what was found, how sure, and whether trends were parallel."""
    cfg = ev.config
    o = cfg.outcome
    e = ev.headline
    unit = o.unit_text()
    level = _pct(cfg.confidence)
    starts = sorted(set(int(s) for s in ev.panel.cohorts["start"]))
    pre = ev.analysis[(ev.analysis["start"].notna()) & (ev.analysis["year"] < ev.analysis["start"])]
    baseline = float(pre["value"].mean()) if len(pre) else float("nan")
    better = (e.estimate < 0) == (o.polarity == "lower_is_better")
    direction = "fell" if e.estimate < 0 else "rose"
    relative = (
        f" (about {abs(e.estimate) / baseline * 100:.0f}% of the pre-start level of "
        f"{_number(baseline)})"
        if np.isfinite(baseline) and baseline
        else ""
    )
    when = (
        f"from {starts[0]}"
        if len(starts) == 1
        else f"from their starts ({', '.join(map(str, starts))})"
    )
    texts = [
        f"In the {len(ev.treated_areas)} intervention areas, {o.name.lower()} {direction} by "
        f"{_number(abs(e.estimate))} {unit}{relative} {when}, relative to the change in "
        f"{len(ev.matched.comparison)} comparison areas chosen to be like them "
        f"(estimator: {e.term}). The {level} confidence interval runs from {_number(e.lower)} to "
        f"{_number(e.upper)}."
    ]
    if e.lower > 0 or e.upper < 0:
        texts.append(
            f"The interval excludes no effect (p = {e.p_value:.3g}): the data are unlikely under "
            "no change, and the direction of the change is "
            f"{'an improvement' if better else 'a worsening'}."
        )
    else:
        texts.append(
            f"The interval includes no effect (p = {e.p_value:.3g}): these data cannot tell an "
            "effect of this size from chance. That is not evidence that there was no effect."
        )
    test = ev.event.pretrend
    if test.testable:
        if test.p_value < 0.05:
            texts.append(
                f"Warning: before the start, the intervention and comparison areas were already "
                f"diverging (joint test of the pre-period effects: F = {test.statistic:.2f}, "
                f"p = {test.p_value:.3g}). The parallel-trends assumption behind the estimate is "
                "doubtful; read the event-study chart before relying on the estimate."
            )
        else:
            texts.append(
                f"Before the start the two groups moved in parallel as far as the data can tell "
                f"(joint test of {test.df_num} pre-period effects: F = {test.statistic:.2f}, "
                f"p = {test.p_value:.3g}); a test can miss a small divergence."
            )
    its = ev.its.mean_effect
    texts.append(
        f"The interrupted time series for {ev.its_unit}, which has no comparison group, puts the "
        f"mean change after the start at {_number(its.estimate)} {unit} ({level} CI "
        f"{_number(its.lower)} to {_number(its.upper)}), with a change in level of "
        f"{_number(ev.its.level_change.estimate)} and in slope of "
        f"{_number(ev.its.slope_change.estimate)} a period."
    )
    control = ev.its_comparison.mean_effect
    if control.lower > 0 or control.upper < 0:
        texts.append(
            f"The same model fitted to the comparison areas finds a change of "
            f"{_number(control.estimate)} {unit} at the same time ({level} CI "
            f"{_number(control.lower)} to {_number(control.upper)}): part of the time series' "
            "change happened outside the intervention areas too, which is why the "
            "difference-in-differences estimate, which subtracts it, is the one to rely on."
        )
    return texts


def caveats(ev: Evaluation) -> list[str]:
    """What the reader must keep in mind, specific to this evaluation where possible."""
    out = []
    if ev.config.synthetic:
        out.append(SYNTHETIC_BANNER)
    out.append(
        "Difference-in-differences assumes that, without the intervention, the intervention "
        "areas would have followed the comparison areas' trend. Other changes at the same time "
        "in the same places (other schemes, population change) would be attributed to it."
    )
    out.append(
        "Effects can spill over into neighbouring areas (displacement of landlords or tenants), "
        "which biases the comparison if neighbours are among the comparison areas: "
        "comparison.exclude can leave them out."
    )
    bad = ev.matched.balance[ev.matched.balance["smd_after"].abs() > 0.1]
    if len(bad):
        out.append(
            "After matching, these covariates remain imbalanced (|SMD| > 0.1): "
            + ", ".join(
                f"{c} ({s:.2f})" for c, s in zip(bad["covariate"], bad["smd_after"], strict=True)
            )
            + ". The area fixed effects remove fixed differences, not different trends."
        )
    clusters = len(ev.treated_areas)
    if clusters < 20:
        out.append(
            f"Only {clusters} intervention areas: clustered standard errors are less reliable "
            "with few clusters; treat the interval as approximate."
        )
    if ev.its.n_periods < 12:
        out.append(
            f"The interrupted time series has {ev.its.n_periods} periods: too few for the "
            "autocorrelation-robust (Newey-West) errors to be trusted, and with no comparison "
            "group a city-wide change at the start is read as an effect of the intervention."
        )
    if ev.staggered is not None:
        out.append(
            "Areas started at different times: the headline is the Sun & Abraham "
            "interaction-weighted estimate, which does not use early-starting areas as controls "
            "for later ones (the two-way fixed effects estimate can, and is shown for reference)."
        )
    out.append(
        "Matching on the pre-period trend and level can select comparison areas whose pre-period "
        "was unusually like the intervention areas' by chance (regression to the mean)."
    )
    out.append(
        "Figures built from counts (the trend and ITS charts) pass through disclosure control: "
        "small counts are suppressed and the rest rounded."
    )
    return out


def chart_specs(
    ev: Evaluation, trends: pd.DataFrame, its: pd.DataFrame
) -> dict[str, dict[str, Any]]:
    """The four charts' Vega-Lite specs, from the published series."""
    o = ev.config.outcome
    unit = o.unit_text() or "value"
    start = int(ev.panel.cohorts["start"].min())
    series = ev.its.series.drop(columns="value").merge(its[["year", "value"]], on="year")
    events = ev.staggered.event_study.effects if ev.staggered is not None else ev.event.effects
    return {
        "event_study": charts.event_study_chart(events, o.name, unit),
        "its": charts.its_chart(series, start, o.name, unit, ev.its_unit),
        "balance": charts.balance_chart(ev.matched.balance),
        "trends": charts.trends_chart(trends, start, o.name, unit),
    }


def _table_md(frame: pd.DataFrame, digits: int = 3) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = []
        for name, v in zip(cols, row, strict=True):
            if name == "p_value" and isinstance(v, float | np.floating) and not np.isnan(v):
                cells.append(f"{v:.3g}")
            elif isinstance(v, float | np.floating):
                cells.append("" if np.isnan(v) else f"{v:.{digits}f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(ev: Evaluation, table: pd.DataFrame, charts_files: dict[str, str]) -> str:
    """The report: question, design, findings, tables, charts and caveats."""
    cfg = ev.config
    c = cfg.comparison
    parts = [f"# {cfg.name}", ""]
    if cfg.synthetic:
        parts += [f"> **{SYNTHETIC_BANNER}**", ""]
    if cfg.description:
        parts += [cfg.description.strip(), ""]
    cohorts = ev.panel.cohorts.groupby(["group", "start"]).size().reset_index(name="areas")
    parts += [
        "## Design",
        "",
        f"- Outcome: {cfg.outcome.name} ({cfg.outcome.unit_text()}), {len(ev.panel.years)} "
        f"periods ({ev.panel.years[0]} to {ev.panel.years[-1]}).",
        *[
            f"- Intervention: {r.group}, {r.areas} {ev.panel.unit}s from {r.start}."
            for r in cohorts.itertuples()
        ],
        f"- Comparison: {len(ev.matched.comparison)} areas from the {c.pool} pool of "
        f"{len(ev.panel.pool)}, chosen by {c.method} matching on {', '.join(map(str, c.match_on))}"
        f" ({c.per_treated} per intervention area, {'with' if c.replace else 'without'} "
        "replacement).",
        "- Estimators: two-way fixed effects difference-in-differences and event study "
        "(statsmodels OLS with area and period dummies, or linearmodels PanelOLS for large "
        "panels; errors clustered by area); Sun & Abraham interaction-weighted "
        "estimator when start dates differ; segmented regression with Newey-West errors "
        "(statsmodels) for the interrupted time series.",
        "",
        "## What we found",
        "",
    ]
    parts += [p + "\n" for p in interpretation(ev)]
    shown = table.drop(columns=["df"])
    parts += ["## Results", "", _table_md(shown), "", "## Charts", ""]
    titles = {
        "event_study": "Event study",
        "its": "Interrupted time series",
        "balance": "Balance before and after matching",
        "trends": "Intervention and comparison areas",
    }
    for key, file in charts_files.items():
        parts += [f"### {titles[key]}", "", f"![{titles[key]}]({file})", ""]
    if not charts_files:
        parts += [
            "`healthequity evaluate` writes the charts (event study, interrupted time "
            "series, balance, trends) to the results folder as Vega-Lite specs and SVG "
            "(charts/*.vl.json, charts/*.svg).",
            "",
        ]
    parts += ["## Balance", "", _table_md(ev.matched.balance), ""]
    parts += [
        "## Event study",
        "",
        _table_md((ev.staggered.event_study if ev.staggered else ev.event).effects),
        "",
    ]
    parts += ["## Caveats", ""] + [f"- {text}" for text in caveats(ev)] + [""]
    return "\n".join(parts)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def write_results(ev: Evaluation, folder: str | Path, *, svg: bool = True) -> Path:
    """Write the results folder atomically (a failed write leaves any previous one as it was).

    Files: manifest.json, results.csv, event_study.csv, balance.csv, matched_pairs.csv,
    trends.csv, its.csv, charts/*.vl.json (+ *.svg), report.md.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        _write_into(ev, work, svg)
        os.chmod(work, 0o755)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(work, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _write_into(ev: Evaluation, work: Path, svg: bool) -> None:
    table = results_table(ev)
    trends = published_series(ev.trends)
    its_counts = published_series(ev.its_counts)
    its = ev.its.series.drop(columns="value").merge(its_counts, on="year")
    event = ev.staggered.event_study.effects if ev.staggered is not None else ev.event.effects
    table.to_csv(work / "results.csv", index=False)
    event.to_csv(work / "event_study.csv", index=False)
    ev.matched.balance.to_csv(work / "balance.csv", index=False)
    ev.matched.pairs.to_csv(work / "matched_pairs.csv", index=False)
    trends.to_csv(work / "trends.csv", index=False)
    its.to_csv(work / "its.csv", index=False)
    files: dict[str, Any] = {
        "results": "results.csv",
        "event_study": "event_study.csv",
        "balance": "balance.csv",
        "matched_pairs": "matched_pairs.csv",
        "trends": "trends.csv",
        "its": "its.csv",
        "report": "report.md",
        "charts": {},
    }
    if ev.staggered is not None:
        ev.staggered.cohort_effects.to_csv(work / "cohort_effects.csv", index=False)
        files["cohort_effects"] = "cohort_effects.csv"
    (work / "charts").mkdir()
    shown: dict[str, str] = {}
    for key, spec in chart_specs(ev, trends, its_counts).items():
        spec_file = f"charts/{key}.vl.json"
        (work / spec_file).write_text(json.dumps(spec, indent=1), encoding="utf-8")
        entry = {"spec": spec_file}
        if svg:
            import vl_convert

            (work / f"charts/{key}.svg").write_text(vl_convert.vegalite_to_svg(spec), "utf-8")
            entry["svg"] = f"charts/{key}.svg"
        files["charts"][key] = entry
        shown[key] = entry.get("svg", spec_file)
    (work / "report.md").write_text(markdown(ev, table, shown), encoding="utf-8")
    h = ev.headline
    test = ev.event.pretrend
    manifest = {
        "kind": MANIFEST_KIND,
        "version": MANIFEST_VERSION,
        "name": ev.config.name,
        "synthetic": ev.config.synthetic,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "outcome": {
            "name": ev.config.outcome.name,
            "unit": ev.config.outcome.unit_text(),
            "polarity": ev.config.outcome.polarity,
        },
        "intervention": {
            "areas": ev.treated_areas,
            "cohorts": ev.panel.cohorts.groupby(["group", "start"])
            .size()
            .rename("areas")
            .reset_index()
            .to_dict(orient="records"),
        },
        "comparison": {
            "areas": ev.matched.comparison,
            "method": str(ev.config.comparison.method),
            "pool": ev.config.comparison.pool,
            "pool_size": len(ev.panel.pool),
        },
        "periods": ev.panel.years,
        "headline": {**h.as_dict(), "confidence": ev.config.confidence},
        "pretrend_test": {
            "statistic": _finite(test.statistic),
            "df_num": test.df_num,
            "df_den": test.df_den,
            "p_value": _finite(test.p_value),
        },
        "interpretation": interpretation(ev),
        "caveats": caveats(ev),
        "config": ev.config.model_dump(mode="json"),
        "files": files,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, default=_json_default), "utf-8")


def load_results(folder: str | Path) -> dict[str, Any]:
    """The manifest of a results folder, with its tables read (for a dashboard page)."""
    from healthequity.errors import InputError

    folder = Path(folder)
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{folder}: no {MANIFEST}: not an evaluation results folder", field="folder"
        ) from None
    if manifest.get("kind") != MANIFEST_KIND:
        raise InputError(f"{path}: not an evaluation manifest", field="kind")
    tables = {
        key: pd.read_csv(folder / name)
        for key, name in manifest["files"].items()
        if isinstance(name, str) and name.endswith(".csv")
    }
    return {"manifest": manifest, "tables": tables, "folder": folder}
