"""The build against hand-worked examples, by ward and by deprivation fifth, for each value type.

Indicators are added as YAML files in a place's own folder (no code change), their counts loaded
into the warehouse; the expected values are worked by hand from the same counts: the LSOAs of a
ward (or of the city's most deprived fifth) summed, then the textbook formula applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthequity import geography as geo
from healthequity.config import example_place_dir, load_place
from healthequity.errors import InputError
from healthequity.indicators.build import build
from healthequity.methods import life_expectancy
from healthequity.methods.esp2013 import ESP2013, ESP2013_BANDS
from healthequity.sources.fingertips_extracts import read_extract
from healthequity.store.warehouse import Warehouse
from healthequity.synthetic.provider import synthetic_indicator_counts

LEEDS = "E08000035"
PERIODS = ["2021", "2022", "2023"]
LT_BANDS = ["<1", "1-4", *[f"{a}-{a + 4}" for a in range(5, 90, 5)], "90+"]
GOMPERTZ = np.minimum(0.0002 * np.exp(0.085 * np.array([0, 1, *range(5, 95, 5)])), 0.25)
GOMPERTZ[0] = 0.004

YAML = """\
id: {id}
name: Hand-worked {kind}
principle: {principle}
definition: A test indicator
value_type: {kind}
numerator: events
denominator: people
{multiplier}polarity: lower_is_better
unit: test
source: tests
lowest_geography: lsoa
breakdowns: [deprivation]
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: {id}
"""


def _counts(indicator: str, lsoas: list[str], bands: list[str], rng: np.random.Generator,
            rate: float | np.ndarray, pop: tuple[int, int]) -> pd.DataFrame:  # fmt: skip
    keys = pd.MultiIndex.from_product([[*lsoas, "E92000001"], PERIODS, bands]).to_frame(index=False)
    keys.columns = ["area_code", "period", "age_band"]
    n = rng.integers(*pop, size=len(keys)).astype(float)
    n[keys["area_code"] == "E92000001"] *= 20_000
    band_rate = np.resize(np.atleast_1d(rate), len(bands))[keys["age_band"].map(bands.index)]
    x = rng.binomial(n.astype(int), band_rate).astype(float)
    return keys.assign(indicator_id=indicator, sex="Persons", category_type="",
                       category="", numerator=x, denominator=n)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    (folder / "indicators").mkdir()
    specs = {
        "hw_proportion": ("proportion", "multiplier: 100\n", ["All ages"], 0.2, (50, 400)),
        "hw_rate": ("crude_rate", "multiplier: 100000\n", ["All ages"], 0.01, (500, 2000)),
        "hw_dsr": ("dsr", "multiplier: 100000\n", list(ESP2013_BANDS), 0.004, (20, 150)),
        # annual death rates rising with age (a Gompertz curve), infants 0.4%
        "hw_life": ("life_expectancy", "", LT_BANDS, GOMPERTZ, (40, 160)),
    }
    rng = np.random.default_rng(7)
    lsoas = geo.lsoa_lookup(2021)["lsoa_code"].tolist()
    frames = []
    for ident, (kind, mult, bands, rate, pop) in specs.items():
        text = YAML.format(id=ident, kind=kind, principle=6, multiplier=mult)
        (folder / "indicators" / f"{ident}.yaml").write_text(text)
        frames.append(_counts(ident, lsoas, bands, rng, rate, pop))
    counts = pd.concat(frames, ignore_index=True)
    wh = Warehouse(folder / "warehouse.duckdb")
    wh.load("counts", counts, kind="counts", source_name="hand.csv", sha256="0" * 64)
    result = build(load_place(folder), warehouse=wh, only=list(specs))
    return result.table, counts


def _ward_and_fifth(counts: pd.DataFrame, indicator: str) -> dict[str, pd.DataFrame]:
    lookup = geo.lsoa_lookup(2021)
    ward = lookup["ward_code"].iloc[0]
    in_ward = set(lookup.loc[lookup["ward_code"] == ward, "lsoa_code"])
    fifths = geo.deprivation_groups([LEEDS], 2025)
    most = set(fifths.loc[fifths["local_fifth"] == 1, "lsoa_code"])
    rows = counts[(counts["indicator_id"] == indicator) & (counts["period"] == "2023")]
    return {
        ward: rows[rows["area_code"].isin(in_ward)],
        "Most deprived quintile": rows[rows["area_code"].isin(most)],
    }


def _row(table: pd.DataFrame, indicator: str, key: str) -> pd.Series:
    t = table[(table["indicator_id"] == indicator) & (table["period"] == "2023")]
    t = t[(t["sex"] == "Persons")]
    if key.startswith("E05"):
        hit = t[(t["area_code"] == key) & (t["category_type"] == "")]
    else:
        hit = t[(t["category"] == key) & t["category_type"].str.contains("within area")]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_proportion_by_ward_and_fifth(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, counts = built
    z = stats.norm.ppf(0.975)
    for key, rows in _ward_and_fifth(counts, "hw_proportion").items():
        x, n = rows["numerator"].sum(), rows["denominator"].sum()
        p = x / n
        # Wilson score interval, written out from its formula
        centre, half = (2 * x + z**2), z * np.sqrt(z**2 + 4 * x * (1 - p))
        lower, upper = (centre - half) / (2 * (n + z**2)), (centre + half) / (2 * (n + z**2))
        got = _row(table, "hw_proportion", key)
        assert got["value"] == pytest.approx(100 * p, rel=1e-12)
        assert got["lower_95"] == pytest.approx(100 * lower, rel=1e-12)
        assert got["upper_95"] == pytest.approx(100 * upper, rel=1e-12)
        assert (got["count"], got["denominator"]) == (x, n)


def test_crude_rate_by_ward_and_fifth(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, counts = built
    z = stats.norm.ppf(0.975)
    for key, rows in _ward_and_fifth(counts, "hw_rate").items():
        x, n = rows["numerator"].sum(), rows["denominator"].sum()
        assert x >= 10  # Byar's method applies
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
        got = _row(table, "hw_rate", key)
        assert got["value"] == pytest.approx(1e5 * x / n, rel=1e-12)
        assert got["lower_95"] == pytest.approx(1e5 * lower / n, rel=1e-12)
        assert got["upper_95"] == pytest.approx(1e5 * upper / n, rel=1e-12)


def test_dsr_by_ward_and_fifth(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, counts = built
    weights = dict(zip(ESP2013_BANDS, ESP2013, strict=True))
    for key, rows in _ward_and_fifth(counts, "hw_dsr").items():
        bands = rows.groupby("age_band")[["numerator", "denominator"]].sum()
        w = bands.index.map(weights).to_numpy(float)
        x, n = bands["numerator"].to_numpy(), bands["denominator"].to_numpy()
        dsr = (w * x / n).sum() / w.sum() * 1e5
        got = _row(table, "hw_dsr", key)
        assert got["value"] == pytest.approx(dsr, rel=1e-12)
        assert got["count"] == x.sum() and got["denominator"] == n.sum()
        assert got["lower_95"] < dsr < got["upper_95"]


def test_life_expectancy_by_ward_and_fifth(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, counts = built
    starts = {b: s for b, s in zip(LT_BANDS, [0, 1, *range(5, 95, 5)], strict=True)}
    for key, rows in _ward_and_fifth(counts, "hw_life").items():
        bands = rows.groupby("age_band")[["numerator", "denominator"]].sum().reset_index()
        bands["startage"] = bands["age_band"].map(starts)
        expected = life_expectancy(bands, "numerator", "denominator", "startage", le_age=0)
        got = _row(table, "hw_life", key)
        assert got["value"] == pytest.approx(expected["value"].iloc[0], rel=1e-12)
        assert got["lower_95"] == pytest.approx(expected["lower_95"].iloc[0], rel=1e-12)


def test_england_and_significance(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, _ = built
    eng = table[(table["area_code"] == "E92000001") & (table["indicator_id"] == "hw_rate")]
    assert len(eng) == len(PERIODS) and (eng["compared_to_england"] == "Not compared").all()
    wards = table[(table["area_type"] == "Ward") & (table["indicator_id"] == "hw_rate")]
    assert set(wards["compared_to_england"]) <= {"Better", "Similar", "Worse", "Not compared"}
    assert set(wards["area_code"]) == set(geo.lsoa_lookup(2021)["ward_code"])
    assert (wards["source"] == "warehouse").all()
    assert wards["data_version"].str.startswith("warehouse batch 1").all()


@pytest.mark.parametrize(
    ("indicator", "extract"),
    [
        ("life_expectancy_birth", "ohid_fingertips_la/life_expectancy_at_birth_90366.csv"),
        (
            "healthy_life_expectancy",
            "ohid_fingertips_la/healthy_life_expectancy_at_birth_90362.csv",
        ),
    ],
)
def test_city_and_england_life_expectancy_equal_the_published_values(
    indicator: str, extract: str, tmp_path: Path
) -> None:
    result = build(load_place(), only=[indicator], synthetic=synthetic_indicator_counts)
    table = result.table
    published = read_extract(extract)
    published = published[published["area_code"].isin([LEEDS, "E92000001"])]
    ours = table[table["area_code"].isin([LEEDS, "E92000001"]) & (table["category_type"] == "")]
    ours = ours.set_index(["area_code", "sex", "period"])["value"]
    expected = published.assign(
        period=published["time_period"].str.replace(r"\s*-\s*", "-", regex=True)
    ).set_index(["area_code", "sex", "period"])["value"]
    assert len(expected) > 10
    as_dict = lambda s: {tuple(map(str, k)): float(v) for k, v in s.items()}  # noqa: E731
    assert as_dict(ours) == as_dict(expected)
    assert (table.loc[table["area_code"] == LEEDS, "source"].isin(["published", "synthetic"])).all()


@pytest.mark.parametrize("indicator", ["weekly_earnings", "prs_cat1_hazards_removed"])
def test_mean_and_count_by_ward_and_fifth(indicator: str) -> None:
    """Means pool the LSOAs' sums and sums of squares; counts are summed (synthetic counts)."""
    from healthequity.indicators.build import DEFAULT_YEARS
    from healthequity.indicators.catalogue import load_catalogue
    from healthequity.synthetic.counts import synthetic_counts

    place = load_place()
    definition = load_catalogue().get(indicator)
    result = build(place, only=[indicator], synthetic=synthetic_indicator_counts)
    counts = synthetic_counts(definition, place, DEFAULT_YEARS, seed=20231)
    latest = counts["period"].max()
    counts = counts[(counts["period"] == latest) & (counts["category_type"].fillna("") == "")]
    table = result.table[result.table["period"] == latest]
    for key, rows in _ward_and_fifth(
        counts.assign(indicator_id=indicator, period="2023"), indicator
    ).items():
        rows = (
            rows[rows["sex"].isin(["Male", "Female"])]
            if "Persons" not in set(rows["sex"])
            else rows[rows["sex"] == "Persons"]
        )
        n, total = rows["denominator"].sum(), rows["numerator"].sum()
        got = _row(table.assign(period="2023"), indicator, key)
        if definition.value_type == "mean":
            sumsq = (
                rows["sd"] ** 2 * (rows["denominator"] - 1)
                + rows["numerator"] ** 2 / rows["denominator"]
            ).sum()
            mean = total / n
            sd = np.sqrt((sumsq - n * mean**2) / (n - 1))
            half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
            assert got["value"] == pytest.approx(mean, rel=1e-12)
            assert got["upper_95"] == pytest.approx(mean + half, rel=1e-9)
        else:
            assert got["value"] == total and got["count"] == total


def test_synthetic_definitions_need_the_generator_from_the_caller() -> None:
    """The build does not import the synthetic package: without ``synthetic=`` a synthetic
    definition is refused, naming it; with it, its rows say where they came from."""
    with pytest.raises(InputError) as caught:
        build(load_place(), only=["weekly_earnings"])
    assert str(caught.value) == (
        "weekly_earnings: its counts are synthetic demo data (data: synthetic), and this build "
        "was given no synthetic generator"
    )
    assert caught.value.field == "data.kind"
    table = build(
        load_place(), only=["weekly_earnings"], synthetic=synthetic_indicator_counts
    ).table
    assert set(table["source"]) == {"synthetic"}
    assert set(table["data_version"]) == {"synthetic demo data (seed 20231)"}
