"""The outcome panel an evaluation runs on: one row per area and period, with the intervention's
cohorts resolved to the panel's areas and the comparison pool and covariates worked out.

This is where a config meets its data, so the checks that need both live here: unknown areas, a
start outside the data, no pre-period, too few comparison areas. Each message names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthequity.errors import InputError, describe_rows
from healthequity.evaluation.config import ConfigError, Covariate, EvaluationConfig
from healthequity.geography import iod, lsoa_lookup, wards
from healthequity.sources.periods import parse_periods

#: Columns of ``Panel.data``.
PANEL_COLUMNS = ["area_code", "period", "year", "numerator", "denominator", "value"]


@dataclass(frozen=True)
class Panel:
    """Outcome by area and period, who was treated from when, the pool and the covariates.

    ``data``: PANEL_COLUMNS (``year`` = the period's first year, ``value`` = the outcome).
    ``cohorts``: area_code, group, start (first year treated) for every treated area.
    ``pool``: candidate comparison areas. ``covariates``: one row per area (treated and pool),
    indexed by area_code, columns as in ``Covariate`` (NaN where not available).
    """

    data: pd.DataFrame
    cohorts: pd.DataFrame
    pool: list[str]
    covariates: pd.DataFrame
    unit: str

    @property
    def years(self) -> list[int]:
        """Every period's first year, in order."""
        return sorted(int(y) for y in self.data["year"].unique())

    def labels(self) -> dict[int, str]:
        """Year -> the period label as the data gives it."""
        first = self.data.drop_duplicates("year")
        return {int(y): str(p) for y, p in zip(first["year"], first["period"], strict=True)}


def read_counts(path: Path, config: EvaluationConfig) -> pd.DataFrame:
    """A counts file (CSV, Parquet or Excel) as PANEL_COLUMNS, every problem named."""
    o = config.outcome
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            raw = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xls"):
            raw = pd.read_excel(path)
        else:
            raw = pd.read_csv(path, dtype={o.area_column: "string", o.period_column: "string"})
    except FileNotFoundError:
        raise ConfigError(f"outcome.counts: no such file {path}", field="outcome.counts") from None
    wanted = [o.area_column, o.period_column, o.numerator, o.denominator]
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path}: no column {', '.join(repr(c) for c in missing)} (outcome.area_column, "
            f"period_column, numerator and denominator name them); the file has "
            f"{', '.join(map(str, raw.columns))}",
            field=missing[0],
            expected=", ".join(wanted),
        )
    frame = pd.DataFrame(
        {
            "area_code": raw[o.area_column].astype("string").str.strip(),
            "period": raw[o.period_column].astype("string").str.strip(),
        }
    )
    for name, column in (("numerator", o.numerator), ("denominator", o.denominator)):
        numbers = pd.to_numeric(raw[column], errors="coerce")
        bad = numbers.isna() | (numbers < 0)
        if name == "denominator":
            bad |= numbers == 0
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy()) + 1
            need = "a positive number" if name == "denominator" else "a number >= 0"
            raise InputError(
                f"{path}: column {column!r}, {describe_rows(rows, raw[column][bad])}: "
                f"expected {need}",
                field=column,
                rows=rows.tolist(),
                expected=need,
            )
        frame[name] = numbers.astype("float64")
    frame["value"] = frame["numerator"] / frame["denominator"] * o.multiplier
    return _with_years(frame, str(path), o.period_column)


def read_indicator(config: EvaluationConfig) -> pd.DataFrame:
    """An indicator's rows from a place's build (area type, sex, no breakdown) as PANEL_COLUMNS."""
    from healthequity.store.results import read_build
    from healthequity.store.warehouse import Warehouse

    o = config.outcome
    folder = config.resolve(o.place)
    assert folder is not None
    store = folder / "warehouse.duckdb"
    if not store.exists():
        raise ConfigError(
            f"outcome.place: no warehouse in {folder}; run `healthequity build` there first",
            field="outcome.place",
        )
    table = read_build(Warehouse(store), "indicator_values", o.build)
    rows = table[
        (table["indicator_id"] == o.indicator)
        & (table["area_type"].astype(str) == o.area_type)
        & (table["sex"] == o.sex)
        & (table["category_type"].fillna("") == "")
    ]
    if rows.empty:
        known = sorted(table["indicator_id"].unique())
        raise ConfigError(
            f"outcome.indicator: {o.indicator!r} has no {o.area_type} rows for {o.sex} in the "
            f"build; indicators built: {', '.join(map(str, known[:20]))}",
            field="outcome.indicator",
        )
    frame = pd.DataFrame(
        {
            "area_code": rows["area_code"].astype("string"),
            "period": rows["period"].astype("string"),
            "numerator": pd.to_numeric(rows["count"], errors="coerce").astype("float64"),
            "denominator": pd.to_numeric(rows["denominator"], errors="coerce").astype("float64"),
            "value": pd.to_numeric(rows["value"], errors="coerce").astype("float64"),
        }
    )
    frame = frame[frame["value"].notna()]
    return _with_years(frame, f"indicator {o.indicator}", "period")


def _with_years(frame: pd.DataFrame, where: str, column: str) -> pd.DataFrame:
    parsed = parse_periods(frame["period"])
    bad = parsed["problem"].notna().to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad) + 1
        raise InputError(
            f"{where}: column {column!r}, {describe_rows(rows, frame['period'][bad])}: "
            f"expected {parsed['problem'][bad].iloc[0]}",
            field=column,
            rows=rows.tolist(),
        )
    frame = frame.assign(period=parsed["period"].astype(str).to_numpy())
    frame["year"] = frame["period"].str.slice(0, 4).astype("int64")
    duplicated = frame.duplicated(["area_code", "year"], keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated) + 1
        raise InputError(
            f"{where}: {describe_rows(rows)} repeat an area and period; expected one row each",
            field="area_code",
            rows=rows.tolist(),
        )
    return frame[PANEL_COLUMNS].sort_values(["area_code", "year"]).reset_index(drop=True)


def _hierarchy() -> pd.DataFrame:
    """LSOA -> ward -> LA for both vintages (the shipped lookups)."""
    both = pd.concat([lsoa_lookup(2011), lsoa_lookup(2021)], ignore_index=True)
    return both[["lsoa_code", "ward_code", "la_code"]].drop_duplicates()


def resolve_areas(codes: list[str], areas: set[str], unit: str, field: str) -> list[str]:
    """The panel's areas a list of codes stands for: the area itself, or a ward's LSOAs."""
    hierarchy = _hierarchy()
    out: list[str] = []
    unknown: list[str] = []
    for code in codes:
        if code in areas:
            out.append(code)
            continue
        inside: list[str] = []
        if unit == "LSOA":
            inside = hierarchy.loc[hierarchy["ward_code"] == code, "lsoa_code"].astype(str).tolist()
        found = [c for c in inside if c in areas]
        if found:
            out.extend(found)
        else:
            unknown.append(code)
    if unknown:
        raise ConfigError(
            f"{field}: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not an area of "
            f"the outcome data, nor a ward whose LSOAs are in it",
            field=field,
            values=unknown,
        )
    return sorted(set(out))


def _la_of(areas: pd.Index) -> pd.Series:
    """Local authority of each LSOA or ward code (NaN where unknown)."""
    known = pd.concat(
        [
            iod(2025).set_index("lsoa_code")["la_code"],
            iod(2019).set_index("lsoa_code")["la_code"],
            wards().set_index("ward_code")["lad24_code"],
            _hierarchy().drop_duplicates("ward_code").set_index("ward_code")["la_code"],
        ]
    )
    known = known[~known.index.duplicated()]
    return known.reindex(areas).astype("string")


def _deprivation(areas: pd.Index, version: int) -> pd.Series:
    """IMD score of each LSOA; of a ward, the mean over its LSOAs."""
    score = iod(version).set_index("lsoa_code")["imd_score"].astype("float64")
    vintage = 2021 if version == 2025 else 2011
    lookup = lsoa_lookup(vintage)
    by_ward = (
        lookup.assign(score=score.reindex(lookup["lsoa_code"]).to_numpy())
        .groupby("ward_code")["score"]
        .mean()
    )
    return score.reindex(areas).fillna(by_ward.reindex(areas))


def covariates(data: pd.DataFrame, before: int, version: int) -> pd.DataFrame:
    """Matching covariates per area from the pre-period (years < ``before``), vectorised."""
    pre = data[data["year"] < before]
    grouped = pre.groupby("area_code")
    x = pre["year"].astype("float64")
    xc = x - grouped["year"].transform("mean")
    yc = pre["value"] - grouped["value"].transform("mean")
    sxy = (xc * yc).groupby(pre["area_code"]).sum()
    sxx = (xc * xc).groupby(pre["area_code"]).sum()
    out = pd.DataFrame(
        {
            str(Covariate.PRE_TREND): sxy / sxx.where(sxx > 0),
            str(Covariate.PRE_LEVEL): grouped["value"].mean(),
            str(Covariate.POPULATION): np.log(grouped["denominator"].mean()),
        }
    )
    out.insert(0, str(Covariate.DEPRIVATION), _deprivation(out.index, version).to_numpy())
    out.index.name = "area_code"
    return out


def build_panel(config: EvaluationConfig, data: pd.DataFrame | None = None) -> Panel:
    """Read the outcome (unless ``data`` is given) and resolve the config against it."""
    if data is None:
        if config.outcome.counts is not None:
            path = config.resolve(config.outcome.counts)
            assert path is not None
            data = read_counts(path, config)
        else:
            data = read_indicator(config)
    unit = config.outcome.area_type
    areas = set(data["area_code"].astype(str))
    years = sorted(int(y) for y in data["year"].unique())
    first, last = years[0], years[-1]
    rows = []
    for i, group in enumerate(config.intervention.cohorts()):
        field = f"intervention.groups.{i}" if config.intervention.groups else "intervention"
        start = int(str(group.start)[:4])
        if start > last:
            raise ConfigError(
                f"{field}.start: {group.start} is after the last period of the data "
                f"({first} to {last}); expected a start within the data",
                field=f"{field}.start",
            )
        if start <= first:
            raise ConfigError(
                f"{field}.start: {group.start} leaves no pre-period: the data start in {first}; "
                f"expected a start after {first}",
                field=f"{field}.start",
            )
        for code in resolve_areas(list(group.areas), areas, unit, f"{field}.areas"):
            rows.append((code, group.name, start))
    cohorts = pd.DataFrame(rows, columns=["area_code", "group", "start"])
    twice = cohorts["area_code"][cohorts["area_code"].duplicated()]
    if not twice.empty:
        raise ConfigError(
            f"intervention.groups: {', '.join(sorted(set(twice)))} in more than one group",
            field="intervention.groups",
        )
    before = int(cohorts["start"].min())
    needed = 2 if Covariate.PRE_TREND in config.comparison.match_on else 1
    if len([y for y in years if y < before]) < needed:
        raise ConfigError(
            f"intervention.start: {before} leaves {len([y for y in years if y < before])} "
            f"pre-period(s) in the data ({first} to {last}); matching on pre_trend needs at "
            "least 2",
            field="intervention.start",
        )
    pool = _pool(config, data, cohorts, areas, unit)
    keep = data[data["area_code"].isin(set(pool) | set(cohorts["area_code"]))]
    covs = covariates(keep, before, config.comparison.iod_version)
    return Panel(
        data=keep.reset_index(drop=True), cohorts=cohorts, pool=pool, covariates=covs, unit=unit
    )


def _pool(
    config: EvaluationConfig, data: pd.DataFrame, cohorts: pd.DataFrame, areas: set[str], unit: str
) -> list[str]:
    c = config.comparison
    treated = set(cohorts["area_code"])
    excluded = set(resolve_areas(list(c.exclude), areas, unit, "comparison.exclude"))
    candidates = pd.Index(sorted(areas - treated - excluded))
    where = "England"
    if c.pool == "city":
        la = _la_of(candidates)
        codes = list(c.la_codes) or sorted(set(_la_of(pd.Index(sorted(treated))).dropna()))
        candidates = candidates[la.isin(codes).fillna(False).to_numpy(dtype=bool)]
        where = f"the city ({', '.join(codes)})"
    if len(candidates) < c.min_areas:
        raise ConfigError(
            f"comparison.pool: only {len(candidates)} comparison areas in {where} once the "
            f"intervention areas{' and exclusions' if excluded else ''} are left out; "
            f"comparison.min_areas is {c.min_areas}",
            field="comparison.pool",
        )
    return [str(a) for a in candidates]
