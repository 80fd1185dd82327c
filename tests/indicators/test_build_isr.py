"""Indirectly standardised ratios (SMR/SAR) against hand-worked values, by ward and by fifth.

The expected events are worked by hand from England's rates in each period, sex and age band
(England's events / population), applied to the populations of a ward's (or the most deprived
fifth's) LSOAs; the ratio is 100 x observed / expected with Byar's interval, and the same rows
given to ``methods.isratio`` with England's counts as the reference give the same numbers.
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
from healthequity.indicators import DefinitionsRejected, load_catalogue, parse_definition
from healthequity.indicators.build import build
from healthequity.indicators.compute import compute_values
from healthequity.indicators.significance import comparisons, england_benchmarks
from healthequity.indicators.standardisation import expected_events
from healthequity.methods import isratio
from healthequity.store.warehouse import Warehouse
from healthequity.synthetic.provider import synthetic_indicator_counts

LEEDS = "E08000035"
ENGLAND = "E92000001"
PERIODS = ["2022", "2023"]
BANDS = ["0-44", "45-64", "65+"]
#: England's annual event rates by band (Male, Female) and the LSOAs' (higher: SMR above 100).
ENGLAND_RATES = {"Male": (0.002, 0.01, 0.05), "Female": (0.0015, 0.007, 0.04)}
ID = "hw_isr"

YAML = f"""\
id: {ID}
name: Hand-worked ISR
principle: 6
definition: A test ratio
value_type: isr
numerator: deaths
denominator: people
multiplier: 100
standardisation:
  reference: england
polarity: lower_is_better
unit: SMR (England = 100)
source: tests
lowest_geography: msoa
breakdowns: [sex, deprivation]
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: {ID}
"""


def _counts(lsoas: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Deaths and people by LSOA (and England), period, sex and age band."""
    keys = pd.MultiIndex.from_product(
        [[*lsoas, ENGLAND], PERIODS, ["Male", "Female"], BANDS],
        names=["area_code", "period", "sex", "age_band"],
    ).to_frame(index=False)
    people = rng.integers(100, 600, size=len(keys)).astype(float)
    people[keys["area_code"] == ENGLAND] *= 30_000
    band = keys["age_band"].map(BANDS.index).to_numpy()
    rate = np.where(
        keys["sex"] == "Male",
        np.asarray(ENGLAND_RATES["Male"])[band],
        np.asarray(ENGLAND_RATES["Female"])[band],
    )
    # the LSOAs' rates vary around 1.2 x England's, so their ratios are mostly above 100
    lift = np.where(keys["area_code"] == ENGLAND, 1.0, rng.uniform(0.6, 1.8, size=len(keys)))
    deaths = rng.poisson(people * rate * lift).astype(float)
    return keys.assign(
        indicator_id=ID, category_type="", category="", numerator=deaths, denominator=people
    )


def _place_with(folder: Path, counts: pd.DataFrame, yaml_text: str = YAML) -> pd.DataFrame:
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    (folder / "indicators").mkdir()
    (folder / "indicators" / f"{ID}.yaml").write_text(yaml_text)
    wh = Warehouse(folder / "warehouse.duckdb")
    wh.load("counts", counts, kind="counts", source_name="hand.csv", sha256="0" * 64)
    return build(load_place(folder), warehouse=wh, only=[ID]).table


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    lsoas = geo.lsoa_lookup(2021)["lsoa_code"].tolist()
    counts = _counts(lsoas, np.random.default_rng(11))
    return _place_with(tmp_path_factory.mktemp("isr"), counts), counts


def _ward_and_fifth(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    lookup = geo.lsoa_lookup(2021)
    ward = lookup["ward_code"].iloc[0]
    in_ward = set(lookup.loc[lookup["ward_code"] == ward, "lsoa_code"])
    fifths = geo.deprivation_groups([LEEDS], 2025)
    most = set(fifths.loc[fifths["local_fifth"] == 1, "lsoa_code"])
    rows = counts[counts["period"] == "2023"]
    return {
        ward: rows[rows["area_code"].isin(in_ward)],
        "Most deprived quintile": rows[rows["area_code"].isin(most)],
    }


def _row(table: pd.DataFrame, key: str, sex: str = "Persons") -> pd.Series:
    t = table[(table["period"] == "2023") & (table["sex"] == sex)]
    if key.startswith("E0"):
        hit = t[(t["area_code"] == key) & (t["category_type"] == "")]
    else:
        hit = t[(t["category"] == key) & t["category_type"].str.contains("within area")]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _england_rates(counts: pd.DataFrame) -> pd.Series:
    eng = counts[(counts["area_code"] == ENGLAND) & (counts["period"] == "2023")]
    sums = eng.groupby(["sex", "age_band"])[["numerator", "denominator"]].sum()
    return sums["numerator"] / sums["denominator"]


def _byars(observed: float, z: float) -> tuple[float, float]:
    lower = observed * (1 - 1 / (9 * observed) - z / (3 * np.sqrt(observed))) ** 3
    upper = (observed + 1) * (1 - 1 / (9 * (observed + 1)) + z / (3 * np.sqrt(observed + 1))) ** 3
    return lower, upper


def test_isr_by_ward_and_fifth_is_observed_over_expected(
    built: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    table, counts = built
    rates = _england_rates(counts)
    z = stats.norm.ppf(0.975)
    for key, rows in _ward_and_fifth(counts).items():
        # expected by hand: each LSOA row's people x England's rate for its sex and age band
        cells = pd.MultiIndex.from_frame(rows[["sex", "age_band"]])
        expected = (rows["denominator"].to_numpy() * rates.reindex(cells).to_numpy()).sum()
        observed = rows["numerator"].sum()
        assert observed >= 10  # Byar's method applies
        lower, upper = _byars(observed, z)
        got = _row(table, key)
        assert got["value"] == pytest.approx(100 * observed / expected, rel=1e-12)
        assert got["lower_95"] == pytest.approx(100 * lower / expected, rel=1e-12)
        assert got["upper_95"] == pytest.approx(100 * upper / expected, rel=1e-12)
        assert got["count"] == observed and got["denominator"] == rows["denominator"].sum()
        assert got["statistic"] == "indirectly standardised ratio x 100"
        assert got["method"] == "Byars"
        # the same rows and England's counts as the reference, given to methods.isratio
        eng = counts[(counts["area_code"] == ENGLAND) & (counts["period"] == "2023")]
        data = rows.merge(
            eng[["sex", "age_band", "numerator", "denominator"]],
            on=["sex", "age_band"],
            suffixes=("", "_eng"),
        )
        ref = isratio(data, "numerator", "denominator", "numerator_eng", "denominator_eng",
                      refvalue=100)  # fmt: skip
        for col in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            assert got[col] == pytest.approx(ref[col].iloc[0], rel=1e-12), col


def test_one_sex_is_standardised_by_age_with_that_sex_rates(
    built: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    table, counts = built
    rates = _england_rates(counts)
    ward, rows = next(iter(_ward_and_fifth(counts).items()))
    women = rows[rows["sex"] == "Female"]
    expected = sum(
        r.denominator * rates[("Female", r.age_band)] for r in women.itertuples(index=False)
    )
    got = _row(table, ward, "Female")
    assert got["value"] == pytest.approx(100 * women["numerator"].sum() / expected, rel=1e-12)


def test_england_is_100_and_not_compared(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, _ = built
    eng = table[(table["area_code"] == ENGLAND) & (table["category_type"] == "")]
    assert len(eng) == len(PERIODS) * 3  # Persons, Male, Female
    assert (eng["value"] == 100.0).all()
    assert (eng["lower_95"] < 100).all() and (eng["upper_95"] > 100).all()
    assert (eng["compared_to_england"] == "Not compared").all()


def test_wards_are_compared_with_100(built: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table, _ = built
    wards = table[(table["area_type"] == "Ward") & (table["sex"] == "Persons")]
    assert len(wards) == len(PERIODS) * wards["area_code"].nunique() > 0
    lower, upper = wards["lower_95"].to_numpy(), wards["upper_95"].to_numpy()
    similar = (lower <= 100) & (upper >= 100)
    want = np.where(similar, "Similar", np.where(lower > 100, "Worse", "Better"))
    assert (wards["compared_to_england"].to_numpy() == want).all()
    assert {"Worse", "Similar"} <= set(want)


def test_isr_significance_uses_100_not_englands_row() -> None:
    """A ratio whose interval holds 100 is Similar, one above it Worse (lower is better), even
    when England's own row is not exactly 100 (a published or rounded England value)."""
    table = pd.DataFrame(
        {
            "indicator_id": ["r"] * 4,
            "area_code": [ENGLAND, "E05000001", "E05000002", "E05000003"],
            "category_type": [""] * 4,
            "period": ["2023"] * 4,
            "sex": ["Persons"] * 4,
            "value": [100.5, 105.0, 95.0, 96.0],
            "lower_95": [99.0, 100.2, 90.0, 91.0],
            "upper_95": [102.0, 110.0, 100.0, 99.9],
            "lower_99_8": [98.0, 99.5, 88.0, 89.0],
            "upper_99_8": [103.0, 112.0, 102.0, 101.0],
        }
    )
    polarity = np.full(4, "RAG - Low is good", dtype=object)
    city = np.full(4, None, dtype=object)
    fixed = england_benchmarks(np.full(4, "isr", dtype=object), np.full(4, 100.0))
    out = comparisons(table, polarity, city, [LEEDS], fixed)
    assert out["compared_to_england"].tolist() == ["Not compared", "Worse", "Similar", "Better"]
    assert out["compared_to_england_99_8"].tolist()[1:] == ["Similar", "Similar", "Similar"]
    # against England's row (100.5) the first ward would have been Similar
    plain = comparisons(table, polarity, city, [LEEDS])
    assert plain["compared_to_england"].tolist()[1] == "Similar"
    rate = england_benchmarks(np.array(["dsr", "isr"], dtype=object), np.array([1e5, np.nan]))
    assert np.isnan(rate[0]) and rate[1] == 100.0


def test_compute_from_a_tiny_table() -> None:
    """Two areas, two age bands; England's rates 1 and 9 per 1,000."""
    england = pd.DataFrame(
        {"period": "2023", "sex": "Persons", "age_band": ["young", "old"],
         "numerator": [100.0, 900.0], "denominator": [100_000.0, 100_000.0]}
    )  # fmt: skip
    counts = pd.DataFrame(
        {"area": ["A", "A", "B", "B"], "period": "2023", "sex": "Persons",
         "age_band": ["young", "old", "young", "old"], "numerator": [3.0, 12.0, 1.0, 2.0],
         "denominator": [2000.0, 1000.0, 500.0, 300.0]}
    )  # fmt: skip
    with_expected = expected_events(counts, england, ID)
    # A: 2000 x 0.001 + 1000 x 0.009 = 11 expected, 15 observed; B: 0.5 + 2.7 = 3.2, 3 observed
    assert with_expected["expected"].tolist() == pytest.approx([2.0, 9.0, 0.5, 2.7])
    definition = load_catalogue().get("u75_mortality_smr")
    out = compute_values(with_expected, definition, ["area"]).set_index("area")
    assert out.loc["A", "value"] == pytest.approx(100 * 15 / 11, rel=1e-12)
    assert out.loc["B", "value"] == pytest.approx(100 * 3 / 3.2, rel=1e-12)
    assert out.loc["A", "method"] == "Byars" and out.loc["B", "method"] == "Exact"
    # exact Poisson limits for 3 events
    lower = stats.chi2.ppf(0.025, 6) / 2
    upper = stats.chi2.ppf(0.975, 8) / 2
    assert out.loc["B", "lower_95"] == pytest.approx(100 * lower / 3.2, rel=1e-9)
    assert out.loc["B", "upper_95"] == pytest.approx(100 * upper / 3.2, rel=1e-9)
    assert out.loc["A", "count"] == 15 and out.loc["A", "denominator"] == 3000


def test_compute_refuses_missing_expected_and_missing_reference() -> None:
    definition = load_catalogue().get("u75_mortality_smr")
    counts = pd.DataFrame(
        {"area": ["A"], "period": "2023", "sex": "Male", "age_band": ["old"],
         "numerator": [3.0], "denominator": [100.0]}
    )  # fmt: skip
    with pytest.raises(InputError, match=r"^u75_mortality_smr: an indirectly standardised ratio "
                       r"needs each row's expected events") as caught:  # fmt: skip
        compute_values(counts, definition, ["area"])
    assert caught.value.field == "expected"
    england = counts.assign(sex="Persons", numerator=50.0, denominator=1e4)
    with pytest.raises(InputError, match=r"^x: no England reference counts .* for period, sex "
                       r"and age band 2023 Male old, where areas have population") as caught:  # fmt: skip
        expected_events(counts, england, "x")
    assert caught.value.field == "age_band"
    with pytest.raises(InputError, match=r"^x: an indirectly standardised ratio needs England's"):
        expected_events(counts, england.iloc[:0], "x")


def test_build_refuses_an_isr_without_england_rows(tmp_path: Path) -> None:
    lsoas = geo.lsoa_lookup(2021)["lsoa_code"].tolist()[:20]
    counts = _counts(lsoas, np.random.default_rng(3))
    with pytest.raises(InputError, match=rf"^{ID}: an indirectly standardised ratio needs "
                       r"England's counts \(area E92000001, all groups\)") as caught:  # fmt: skip
        _place_with(tmp_path, counts[counts["area_code"] != ENGLAND])
    assert caught.value.field == "area_code"


def test_build_refuses_cells_england_lacks(tmp_path: Path) -> None:
    lsoas = geo.lsoa_lookup(2021)["lsoa_code"].tolist()[:20]
    counts = _counts(lsoas, np.random.default_rng(3))
    gap = (counts["area_code"] == ENGLAND) & (counts["age_band"] == "65+")
    gap &= counts["sex"] == "Male"
    with pytest.raises(InputError, match=rf"^{ID}: no England reference counts .* for period, "
                       r"sex and age band 2022 Male 65\+, 2023 Male 65\+, where") as caught:  # fmt: skip
        _place_with(tmp_path, counts[~gap])
    assert caught.value.field == "age_band"


def test_an_isr_needs_its_standardisation_field() -> None:
    raw = {
        "id": ID, "name": "x", "principle": 6, "definition": "x", "value_type": "isr",
        "numerator": "x", "denominator": "x", "multiplier": 100, "polarity": "lower_is_better",
        "unit": "SMR", "source": "x", "lowest_geography": "msoa", "period_type": "calendar_year",
        "data": {"kind": "warehouse", "indicator_id": ID},
    }  # fmt: skip
    with pytest.raises(DefinitionsRejected, match=r"field standardisation: required when "):
        parse_definition(raw, f"{ID}.yaml")
    bad = raw | {"standardisation": {"reference": "wales"}}
    with pytest.raises(DefinitionsRejected) as caught:
        parse_definition(bad, f"{ID}.yaml")
    assert caught.value.field == "standardisation.reference"


@pytest.fixture(scope="module")
def leeds_demo() -> pd.DataFrame:
    wanted = ["emergency_admissions_sar", "u75_mortality_smr"]
    return build(load_place(), only=wanted, synthetic=synthetic_indicator_counts).table


@pytest.mark.parametrize("indicator", ["emergency_admissions_sar", "u75_mortality_smr"])
def test_leeds_demo_builds_both_ratios_by_ward_and_msoa(
    leeds_demo: pd.DataFrame, indicator: str
) -> None:
    rows = leeds_demo[leeds_demo["indicator_id"] == indicator]
    lookup = geo.lsoa_lookup(2021)
    persons = rows[(rows["sex"] == "Persons") & (rows["category_type"] == "")]
    wards = persons[persons["area_type"] == "Ward"]
    msoas = persons[persons["area_type"] == "MSOA"]
    assert set(wards["area_code"]) == set(lookup["ward_code"])
    assert set(msoas["area_code"]) == set(lookup["msoa_code"])
    assert wards["value"].notna().all() and msoas["value"].notna().all()
    assert (rows["unit"].str.endswith("(England = 100)")).all()
    assert (rows["value_type"] == "isr").all() and (rows["source"] == "synthetic").all()
    city = persons[persons["area_code"] == LEEDS]["value"]
    assert len(city) == 10 and city.between(90, 110).all()
    england = persons[persons["area_code"] == ENGLAND]["value"]
    assert (england == 100.0).all()
    # more deprived wards have higher ratios (the synthetic gradient)
    latest = wards[wards["period"] == wards["period"].max()]
    assert latest["value"].min() < 90 and latest["value"].max() > 110
    fifths = rows[rows["category_type"].str.contains("within area") & (rows["sex"] == "Persons")]
    last = fifths[fifths["period"] == fifths["period"].max()].set_index("category_rank")
    assert last.loc[1, "value"] > last.loc[5, "value"]
