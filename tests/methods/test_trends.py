"""Recent trend: worked examples by hand, Fingertips' own test data, errors and properties.

Sources: the chi-squared test for trend in proportions (Cochran-Armitage; Armitage P, Berry G,
Matthews JNS, Statistical Methods in Medical Research, 4th ed., s. 15.2; R's prop.trend.test),
the score test for trend in Poisson rates (Breslow NE, Day NE, Statistical Methods in Cancer
Research vol. II, 1987, s. 3.4), and the Fingertips code (github.com/ukhsa-collaboration/
fingertips-open: TrendMarkerCalculator, its unit tests WhenUsingTrendMarkerCalculator, and
TrendMarkerLabelProvider for the wording).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from healthequity.errors import InputError
from healthequity.methods.trends import recent_trend
from tests.reference import assert_close

CHI2_998 = 9.54953570608324  # Fingertips' ChiSquareConfidence: chi-square(1 df) at 99.8%


def frame(x: list[float], n: list[float], start: int = 2010, **extra: object) -> pd.DataFrame:
    return pd.DataFrame({"x": x, "n": n, "year": range(start, start + len(x)), **extra})


# Fingertips' unit-test data (WhenUsingTrendMarkerCalculator.GetTrendData_1: area E08000021,
# indicator 20301, 2010-2014), for which Fingertips expects a significant decrease.
DATA_1 = frame([621, 599, 556, 535, 447], [3454, 3195, 3256, 3227, 3121])


def test_worked_example_proportion_fingertips_data_1() -> None:
    # Scores t = 1..5 (Fingertips numbers the latest five periods 1..5).
    # X = 621 + 599 + 556 + 535 + 447 = 2758 events; N = 3454 + 3195 + 3256 + 3227 + 3121 = 16253
    # Sxt = 621*1 + 599*2 + 556*3 + 535*4 + 447*5 = 621 + 1198 + 1668 + 2140 + 2235 = 7862
    # Snt = 3454 + 6390 + 9768 + 12908 + 15605 = 48125
    # Snt2 = 3454*1 + 3195*4 + 3256*9 + 3227*16 + 3121*25
    #      = 3454 + 12780 + 29304 + 51632 + 78025 = 175195
    big_x, big_n, sxt, snt, snt2 = 2758, 16253, 7862, 48125, 175195
    # Fingertips' form: T = N (N Sxt - X Snt)^2 / (X (N - X) (N Snt2 - Snt^2))
    #   N Sxt - X Snt = 127781086 - 132728750 = -4947664 (negative: decreasing)
    #   N Snt2 - Snt^2 = 2847444335 - 2316015625 = 531428710
    assert big_n * sxt - big_x * snt == -4947664
    assert big_n * snt2 - snt**2 == 531428710
    t_hand = 16253 * 4947664**2 / (2758 * (16253 - 2758) * 531428710)
    # Textbook form: T = (Sxt - X tbar)^2 / (p (1 - p) (Snt2 - N tbar^2)), tbar = Snt / N
    p, tbar = big_x / big_n, snt / big_n
    t_textbook = (sxt - big_x * tbar) ** 2 / (p * (1 - p) * (snt2 - big_n * tbar**2))
    assert t_hand == pytest.approx(t_textbook, rel=1e-12)
    assert t_hand == pytest.approx(20.11508, rel=1e-6)
    out = recent_trend(DATA_1, "x", "n", "year", polarity="RAG - Low is good")
    assert_close(out["trend_statistic"], np.array([t_hand]), what="chi-square")
    assert_close(out["trend_p_value"], np.array([stats.chi2.sf(t_hand, 1)]), what="p")
    assert t_hand > CHI2_998
    assert out["recent_trend"].iloc[0] == "Decreasing and getting better"
    row = out.iloc[0]
    assert (row["points_used"], row["first_period"], row["last_period"]) == (5, 2010, 2014)
    assert pd.isna(row["value_note"])


def test_proportion_equals_weighted_regression_of_prop_trend_test() -> None:
    # R's prop.trend.test: the regression sum of squares of x/n on the score, weights
    # n / (p (1 - p)); computed here independently with a weighted least-squares fit.
    x, n = DATA_1["x"].to_numpy(float), DATA_1["n"].to_numpy(float)
    p = x.sum() / n.sum()
    w = n / p / (1 - p)
    score = np.arange(1, 6, dtype=float)
    freq = x / n
    sw = np.sqrt(w)
    design = np.column_stack([np.ones(5), score]) * sw[:, None]
    coef, *_ = np.linalg.lstsq(design, freq * sw, rcond=None)
    fitted = coef[0] + coef[1] * score
    mean = np.average(freq, weights=w)
    regression_ss = (w * (fitted - mean) ** 2).sum()
    out = recent_trend(DATA_1, "x", "n", "year", polarity="none")
    assert_close(out["trend_statistic"], np.array([regression_ss]))
    assert out["recent_trend"].iloc[0] == "Decreasing"


def test_worked_example_rate_poisson_score_test() -> None:
    # 10, 12, 15, 20, 30 events in a population of 1000 each year, scores t = 1..5.
    # X = 87, N = 5000, tbar = sum n t / N = 1000 * 15 / 5000 = 3
    # U = sum x (t - tbar) = 10*(-2) + 12*(-1) + 15*0 + 20*1 + 30*2 = 48
    # V = sum n (t - tbar)^2 = 1000 * (4 + 1 + 0 + 1 + 4) = 10000
    # rate (Poisson) score test: T = U^2 / (X V / N) = 2304 * 5000 / (87 * 10000)
    t_rate = 2304 * 5000 / (87 * 10000)
    assert t_rate == pytest.approx(13.2413793103, rel=1e-10)
    data = frame([10, 12, 15, 20, 30], [1000] * 5)
    out = recent_trend(data, "x", "n", "year", polarity="low", value_type="rate")
    assert_close(out["trend_statistic"], np.array([t_rate]))
    assert out["recent_trend"].iloc[0] == "Increasing and getting worse"
    # the proportion test has the extra 1 - p: T = U^2 / (p (1 - p) V) = T_rate * N / (N - X)
    t_prop = 2304 / (87 / 5000 * (1 - 87 / 5000) * 10000)
    assert t_prop == pytest.approx(t_rate * 5000 / (5000 - 87), rel=1e-12)
    out = recent_trend(data, "x", "n", "year", polarity="low")
    assert_close(out["trend_statistic"], np.array([t_prop]))


def test_rate_allows_more_events_than_population() -> None:
    out = recent_trend(
        frame([100, 120, 150, 200, 300], [50] * 5), "x", "n", "year", polarity="none",
        value_type="rate",
    )  # fmt: skip
    assert out["recent_trend"].iloc[0] == "Increasing"


@pytest.mark.parametrize(
    ("x", "n", "expected"),
    [
        # GetTrendData_2 (a non-integer count as in Fingertips): increasing
        ([2157, 2090, 2194, 2134.81, 2094], [3454, 3195, 3256, 3152, 3062], "Increasing"),
        # GetTrendData_3, indicator 1172: increasing
        ([8116, 8145, 8222, 8506, 8728], [91530, 91773, 92088, 92238, 92665.89], "Increasing"),
        # GetTrendData_5, indicator 10101: no change
        ([5405, 5500, 5435, 5480, 5315], [18095, 18170, 18005, 17890, 17860],
         "No significant change"),
        # GetTrendData_5a: decreasing
        ([22435, 22445, 21365, 20955, 19055], [65880, 67900, 68705, 69835, 70910], "Decreasing"),
        # GetTrendData_4 (6 points, the latest 5 used): decreasing
        ([5, 7, 6, 8, 8, 9], [22, 35, 42, 50, 100, 200], "Decreasing"),
        # GetTrendData_7 (data 5 with two earlier years; only the latest 5 count): no change
        ([5455, 5645, 5405, 5500, 5435, 5480, 5315],
         [18590, 18285, 18095, 18170, 18005, 17890, 17860], "No significant change"),
    ],
)  # fmt: skip
def test_fingertips_unit_test_markers(x: list[float], n: list[float], expected: str) -> None:
    out = recent_trend(frame(x, n), "x", "n", "year", polarity="BOB - Blue orange blue")
    assert out["recent_trend"].iloc[0] == expected
    assert out["points_used"].iloc[0] == 5
    assert out["last_period"].iloc[0] == 2010 + len(x) - 1


@pytest.mark.parametrize(
    ("polarity", "up", "down"),
    [
        ("RAG - High is good", "Increasing and getting better", "Decreasing and getting worse"),
        ("high", "Increasing and getting better", "Decreasing and getting worse"),
        ("RAG - Low is good", "Increasing and getting worse", "Decreasing and getting better"),
        ("low", "Increasing and getting worse", "Decreasing and getting better"),
        ("BOB - Blue orange blue", "Increasing", "Decreasing"),
        ("none", "Increasing", "Decreasing"),
        ("Not applicable", "Increasing", "Decreasing"),
    ],
)
def test_wording_by_polarity(polarity: str, up: str, down: str) -> None:
    rising = frame([10, 20, 30, 40, 50], [100] * 5)
    falling = frame([50, 40, 30, 20, 10], [100] * 5)
    assert recent_trend(rising, "x", "n", "year", polarity=polarity)["recent_trend"][0] == up
    assert recent_trend(falling, "x", "n", "year", polarity=polarity)["recent_trend"][0] == down


def test_polarity_column_one_per_group() -> None:
    data = pd.concat(
        [
            frame([10, 20, 30, 40, 50], [100] * 5, area="A", pol="high"),
            frame([10, 20, 30, 40, 50], [100] * 5, area="B", pol="RAG - Low is good"),
        ]
    )
    out = recent_trend(data, "x", "n", "year", group_by="area", polarity="pol")
    assert list(out["recent_trend"]) == [
        "Increasing and getting better",
        "Increasing and getting worse",
    ]


@pytest.mark.parametrize(
    ("x", "n", "years", "note"),
    [
        ([1, 2, 3, 4], [10] * 4, [2010, 2011, 2012, 2013], "fewer than 5 periods"),
        ([1, 2, np.nan, 4, 5], [10] * 5, range(2010, 2015), "count or denominator missing"),
        ([1, 2, 3, 4, 5], [10, 10, np.nan, 10, 10], range(2010, 2015), "denominator missing"),
        ([0, 2, 3, 4, 5], [0, 10, 10, 10, 10], range(2010, 2015), "zero denominator"),
        ([1, 2, 3, 4, 5], [10] * 5, [2010, 2011, 2012, 2014, 2015], "a gap in the periods"),
        ([0] * 5, [10] * 5, range(2010, 2015), "no events"),
        ([10] * 5, [10] * 5, range(2010, 2015), "every case an event"),
    ],
)
def test_cannot_be_calculated(x: list, n: list, years: object, note: str) -> None:
    data = pd.DataFrame({"x": x, "n": n, "year": list(years)})  # type: ignore[call-overload]
    out = recent_trend(data, "x", "n", "year", polarity="high")
    assert out["recent_trend"].iloc[0] == "Cannot be calculated"
    assert np.isnan(out["trend_statistic"].iloc[0]) and np.isnan(out["trend_p_value"].iloc[0])
    assert note in out["value_note"].iloc[0]


def test_only_latest_points_matter() -> None:
    # a missing count and a gap before the latest five periods do not stop the test
    data = frame([np.nan, 7, 10, 20, 30, 40, 50], [100] * 7)
    data.loc[0, "year"] = 2000
    out = recent_trend(data, "x", "n", "year", polarity="high")
    assert out["recent_trend"].iloc[0] == "Increasing and getting better"
    assert (out["first_period"].iloc[0], out["last_period"].iloc[0]) == (2012, 2016)


def test_biennial_periods_are_equally_spaced() -> None:
    data = pd.DataFrame({"x": [10, 20, 30, 40, 50], "n": [100] * 5, "year": range(2010, 2019, 2)})
    out = recent_trend(data, "x", "n", "year", polarity="high")
    assert out["recent_trend"].iloc[0] == "Increasing and getting better"


def test_level_95_uses_its_own_threshold() -> None:
    # chi-square of about 4.3: significant at 95% (3.84), not at 99.8% (9.55)
    data = frame([100, 108, 112, 118, 128], [1000] * 5)
    stat = recent_trend(data, "x", "n", "year", polarity="none")["trend_statistic"].iloc[0]
    assert 3.85 < stat < 9.5
    assert recent_trend(data, "x", "n", "year", polarity="none")["recent_trend"][0] == (
        "No significant change"
    )
    assert recent_trend(data, "x", "n", "year", polarity="none", confidence=95)["recent_trend"][
        0
    ] == ("Increasing")


def test_result_shape() -> None:
    data = pd.concat([DATA_1.assign(g="a"), DATA_1.assign(g="b")])
    out = recent_trend(data, "x", "n", "year", group_by="g", polarity="high")
    assert list(out.columns) == [
        "g", "recent_trend", "trend_statistic", "trend_p_value", "points_used", "first_period",
        "last_period", "value_note",
    ]  # fmt: skip
    assert len(out) == 2


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (frame([1, -2, 3, 4, 5], [10] * 5), {}, "column 'x' (argument x) has negative values at row 2 (-2.0)"),
        (frame([1, 2, 3, 4, 5], [10, -1, 10, 10, 10]), {}, "column 'n' (argument n) has negative values at row 2 (-1.0)"),
        (frame([1, 12, 3, 4, 5], [10] * 5), {}, "column 'x' (argument x) has values greater than the denominator in column 'n' at row 2 (12.0)"),
        (frame([1, 2, 3, 4, 5], [10] * 5).assign(year=[2010, 2011, 2011, 2012, 2013]), {}, "column 'year' (argument period) has repeated periods within a group at rows 2 (2011.0), 3 (2011.0)"),
        (frame([1, 2, 3, 4, 5], [10] * 5).assign(year=["a", "b", "c", "d", "e"]), {}, "column 'year' (argument period) must be numeric"),
        (frame([1, 2, 3, 4, 5], [10] * 5).assign(year=[2010, np.nan, 2012, 2013, 2014]), {}, "column 'year' (argument period) cannot have missing values; missing at row 2"),
        (frame([1, 2, 3, 4, 5], [10] * 5), {"points": 2}, "points=2; expected a whole number of periods of at least 3"),
        (frame([1, 2, 3, 4, 5], [10] * 5), {"confidence": (0.95, 0.998)}, "the trend test takes one level"),
        (frame([1, 2, 3, 4, 5], [10] * 5), {"confidence": 0.5}, "confidence: 0.5 is out of range"),
        (frame([1, 2, 3, 4, 5], [10] * 5), {"value_type": "ratio"}, "value_type='ratio'; expected 'proportion' or 'rate'"),
        (frame([1, 2, 3, 4, 5], [10] * 5), {"polarity": "up"}, "polarity='up' is neither a polarity nor a column of data"),
        (frame([1, 2, 3, 4, 5], [10] * 5, p=["high"] * 4 + ["low"]), {"polarity": "p"}, "column 'p' (argument polarity) has different polarities within a group at rows 1, 2, 3, 4, 5"),
        (frame([1, 2, 3, 4, 5], [10] * 5, p=["high"] * 4 + ["up"]), {"polarity": "p"}, "column 'p' (argument polarity) has unknown polarities at row 5 ('up')"),
    ],
)  # fmt: skip
def test_refuses_bad_input_naming_rows(data: pd.DataFrame, kwargs: dict, message: str) -> None:
    kwargs = {"polarity": "high", **kwargs}
    with pytest.raises(InputError) as err:
        recent_trend(data, "x", "n", "year", **kwargs)
    assert message in str(err.value)


def test_missing_column_is_named() -> None:
    with pytest.raises(InputError, match=r"argument period='yr' is not a column of data"):
        recent_trend(DATA_1, "x", "n", "yr", polarity="high")


def test_rate_allows_x_above_n_but_not_negative() -> None:
    with pytest.raises(InputError, match="has negative values at row 1"):
        recent_trend(frame([-1, 2, 3, 4, 5], [1] * 5), "x", "n", "year", polarity="high",
                     value_type="rate")  # fmt: skip


# ---- properties -------------------------------------------------------------------------


@st.composite
def series(draw: st.DrawFn, size: int = 5) -> pd.DataFrame:
    n = draw(st.lists(st.integers(1, 5000), min_size=size, max_size=size))
    x = [draw(st.integers(0, k)) for k in n]
    start = draw(st.integers(1990, 2020))
    return frame(x, n, start)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(series(), st.sampled_from(["proportion", "rate"]))
def test_reversing_time_flips_the_direction(data: pd.DataFrame, value_type: str) -> None:
    flipped = data.assign(year=data["year"].to_numpy()[::-1])
    a = recent_trend(data, "x", "n", "year", polarity="none", value_type=value_type)  # type: ignore[arg-type]
    b = recent_trend(flipped, "x", "n", "year", polarity="none", value_type=value_type)  # type: ignore[arg-type]
    swap = {"Increasing": "Decreasing", "Decreasing": "Increasing"}
    assert b["recent_trend"][0] == swap.get(a["recent_trend"][0], a["recent_trend"][0])
    assert_close(b["trend_statistic"], a["trend_statistic"], rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(series(), st.sampled_from(["proportion", "rate"]))
def test_scaling_counts_scales_the_statistic(data: pd.DataFrame, value_type: str) -> None:
    base = recent_trend(data, "x", "n", "year", polarity="none", value_type=value_type)  # type: ignore[arg-type]
    big = data.assign(x=data["x"] * 1000, n=data["n"] * 1000)
    scaled = recent_trend(big, "x", "n", "year", polarity="none", value_type=value_type)  # type: ignore[arg-type]
    assert_close(scaled["trend_statistic"], base["trend_statistic"] * 1000, rtol=1e-8)
    if base["trend_statistic"][0] > 0.01:  # a trend in the data becomes significant
        assert scaled["recent_trend"][0] in ("Increasing", "Decreasing")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(1, 1000), min_size=5, max_size=5),
    st.integers(0, 10),
    st.sampled_from(["proportion", "rate"]),
)
def test_constant_rates_give_no_significant_change(
    sizes: list[int], events: int, value_type: str
) -> None:
    # x / n = events / 10 exactly in every period
    n = [10 * s for s in sizes]
    data = frame([events * s for s in sizes], n)  # type: ignore[arg-type]
    out = recent_trend(data, "x", "n", "year", polarity="high", value_type=value_type)  # type: ignore[arg-type]
    if events == 0 or (events == 10 and value_type == "proportion"):
        assert out["recent_trend"][0] == "Cannot be calculated"
    else:
        assert out["recent_trend"][0] == "No significant change"
        assert out["trend_statistic"][0] < 1e-20


@settings(max_examples=50, deadline=None)
@given(st.lists(series(size=6), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_row_order_and_grouping(parts: list[pd.DataFrame], rnd: object) -> None:
    data = pd.concat([p.assign(area=f"A{i}") for i, p in enumerate(parts)], ignore_index=True)
    out = recent_trend(data, "x", "n", "year", group_by="area", polarity="low")
    order = list(range(len(data)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = recent_trend(data.iloc[order], "x", "n", "year", group_by="area", polarity="low")
    pd.testing.assert_frame_equal(out, shuffled)
    for i, part in enumerate(parts):
        alone = recent_trend(part, "x", "n", "year", polarity="low")
        row = out[out["area"] == f"A{i}"].drop(columns="area").reset_index(drop=True)
        pd.testing.assert_frame_equal(row, alone, check_column_type=False)
