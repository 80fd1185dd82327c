"""The indicator build: the Leeds set end to end, and the same set for all 296 English LAs.

Run: ``.venv/bin/python -c "import bench.build as b; b.run()"`` (or ``python -m bench build``).

Leeds: ``healthequity build``'s steps timed one by one (the build with the synthetic demo
counts, the build from counts already in memory, disclosure control, the Fingertips CSV and the
workbook). National: every computed indicator for every 2021 LSOA in England (IoD2025 maps each
to its LA), built at LSOA -> LA -> England plus each LA's own deprivation fifths and national
deciles, from SYNTHETIC counts made by ``national_counts`` below. The national table is about 70
times Leeds' (tens of millions of rows), so it is built in batches of local authorities with
``national_context``; England's counts are made once and its rows counted once.
"""

from __future__ import annotations

import gc
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench._report import Timing, time_call, write_section
from healthequity.config import load_place
from healthequity.geography import iod
from healthequity.geography.codes import ENGLAND_CODE
from healthequity.geography.populations import ethnic_groups_lsoa
from healthequity.indicators.build import (
    DEFAULT_YEARS,
    BuildContext,
    IndicatorCounts,
    build_with,
    context,
    default_counts,
    national_context,
)
from healthequity.indicators.catalogue import load_catalogue
from healthequity.indicators.compute import LIFE_TABLE_BANDS, computable
from healthequity.indicators.definition import Breakdown, Definition, Sex, SyntheticData, ValueType
from healthequity.indicators.downloads import write_fingertips, write_workbook
from healthequity.indicators.publication import publishable
from healthequity.methods.esp2013 import ESP2013, ESP2013_AGE_LOWER, ESP2013_BANDS
from healthequity.synthetic.counts import (
    ETHNIC_RR,
    ETHNIC_TYPE,
    ISR_RATE_PER,
    age_band_label,
    age_range,
    deprivation_factor,
    period_plan,
    rate_curve,
)
from healthequity.synthetic.provider import synthetic_indicator_counts

SOURCE = "synthetic (national benchmark)"
#: Local authorities per batch of the national build (memory, not speed, sets it).
BATCH = 12
#: Death rates by life-table band for the synthetic life expectancy (a Gompertz curve, infants
#: 0.4%), scaled by the deprivation factor with this gradient.
LE_GRADIENT = 1.8
_LT_START = np.array([0, 1, *ESP2013_AGE_LOWER[1:]], dtype="float64")
_LT_RATES = np.minimum(0.0002 * np.exp(0.085 * (_LT_START + 2.5)), 0.3)
_LT_RATES[0] = 0.004


@dataclass(frozen=True)
class Areas:
    """The LSOAs (or England as one area) a generator call draws for."""

    codes: np.ndarray  # area codes
    population: np.ndarray  # Census 2021 usual residents
    decile: np.ndarray  # national IMD decile (0: England as a whole, factor 1)
    shares: np.ndarray  # Census 2021 broad ethnic group shares, one column per ETHNIC_RR key


def census_areas(lsoa_codes: Sequence[str] | None = None) -> Areas:
    """LSOAs with their Census 2021 population, ethnic shares and IoD2025 decile."""
    wide = ethnic_groups_lsoa().pivot_table(
        index="lsoa_code", columns="ethnic_group", values="population", aggfunc="sum"
    )
    deciles = iod(2025).set_index("lsoa_code")["imd_decile"]
    if lsoa_codes is not None:
        wide = wide.loc[list(lsoa_codes)]
    labels = list(ETHNIC_RR)
    counts = wide[labels].to_numpy(dtype="float64")
    total = counts.sum(axis=1)
    return Areas(
        wide.index.to_numpy(dtype=object),
        total,
        deciles.reindex(wide.index).to_numpy(dtype="float64"),
        counts / np.maximum(total, 1)[:, None],
    )


def england_area(areas: Areas) -> Areas:
    """England as one area: the sum of the LSOAs, average deprivation."""
    pop = areas.population.sum()
    shares = (areas.shares * areas.population[:, None]).sum(axis=0) / pop
    return Areas(np.array([ENGLAND_CODE], dtype=object), np.array([pop]), np.array([0.0]),
                 shares[None, :])  # fmt: skip


def _bands(d: Definition) -> tuple[list[str], np.ndarray]:
    """The age bands of a definition's counts and the share of the population in each."""
    weights = np.asarray(ESP2013, dtype="float64") / sum(ESP2013)
    lo, hi = age_range(d.age)
    start = np.asarray(ESP2013_AGE_LOWER, dtype="float64")
    end = np.append(start[1:] - 1, 100)
    overlap = np.clip(np.minimum(end, hi) - np.maximum(start, lo) + 1, 0, None) / (end - start + 1)
    if d.value_type == ValueType.LIFE_EXPECTANCY:
        return list(LIFE_TABLE_BANDS), np.r_[weights[0] / 5, weights[0] * 4 / 5, weights[1:]]
    if d.value_type in (ValueType.DSR, ValueType.ISR):
        used = overlap > 0
        return [b for b, u in zip(ESP2013_BANDS, used, strict=True) if u], (weights * overlap)[used]
    return [age_band_label(d.age)], np.array([(weights * overlap).sum()])


def national_counts(
    d: Definition, areas: Areas, years: Sequence[int], seed: int, mean_population: float = 1675.0
) -> pd.DataFrame:
    """SYNTHETIC counts for ``d`` on ``areas``, in the warehouse counts layout (+ ``sd`` for
    means), from its ``SyntheticData`` spec and Census 2021 populations.

    The model, vectorised over area x year x sex x age band x ethnic group: the population is
    the area's Census 2021 residents split by the European Standard Population's age structure
    and equally by sex, and by ethnic group with the area's Census shares; denominators are the
    spec's ``denominator`` per average LSOA and period (DSR and life-table bands: the population;
    counts: the population, with ``value`` the expected count per average LSOA); the expected
    value is ``value`` x the deprivation factor of the LSOA's national IMD decile (``gradient``,
    mean 1) x (1 + ``annual_change``) ** years x the synthetic ethnic relative risk (on the odds
    for proportions); DSR bands follow the indicator's rate curve, life-table deaths a Gompertz
    curve. Numerators are Binomial (proportions) or Poisson draws; means draw a normal sum and
    a chi-squared sd. Pooled periods sum three annual draws. Not estimates of anything.
    """
    spec = d.data
    assert isinstance(spec, SyntheticData)
    rng = np.random.default_rng([seed, spec.seed])
    plan = period_plan(d.period_type, list(years))
    draw_years = np.array(sorted(plan["year"].unique()))
    bands, band_share = _bands(d)
    if d.sex != Sex.PERSONS:
        sexes, sex_share = [str(d.sex)], 0.5
    elif Breakdown.SEX in d.breakdowns:
        sexes, sex_share = ["Male", "Female"], 0.5
    else:
        sexes, sex_share = ["Persons"], 1.0
    ethnic = Breakdown.ETHNICITY in d.breakdowns and d.value_type != ValueType.LIFE_EXPECTANCY
    groups = list(ETHNIC_RR) if ethnic else [""]
    shares = areas.shares if ethnic else np.ones((len(areas.codes), 1))
    rr = np.array([ETHNIC_RR[g] for g in groups]) if ethnic else np.ones(1)
    shape = (len(areas.codes), len(draw_years), len(sexes), len(bands), len(groups))
    pop = (
        areas.population[:, None, None, None, None]
        * sex_share
        * band_share[None, None, None, :, None]
        * shares[:, None, None, None, :]
    )
    pop = np.broadcast_to(pop, shape)
    pooled = 3.0 if len(plan) > len(draw_years) else 1.0
    mean_lsoa = mean_population * band_share.sum() * sex_share  # an average LSOA's, in range
    factor = np.where(areas.decile > 0, deprivation_factor(areas.decile, spec.gradient), 1.0)
    if d.value_type == ValueType.LIFE_EXPECTANCY:
        factor = np.where(areas.decile > 0, deprivation_factor(areas.decile, LE_GRADIENT), 1.0)
    trend = (1.0 + spec.annual_change) ** (draw_years - draw_years[0])
    value = spec.value * factor[:, None, None, None, None] * trend[None, :, None, None, None]
    if d.value_type in (ValueType.DSR, ValueType.ISR, ValueType.LIFE_EXPECTANCY, ValueType.COUNT):
        n = np.rint(pop)
    else:
        n = np.rint(pop / mean_lsoa * float(spec.denominator or 0) / pooled)
    multiplier = ISR_RATE_PER if d.value_type == ValueType.ISR else float(d.multiplier or 1.0)
    sumsq = None
    if d.value_type == ValueType.PROPORTION:
        p = np.clip(value / multiplier, 0, 0.995)
        odds = p / (1 - p) * rr
        x = rng.binomial(n.astype(np.int64), odds / (1 + odds)).astype("float64")
    elif d.value_type == ValueType.COUNT:
        x = rng.poisson(value * pop / mean_lsoa / pooled * rr).astype("float64")
    elif d.value_type == ValueType.MEAN:
        sd = float(spec.sd or 0.0)
        x = np.maximum(n * value * rr + np.sqrt(n) * sd * rng.standard_normal(shape), 0.0)
        dof = np.maximum(n - 1, 1)
        sumsq = (n - 1) * sd**2 * rng.chisquare(dof) / dof + x**2 / np.maximum(n, 1)
    elif d.value_type in (ValueType.DSR, ValueType.ISR):
        curve = np.asarray(rate_curve(d.id), dtype="float64")
        used = np.isin(np.asarray(ESP2013_BANDS), bands)
        w = np.asarray(ESP2013, dtype="float64")[used]
        scale = w.sum() / (w * curve[used]).sum()
        band_rate = curve[used][None, None, None, :, None] * scale
        x = rng.poisson(n * value * band_rate * rr / multiplier).astype("float64")
    elif d.value_type == ValueType.LIFE_EXPECTANCY:
        rates = _LT_RATES[None, None, None, :, None] * factor[:, None, None, None, None]
        x = rng.poisson(n * np.minimum(rates, 0.9)).astype("float64")
    else:  # crude rates
        x = rng.poisson(n * value * rr / multiplier).astype("float64")
    return _periods(d, areas, plan, draw_years, sexes, bands, groups, x, n, sumsq)


def _periods(
    d: Definition, areas: Areas, plan: pd.DataFrame, draw_years: np.ndarray, sexes: list[str],
    bands: list[str], groups: list[str], x: np.ndarray, n: np.ndarray, sumsq: np.ndarray | None,
) -> pd.DataFrame:  # fmt: skip
    """Annual draws summed to periods; ethnic totals added; long counts layout."""
    periods = list(dict.fromkeys(plan["period"]))
    member = np.zeros((len(draw_years), len(periods)))
    member[
        np.searchsorted(draw_years, plan["year"]), [periods.index(p) for p in plan["period"]]
    ] = 1
    arrays = {"numerator": x, "denominator": n, **({"sumsq": sumsq} if sumsq is not None else {})}
    # area x year x sex x band x group -> area x period x sex x band x group
    by_period = {k: np.einsum("aysbg,yp->apsbg", v, member) for k, v in arrays.items()}
    labels = [ETHNIC_TYPE if g else "" for g in groups]
    if groups != [""]:
        by_period = {k: np.concatenate([v, v.sum(axis=-1, keepdims=True)], axis=-1)
                     for k, v in by_period.items()}  # fmt: skip
        groups, labels = [*groups, ""], [*labels, ""]
    grid = pd.MultiIndex.from_product(
        [areas.codes, periods, sexes, bands, range(len(groups))],
        names=["area_code", "period", "sex", "age_band", "_g"],
    ).to_frame(index=False)
    out = grid.drop(columns="_g").assign(
        category_type=np.asarray(labels, dtype=object)[grid["_g"]],
        category=np.asarray(groups, dtype=object)[grid["_g"]],
        indicator_id=d.id,
        **{k: v.reshape(-1) for k, v in by_period.items()},
    )
    if "sumsq" in out:
        den = out["denominator"].to_numpy()
        spread = out.pop("sumsq") - out["numerator"] ** 2 / np.maximum(den, 1)
        out["sd"] = np.sqrt(np.clip(spread, 0, None) / np.maximum(den - 1, 1))
    banded = (ValueType.DSR, ValueType.ISR, ValueType.LIFE_EXPECTANCY)
    keep = (out["denominator"] > 0) | (d.value_type in banded)
    return out[keep].reset_index(drop=True).assign(source=SOURCE)


class NationalCounts:
    """A count provider for ``national_context``: each batch's LSOAs drawn on demand, England
    once per indicator (cached)."""

    def __init__(self, years: Sequence[int], seed: int = 20231) -> None:
        self.years, self.seed = list(years), seed
        self.all = census_areas()
        self.mean = float(self.all.population.mean())
        self.england = england_area(self.all)
        self._england: dict[str, pd.DataFrame] = {}
        self.seconds = 0.0  # time spent drawing counts

    def __call__(self, d: Definition, ctx: BuildContext) -> IndicatorCounts:
        codes = ctx.lookup["lsoa_code"].astype(str).to_numpy()
        where = pd.Index(self.all.codes).get_indexer(codes)
        part = Areas(self.all.codes[where], self.all.population[where], self.all.decile[where],
                     self.all.shares[where])  # fmt: skip
        start = time.perf_counter()
        seed = self.seed + int(where[0])  # a different stream per batch
        lsoas = national_counts(d, part, self.years, seed, self.mean)
        if d.id not in self._england:
            self._england[d.id] = national_counts(d, self.england, self.years, self.seed, self.mean)
        self.seconds += time.perf_counter() - start
        return IndicatorCounts(lsoas, self._england[d.id], "synthetic", SOURCE)


def national(batch: int = BATCH, la_codes: Sequence[str] | None = None) -> list[Timing]:
    """Build every computed indicator for every LA (or ``la_codes``), batch by batch: the
    total time, and the part of it spent drawing the synthetic counts."""
    catalogue = load_catalogue()
    wanted = [d.id for d in catalogue.active() if computable(d) and d.data.kind == "synthetic"]
    provider = NationalCounts(DEFAULT_YEARS)
    las = sorted(set(iod(2025)["la_code"])) if la_codes is None else list(la_codes)
    rows = england_rows = lsoas = 0
    start = time.perf_counter()
    for i in range(0, len(las), batch):
        ctx = national_context(provider, la_codes=las[i : i + batch])
        lsoas += len(ctx.lookup)
        table = build_with(ctx, catalogue, only=wanted).table
        england_rows = int((table["area_code"] == ENGLAND_CODE).sum())
        rows += len(table) - england_rows
        del table, ctx
        gc.collect()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = rows + england_rows
    what = f"{len(las)} LAs, {lsoas:,} LSOAs, {len(wanted)} indicators"
    return [
        Timing("National: whole build, counts drawn inside", seconds, seconds, 1, peak,
               f"{what}, {total:,} rows; batches of {batch} LAs"),
        Timing("National: of which drawing the synthetic counts", provider.seconds,
               provider.seconds, 1, peak, "bench.build.national_counts"),
        Timing("National: of which the build", seconds - provider.seconds,
               seconds - provider.seconds, 1, peak,
               f"{total / max(seconds - provider.seconds, 1e-9):,.0f} rows a second"),
    ]  # fmt: skip


def leeds() -> list[Timing]:
    """The Leeds set, step by step."""
    place = load_place()
    ctx = context(place, synthetic=synthetic_indicator_counts)
    cache: dict[str, IndicatorCounts] = {}

    def cached(d: Definition, c: BuildContext) -> IndicatorCounts:
        if d.id not in cache:
            cache[d.id] = default_counts(d, c)
        return cache[d.id]

    generate = time_call(
        "Leeds: synthetic demo counts (healthequity.synthetic, every indicator)",
        lambda: [default_counts(d, ctx) for d in load_catalogue().active() if computable(d)],
        repeats=1,
    )
    ctx.counts = cached
    result = build_with(ctx)
    table = result.table
    rows = f"{len(table):,} rows, {len(result.built)} indicators"
    built = time_call("Leeds: build from counts in memory", lambda: build_with(ctx), note=rows)
    whole = time_call(
        "Leeds: build() with synthetic counts (what `healthequity build` runs first)",
        lambda: build_with(context(place, synthetic=synthetic_indicator_counts)),
        repeats=1,
        note=rows,
    )
    safe = publishable(table)
    gate = time_call("Leeds: disclosure control (publishable)", lambda: publishable(table),
                     repeats=1)  # fmt: skip
    csv = time_call("Leeds: Fingertips-format CSV", lambda: write_fingertips(safe, _tmp("f.csv")),
                    repeats=1, note=f"{len(safe):,} rows")  # fmt: skip
    book = time_call("Leeds: Excel workbook", lambda: write_workbook(safe, _tmp("w.xlsx")),
                     repeats=1)  # fmt: skip
    return [generate, built, whole, gate, csv, book]


def _load(when: str = " start") -> str:
    """The machine's load average (other processes slow every timing on a shared machine)."""
    one, five, _ = os.getloadavg()
    return f" Load average at the{when}: {one:.1f} (1 min), {five:.1f} (5 min)."


def _tmp(name: str) -> str:
    import tempfile

    return f"{tempfile.gettempdir()}/healthequity-bench-{name}"


def run(*, national_las: Sequence[str] | None = None, batch: int = BATCH) -> list[Timing]:
    """Time the Leeds build step by step and the national build; write docs/benchmarks.md."""
    return [*run_leeds(), *run_national(national_las=national_las, batch=batch)]


def run_leeds() -> list[Timing]:
    """Time the Leeds build step by step; write its section of docs/benchmarks.md."""
    before = _load()
    timings = leeds()
    print(write_section(
        "Indicator build: Leeds",
        "The whole Leeds indicator set (`python -c \"import bench.build as b; b.run_leeds()\"`): every "
        "active indicator for England, Leeds, 33 wards, 107 MSOAs, 488 LSOAs, local fifths, "
        "national deciles, most deprived 10% and 5 ethnic groups, 10 periods, 3 sexes; each step "
        "of `healthequity build` timed alone. The first rows separate the synthetic demo "
        "generator (healthequity.synthetic) from the build itself." + before + _load(" end"),
        timings,
    ))  # fmt: skip
    return timings


def run_national(*, national_las: Sequence[str] | None = None, batch: int = BATCH) -> list[Timing]:
    """Time the national build (minutes); write its section of docs/benchmarks.md."""
    before = _load()
    nat = national(batch, national_las)
    print(write_section(
        "Indicator build: all 296 English local authorities",
        "The same computed indicators for every 2021 LSOA in England, at LSOA -> LA -> England "
        "plus each LA's own deprivation fifths and national IMD deciles (no wards or MSOAs: no "
        "national lookups are shipped), from SYNTHETIC counts drawn by `bench.build."
        "national_counts` on Census 2021 populations. Built in batches of LAs with "
        "`healthequity.indicators.build.national_context`; one run (it takes minutes)."
        + before
        + _load(" end"),
        nat,
    ))  # fmt: skip
    return nat
