"""The build: every active indicator, for England, the city, its wards, MSOAs and LSOAs, its
deprivation groups, sex and ethnic group, with intervals, significance and the recent trend.

Counts come from the warehouse (``data: warehouse``) or, for ``data: synthetic``, from the
synthetic demo generator the caller gives (``synthetic=``; ``healthequity.synthetic.provider``:
the build does not import the generator), or from a count provider given to the context (the
national benchmark);
indicators with a published extract take the city's and England's rows as published;
published-only indicators are taken as published. Every row says where it came from
(``source``, ``data_version``) and how it was computed (``method``).

All indicators are built together: their counts are stacked with integer-coded keys, summed to
every area and group in one pass per target, and computed in one call per value type, so the
cost grows with the number of rows, not the number of indicators x areas x pandas calls.

Indirectly standardised ratios (value type isr) take England's rates from the England rows
(area E92000001, all groups) of their own counts, per period, sex and age band: each count row
gets its expected events before anything is summed (``_expected``), and they are summed with
the counts, so Persons summed from Male and Female are standardised for age and sex. An ISR
without England rows, or with areas' population in a cell England lacks, is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthequity.config import Place, load_place
from healthequity.errors import InputError
from healthequity.geography import deprivation_groups, iod, lsoa_lookup
from healthequity.geography.aggregate import DEPRIVATION, Areas, areas, category_label, sum_by_codes
from healthequity.geography.codes import ENGLAND_CODE
from healthequity.geography.deprivation import IOD_VINTAGE
from healthequity.indicators.catalogue import Catalogue, place_catalogue
from healthequity.indicators.compute import (
    LIFE_TABLE_BANDS,
    VALUE_COLUMNS,
    Params,
    computable,
    compute,
    params,
    sums_of_squares,
)
from healthequity.indicators.definition import Definition, ValueType
from healthequity.indicators.published import published_rows
from healthequity.indicators.significance import (
    comparisons,
    england_benchmarks,
    recent_trends,
)
from healthequity.indicators.standardisation import (
    expected_from_rates,
    missing_cells_error,
    no_reference_error,
    reference_rates,
)
from healthequity.methods.esp2013 import ESP2013_BANDS
from healthequity.methods.quantiles import assign_quantiles
from healthequity.store.warehouse import Warehouse

#: Deprivation groupings of the city the build reports (aggregation targets).
DEPRIVATION_TARGETS = ("local_fifth", "imd_decile", "most_deprived_10")
#: Geographic levels built from LSOA counts, smallest first (wards and MSOAs when the lookup
#: has them).
GEOGRAPHIC_TARGETS = ("lsoa", "msoa", "ward", "la")
#: Columns that identify one value in the indicator table.
KEYS = [
    "area_code", "area_name", "area_type", "parent_code",
    "category_type", "category", "category_rank", "period", "sex",
]  # fmt: skip
COUNT_KEYS = ["period", "sex", "age_band", "category_type", "category"]
DEFAULT_YEARS = tuple(range(2014, 2024))
_TEXT = ("period", "sex", "age_band", "category_type", "category")
_GROUP = ("ind", "area", "ctype", "cat", "rank", "period", "sex")
_BANDS = {ValueType.DSR: list(ESP2013_BANDS), ValueType.LIFE_EXPECTANCY: list(LIFE_TABLE_BANDS)}

Progress = Callable[[Definition], None]


@dataclass(frozen=True)
class IndicatorCounts:
    """One indicator's counts: LSOA rows and England rows (counts layout), and their origin."""

    lsoas: pd.DataFrame
    england: pd.DataFrame
    source: str
    data_version: str


#: Gives an indicator's counts for a build (default: the warehouse, or the context's
#: synthetic generator for ``data: synthetic``).
CountProvider = Callable[[Definition, "BuildContext"], IndicatorCounts]


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
    counts: CountProvider | None = None
    synthetic: CountProvider | None = None
    _areas: Areas | None = field(default=None, repr=False)
    _by_indicator: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def areas(self) -> Areas:
        """The areas of the lookup (computed once)."""
        if self._areas is None:
            self._areas = areas(self.lookup, self.deprivation)
        return self._areas

    def warehouse_rows(self, indicator_id: str) -> pd.DataFrame:
        """The warehouse counts of one indicator (split by indicator once)."""
        if self._by_indicator is None:
            wc = self.warehouse_counts
            self._by_indicator = (
                {} if wc is None else {str(k): g for k, g in wc.groupby("indicator_id", sort=False)}
            )
        return self._by_indicator.get(indicator_id, pd.DataFrame())


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
    counts: CountProvider | None = None,
    synthetic: CountProvider | None = None,
) -> BuildContext:
    """Load the place's geography and (if given) the warehouse's latest counts once.

    ``synthetic`` gives the counts of ``data: synthetic`` definitions (the demo generator,
    ``healthequity.synthetic.provider.synthetic_indicator_counts``); without it they are refused.
    """
    place = place or load_place()
    lookup = lsoa_lookup(place.lsoa_vintage, place.lookup)
    groups = deprivation_groups(list(place.la_codes), place.iod_version)
    rows, version = None, 0
    if warehouse is not None:
        version = warehouse.latest_version()
        rows = warehouse.read("counts") if version else None
    return BuildContext(
        place,
        lookup,
        groups,
        tuple(years),
        warehouse,
        rows,
        version,
        seed,
        counts=counts,
        synthetic=synthetic,
    )


def deprivation_by_la(table: pd.DataFrame, version: int) -> pd.DataFrame:
    """Every LSOA of ``table`` (an IoD table) with its groups, local fifths and tenths ranked
    within its own local authority (as ``deprivation_groups`` does for one place)."""
    groups = deprivation_groups(sorted(set(table["la_code"])), version, iod_table=table)
    frame = pd.DataFrame(
        {"rank": groups["imd_rank"].to_numpy(dtype="float64"), "la": groups["la_code"]}
    )
    for column, size in (("local_fifth", 5), ("local_tenth", 10)):
        ranked = assign_quantiles(frame, "rank", group_by="la", nquantiles=size, invert=False)
        groups[column] = pd.array(ranked["quantile"].to_numpy(), dtype="Int64")
    return groups


def national_context(
    counts: CountProvider,
    *,
    la_codes: Sequence[str] | None = None,
    iod_version: int = 2025,
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = 20231,
    name: str = "England: every local authority",
) -> BuildContext:
    """A build over many local authorities at once: LSOA -> LA -> England from the IoD, each
    LA's own deprivation fifths and national deciles, no wards or MSOAs.

    ``la_codes`` limits it (default: every LA in the IoD release); ``counts`` gives each
    indicator's LSOA and England counts.
    """
    table = iod(iod_version)
    if la_codes is not None:
        table = table[table["la_code"].isin(list(la_codes))]
    table = table.sort_values("lsoa_code").reset_index(drop=True)
    codes = tuple(sorted(set(table["la_code"].astype(str))))
    place = Place(name, codes, iod_version=iod_version, lsoa_vintage=IOD_VINTAGE[iod_version])
    lookup = table[["lsoa_code", "lsoa_name", "la_code", "la_name"]].astype("string")
    groups = deprivation_by_la(table, iod_version)
    return BuildContext(place, lookup, groups, tuple(years), seed=seed, counts=counts)


def default_counts(d: Definition, ctx: BuildContext) -> IndicatorCounts:
    """LSOA and England counts of one indicator from the warehouse or the context's synthetic
    generator (an InputError naming the indicator when the context has none)."""
    spec = d.data
    if spec.kind == "warehouse":
        if ctx.warehouse_counts is None:
            raise InputError(
                f"{d.id}: its counts are in the warehouse, which is empty", field="data"
            )
        rows = ctx.warehouse_rows(spec.indicator_id)
        if rows.empty:
            raise InputError(
                f"{d.id}: no counts for indicator_id {spec.indicator_id!r} in the warehouse "
                f"(version {ctx.warehouse_version})",
                field="data.indicator_id",
            )
        england = rows[rows["area_code"] == ENGLAND_CODE]
        lsoas = rows[rows["area_code"].str.startswith("E01")]
        batches = ", ".join(str(b) for b in sorted(rows["batch"].unique()))
        return IndicatorCounts(lsoas, england, "warehouse", f"warehouse batch {batches}")
    if ctx.synthetic is None:
        raise InputError(
            f"{d.id}: its counts are synthetic demo data (data: {spec.kind}), and this build "
            "was given no synthetic generator",
            field="data.kind",
        )
    return ctx.synthetic(d, ctx)


class _Vocab:
    """Text values and their integer codes, shared by every indicator of a build."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        if value not in self._codes:
            self._codes[value] = len(self.values)
            self.values.append(value)
        return self._codes[value]

    def encode(self, column: pd.Series) -> np.ndarray:
        """Codes of a text column (missing values are '')."""
        codes, uniques = pd.factorize(column)
        mapping = np.array([self.code(str(u)) for u in uniques] + [self.code("")], dtype=np.int64)
        return mapping[codes]

    def text(self, codes: np.ndarray) -> Any:
        """The values of ``codes`` as a text array (a take from the vocabulary)."""
        return pd.array(self.values, dtype="str").take(codes)

    def order(self) -> np.ndarray:
        """Each code's position when the values are sorted as text."""
        out = np.empty(len(self.values), dtype=np.int64)
        out[np.argsort(np.asarray(self.values, dtype=object), kind="stable")] = np.arange(
            len(self.values)
        )
        return out


def _coded(
    counts: pd.DataFrame, ind: int, england: bool, vocab: dict[str, _Vocab], lsoas: pd.Index
) -> dict[str, np.ndarray]:
    """One indicator's counts with integer-coded keys (``lsoa``: row of the lookup, -1 if not
    in it; 0 for England rows), and sums of squares for means (to pool groups' variances;
    ``unknown_sd`` marks rows whose spread is not given)."""
    n = len(counts)
    if england:
        lsoa = np.zeros(n, dtype=np.int64)
    else:
        codes, uniques = pd.factorize(counts["area_code"])
        lsoa = lsoas.get_indexer(pd.Index(np.asarray(uniques, dtype=object)))[codes]
    out = {"ind": np.full(n, ind), "eng": np.full(n, int(england)), "lsoa": lsoa}
    for name, col in zip(("period", "sex", "age", "ctype", "cat"), _TEXT, strict=True):
        out[name] = vocab[name].encode(counts[col]) if col in counts else np.full(n, 0)
    num = counts["numerator"].to_numpy(dtype="float64")
    den = counts["denominator"].to_numpy(dtype="float64")
    out["numerator"], out["denominator"] = num, den
    sd = counts["sd"].to_numpy(dtype="float64") if "sd" in counts else np.full(n, np.nan)
    out["sumsq"] = sums_of_squares(num, den, sd)
    out["unknown_sd"] = np.isnan(out["sumsq"]).astype("float64")  # summed: NaN would add as 0
    sexes = {vocab["sex"].values[c] for c in np.unique(out["sex"])}
    needs = "Persons" not in sexes and bool(sexes & {"Male", "Female"})
    out["persons"] = np.full(n, needs)
    return out


def _refuse_unknown_lsoas(counts: pd.DataFrame, lsoa: np.ndarray, d: Definition) -> None:
    """Every LSOA of an indicator's counts must be in the place's lookup."""
    bad = lsoa < 0
    if not bad.any():
        return
    codes = sorted(set(counts["area_code"].astype(str).to_numpy()[bad]))
    shown = ", ".join(codes[:10]) + (f" and {len(codes) - 10} more" if len(codes) > 10 else "")
    raise InputError(
        f"{d.id}: counts for LSOAs not in the place's lookup: {shown}",
        field="area_code",
        values=codes[:10],
        expected="LSOA codes of the place (check the LSOA vintage: 2011 or 2021)",
    )


def _check_bands(rows: pd.DataFrame, vocab: _Vocab, defs: list[Definition]) -> None:
    """Every DSR and life expectancy indicator has its method's age bands only."""
    pairs = rows[["ind", "age"]].drop_duplicates()
    for ind, group in pairs.groupby("ind"):
        d = defs[int(str(ind))]
        known = _BANDS.get(d.value_type)
        if known is None:
            continue
        unknown = sorted({vocab.values[a] for a in group["age"]} - set(known))
        if unknown:
            what = (
                "DSR needs ESP2013 age bands"
                if d.value_type == ValueType.DSR
                else "life expectancy needs the 20 life-table bands"
            )
            raise InputError(
                f"{d.id}: {what}; found {', '.join(unknown)}",
                field="age_band",
                expected=", ".join(known),
            )


@dataclass
class _Counts:
    """Every computed indicator's counts summed to every area and group, integer-coded."""

    rows: pd.DataFrame  # ind, area, period, sex, age, ctype, cat, rank, numerator, ...
    vocab: dict[str, _Vocab]


def _aggregate(
    parts: list[tuple[int, IndicatorCounts]], ctx: BuildContext, defs: list[Definition]
) -> _Counts:
    """Stack the indicators' counts and sum them to each target with integer keys."""
    vocab = {"period": _Vocab(), "sex": _Vocab(), "age": _Vocab(), "ctype": _Vocab()}
    vocab["cat"] = _Vocab()
    for v in (vocab["ctype"], vocab["cat"]):
        v.code("")
    geo = ctx.areas
    coded = []
    for ind, got in parts:
        for eng, counts in ((False, got.lsoas), (True, got.england)):
            if len(counts):
                coded.append(_coded(counts, ind, eng, vocab, geo.lsoa_codes))
                _refuse_unknown_lsoas(counts, coded[-1]["lsoa"], defs[ind])
    if not coded:
        return _Counts(pd.DataFrame(columns=["ind"]), vocab)
    raw = {k: np.concatenate([c[k] for c in coded]) for k in coded[0]}
    names = ("ind", "eng", "lsoa", "period", "sex", "age", "ctype", "cat")
    keys = {k: raw[k].astype(np.int64) for k in names}
    values = {c: raw[c] for c in ("numerator", "denominator", "sumsq", "unknown_sd")}
    persons = raw["persons"].astype(bool)
    isr = [i for i, _ in parts if defs[i].value_type == ValueType.ISR]
    if isr:
        values["expected"] = _expected(keys, values, persons, isr, vocab, defs)
    if persons.any():
        extra = {k: v[persons] for k, v in keys.items() if k != "sex"}
        dims = {k: _dim(keys[k]) for k in extra}
        summed = sum_by_codes(extra, {c: v[persons] for c, v in values.items()}, dims)
        summed["sex"] = vocab["sex"].code("Persons")
        keys = {k: np.concatenate([v, summed[k].to_numpy()]) for k, v in keys.items()}
        values = {c: np.concatenate([v, summed[c].to_numpy()]) for c, v in values.items()}
    return _Counts(_targets(keys, values, geo, ctx, vocab), vocab)


def _expected(
    keys: dict[str, np.ndarray],
    values: dict[str, np.ndarray],
    persons: np.ndarray,
    isr: list[int],
    vocab: dict[str, _Vocab],
    defs: list[Definition],
) -> np.ndarray:
    """Each stacked row's expected events at England's rates (0 for indicators not ISRs).

    The rate of a cell (indicator, period, sex, age band) is events / population over the
    indicator's England rows with no category; England rows to be summed to Persons also count
    towards the Persons cell (England given by sex only). England's own rows expect their own
    events, so England's ratio is exactly the multiplier.
    """
    mine = np.isin(keys["ind"], isr)
    ref = mine & keys["eng"].astype(bool) & (keys["ctype"] == 0)
    without = sorted(set(isr) - set(np.unique(keys["ind"][ref]).tolist()))
    if without:
        raise no_reference_error(defs[without[0]].id)
    rows = np.flatnonzero(mine)
    num, den = values["numerator"], values["denominator"]
    dims = (_dim(keys["ind"]), _dim(keys["period"]), _dim(keys["age"]))
    base = np.ravel_multi_index(tuple(keys[k][rows] for k in ("ind", "period", "age")), dims)
    n_sex = max(_dim(keys["sex"]), vocab["sex"].code("Persons") + 1)
    own = base * n_sex + keys["sex"][rows]
    as_persons = base * n_sex + vocab["sex"].code("Persons")
    is_ref, to_persons = ref[rows], (ref & persons)[rows]
    cells, uniques = pd.factorize(np.concatenate([own, as_persons[to_persons]]))
    ref_cells = np.concatenate([cells[: len(rows)][is_ref], cells[len(rows) :]])
    ref_rows = np.concatenate([rows[is_ref], rows[to_persons]])
    rate = reference_rates(ref_cells, num[ref_rows], den[ref_rows], len(uniques))
    expected, missing = expected_from_rates(rate[cells[: len(rows)]], den[rows])
    expected[is_ref] = np.nan_to_num(num[rows][is_ref])
    if missing.any():
        first = rows[missing]
        ind = int(keys["ind"][first[0]])
        bad = first[keys["ind"][first] == ind]
        cells_text = pd.DataFrame(
            {k: np.asarray(vocab[v].values, dtype=object)[keys[v][bad]]
             for k, v in (("period", "period"), ("sex", "sex"), ("age", "age"))}
        ).drop_duplicates()  # fmt: skip
        raise missing_cells_error(defs[ind].id, list(cells_text.itertuples(index=False, name=None)))
    out = np.zeros(len(num), dtype="float64")
    out[rows] = expected
    return out


def _dim(codes: np.ndarray) -> int:
    return int(codes.max()) + 1 if len(codes) else 1


_CELL = ("ind", "period", "sex", "age", "ctype", "cat")


def _targets(
    keys: dict[str, np.ndarray],
    values: dict[str, np.ndarray],
    geo: Areas,
    ctx: BuildContext,
    vocab: dict[str, _Vocab],
) -> pd.DataFrame:
    """Sum the stacked LSOA rows to every level and deprivation group; England as given.

    Rows are first numbered by cell (indicator, period, sex, age band, category), so each
    target sums over (cell, area within the level, group): a small dense key space.
    """
    eng = keys["eng"].astype(bool)
    lsoa = keys["lsoa"]
    columns = tuple(keys[k] for k in _CELL)
    cell, cells = pd.factorize(np.ravel_multi_index(columns, tuple(map(_dim, columns))))
    of_cell = dict(zip(_CELL, np.unravel_index(cells, tuple(map(_dim, columns))), strict=True))
    whole = of_cell["ctype"][cell] == 0
    out = []

    def add(mask: np.ndarray, area: np.ndarray, rank: np.ndarray, ctype: int | None = None,
            cats: np.ndarray | None = None) -> None:  # fmt: skip
        if not mask.any():
            return
        start = int(area[mask].min())
        k = {"cell": cell[mask], "area": area[mask] - start, "rank": rank[mask]}
        dims = {"cell": len(cells), "area": _dim(k["area"]), "rank": _dim(k["rank"])}
        summed = sum_by_codes(k, {c: v[mask] for c, v in values.items()}, dims)
        at = summed.pop("cell").to_numpy()
        for name in _CELL:
            summed[name] = of_cell[name][at]
        summed["area"] += start
        if ctype is not None and cats is not None:
            summed["ctype"], summed["cat"] = ctype, cats[summed["rank"].to_numpy()]
        out.append(summed)

    none = np.zeros(len(lsoa), dtype=np.int64)
    for level in geo.levels:
        add(~eng if level == "la" else ~eng & whole, geo.member[level][lsoa], none)
    v = ctx.place.iod_version
    for target in DEPRIVATION_TARGETS:
        if target not in geo.rank:
            continue
        rank = geo.rank[target][lsoa]
        labels = {r: category_label(target, r) for r in np.unique(rank[rank > 0]).tolist()}
        cats = np.zeros(max(labels, default=0) + 1, dtype=np.int64)
        for r, label in labels.items():
            cats[r] = vocab["cat"].code(label)
        ctype = vocab["ctype"].code(DEPRIVATION[target].format(v=v))
        add(~eng & whole & (rank > 0), geo.member["la"][lsoa], np.maximum(rank, 0), ctype, cats)
    add(eng, none, none)
    return pd.concat(out, ignore_index=True)


def _values(counted: _Counts, defs: list[Definition]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per value (indicator, area, category, period, sex): the groups and their values."""
    rows = counted.rows
    cols = {k: rows[k].to_numpy(dtype=np.int64) for k in _GROUP}
    shape = tuple(int(cols[k].max()) + 1 for k in _GROUP)
    g, uniques = pd.factorize(np.ravel_multi_index(tuple(cols.values()), shape))
    decoded = np.unravel_index(np.asarray(uniques, dtype=np.int64), shape)
    groups = pd.DataFrame({k: d for k, d in zip(_GROUP, decoded, strict=True)})
    _check_bands(rows, counted.vocab["age"], defs)
    bands = counted.vocab["age"].values
    ind_of_row = cols["ind"]
    by_params: dict[tuple[ValueType, Params], list[int]] = {}
    for i in np.unique(ind_of_row).tolist():
        p = params(defs[i])
        key = (defs[i].value_type, Params("", p.multiplier, p.le_age))
        by_params.setdefault(key, []).append(i)
    results = []
    for (value_type, p), inds in by_params.items():
        mask = np.isin(ind_of_row, inds)
        label = ", ".join(defs[i].id for i in inds)
        frame = pd.DataFrame(
            {
                "_g": g[mask],
                "age_band": pd.Categorical.from_codes(
                    rows["age"].to_numpy(dtype=np.int64)[mask], categories=pd.Index(bands)
                ),
                "numerator": rows["numerator"].to_numpy()[mask],
                "denominator": rows["denominator"].to_numpy()[mask],
                "sumsq": rows["sumsq"].to_numpy()[mask],
                "unknown_sd": rows["unknown_sd"].to_numpy()[mask],
            }
        )
        if value_type == ValueType.ISR:
            frame["expected"] = rows["expected"].to_numpy()[mask]
        results.append(compute(frame, value_type, ["_g"], Params(label, p.multiplier, p.le_age)))
    values = pd.concat(results, ignore_index=True)
    return groups, values


_AREA_TEXT: tuple[tuple[str, Literal["str", "string"]], ...] = (
    ("area_code", "string"),
    ("area_name", "string"),
    ("area_type", "str"),
    ("parent_code", "str"),
)


def _as_text(values: np.ndarray, dtype: Literal["str", "string"] = "str") -> Any:
    """An object array of a few distinct strings (or missing values) as a text column."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.array([*map(str, uniques), None], dtype=dtype)
    return text.take(np.where(codes < 0, len(uniques), codes))


def _computed_rows(
    counted: _Counts, defs: list[Definition], ctx: BuildContext, origin: dict[int, IndicatorCounts]
) -> pd.DataFrame:
    """The computed values as indicator-table rows, sorted as each indicator's table is."""
    groups, values = _values(counted, defs)
    g = values["_g"].to_numpy()
    key = {k: groups[k].to_numpy()[g] for k in _GROUP}
    geo, vocab = ctx.areas, counted.vocab
    rank = key["rank"]
    code_order = np.empty(len(geo.table), dtype=np.int64)
    code_order[np.argsort(geo.table["area_code"].to_numpy(dtype=object), kind="stable")] = (
        np.arange(len(geo.table))
    )
    order = np.lexsort(
        (
            vocab["sex"].order()[key["sex"]],
            vocab["period"].order()[key["period"]],
            np.where(rank > 0, rank, np.iinfo(np.int64).max),
            vocab["cat"].order()[key["cat"]],
            vocab["ctype"].order()[key["ctype"]],
            code_order[key["area"]],
            key["ind"],
        )
    )
    key = {k: v[order] for k, v in key.items()}
    area, rank, ind = key["area"], key["rank"], key["ind"]
    table = geo.table
    out = pd.DataFrame(
        {
            "_ind": ind,
            **{
                col: _as_text(table[col].to_numpy(dtype=object), dtype).take(area)
                for col, dtype in _AREA_TEXT
            },
            "category_type": vocab["ctype"].text(key["ctype"]),
            "category": vocab["cat"].text(key["cat"]),
            "category_rank": pd.arrays.IntegerArray(rank, rank <= 0),
            "period": vocab["period"].text(key["period"]),
            "sex": vocab["sex"].text(key["sex"]),
        }
    )
    for col in VALUE_COLUMNS:
        column = values[col].to_numpy()[order]
        if col in ("value_note", "method", "statistic"):
            out[col] = _as_text(column, "string" if col == "value_note" else "str")
        else:
            out[col] = column.astype("float64")
    sources = [origin[i].source if i in origin else "" for i in range(len(defs))]
    versions = [origin[i].data_version if i in origin else "" for i in range(len(defs))]
    out["source"] = pd.array(sources, dtype="str").take(ind)
    out["data_version"] = pd.array(versions, dtype="str").take(ind)
    return out


def _period_start(period: pd.Series) -> pd.Series:
    """First year of '2023', '2023/24' or '2021-23'."""
    return period.astype(str).str.slice(0, 4).astype(int)


def _replaced(
    computed: pd.DataFrame,
    published: list[pd.DataFrame],
    origin: Mapping[int, object],
    place: Place,
) -> np.ndarray:
    """Computed England and city rows (all categories) that a published extract replaces."""
    drop = np.zeros(len(computed), dtype=bool)
    whole = (computed["category_type"] == "").to_numpy(dtype=bool)
    ind = computed["_ind"].to_numpy()
    ours = {ENGLAND_CODE, *place.la_codes}
    for real in published:
        i = int(real["_ind"].iloc[0])
        if i in origin:
            codes = list(set(real["area_code"].astype(str)) & ours)
            drop |= (ind == i) & computed["area_code"].isin(codes).to_numpy(dtype=bool) & whole
    return drop


def _build_rows(
    defs: list[Definition], ctx: BuildContext, progress: Progress | None
) -> tuple[pd.DataFrame, list[int]]:
    """Every definition's rows before comparisons and trends, with ``_ind`` (its position),
    in the order of ``defs``; and the positions that have rows."""
    provider = ctx.counts or default_counts
    origin: dict[int, IndicatorCounts] = {}
    published: list[pd.DataFrame] = []
    for i, d in enumerate(defs):
        if progress is not None:
            progress(d)
        if computable(d):
            origin[i] = provider(d, ctx)
        if not computable(d) or d.published is not None:
            real = published_rows(d, ctx.place)
            if len(real):
                published.append(real.assign(_ind=i))
    computed = pd.DataFrame()
    if origin:
        counted = _aggregate(list(origin.items()), ctx, defs)
        if len(counted.rows):
            computed = _computed_rows(counted, defs, ctx, origin)
    if computed.empty and not published:
        return pd.DataFrame(), []
    drop = _replaced(computed, published, origin, ctx.place) if len(computed) else None
    ind = computed["_ind"].to_numpy() if len(computed) else np.zeros(0, dtype=np.int64)
    bounds = np.searchsorted(ind, np.arange(len(defs) + 1))
    by_ind = {int(f["_ind"].iloc[0]): f for f in published}
    frames = []
    for i in range(len(defs)):  # each indicator's computed rows (a slice), then its published
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if hi > lo:
            part = computed.iloc[lo:hi]
            frames.append(part[~drop[lo:hi]] if drop is not None and drop[lo:hi].any() else part)
        if i in by_ind:
            frames.append(by_ind[i])
    table = pd.concat(frames, ignore_index=True)
    return table, sorted(set(table["_ind"].tolist()))


def _decorate(table: pd.DataFrame, defs: list[Definition], ctx: BuildContext) -> pd.DataFrame:
    ind = table.pop("_ind").to_numpy()

    def per(values: Sequence[object], dtype: str) -> Any:
        if dtype == "str":
            return pd.array([str(v) for v in values], dtype="str").take(ind)
        return np.asarray(values, dtype=dtype)[ind]

    out = table
    out.insert(0, "indicator_id", per([d.id for d in defs], "str"))
    out.insert(1, "indicator_name", per([d.name for d in defs], "str"))
    out.insert(2, "principle", per([d.principle for d in defs], "int64"))
    out["value_type"] = per([str(d.value_type) for d in defs], "str")
    out["polarity"] = per([str(d.polarity) for d in defs], "str")
    mult = [d.multiplier if d.multiplier is not None else np.nan for d in defs]
    out["multiplier"] = per(mult, "float64")
    out["unit"] = per([d.unit for d in defs], "str")
    out["age"] = per([d.age for d in defs], "str")
    out["period_start"] = _period_start(out["period"]).to_numpy(dtype="int64")
    out["built_at"] = pd.Series(
        np.full(len(out), np.datetime64(ctx.built_at.replace(tzinfo=None), "us")),
        dtype="datetime64[us]",
    )
    return out


_DTYPES: dict[str, Any] = {
    "area_code": "string", "area_name": "string", "area_type": "str", "parent_code": "str",
    "category_type": "str", "category": "str", "category_rank": "Int64", "period": "str",
    "sex": "str", "value_note": "string", "method": "str", "statistic": "str", "source": "str",
    "data_version": "str",
}  # fmt: skip


def _finish(table: pd.DataFrame, defs: list[Definition], ctx: BuildContext) -> pd.DataFrame:
    """Types as the table is stored, comparisons with England and the city, recent trends."""
    for col, dtype in _DTYPES.items():
        if col in table and str(table[col].dtype) != dtype:
            table[col] = table[col].astype(dtype)
    for col in VALUE_COLUMNS[:7]:
        table[col] = table[col].astype("float64")
    ind = table["_ind"].to_numpy()
    polarity = np.asarray([d.fingertips_polarity for d in defs], dtype=object)[ind]
    kinds = np.asarray([str(d.value_type) for d in defs], dtype=object)[ind]
    geo = ctx.areas
    city_of = dict(zip(geo.table["area_code"], geo.table["la_code"], strict=True))
    if len(ctx.place.la_codes) == 1:
        city_of[ENGLAND_CODE] = ctx.place.la_codes[0]
    for la in ctx.place.la_codes:
        city_of.setdefault(la, la)
    codes, uniques = pd.factorize(table["area_code"])
    city = np.asarray([city_of.get(str(u)) for u in uniques], dtype=object)[codes]
    mult = np.asarray([np.nan if d.multiplier is None else d.multiplier for d in defs])[ind]
    england = england_benchmarks(kinds, mult)
    table = comparisons(table, polarity, city, list(ctx.place.la_codes), england)
    return recent_trends(table, kinds, polarity)


def build_with(
    ctx: BuildContext,
    catalogue: Catalogue | None = None,
    *,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build every active indicator (or those in ``only``) of a prepared context."""
    if catalogue is None:
        catalogue = place_catalogue(ctx.place.folder)
    wanted = set(only) if only is not None else None
    defs = [d for d in catalogue.active() if wanted is None or d.id in wanted]
    table, have = _build_rows(defs, ctx, progress)
    skipped = {
        d.id: "no rows (no counts and no published values for the place)"
        for i, d in enumerate(defs)
        if i not in set(have)
    }
    if table.empty:
        return BuildResult(pd.DataFrame(), [], skipped, ctx.built_at, ctx.place)
    table = _finish(table, defs, ctx)
    table = _decorate(table, defs, ctx)
    return BuildResult(table, [defs[i].id for i in have], skipped, ctx.built_at, ctx.place)


def build(
    place: Place | None = None,
    catalogue: Catalogue | None = None,
    *,
    warehouse: Warehouse | None = None,
    years: Iterable[int] = DEFAULT_YEARS,
    seed: int = 20231,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    synthetic: CountProvider | None = None,
) -> BuildResult:
    """Build every active indicator (or those in ``only``) into one tidy table (``synthetic``:
    the generator of ``data: synthetic`` counts, as for ``context``)."""
    ctx = context(place, warehouse=warehouse, years=years, seed=seed, synthetic=synthetic)
    return build_with(ctx, catalogue, only=only, progress=progress)


def build_indicator(d: Definition, ctx: BuildContext) -> pd.DataFrame:
    """The indicator's rows: computed from counts, with published city/England rows if any
    (before comparisons and trends)."""
    table, _ = _build_rows([d], ctx, None)
    return table.drop(columns=["_ind"], errors="ignore")


__all__ = [
    "BuildContext",
    "BuildResult",
    "CountProvider",
    "IndicatorCounts",
    "ValueType",
    "build",
    "build_indicator",
    "build_with",
    "context",
    "default_counts",
    "deprivation_by_la",
    "national_context",
]
