"""Publication of the social needs indicators, only through healthequity.disclosure.

Every counted quantity (registered, asked, asked about and with each need) appears once, in one
long table of counts by breakdown group, and is suppressed (1-7), rounded (to 5) and protected
by secondary suppression there, with the sums declared: each breakdown's groups sum to the place
total, practices sum to their PCN and PCNs to the place. The indicator table then takes every
count from that published table, so a quantity shown in several rows is shown the same way in
each, and a value is blanked whenever its numerator or denominator is hidden.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from healthequity.config import Place, load_place
from healthequity.disclosure import (
    DisclosureRules,
    Hierarchy,
    Relation,
    SiblingGroup,
    check_published,
    publish,
)
from healthequity.errors import HealthEquityError, InputError
from healthequity.geography.lookups import lsoa_lookup
from healthequity.methods import proportion
from healthequity.social_needs.aggregate import BREAKDOWNS, OUTSIDE, measures
from healthequity.social_needs.indicators import social_needs_indicators
from healthequity.social_needs.template import Template, default_template

#: Breakdowns whose groups sum to the place total (practices and PCNs form a hierarchy).
SIBLING_BREAKDOWNS: tuple[str, ...] = tuple(
    b for b in BREAKDOWNS if b not in ("Total", "Practice", "PCN")
)
VALUE_COLUMNS: tuple[str, ...] = ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8")
COVERAGE_COLUMNS: tuple[str, ...] = ("coverage_value", "coverage_lower_95", "coverage_upper_95")
NO_DENOMINATOR = "no patients in the denominator"
_TOTAL = "__total__"


class DisclosureFailure(HealthEquityError):
    """The audit of a table about to be published found a problem: nothing is published."""


def counts_table(agg: pd.DataFrame, template: Template | None = None) -> pd.DataFrame:
    """The aggregate (one row per breakdown group) as one row per group and measure."""
    names = measures(template)
    long = agg.melt(
        id_vars=["breakdown", "group_code"],
        value_vars=names,
        var_name="measure",
        value_name="count",
    )
    return long.astype({"count": "int64"})


def count_relations(
    table: pd.DataFrame, place: Place, practices: pd.DataFrame, by: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Relation]]:
    """``table`` with helper columns stating its sums, and the relations over them.

    ``by`` names the columns that separate independent tables (measure, or indicator id).
    """
    out = table.copy()
    breakdown = out["breakdown"].astype(str)
    code = out["group_code"].astype(str)
    total = (breakdown == "Total").to_numpy()
    node = pd.Series(None, index=out.index, dtype="object")
    tree = breakdown.isin(["Total", "Practice", "PCN"]).to_numpy()
    node[tree] = breakdown[tree] + ":" + code[tree]
    pcn_of = practices.drop_duplicates("practice_code").set_index("practice_code")["pcn_code"]
    parent = pd.Series(None, index=out.index, dtype="object")
    is_practice = (breakdown == "Practice").to_numpy()
    parent[is_practice] = "PCN:" + code[is_practice].map(pcn_of).astype(str)
    parent[(breakdown == "PCN").to_numpy()] = "Total:" + place.la_codes[0]
    out["_node"], out["_parent"] = node, parent
    relations: list[Relation] = [Hierarchy(by=by, code_column="_node", parent_column="_parent")]
    for i, name in enumerate(SIBLING_BREAKDOWNS):
        member = pd.Series(None, index=out.index, dtype="object")
        rows = (breakdown == name).to_numpy()
        member[rows] = code[rows]
        member[total] = _TOTAL
        out[f"_m{i}"] = member
        relations.append(SiblingGroup(by=by, member_column=f"_m{i}", total_value=_TOTAL))
    return out, relations


def published_counts(
    agg: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    place: Place | None = None,
    rules: DisclosureRules | None = None,
    template: Template | None = None,
) -> pd.DataFrame:
    """The long counts table as it may be published (counts hidden are NA)."""
    place = place or load_place()
    framed, relations = count_relations(counts_table(agg, template), place, practices, ("measure",))
    safe = publish(framed, rules, relations=relations, count_columns=["count"], value_columns=[])
    return safe.drop(columns=[c for c in safe.columns if c.startswith("_")])


def group_names(practices: pd.DataFrame, place: Place) -> dict[tuple[str, str], str]:
    """(breakdown, group code) -> the name a reader sees."""
    names: dict[tuple[str, str], str] = {("Total", place.la_codes[0]): place.name}
    for row in practices.drop_duplicates("practice_code").itertuples():
        names["Practice", str(row.practice_code)] = str(
            getattr(row, "practice_name", row.practice_code)
        )
        names["PCN", str(row.pcn_code)] = str(getattr(row, "pcn_name", row.pcn_code))
    wards = lsoa_lookup(place.lsoa_vintage, place.lookup).drop_duplicates("ward_code")
    names.update(
        {
            ("Ward", str(c)): str(n)
            for c, n in zip(wards["ward_code"], wards["ward_name"], strict=True)
        }
    )
    outside = f"Living outside {place.name}"
    names["Ward", OUTSIDE] = names["Deprivation fifth (local)", OUTSIDE] = outside
    for q in range(1, 6):
        label = {1: " (most deprived)", 5: " (least deprived)"}.get(q, "")
        names["Deprivation fifth (local)", str(q)] = f"Fifth {q}{label}"
    for q in range(1, 11):
        label = {1: " (most deprived)", 10: " (least deprived)"}.get(q, "")
        names["Deprivation decile (England)", str(q)] = f"Decile {q}{label}"
    return names


def indicator_table(
    agg: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    period: str,
    place: Place | None = None,
    rules: DisclosureRules | None = None,
    template: Template | None = None,
    source: str = "GP practice records (social needs template)",
) -> pd.DataFrame:
    """The publishable indicator table: every indicator by every breakdown group, with
    intervals, and the domain's coverage beside every prevalence. Audited before it is returned.
    """
    place = place or load_place()
    rules = rules or DisclosureRules()
    template = template or default_template()
    safe = published_counts(agg, practices, place=place, rules=rules, template=template)
    raw = counts_table(agg, template)
    key = ["breakdown", "group_code"]
    exact = raw.pivot_table(index=key, columns="measure", values="count", sort=False)
    shown = safe.pivot_table(index=key, columns="measure", values="count", sort=False, dropna=False)
    shown = shown.reindex(exact.index)
    names = group_names(practices, place)
    frames = []
    by_id = {}
    for ind in social_needs_indicators(template):
        x, n = exact[ind.numerator].to_numpy(float), exact[ind.denominator].to_numpy(float)
        px, pn = shown[ind.numerator].to_numpy(float), shown[ind.denominator].to_numpy(float)
        frame = pd.DataFrame(
            {
                "indicator_id": ind.id,
                "indicator_name": ind.name,
                "principle": ind.principle,
                "period": period,
                "breakdown": exact.index.get_level_values(0),
                "group_code": exact.index.get_level_values(1),
                "count": px,
                "denominator": pn,
                "registered": shown["registered"].to_numpy(float),
            }
        )
        frame["group_name"] = [
            names.get((b, c), c)
            for b, c in zip(frame["breakdown"], frame["group_code"], strict=True)
        ]
        values = _proportions(x, n)
        hidden = np.isnan(px) | np.isnan(pn)
        for col in VALUE_COLUMNS:
            frame[col] = np.where(hidden, np.nan, values[col])
        note = np.full(len(n), None, dtype=object)
        note[n == 0] = NO_DENOMINATOR
        frame["value_note"] = np.where(hidden, rules.note_text, note)
        by_id[ind.id] = frame
        frames.append((ind, frame))
    out = []
    for ind, frame in frames:
        cov = by_id[ind.coverage_id] if ind.coverage_id else None
        frame["coverage_indicator_id"] = ind.coverage_id
        for col, src in zip(COVERAGE_COLUMNS, ("value", "lower_95", "upper_95"), strict=True):
            frame[col] = cov[src].to_numpy() if cov is not None else np.nan
        out.append(frame)
    table = pd.concat(out, ignore_index=True)
    table["source"] = source
    table["registered"] = table["registered"].astype("Int64")
    for col in ("count", "denominator"):
        table[col] = table[col].astype("Int64")
    columns = [
        "indicator_id", "indicator_name", "principle", "period", "breakdown", "group_code",
        "group_name", "count", "denominator", *VALUE_COLUMNS, "value_note",
        "coverage_indicator_id", *COVERAGE_COLUMNS, "registered", "source",
    ]  # fmt: skip
    table = table[columns]
    problems = audit(table, practices, place=place, rules=rules)
    if problems:
        raise DisclosureFailure(
            "the social needs table failed its disclosure audit:\n  " + "\n  ".join(problems[:20])
        )
    return table


def audit(
    table: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    place: Place,
    rules: DisclosureRules | None = None,
) -> list[str]:
    """check_published on the indicator table with every declared relation (empty: it passes)."""
    framed, relations = count_relations(table, place, practices, ("indicator_id",))
    return check_published(
        framed,
        rules,
        relations,
        count_columns=["count", "denominator", "registered"],
        value_columns=list(VALUE_COLUMNS),
    )


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a published table as CSV or Excel (by suffix), atomically: whole or not at all."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(
            f"{path}: expected a .csv or .xlsx file name", field="out", expected=".csv or .xlsx"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    try:
        if suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_excel(tmp, index=False, sheet_name="Social needs", engine="xlsxwriter")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _proportions(x: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    """Percentages with Wilson intervals where the denominator is positive, NaN elsewhere."""
    ok = n > 0
    result = {c: np.full(len(x), np.nan) for c in VALUE_COLUMNS}
    if ok.any():
        got = proportion(pd.DataFrame({"x": x[ok], "n": n[ok]}), "x", "n", multiplier=100)
        for col in VALUE_COLUMNS:
            result[col][ok] = got[col].to_numpy(dtype=float)
    return result
