"""Inequality across deprivation groups per period: gaps, SII / RII convention, notes, grouping."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthequity.errors import InputError
from healthequity.indicators import inequality as ineq
from healthequity.indicators.inequality import deprivation_rows, inequality_by_period

Z = float(stats.norm.ppf(0.975))
LOCAL = "deprivation quintiles within area (IMD2025)"
DECILES = "deprivation deciles (IMD2025, national)"
MOST10 = "most deprived 10% nationally (IMD2025)"
RATIO = {"proportion", "crude_rate", "dsr", "count"}


def tidy(
    indicator_id: str,
    group: Callable[[int, int], float],
    *,
    value_type: str = "life_expectancy",
    polarity: str = "higher_is_better",
    years: Sequence[int] = (2015, 2016, 2017, 2018, 2019),
    city: Callable[[int], float] | None = None,
    groups: int = 5,
    se: float = 0.01,
    multiplier: float = 100,
    sex: str = "Persons",
    principle: int = 1,
    category_type: str = LOCAL,
    population: float = 1000.0,
    period: Callable[[int], str] = str,
) -> pd.DataFrame:
    """A tidy indicator table: ``group(rank, year)`` per deprivation group, ``city(year)``.

    Each value's 95% interval is value -/+ 1.96 se (log scale for ratio-scale types), so its
    standard error on the fitting scale is exactly ``se``.
    """
    log = value_type in RATIO
    rows = []
    for year in years:
        cells: list[tuple[str, str, object, float]] = [
            (category_type, f"Group {r}", r, group(r, year)) for r in range(1, groups + 1)
        ]
        if city is not None:
            cells.append(("", "", pd.NA, city(year)))
        for ctype, label, rank, v in cells:
            lo, hi = (v * np.exp(-Z * se), v * np.exp(Z * se)) if log else (v - Z * se, v + Z * se)
            rows.append(
                dict(indicator_id=indicator_id, indicator_name=indicator_id.title(),
                     principle=principle, value_type=value_type, polarity=polarity,
                     multiplier=multiplier, area_code="E08000035", area_name="Leeds",
                     area_type="Local authority", sex=sex, category_type=ctype, category=label,
                     category_rank=rank, period=period(year), period_start=year, value=v,
                     lower_95=lo, upper_95=hi, lower_99_8=np.nan, upper_99_8=np.nan,
                     count=np.nan, denominator=population, value_note=None, method="",
                     statistic="", source="test")
            )  # fmt: skip
    table = pd.DataFrame(rows)
    table["category_rank"] = table["category_rank"].astype("Int64")
    return table


def one_period(table: pd.DataFrame) -> pd.Series:
    result = inequality_by_period(table, repetitions=10_000)
    assert len(result) == 1
    return result.iloc[0]


def test_sii_convention_life_expectancy_positive_when_least_deprived_live_longer() -> None:
    # most deprived (rank 1) 75 years ... least deprived (rank 5) 83: a 2-year step per fifth.
    row = one_period(tidy("le", lambda r, y: 73 + 2 * r, years=[2019], se=0.5))
    # equal fifths: mid-point ranks 0.1..0.9, so the line rises 10 years from rank 0 to rank 1.
    assert row["sii"] == pytest.approx(10.0, abs=1e-9)
    assert row["sii_lower_95"] < 10 < row["sii_upper_95"]
    assert row["sii_lower_99_8"] < row["sii_lower_95"]
    assert row["sii_upper_99_8"] > row["sii_upper_95"]
    # RII: fitted least deprived end (84) over fitted most deprived end (74).
    assert row["rii"] == pytest.approx(84 / 74, abs=1e-12)
    assert row["absolute_gap"] == pytest.approx(-8.0)  # most minus least: opposite sign to SII
    assert row["relative_gap"] == pytest.approx(75 / 83)
    assert row["most_deprived_value"] == 75 and row["least_deprived_value"] == 83
    assert row["groups_used"] == 5 and row["groups_expected"] == 5
    assert row["value_note"] is pd.NA


def test_sii_is_negative_for_mortality_higher_among_the_most_deprived() -> None:
    row = one_period(tidy("mort", lambda r, y: 600 - 50 * r, value_type="dsr",
                          polarity="lower_is_better", years=[2019]))  # fmt: skip
    assert row["sii"] == pytest.approx(-250.0, abs=1e-9)
    assert row["sii_lower_95"] < -250 < row["sii_upper_95"]
    assert row["absolute_gap"] == pytest.approx(550 - 350)


def test_sii_of_a_percentage_is_in_percentage_points() -> None:
    row = one_period(tidy("pct", lambda r, y: 20 + 5 * r, value_type="proportion",
                          years=[2019], multiplier=100))  # fmt: skip
    assert row["sii"] == pytest.approx(25.0, abs=1e-9)
    assert 20 < row["sii_lower_95"] < 25 < row["sii_upper_95"] < 30


def test_gap_intervals_from_the_groups_standard_errors() -> None:
    row = one_period(tidy("le", lambda r, y: 73 + 2 * r, years=[2019], se=0.5))
    half = Z * np.sqrt(0.5**2 + 0.5**2)
    assert row["absolute_gap_lower_95"] == pytest.approx(-8 - half, abs=1e-9)
    assert row["absolute_gap_upper_95"] == pytest.approx(-8 + half, abs=1e-9)
    half_998 = stats.norm.ppf(0.999) * np.sqrt(0.5)
    assert row["absolute_gap_upper_99_8"] == pytest.approx(-8 + half_998, abs=1e-9)
    # ratio: log-scale SEs read off each group's interval.
    se75 = (np.log(75 + Z * 0.5) - np.log(75 - Z * 0.5)) / (2 * Z)
    se83 = (np.log(83 + Z * 0.5) - np.log(83 - Z * 0.5)) / (2 * Z)
    log_half = Z * np.hypot(se75, se83)
    assert row["relative_gap_lower_95"] == pytest.approx((75 / 83) * np.exp(-log_half))
    assert row["relative_gap_upper_95"] == pytest.approx((75 / 83) * np.exp(log_half))


def test_one_row_per_indicator_area_sex_period_with_several_value_types() -> None:
    table = pd.concat(
        [
            tidy("le", lambda r, y: 73 + 2 * r, sex="Male", city=lambda y: 80),
            tidy("le", lambda r, y: 77 + 2 * r, sex="Female", city=lambda y: 84),
            tidy("mort", lambda r, y: 600 - 50 * r, value_type="dsr"),
            tidy("pct", lambda r, y: 20 + 5 * r, value_type="proportion"),
        ]
    )
    result = inequality_by_period(table)
    assert len(result) == 4 * 5
    assert not result.duplicated(["indicator_id", "area_code", "sex", "period"]).any()
    le = result[result["indicator_id"] == "le"].set_index(["sex", "period"])
    assert le.loc[("Female", "2017"), "sii"] == pytest.approx(10.0)
    assert list(result.columns[:11]) == [
        "indicator_id", "indicator_name", "principle", "value_type", "polarity", "area_code",
        "area_name", "sex", "category_type", "period", "period_start",
    ]  # fmt: skip


def test_sii_called_once_per_value_type(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = ineq.sii

    def counting(data: pd.DataFrame, *args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ineq, "sii", counting)
    years = range(2000, 2020)
    table = pd.concat(
        [tidy(f"le{i}", lambda r, y: 73 + 2 * r, years=years, sex=s) for i in range(3)
         for s in ("Male", "Female")]
        + [tidy("mort", lambda r, y: 600 - 50 * r, value_type="dsr", years=years)]
    )  # fmt: skip
    result = inequality_by_period(table)
    assert len(result) == 3 * 2 * 20 + 20
    assert sorted(calls) == [20 * 5, 120 * 5]  # one call per value type, every period in it


def test_missing_group_value_and_population_give_notes_not_errors() -> None:
    table = tidy("le", lambda r, y: 73 + 2 * r, years=[2015, 2016, 2017, 2018])
    table = table[~((table["period_start"] == 2015) & (table["category_rank"] == 3))]
    table.loc[(table["period_start"] == 2016) & (table["category_rank"] == 5), "value"] = np.nan
    table.loc[(table["period_start"] == 2017) & (table["category_rank"] == 2), "denominator"] = 0
    table.loc[(table["period_start"] == 2018) & (table["category_rank"] == 1), "upper_95"] = 1.0
    result = inequality_by_period(table).set_index("period")
    assert result["value_note"].to_dict() == {
        "2015": "a deprivation group is missing",
        "2016": "no value for the least deprived group",
        "2017": "population (denominator) missing or not above 0 for a group",
        "2018": "95% confidence limits missing or reversed for a group",
    }
    assert result["sii"].isna().all()
    assert result.loc["2015", "absolute_gap"] == pytest.approx(-8.0)  # gaps need only the ends
    assert result["absolute_gap"].isna().tolist() == [False, True, False, False]
    assert result.loc["2016", "groups_used"] == 4


def test_fewer_than_five_groups_gap_but_no_sii() -> None:
    table = tidy("le", lambda r, y: 80 - 4 * r, years=[2019], groups=2, category_type=MOST10)
    row = inequality_by_period(table, category_type=MOST10).iloc[0]
    assert row["value_note"] == "fewer than 5 deprivation groups: no SII"
    assert np.isnan(row["sii"])
    assert row["absolute_gap"] == pytest.approx(4.0)  # 76 - 72


def test_default_category_type_prefers_local_fifths_then_national_tenths() -> None:
    fifths = tidy("a", lambda r, y: 73 + 2 * r, years=[2019])
    tenths = tidy("a", lambda r, y: 70 + r, years=[2019], groups=10, category_type=DECILES)
    only_tenths = tidy("b", lambda r, y: 70 + r, years=[2019], groups=10, category_type=DECILES)
    ethnic = tidy("b", lambda r, y: 70.0, years=[2019], groups=5,
                  category_type="Ethnic group (Census 2021 broad)")  # fmt: skip
    ethnic["category_rank"] = pd.array([pd.NA] * len(ethnic), dtype="Int64")
    table = pd.concat([fifths, tenths, only_tenths, ethnic])
    result = inequality_by_period(table).set_index("indicator_id")
    assert result.loc["a", "category_type"] == LOCAL
    assert result.loc["a", "least_deprived_value"] == 83
    assert result.loc["b", "category_type"] == DECILES
    assert result.loc["b", "groups_expected"] == 10
    assert result.loc["b", "sii"] == pytest.approx(10.0)  # 1 a tenth, 10 across the range
    chosen = inequality_by_period(table, category_type=DECILES).set_index("indicator_id")
    assert chosen.loc["a", "category_type"] == DECILES
    assert len(deprivation_rows(table)) == 5 + 10


def test_seeded_intervals_repeat() -> None:
    table = tidy("pct", lambda r, y: 20 + 5 * r, value_type="proportion", years=[2018, 2019])
    a = inequality_by_period(table, seed=7)
    b = inequality_by_period(table.sample(frac=1, random_state=3), seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_missing_column_is_named() -> None:
    table = tidy("le", lambda r, y: 73 + 2 * r, years=[2019]).drop(columns=["denominator"])
    with pytest.raises(InputError, match="lacks column\\(s\\) denominator") as info:
        inequality_by_period(table)
    assert info.value.field == "denominator"


def test_no_deprivation_rows_gives_an_empty_table_with_the_columns() -> None:
    table = tidy("le", lambda r, y: 0.0, years=[2019], groups=0, city=lambda y: 80.0)
    result = inequality_by_period(table)
    assert result.empty
    assert {"sii", "rii_upper_99_8", "absolute_gap", "value_note"} <= set(result.columns)
