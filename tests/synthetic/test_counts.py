"""Synthetic counts: the warehouse layout, consistent breakdowns, every synthetic indicator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.config import Place
from healthequity.errors import InputError
from healthequity.indicators import Definition, PeriodType, ValueType, load_catalogue
from healthequity.indicators.count_rules import count_rules
from healthequity.methods.esp2013 import ESP2013, ESP2013_BANDS
from healthequity.sources.tabular import read_counts
from healthequity.store.datasets import COUNTS
from healthequity.synthetic import (
    age_band_label,
    age_range,
    period_plan,
    synthetic_counts,
    synthetic_deaths,
    synthetic_england_counts,
)
from healthequity.synthetic.counts import ETHNIC_TYPE, LIFE_TABLE_BANDS

YEARS = list(range(2014, 2024))
CATALOGUE = load_catalogue()
SYNTHETIC = [d for d in CATALOGUE if d.is_active and d.data.kind == "synthetic"]


def by_id(indicator_id: str) -> Definition:
    return CATALOGUE.get(indicator_id)


@pytest.fixture(scope="module")
def all_counts(leeds: Place) -> dict[str, pd.DataFrame]:
    """Counts for every active synthetic definition, 10 years (built once: a few seconds)."""
    return {d.id: synthetic_counts(d, leeds, YEARS) for d in SYNTHETIC}


def test_catalogue_has_synthetic_definitions() -> None:
    kinds = {d.value_type for d in SYNTHETIC}
    assert len(SYNTHETIC) >= 50
    assert {
        ValueType.PROPORTION,
        ValueType.CRUDE_RATE,
        ValueType.DSR,
        ValueType.ISR,
        ValueType.MEAN,
        ValueType.COUNT,
        ValueType.LIFE_EXPECTANCY,
    } <= kinds


def test_every_synthetic_definition_has_ten_periods(all_counts: dict[str, pd.DataFrame]) -> None:
    for definition in SYNTHETIC:
        counts = all_counts[definition.id]
        periods = sorted(counts["period"].unique())
        if definition.period_type == PeriodType.CENSUS:
            assert periods == ["2021"], definition.id
        else:
            assert len(periods) == 10, definition.id
        # rows with a zero denominator are left out: a few LSOAs for small denominators
        assert counts["area_code"].nunique() >= 470, definition.id
        assert counts["area_code"].str.fullmatch(r"E01\d{6}").all(), definition.id
        assert (counts["indicator_id"] == definition.id).all()
        assert (counts["source"] == "synthetic").all() and counts["synthetic"].all()
        assert (counts[["numerator", "denominator"]] >= 0).all().all(), definition.id
        assert not counts.duplicated(list(COUNTS.key)).any(), definition.id
        assert "Persons" not in set(counts["sex"]) or definition.sex == "Persons", definition.id
        if "sex" in definition.breakdowns:
            assert set(counts["sex"]) == {"Male", "Female"}, definition.id


def test_periods_by_type(all_counts: dict[str, pd.DataFrame]) -> None:
    assert sorted(all_counts["u75_circulatory_mortality"]["period"].unique())[0] == "2014"
    assert sorted(all_counts["mmr2_5y"]["period"].unique())[:2] == ["2014/15", "2015/16"]
    assert sorted(all_counts["ksi_roads"]["period"].unique())[-1] == "2021-23"
    assert sorted(all_counts["violence_admissions"]["period"].unique())[0] == "2012-14"


def test_counts_load_through_the_tabular_checks(
    all_counts: dict[str, pd.DataFrame], tmp_path: object
) -> None:
    """Every synthetic indicator's counts pass the tidy-counts file checks: proportions within
    their denominators, rates and DSR bands above them where events repeat, means with sd."""
    frames = [c.drop(columns=["source", "synthetic"]) for c in all_counts.values()]
    path = tmp_path / "synthetic.parquet"  # type: ignore[operator]
    pd.concat(frames, ignore_index=True).to_parquet(path)
    back = read_counts(path, rules=count_rules(CATALOGUE))
    assert len(back) == sum(len(f) for f in frames)


def test_proportions_within_denominators(all_counts: dict[str, pd.DataFrame]) -> None:
    for definition in SYNTHETIC:
        if definition.value_type == ValueType.PROPORTION:
            counts = all_counts[definition.id]
            assert (counts["numerator"] <= counts["denominator"]).all(), definition.id
            assert (counts["numerator"] == np.floor(counts["numerator"])).all()


def test_same_seed_same_counts_other_seed_other(leeds: Place) -> None:
    definition = by_id("gld_reception")
    first = synthetic_counts(definition, leeds, YEARS)
    pd.testing.assert_frame_equal(first, synthetic_counts(definition, leeds, YEARS))
    pd.testing.assert_frame_equal(first, synthetic_counts(definition, leeds, YEARS, seed=5))
    other = synthetic_counts(definition, leeds, YEARS, seed=6)
    assert not other["numerator"].equals(first["numerator"])
    assert other["denominator"].equals(first["denominator"])


def test_ethnic_rows_sum_to_all_groups(all_counts: dict[str, pd.DataFrame]) -> None:
    for definition in SYNTHETIC:
        if "ethnicity" not in definition.breakdowns:
            continue
        counts = all_counts[definition.id]
        keys = ["area_code", "period", "sex", "age_band"]
        ethnic = counts[counts["category_type"] == ETHNIC_TYPE]
        total = counts[counts["category_type"] == ""].set_index(keys)
        summed = ethnic.groupby(keys)[["numerator", "denominator"]].sum()
        assert len(ethnic["category"].unique()) == 5, definition.id
        pd.testing.assert_frame_equal(
            summed.sort_index(),
            total[["numerator", "denominator"]].sort_index(),
            check_exact=False,
            rtol=1e-9,
        )


def test_deprivation_gradient(leeds: Place, all_counts: dict[str, pd.DataFrame]) -> None:
    from healthequity.geography import deprivation_groups

    groups = deprivation_groups(leeds.la_codes, leeds.iod_version).astype({"lsoa_code": str})
    counts = all_counts["smoking_prevalence_adults"].merge(
        groups[["lsoa_code", "imd_decile"]], left_on="area_code", right_on="lsoa_code"
    )
    first = (
        counts[counts["period"] == "2014"].groupby("imd_decile")[["numerator", "denominator"]].sum()
    )
    value = first["numerator"] / first["denominator"]
    # spec: gradient 3 (decile 1 / decile 10), value 11.9% at England's mean decile
    assert value[1] / value[10] == pytest.approx(3.0, rel=0.2)


def test_england_comparator_matches_the_spec() -> None:
    for definition_id in ("smoking_prevalence_adults", "infant_mortality", "hate_crime_rate"):
        definition = by_id(definition_id)
        england = synthetic_england_counts(definition, [2014])
        assert set(england["area_code"]) == {"E92000001"}
        total = england[england["category"] == ""]
        value = (
            total["numerator"].sum()
            / total["denominator"].sum()
            * float(definition.multiplier or 1)
        )
        assert value == pytest.approx(definition.data.value, rel=0.02), definition_id  # type: ignore[union-attr]
        assert england["source"].eq("synthetic").all()


def test_england_dsr_matches_the_spec() -> None:
    definition = by_id("u75_circulatory_mortality")
    england = synthetic_england_counts(definition, [2014])
    assert list(england["age_band"].unique()) == list(ESP2013_BANDS[:15])
    rates = england.groupby("age_band")[["numerator", "denominator"]].sum()
    rates = rates.loc[list(ESP2013_BANDS[:15])]
    weights = np.asarray(ESP2013[:15], dtype=float)
    dsr = (weights * rates["numerator"] / rates["denominator"]).sum() / weights.sum() * 1e5
    assert dsr == pytest.approx(77.0, rel=0.02)


def test_mean_counts_carry_sd(all_counts: dict[str, pd.DataFrame]) -> None:
    counts = all_counts["weekly_earnings"]
    assert "sd" in counts.columns and (counts["sd"] > 0).all()
    england = synthetic_england_counts(by_id("weekly_earnings"), [2014])
    mean = england["numerator"].sum() / england["denominator"].sum()
    assert mean == pytest.approx(683.0, rel=0.01)
    assert england["sd"].iloc[0] == pytest.approx(350.0, rel=0.05)


def test_life_expectancy_counts_come_from_the_deaths(leeds: Place) -> None:
    definition = by_id("life_expectancy_birth")
    counts = synthetic_counts(definition, leeds, [2023])
    assert set(counts["period"]) == {"2021-23"}
    assert list(counts["age_band"].iloc[:20]) == list(LIFE_TABLE_BANDS)
    assert len(counts) == 488 * 2 * 20
    deaths = synthetic_deaths(leeds, [2021, 2022, 2023], seed=definition.data.seed)  # type: ignore[union-attr]
    assert counts["numerator"].sum() == len(deaths)
    infants = counts.loc[counts["age_band"] == "<1", "numerator"].sum()
    assert infants == (deaths["age"] == 0).sum()
    under5 = counts[counts["age_band"].isin(["<1", "1-4"])]["denominator"].sum()
    assert under5 == pytest.approx(
        counts.groupby("age_band")["denominator"].sum()[["<1", "1-4"]].sum()
    )
    england = synthetic_england_counts(definition, [2023])
    assert len(england) == 2 * 20 and (england["area_code"] == "E92000001").all()


def test_count_type_has_population_denominators(all_counts: dict[str, pd.DataFrame]) -> None:
    counts = all_counts["prs_cat1_hazards_removed"]
    per_lsoa = counts.groupby("period")["numerator"].mean()
    assert per_lsoa.mean() == pytest.approx(2.0 * 1.1, rel=0.25)  # Leeds is more deprived


@pytest.mark.parametrize(
    ("age", "lo_hi", "label"),
    [
        ("All ages", (0, 100), "All ages"),
        ("<75", (0, 74), "<75"),
        ("65+", (65, 100), "65+"),
        ("16-64", (16, 64), "16-64"),
        ("5", (5, 5), "5-5"),
        ("School age", (5, 15), "5-15"),
        ("6-8 weeks", (0, 0), "<1"),
        ("<1", (0, 0), "<1"),
    ],
)
def test_ages(age: str, lo_hi: tuple[int, int], label: str) -> None:
    assert age_range(age) == lo_hi
    assert age_band_label(age) == label


def test_unreadable_age() -> None:
    with pytest.raises(InputError, match="'adults' cannot be read as an age range"):
        age_range("adults")


def test_period_plan() -> None:
    def plan(kind: PeriodType) -> list[tuple[str, int]]:
        return list(period_plan(kind, [2020, 2021]).itertuples(index=False, name=None))

    assert plan(PeriodType.CALENDAR_YEAR) == [("2020", 2020), ("2021", 2021)]
    assert plan(PeriodType.ACADEMIC_YEAR) == [("2020/21", 2020), ("2021/22", 2021)]
    assert plan(PeriodType.CENSUS) == [("2021", 2021)]
    assert plan(PeriodType.POOLED_3_CALENDAR_YEARS)[:3] == [
        ("2018-20", 2018),
        ("2018-20", 2019),
        ("2018-20", 2020),
    ]


def test_not_synthetic_refused(leeds: Place) -> None:
    other = next(d for d in CATALOGUE if d.data.kind != "synthetic")
    with pytest.raises(InputError, match="not 'synthetic'"):
        synthetic_counts(other, leeds, YEARS)


@pytest.mark.parametrize(
    ("indicator", "bands"), [("u75_mortality_smr", 15), ("emergency_admissions_sar", 19)]
)
def test_isr_counts_are_by_esp_band_and_sex_at_the_spec_rate(
    indicator: str, bands: int, all_counts: dict[str, pd.DataFrame]
) -> None:
    """ISRs get DSR-like counts: every ESP2013 band of the ages (zero bands kept), by sex, and
    England's age-standardised rate per 100,000 a year is the spec's value (3-year pooled)."""
    definition = by_id(indicator)
    assert definition.value_type == ValueType.ISR
    england = synthetic_england_counts(definition, [2014])
    assert list(england["age_band"].unique()) == list(ESP2013_BANDS[:bands])
    assert set(england["sex"]) == {"Male", "Female"}
    rates = england.groupby("age_band")[["numerator", "denominator"]].sum()
    rates = rates.loc[list(ESP2013_BANDS[:bands])]
    weights = np.asarray(ESP2013[:bands], dtype=float)
    asr = (weights * rates["numerator"] / rates["denominator"]).sum() / weights.sum() * 1e5
    assert asr == pytest.approx(definition.data.value, rel=0.02)  # type: ignore[union-attr]
    lsoas = all_counts[indicator]
    per_cell = lsoas.groupby(["area_code", "period", "sex"])["age_band"].nunique()
    assert (per_cell == bands).all()
