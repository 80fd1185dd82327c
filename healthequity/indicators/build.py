"""The build: every active indicator, for England, the city, its wards, MSOAs and LSOAs, its
deprivation groups, sex and ethnic group, with intervals, significance and the recent trend.

Counts come from the warehouse (``data: warehouse``) or the synthetic demo generator
(``data: synthetic``); indicators with a published extract take the city's and England's rows
as published; published-only indicators are taken as published. Every row says where it came
from (``source``, ``data_version``) and how it was computed (``method``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthequity.config import Place, load_place
from healthequity.errors import InputError
from healthequity.geography import aggregate, deprivation_groups, lsoa_lookup
from healthequity.geography.codes import ENGLAND_CODE, AreaType
from healthequity.indicators.catalogue import Catalogue, load_catalogue
from healthequity.indicators.compute import computable, compute_values
from healthequity.indicators.definition import Definition, ValueType
from healthequity.indicators.published import published_rows
from healthequity.indicators.significance import add_comparisons, add_recent_trend
from healthequity.store.warehouse import Warehouse

#: Deprivation groupings of the city the build reports (aggregation targets).
DEPRIVATION_TARGETS = ("local_fifth", "imd_decile", "most_deprived_10")
#: Geographic levels built from LSOA counts, smallest first.
GEOGRAPHIC_TARGETS = ("lsoa", "msoa", "ward", "la")
#: Columns that identify one value in the indicator table.
KEYS = [
    "area_code", "area_name", "area_type", "parent_code",
    "category_type", "category", "category_rank", "period", "sex",
]  # fmt: skip
COUNT_KEYS = ["period", "sex", "age_band", "category_type", "category"]
DEFAULT_YEARS = tuple(range(2014, 2024))

Progress = Callable[[Definition], None]


@dataclass
class BuildContext:
    """What every indicator's build shares: the place, its geography, and where counts are."""

    place: Place
    lookup: pd.DataFrame
    deprivation: pd.DataFrame
    years: tuple[int, ...]
    warehouse: Warehouse | None = None
    warehouse_counts: pd.DataFrame | None = None
    warehouse_version: int = 0
    seed: int = 20231
    built_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class BuildResult:
    """The indicator table and what the build did."""

    table: pd.DataFrame
    built: list[str]
    skipped: dict[str, str]
    built_at: dt.datetime
    place: Place


def context(
    place: Place | None = None,
    *,
    warehouse: Warehouse | None = None,
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = 20231,
) -> BuildContext:
    """Load the place's geography and (if given) the warehouse's latest counts once."""
    place = place or load_place()
    lookup = lsoa_lookup(place.lsoa_vintage, place.lookup)
    groups = deprivation_groups(list(place.la_codes), place.iod_version)
    counts, version = None, 0
    if warehouse is not None:
        version = warehouse.latest_version()
        counts = warehouse.read("counts") if version else None
    return BuildContext(place, lookup, groups, tuple(years), warehouse, counts, version, seed)


def _lsoa_counts(d: Definition, ctx: BuildContext) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """LSOA counts and England counts for one indicator, with their source and data version."""
    spec = d.data
    if spec.kind == "warehouse":
        if ctx.warehouse_counts is None:
            raise InputError(
                f"{d.id}: its counts are in the warehouse, which is empty", field="data"
            )
        rows = ctx.warehouse_counts[ctx.warehouse_counts["indicator_id"] == spec.indicator_id]
        if rows.empty:
            raise InputError(
                f"{d.id}: no counts for indicator_id {spec.indicator_id!r} in the warehouse "
                f"(version {ctx.warehouse_version})",
                field="data.indicator_id",
            )
        england = rows[rows["area_code"] == ENGLAND_CODE]
        lsoas = rows[rows["area_code"].str.startswith("E01")]
        batches = ", ".join(str(b) for b in sorted(rows["batch"].unique()))
        return lsoas, england, "warehouse", f"warehouse batch {batches}"
    from healthequity.synthetic.counts import synthetic_counts, synthetic_england_counts

    lsoas = synthetic_counts(d, ctx.place, ctx.years, seed=ctx.seed)
    england = synthetic_england_counts(d, ctx.years, seed=ctx.seed)
    return lsoas, england, "synthetic", f"synthetic demo data (seed {ctx.seed})"


def _with_persons(counts: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    """Add Persons rows (Male + Female) where the counts are by sex only."""
    if "Persons" in set(counts["sex"]) or not set(counts["sex"]) & {"Male", "Female"}:
        return counts
    keys = [c for c in counts.columns if c not in (*values, "sex", "source", "sd")]
    persons = counts.groupby(keys, sort=False, dropna=False)[values].sum().reset_index()
    return pd.concat([counts, persons.assign(sex="Persons")], ignore_index=True)


def _values(counts: pd.DataFrame) -> list[str]:
    return [c for c in ("numerator", "denominator", "sumsq") if c in counts.columns]


def _prepare(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts in one shape: text keys filled, a sum of squares for means (to pool groups)."""
    out = counts.copy()
    for col in ("category_type", "category"):
        out[col] = out[col].fillna("").astype(str) if col in out else ""
    if "sd" in out.columns:
        n = out["denominator"].astype(float)
        out["sumsq"] = out["sd"].astype(float) ** 2 * (n - 1) + out["numerator"] ** 2 / n
    return out


def _area_counts(lsoas: pd.DataFrame, england: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """Counts summed to every area and group the table reports."""
    values = _values(lsoas)
    parents = ctx.lookup.set_index("lsoa_code")
    frames = []
    for target in GEOGRAPHIC_TARGETS:
        part = lsoas if target in ("la",) else lsoas[lsoas["category_type"] == ""]
        out = aggregate(part.rename(columns={"area_code": "lsoa_code"}), target, values=values,
                        lookup=ctx.lookup, by=COUNT_KEYS)  # fmt: skip
        if target == "lsoa":
            out["parent_code"] = out["area_code"].map(parents["msoa_code"])
        elif target in ("msoa", "ward"):
            out["parent_code"] = ctx.place.la_codes[0] if len(ctx.place.la_codes) == 1 else pd.NA
        else:
            out["parent_code"] = ENGLAND_CODE
        frames.append(out)
    whole = lsoas[lsoas["category_type"] == ""].drop(columns=["category_type", "category"])
    keys = [k for k in COUNT_KEYS if k not in ("category_type", "category")]
    for target in DEPRIVATION_TARGETS:
        out = aggregate(whole.rename(columns={"area_code": "lsoa_code"}), target, values=values,
                        lookup=ctx.lookup, deprivation=ctx.deprivation, by=keys,
                        iod_version=ctx.place.iod_version)  # fmt: skip
        frames.append(out.assign(parent_code=ENGLAND_CODE))
    eng = england.copy()
    eng["area_name"], eng["area_type"] = "England", str(AreaType.ENGLAND)
    eng["parent_code"] = pd.NA
    frames.append(eng)
    table = pd.concat(frames, ignore_index=True)
    if "category_rank" not in table:
        table["category_rank"] = pd.NA
    table["category_rank"] = table["category_rank"].astype("Int64")
    return table


def _period_start(period: pd.Series) -> pd.Series:
    """First year of '2023', '2023/24' or '2021-23'."""
    return period.astype(str).str.slice(0, 4).astype(int)


def build_indicator(d: Definition, ctx: BuildContext) -> pd.DataFrame:
    """The indicator's rows: computed from counts, with published city/England rows if any."""
    if not computable(d):
        return published_rows(d, ctx.place)
    lsoas, england, source, version = _lsoa_counts(d, ctx)
    lsoas = _with_persons(_prepare(lsoas), _values(_prepare(lsoas)))
    england = _with_persons(_prepare(england), _values(_prepare(england)))
    counts = _area_counts(lsoas, england, ctx)
    table = compute_values(counts, d, KEYS)
    table["source"], table["data_version"] = source, version
    if d.published is not None:
        real = published_rows(d, ctx.place)
        replaced = table["area_code"].isin([ENGLAND_CODE, *ctx.place.la_codes]) & (
            table["category_type"] == ""
        )
        table = pd.concat([table[~replaced], real], ignore_index=True)
    return table


def _decorate(table: pd.DataFrame, d: Definition, ctx: BuildContext) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "indicator_id", d.id)
    out.insert(1, "indicator_name", d.name)
    out.insert(2, "principle", d.principle)
    out["value_type"] = str(d.value_type)
    out["polarity"] = str(d.polarity)
    out["multiplier"] = d.multiplier if d.multiplier is not None else np.nan
    out["unit"] = d.unit
    out["age"] = d.age
    out["period_start"] = _period_start(out["period"])
    out["built_at"] = ctx.built_at.replace(tzinfo=None)
    return out


def build(
    place: Place | None = None,
    catalogue: Catalogue | None = None,
    *,
    warehouse: Warehouse | None = None,
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = 20231,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build every active indicator (or those in ``only``) into one tidy table."""
    ctx = context(place, warehouse=warehouse, years=years, seed=seed)
    if catalogue is None:
        own = ctx.place.folder / "indicators" if ctx.place.folder else None
        catalogue = load_catalogue(own if own is not None and own.is_dir() else None)
    wanted = set(only) if only is not None else None
    frames, built, skipped = [], [], {}
    for d in catalogue.active():
        if wanted is not None and d.id not in wanted:
            continue
        if progress is not None:
            progress(d)
        rows = build_indicator(d, ctx)
        if rows.empty:
            skipped[d.id] = "no rows (no counts and no published values for the place)"
            continue
        rows = add_comparisons(rows, d, ctx.place)
        rows = add_recent_trend(rows, d)
        frames.append(_decorate(rows, d, ctx))
        built.append(d.id)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return BuildResult(table, built, skipped, ctx.built_at, ctx.place)


__all__ = ["BuildContext", "BuildResult", "ValueType", "build", "build_indicator", "context"]
