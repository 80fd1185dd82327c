"""Funnel plot limits, significance and points against the reference outputs, errors and properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.funnels import (
    SIGNIFICANCE_LEVELS,
    _r_nchar,
    funnel_limits,
    funnel_points,
    funnel_significance,
)
from tests.reference import assert_close, reference_input, reference_output, run_args, runs

PROPORTION = dict(numerator="numerator", denominator="denominator")
RATIO = dict(numerator="obs", denominator="expected")
RATE = dict(numerator="count", denominator="pop")


def _dataset(name: str) -> pd.DataFrame:
    """One dataset of the reference inputs (rates: with the crude rates the reference derived)."""
    source = {"P": "funnel_proportion", "R": "funnel_ratio"}.get(name[0])
    table = (
        reference_input(source)
        if source
        else reference_output("funnel_rate_prepared_inputs").drop(columns="run", errors="ignore")
    )
    return table[table["dataset"] == name].reset_index(drop=True)


def _limits_call(run: str) -> tuple[str, dict[str, Any]]:
    """Dataset and our arguments for a calculate_funnel_limits run (as recorded in runs.csv)."""
    parts = run.split("_")
    if parts[0] == "proportion":
        mult = 100 if parts[2] == "mult100" else 1
        return parts[1], dict(**PROPORTION, statistic="proportion", multiplier=mult)
    if parts[0] == "ratio":
        return parts[1], dict(**RATIO, statistic="ratio", ratio_type=parts[2], multiplier=100)
    years = int(parts[-1].removeprefix("years"))
    if parts[1] == "dsr":
        rate = dict(rate="dsr_per_100000", rate_type="dsr", multiplier=1e5)
    else:
        rate = dict(rate="crude_per_100", rate_type="crude", multiplier=100)
    return parts[2], dict(**RATE, **rate, statistic="rate", years_of_data=years)


LIMIT_RUNS = runs("funnel_limits")


def test_every_limits_run_is_read_as_recorded() -> None:
    for run in LIMIT_RUNS:
        dataset, kwargs = _limits_call(run)
        args = run_args("calculate_funnel_limits", run)
        assert args.startswith(f"dataset {dataset};")
        assert f"statistic='{kwargs['statistic']}'" in args
        for key in ("ratio_type", "rate_type", "rate", "years_of_data"):
            if key in kwargs:
                quote = "'" if key.endswith("_type") else ""
                assert f"{key}={quote}{kwargs[key]}{quote}" in args, (run, key)


@pytest.mark.parametrize("run", LIMIT_RUNS)
def test_limits_match_reference(run: str) -> None:
    dataset, kwargs = _limits_call(run)
    ours = funnel_limits(_dataset(dataset), **kwargs)
    ref = reference_output("funnel_limits", run).dropna(axis=1, how="all")
    ref = ref.drop(columns=["dataset", "run"])
    assert sorted(ours.columns) == sorted(ref.columns)
    assert len(ours) == len(ref) == 100
    for col in ref.columns:
        if col in ("statistic", "method"):
            assert (ours[col] == ref[col]).all(), col
        else:
            # The reference bisects rates and ratios to a 1e-7 step; we replay that bisection,
            # so every value agrees to 1e-9 (not only to the step size).
            assert_close(ours[col], ref[col], rtol=1e-9, what=f"{run} {col}")


def _significance_call(run: str) -> tuple[str, dict[str, Any]]:
    kind, dataset = run.rsplit("_", 1)
    if kind == "proportion":
        return dataset, dict(**PROPORTION, statistic="proportion")
    if kind == "ratio":
        return dataset, dict(**RATIO, statistic="ratio")
    rate_type = kind.split("_")[1]
    rate = "dsr_per_100000" if rate_type == "dsr" else "crude_per_100000"
    return dataset, dict(**RATE, rate=rate, statistic="rate", rate_type=rate_type, multiplier=1e5)


@pytest.mark.parametrize("run", runs("funnel_significance"))
def test_significance_matches_reference(run: str) -> None:
    dataset, kwargs = _significance_call(run)
    args = run_args("assign_funnel_significance", run)
    assert args.startswith(f"dataset {dataset};")
    if "rate" in kwargs:
        assert f"rate={kwargs['rate']}" in args
    data = _dataset(dataset)
    ours = funnel_significance(data, **kwargs)
    ref = reference_output("funnel_significance", run)
    assert list(ours["area"]) == list(ref["area"])
    assert list(ours["significance"].astype(str)) == list(ref["significance"])
    assert list(ours.columns) == [*data.columns, "significance"]
    assert set(ours["significance"].cat.categories) <= set(SIGNIFICANCE_LEVELS)


@pytest.mark.parametrize("run", runs("funnel_points"))
def test_points_match_reference(run: str) -> None:
    _, rate_type, dataset = run.split("_")
    rate = f"{rate_type}_per_100000"
    assert f"rate={rate}" in run_args("calculate_funnel_points", run)
    ours = funnel_points(
        _dataset(dataset),
        "count",
        "pop",
        rate,
        rate_type=rate_type,
        multiplier=1e5,
        years_of_data=3,
    )
    ref = reference_output("funnel_points", run)
    assert list(ours["area"]) == list(ref["area"])
    for col in (f"{rate}_chart", "denominator_derived"):
        assert_close(ours[col], ref[col], what=f"{run} {col}")
    na = ref[f"{rate}_chart"].isna().to_numpy()
    assert ours.loc[na, "value_note"].notna().all()
    assert ours.loc[~na, "value_note"].isna().all()


def test_limits_layout_and_labels() -> None:
    data = _dataset("T1")
    out = funnel_limits(
        data, "count", rate="dsr_per_100000", statistic="rate", rate_type="dsr",
        multiplier=1e5, years_of_data=1,
    )  # fmt: skip
    assert list(out.columns) == [
        "Events",
        "lower_2s_population_1_year", "lower_2s_limit",
        "upper_2s_population_1_year", "upper_2s_limit",
        "lower_3s_population_1_year", "lower_3s_limit",
        "upper_3s_population_1_year", "upper_3s_limit",
        "baseline", "statistic", "method",
    ]  # fmt: skip
    assert out["statistic"].iloc[0] == "rate (dsr per 100,000)"
    ratio = funnel_limits(_dataset("R1"), "obs", "expected", statistic="ratio",
                          ratio_type="isr", multiplier=100)  # fmt: skip
    assert list(ratio.columns[:3]) == ["Observed_events", "lower_2s_exp_events", "lower_2s_limit"]
    assert ratio["statistic"].iloc[0] == "ratio (isr)"
    assert ratio["method"].iloc[0] == "Poisson"


def test_r_character_widths() -> None:
    """R prints 100000 as '1e+05', so the reference's axis rounding counts 5 characters."""
    values = np.array([0, 7, 10, 99999, 100000, 120000, 1200000, 12000000])
    assert _r_nchar(values).tolist() == [1, 1, 2, 5, 5, 6, 7, 7]


# --- refused inputs --------------------------------------------------------------------------

T2_DSR = dict(rate="dsr_per_100000", statistic="rate", rate_type="dsr", multiplier=1e5)


@pytest.mark.parametrize(
    ("case", "call", "message"),
    [
        ("missing statistic", lambda: funnel_limits(_dataset("P1"), **PROPORTION, multiplier=100),
         "argument statistic is required: give 'proportion', 'ratio' or 'rate'"),
        ("statistic 'pop'", lambda: funnel_limits(_dataset("P1"), **PROPORTION, statistic="pop", multiplier=100),
         "argument statistic='pop' is not recognised; expected 'proportion', 'ratio' or 'rate'"),
        ("rate without years_of_data", lambda: funnel_limits(_dataset("T1"), **RATE, **T2_DSR),
         "argument years_of_data is required when statistic='rate'"),
        ("rate zero count without denominator", lambda: funnel_limits(_dataset("T2"), "count", **T2_DSR, years_of_data=1),
         "column 'count' (argument numerator) has 0 events at rows 5, 9, 37, 44, 50; where there are 0 events"),
    ],
)  # fmt: skip
def test_limits_refuse_reference_errors(case: str, call: Any, message: str) -> None:
    assert case in set(reference_output("errors")["case"])
    with pytest.raises(InputError) as err:
        call()
    assert message in str(err.value)


def test_significance_refuses_numerator_above_denominator() -> None:
    assert "proportion numerator > denominator" in set(reference_output("errors")["case"])
    data = pd.DataFrame({"numerator": [3, 9, 2], "denominator": [5, 8, 4]})
    with pytest.raises(InputError) as err:
        funnel_significance(data, **PROPORTION, statistic="proportion")
    assert "column 'numerator' (argument numerator) has values greater than the denominator in " \
        "column 'denominator' at row 2 (9.0)" in str(err.value)  # fmt: skip


def _rates(**cols: list[Any]) -> pd.DataFrame:
    base: dict[str, list[Any]] = {"count": [10, 0, 30], "pop": [1000, 500, 2000],
                                  "rate": [1000.0, np.nan, 1500.0]}  # fmt: skip
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: funnel_limits(pd.DataFrame({"n": [1, -2], "d": [5, 5]}), "n", "d", statistic="proportion", multiplier=1),
         "column 'n' (argument numerator) has negative values at row 2 (-2.0)"),
        (lambda: funnel_limits(pd.DataFrame({"n": [1, 2], "d": [5, 0]}), "n", "d", statistic="ratio", ratio_type="count", multiplier=1),
         "column 'd' (argument denominator) has zero or negative values at row 2 (0.0); expected expected counts > 0"),
        (lambda: funnel_limits(pd.DataFrame({"n": [1, None], "d": [5, 5]}), "n", "d", statistic="proportion", multiplier=1),
         "column 'n' (argument numerator) cannot have missing values; missing at row 2"),
        (lambda: funnel_limits(pd.DataFrame({"n": [1, 2], "d": [5, 5]}), "n", "d", statistic="proportion"),
         "argument multiplier is required when statistic='proportion'"),
        (lambda: funnel_limits(pd.DataFrame({"n": [1, 2], "d": [5, 5]}), "n", "d", statistic="ratio", multiplier=1),
         "argument ratio_type is required when statistic='ratio': give 'count' or 'isr'"),
        (lambda: funnel_limits(_rates(), "count", "pop", rate="rate", statistic="rate", rate_type="std", multiplier=1e5, years_of_data=1),
         "argument rate_type='std' is not recognised; expected 'dsr' or 'crude'"),
        (lambda: funnel_limits(_rates(), "count", "pop", statistic="rate", rate_type="dsr", multiplier=1e5, years_of_data=1),
         "argument rate is required"),
        (lambda: funnel_limits(_rates(rate=[1000.0, np.nan, np.nan]), "count", "pop", rate="rate", statistic="rate", rate_type="dsr", multiplier=1e5, years_of_data=1),
         "column 'rate' (argument rate) has missing, zero or negative rates where there are events at row 3"),
        (lambda: funnel_limits(_rates(pop=[1000, None, 2000]), "count", "pop", rate="rate", statistic="rate", rate_type="crude", multiplier=1e5, years_of_data=1),
         "column 'pop' (argument denominator) has missing values where there are 0 events at row 2"),
        (lambda: funnel_limits(_rates(count=[0, 0, 0]), "count", "pop", rate="rate", statistic="rate", rate_type="crude", multiplier=1e5, years_of_data=1),
         "column 'count' (argument numerator) has no events in the data"),
        (lambda: funnel_limits(_rates(), "count", "pop", rate="rate", statistic="rate", rate_type="crude", multiplier=1e5, years_of_data=0),
         "years_of_data: 0; multiplier must be greater than 0"),
        (lambda: funnel_significance(_rates(), "count", "pop", rate="rate", statistic="rate", rate_type="dsr"),
         "argument multiplier is required when statistic='rate'"),
        (lambda: funnel_significance(pd.DataFrame({"n": [1, "x"], "d": [5, 5]}), "n", "d", statistic="ratio"),
         "column 'n' (argument numerator) must be numeric; non-numeric values at row 2 ('x')"),
        (lambda: funnel_points(_rates(), "count", None, "rate", rate_type="crude", multiplier=1e5, years_of_data=1),
         "column 'count' (argument numerator) has 0 events at row 2"),
        (lambda: funnel_points(_rates(), "count", "pop", "rate", rate_type="dsr", multiplier=1e5),
         "argument years_of_data is required"),
        (lambda: funnel_limits([1, 2], "n", "d", statistic="ratio"),
         "funnel_limits: data must be a pandas DataFrame, got list"),
    ],
)  # fmt: skip
def test_refuses_bad_input_naming_rows(call: Any, message: str) -> None:
    with pytest.raises(InputError) as err:
        call()
    assert message in str(err.value)


# --- properties ------------------------------------------------------------------------------

LIMITS = ["lower_3s_limit", "lower_2s_limit", "upper_2s_limit", "upper_3s_limit"]


@st.composite
def proportions(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 12))
    dens = draw(st.lists(st.integers(1, 5000), min_size=n, max_size=n))
    nums = [draw(st.integers(0, d)) for d in dens]
    groups = draw(st.lists(st.sampled_from("ab"), min_size=n, max_size=n))
    return pd.DataFrame({"g": groups, "n": nums, "d": dens})


@st.composite
def ratios(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 10))
    obs = draw(st.lists(st.integers(0, 150), min_size=n, max_size=n))
    exp = draw(st.lists(st.floats(0.5, 300), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from("ab"), min_size=n, max_size=n))
    return pd.DataFrame({"g": groups, "o": obs, "e": exp})


@st.composite
def rates(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 10))
    pops = draw(st.lists(st.integers(100, 20000), min_size=n, max_size=n))
    counts = [draw(st.integers(1, max(1, p // 50))) for p in pops]
    groups = draw(st.lists(st.sampled_from("ab"), min_size=n, max_size=n))
    frame = pd.DataFrame({"g": groups, "c": counts, "p": pops})
    frame["r"] = frame["c"] / frame["p"] * 1e5
    return frame


def _ordered(out: pd.DataFrame, centre: pd.Series | float) -> None:
    """lower 3s <= lower 2s <= centre <= upper 2s <= upper 3s, and the x axis increases.

    Tolerance 1e-6 relative: at an average of 0 or 1 a Wilson funnel's square root magnifies
    rounding (limits equal to the average then come out within about 1e-8 of it).
    """
    lo3, lo2, hi2, hi3 = (out[c].to_numpy() for c in LIMITS)
    centre = np.broadcast_to(np.asarray(centre, dtype="float64"), lo2.shape)
    tol = 1e-6 * np.maximum(np.abs(centre), 1e-3)
    assert (lo3 <= lo2 + tol).all()
    assert (lo2 <= centre + tol).all()
    assert (centre <= hi2 + tol).all()
    assert (hi2 <= hi3 + tol).all()
    assert (np.diff(out.iloc[:, 0].to_numpy()) >= 1).all()


@settings(max_examples=50, deadline=None)
@given(proportions(), st.sampled_from([1, 100]))
def test_proportion_limits_are_nested(data: pd.DataFrame, mult: int) -> None:
    out = funnel_limits(data, "n", "d", statistic="proportion", multiplier=mult)
    _ordered(out, out["baseline"])


@settings(max_examples=12, deadline=None)
@given(ratios())
def test_ratio_limits_are_nested(data: pd.DataFrame) -> None:
    out = funnel_limits(data, "o", "e", statistic="ratio", ratio_type="isr", multiplier=100)
    _ordered(out, 100.0)
    count = funnel_limits(data, "o", "e", statistic="ratio", ratio_type="count", multiplier=100)
    assert_close(count[LIMITS], out[LIMITS] / 100 - 1, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(rates(), st.sampled_from(["dsr", "crude"]), st.sampled_from([1, 3]))
def test_rate_limits_are_nested(data: pd.DataFrame, kind: str, years: int) -> None:
    out = funnel_limits(data, "c", "p", rate="r", statistic="rate", rate_type=kind,
                        multiplier=1e5, years_of_data=years)  # fmt: skip
    _ordered(out, out["baseline"])


@settings(max_examples=30, deadline=None)
@given(proportions(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data: pd.DataFrame, rnd: Any) -> None:
    order = list(range(len(data)))
    rnd.shuffle(order)
    shuffled = data.iloc[order].reset_index(drop=True)
    a = funnel_limits(data, "n", "d", statistic="proportion", multiplier=100)
    b = funnel_limits(shuffled, "n", "d", statistic="proportion", multiplier=100)
    assert_close(a[[*LIMITS, "baseline"]], b[[*LIMITS, "baseline"]], rtol=1e-12)
    sa = funnel_significance(data, "n", "d", statistic="proportion")["significance"]
    sb = funnel_significance(shuffled, "n", "d", statistic="proportion")["significance"]
    assert list(sa.iloc[order]) == list(sb)


@settings(max_examples=8, deadline=None)
@given(ratios())
def test_grouped_call_equals_one_call_per_group(data: pd.DataFrame) -> None:
    kwargs = dict(statistic="ratio", ratio_type="count", multiplier=100)
    grouped = funnel_limits(data, "o", "e", group_by="g", **kwargs)
    sig = funnel_significance(data, "o", "e", statistic="ratio", group_by="g")
    for name, part in data.groupby("g"):
        one = funnel_limits(part.reset_index(drop=True), "o", "e", **kwargs)
        ours = grouped[grouped["g"] == name].drop(columns="g").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, one)
        alone = funnel_significance(part, "o", "e", statistic="ratio")["significance"]
        assert list(sig.loc[part.index, "significance"]) == list(alone)


@settings(max_examples=25, deadline=None)
@given(proportions())
def test_grouped_significance_uses_each_groups_average(data: pd.DataFrame) -> None:
    sig = funnel_significance(data, "n", "d", statistic="proportion", group_by="g")
    lim = funnel_limits(data, "n", "d", statistic="proportion", multiplier=1, group_by="g")
    for name, part in data.groupby("g"):
        alone = funnel_significance(part, "n", "d", statistic="proportion")["significance"]
        assert list(sig.loc[part.index, "significance"]) == list(alone)
        one = funnel_limits(part, "n", "d", statistic="proportion", multiplier=1)
        ours = lim[lim["g"] == name].drop(columns="g").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, one)


@settings(max_examples=30, deadline=None)
@given(rates())
def test_points_are_row_by_row(data: pd.DataFrame) -> None:
    out = funnel_points(data, "c", "p", "r", rate_type="crude", multiplier=1e5, years_of_data=2)
    assert_close(out["denominator_derived"], data["p"] / 2, rtol=1e-12)
    dsr = funnel_points(data, "c", "p", "r", rate_type="dsr", multiplier=1e5, years_of_data=2)
    few = data["c"].to_numpy() < 10
    assert dsr.loc[few, "r_chart"].isna().all()
    assert dsr.loc[few, "value_note"].notna().all()
    assert_close(dsr.loc[~few, "r_chart"], data.loc[~few, "r"])
