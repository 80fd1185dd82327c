"""'Improve the health of the poorest the fastest': improvement rates, verdicts, evidence, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthequity.errors import InputError
from healthequity.indicators.headline import (
    NARROWING,
    NO_CLEAR,
    NOT_ASSESSED,
    WIDENING,
    city_summary,
    poorest_fastest,
)
from healthequity.indicators.inequality import inequality_by_period
from tests.indicators.test_inequality_summary import Z, tidy

YEARS = (2015, 2016, 2017, 2018, 2019)
SXX = 10.0  # sum of squared deviations of 2015..2019 from their mean


def life_expectancy(most: float, least: float, **kw: object) -> pd.DataFrame:
    """Life expectancy rising ``most`` a year in the most deprived fifth, ``least`` in the least."""
    steps = {1: most, 5: least}
    return tidy(
        "le",
        lambda r, y: 73 + 2 * r + steps.get(r, (most + least) / 2) * (y - 2015),
        city=lambda y: 79 + (most + least) / 2 * (y - 2015),
        se=0.05,
        **kw,  # type: ignore[arg-type]
    )


def mortality(most: float, least: float, **kw: object) -> pd.DataFrame:
    """A DSR changing by ``most`` / ``least`` (growth factors a year), lower is better."""
    steps = {1: most, 5: least}
    return tidy(
        "mort",
        lambda r, y: (600 - 50 * r) * steps.get(r, (most + least) / 2) ** (y - 2015),
        value_type="dsr",
        polarity="lower_is_better",
        city=lambda y: 450 * ((most + least) / 2) ** (y - 2015),
        **kw,  # type: ignore[arg-type]
    )


def verdict_of(table: pd.DataFrame, **kw: object) -> pd.Series:
    result = poorest_fastest(table, **kw)  # type: ignore[arg-type]
    assert len(result) == 1
    return result.iloc[0]


def test_poorest_improving_faster_narrows_the_gap() -> None:
    row = verdict_of(life_expectancy(0.3, 0.1))
    assert row["verdict"] == NARROWING
    half = Z * 0.05 / np.sqrt(SXX)  # known-variance WLS slope: se / sqrt(Sxx)
    assert row["most_improvement"] == pytest.approx(0.3, abs=1e-9)
    assert row["most_improvement_lower"] == pytest.approx(0.3 - half, abs=1e-9)
    assert row["most_improvement_upper"] == pytest.approx(0.3 + half, abs=1e-9)
    assert row["least_improvement"] == pytest.approx(0.1, abs=1e-9)
    assert row["city_improvement"] == pytest.approx(0.2, abs=1e-9)
    assert row["difference"] == pytest.approx(0.2, abs=1e-9)
    assert row["difference_lower"] == pytest.approx(0.2 - np.sqrt(2) * half, abs=1e-9)
    assert row["most_periods"] == 5 and row["deprivation_periods"] == 5
    assert row["improvement_unit"] == "years a year"
    # SII (least minus most) falls 0.2 years a year: the gap narrows.
    assert row["sii_trend"] == pytest.approx(-0.2, abs=1e-9)
    assert row["sii_trend_direction"] == "narrowing"
    assert pd.isna(row["reason"])
    assert row["evidence"].startswith(
        "The most deprived fifth improved by 0.30 years a year (95% CI 0.27 to 0.33), the least "
        "deprived improved by 0.10 years a year (0.07 to 0.13), the city as a whole improved by "
        "0.20 years a year (0.17 to 0.23): the gap narrowed. The slope index of inequality "
        "changed by −0.20 a year (95% CI "
    )
    assert row["evidence"].endswith("): narrowing.")


def test_poorest_improving_slower_widens_the_gap() -> None:
    # lower is better: mortality falling 1% a year among the most deprived, 3% among the least.
    row = verdict_of(mortality(0.99, 0.97))
    assert row["verdict"] == WIDENING
    assert row["most_improvement"] == pytest.approx(1.0, abs=1e-9)
    assert row["least_improvement"] == pytest.approx(3.0, abs=1e-9)
    assert row["difference"] == pytest.approx(-2.0, abs=1e-9)
    assert row["difference_upper"] < 0
    assert row["improvement_unit"] == "% a year"
    assert "the gap widened." in row["evidence"]


def test_falling_values_improve_when_lower_is_better_and_rising_ones_worsen() -> None:
    falling = verdict_of(mortality(0.98, 0.98))
    assert falling["most_improvement"] == pytest.approx(2.0, abs=1e-9)
    assert falling["city_improvement"] == pytest.approx(2.0, abs=1e-9)
    rising = verdict_of(mortality(1.02, 1.02))
    assert rising["most_improvement"] == pytest.approx(-2.0, abs=1e-9)
    lo, hi = rising["most_improvement_lower"], rising["most_improvement_upper"]
    assert lo < -2.0 < hi < 0
    assert rising["evidence"].startswith("The most deprived fifth worsened by 2.0% a year (95% CI ")


def test_same_pace_is_no_clear_difference() -> None:
    table = tidy("pct", lambda r, y: (20 + 5 * r) * 1.01 ** (y - 2015), value_type="proportion",
                 city=lambda y: 30 * 1.01 ** (y - 2015))  # fmt: skip
    row = verdict_of(table)
    assert row["verdict"] == NO_CLEAR
    assert row["reason"] == "the 95% interval of the difference includes 0"
    assert row["difference"] == pytest.approx(0.0, abs=1e-9)
    assert row["difference_lower"] < 0 < row["difference_upper"]
    assert ": no clear difference between them." in row["evidence"]


def test_too_few_periods_is_not_assessed() -> None:
    row = verdict_of(life_expectancy(0.3, 0.1, years=(2018, 2019)))
    assert row["verdict"] == NOT_ASSESSED
    assert row["reason"] == "deprivation groups for 2 period(s); 3 are needed"
    assert row["evidence"] == "Not assessed: deprivation groups for 2 period(s); 3 are needed."
    assert np.isnan(row["most_improvement"])
    assert row["deprivation_periods"] == 2
    assessed = verdict_of(life_expectancy(0.3, 0.1, years=(2018, 2019)), min_periods=2)
    assert assessed["verdict"] == NARROWING


def test_no_judgement_polarity_is_not_assessed() -> None:
    table = tidy("births", lambda r, y: 5.0 + r + (y - 2015), value_type="mean",
                 polarity="no_judgement")  # fmt: skip
    row = verdict_of(table)
    assert row["verdict"] == NOT_ASSESSED
    assert row["reason"] == "polarity no_judgement: no direction of improvement"
    assert np.isnan(row["most_improvement"]) and np.isnan(row["difference"])


def test_no_deprivation_groups_is_not_assessed() -> None:
    table = tidy("c", lambda r, y: 0.0, groups=0, city=lambda y: 80.0 + (y - 2015))
    row = verdict_of(table)
    assert row["verdict"] == NOT_ASSESSED
    assert row["reason"] == "no deprivation groups"
    assert row["sex"] == "Persons" and row["area_code"] == "E08000035"


def test_annual_change_recovered_exactly_on_noise_free_exponential_series() -> None:
    rates = {1: 1.023, 2: 1.01, 3: 1.0, 4: 0.995, 5: 0.987}
    table = tidy("pct", lambda r, y: (20 + 5 * r) * rates[r] ** (y - 2010), value_type="proportion",
                 years=range(2010, 2019), city=lambda y: 31 * 1.004 ** (y - 2010),
                 period=lambda y: f"{y}-{(y + 2) % 100:02d}")  # fmt: skip
    row = verdict_of(table)
    assert abs(row["most_improvement"] - 2.3) < 1e-9
    assert abs(row["least_improvement"] - (-1.3)) < 1e-9
    assert abs(row["city_improvement"] - 0.4) < 1e-9
    assert abs(row["difference"] - 3.6) < 1e-9
    # log-scale slope interval mapped to % a year: 100 (exp(b -/+ z se / sqrt(Sxx)) - 1)
    b, half = np.log(1.023), Z * 0.01 / np.sqrt(60.0)
    assert abs(row["most_improvement_lower"] - 100 * np.expm1(b - half)) < 1e-9
    assert abs(row["most_improvement_upper"] - 100 * np.expm1(b + half)) < 1e-9
    assert row["verdict"] == NARROWING


def test_life_expectancy_slope_recovered_exactly() -> None:
    row = verdict_of(life_expectancy(0.123456, -0.05, years=range(2001, 2020)))
    assert abs(row["most_improvement"] - 0.123456) < 1e-9
    assert abs(row["least_improvement"] + 0.05) < 1e-9


def test_scatter_beyond_the_intervals_widens_them_like_a_scaled_fit() -> None:
    noise = {2015: 0.4, 2016: -0.3, 2017: 0.1, 2018: -0.5, 2019: 0.3}
    table = tidy("le", lambda r, y: 73 + 2 * r + 0.2 * (y - 2015) + (noise[y] if r == 1 else 0),
                 se=0.05)  # fmt: skip
    row = verdict_of(table)
    x = np.array(YEARS, float)
    y = np.array([75 + 0.2 * (t - 2015) + noise[t] for t in YEARS])
    coef, cov = np.polyfit(x, y, 1, w=np.full(5, 1 / 0.05), cov=True)  # residual-scaled
    half = stats.t.ppf(0.975, 3) * np.sqrt(cov[0, 0])
    assert row["most_improvement"] == pytest.approx(coef[0], abs=1e-9)
    assert row["most_improvement_lower"] == pytest.approx(coef[0] - half, abs=1e-9)
    assert row["most_improvement_upper"] == pytest.approx(coef[0] + half, abs=1e-9)


def test_sii_trend_against_the_difference_vetoes_the_verdict() -> None:
    table = life_expectancy(0.3, 0.1)
    inequality = inequality_by_period(table)
    inequality["sii"] = 10 + 0.5 * (inequality["period_start"] - 2015)  # SII rising: widening
    inequality["sii_lower_95"] = inequality["sii"] - 0.1
    inequality["sii_upper_95"] = inequality["sii"] + 0.1
    row = verdict_of(table, inequality=inequality)
    assert row["sii_trend"] == pytest.approx(0.5, abs=1e-9)
    assert row["sii_trend_direction"] == "widening"
    assert row["difference_lower"] > 0
    assert row["verdict"] == NO_CLEAR
    assert row["reason"] == "the difference and the SII trend point in opposite directions"


def test_persons_preferred_otherwise_each_sex() -> None:
    both = pd.concat([life_expectancy(0.3, 0.1, sex=s) for s in ("Male", "Female")])
    result = poorest_fastest(both)
    assert list(result["sex"]) == ["Female", "Male"]
    assert (result["verdict"] == NARROWING).all()
    with_persons = pd.concat([both, life_expectancy(0.1, 0.3, sex="Persons")])
    row = verdict_of(with_persons)
    assert row["sex"] == "Persons" and row["verdict"] == WIDENING


def test_grouped_equals_one_indicator_at_a_time() -> None:
    parts = [
        life_expectancy(0.3, 0.1),
        mortality(0.99, 0.97),
        tidy("pct", lambda r, y: (20 + 5 * r) * 1.01 ** (y - 2015), value_type="proportion"),
    ]
    together = poorest_fastest(pd.concat(parts)).set_index("indicator_id")
    for part in parts:
        alone = poorest_fastest(part).set_index("indicator_id")
        pd.testing.assert_frame_equal(
            together.loc[alone.index], alone, check_dtype=False, check_exact=False, atol=1e-12
        )


def test_city_summary_counts_overall_and_by_principle() -> None:
    table = pd.concat(
        [
            life_expectancy(0.3, 0.1, principle=1),
            mortality(0.99, 0.97, principle=1),
            tidy("pct", lambda r, y: 20 + 5 * r, value_type="proportion", principle=2),
            tidy("few", lambda r, y: 20 + 5 * r, value_type="proportion", principle=2,
                 years=(2019,)),
            tidy("nj", lambda r, y: 5.0 + r, value_type="mean", polarity="no_judgement",
                 principle=3),
        ]
    )  # fmt: skip
    summary = city_summary(poorest_fastest(table))
    assert list(summary.columns) == [
        "principle", "scope", NARROWING, WIDENING, NO_CLEAR, NOT_ASSESSED, "total",
    ]  # fmt: skip
    assert summary["scope"].tolist() == [
        "All indicators", "Principle 1", "Principle 2", "Principle 3",
    ]  # fmt: skip
    counts = summary[[NARROWING, WIDENING, NO_CLEAR, NOT_ASSESSED, "total"]].to_numpy().tolist()
    assert counts == [[1, 1, 1, 2, 5], [1, 1, 0, 0, 2], [0, 0, 1, 1, 2], [0, 0, 0, 1, 1]]
    assert summary["principle"].isna().tolist() == [True, False, False, False]
    assert summary.loc[3, "principle"] == 3


def test_missing_column_is_named() -> None:
    with pytest.raises(InputError, match="poorest_fastest: the indicator table lacks column"):
        poorest_fastest(life_expectancy(0.3, 0.1).drop(columns=["period_start"]))
