"""SII / RII against the reference outputs (exact replay of R's stream), errors and properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.inequality import sii
from tests.reference import assert_close, reference_output

PREPARED = "sii_prepared_inputs"

# run -> (dataset, set.seed, arguments), transcribed from outputs/runs.csv. The reference's default
# confidence is 0.95 (ours is both levels), so runs without a confidence argument pass 0.95.
RUNS: dict[str, tuple[str, int, dict[str, Any]]] = {
    "norm10_type0_se": ("norm10", 110, dict(value="value", se="se", rii=True, intercept=True)),
    "norm10_type0_cl_mult_neg1": ("norm10", 210, dict(value="value", lower_cl="lowercl", upper_cl="uppercl", multiplier=-1, rii=True, confidence=0.95)),
    "rate10_type1_cl": ("rate10", 310, dict(value_type=1, value="value", lower_cl="lowercl", upper_cl="uppercl", rii=True, intercept=True, confidence=0.95)),
    "rate10_type1_transform": ("rate10", 410, dict(value_type=1, transform=True, value="value", lower_cl="lowercl", upper_cl="uppercl", rii=True, intercept=True)),
    "rate10_type1_transform_mult_neg1": ("rate10", 510, dict(value_type=1, transform=True, value="value", lower_cl="lowercl", upper_cl="uppercl", multiplier=-1, rii=True, confidence=0.95)),
    "prop10_type2_x_cl_mult100": ("prop10", 610, dict(value_type=2, x="x", lower_cl="lowercl", upper_cl="uppercl", multiplier=100, rii=True, confidence=0.95)),
    "prop10_type2_transform_mult_neg100": ("prop10", 710, dict(value_type=2, value="value", transform=True, lower_cl="lowercl", upper_cl="uppercl", multiplier=-100, rii=True, intercept=True)),
    "norm5_type0_se": ("norm5", 105, dict(value="value", se="se", rii=True, intercept=True)),
    "norm5_type0_cl_mult_neg1": ("norm5", 205, dict(value="value", lower_cl="lowercl", upper_cl="uppercl", multiplier=-1, rii=True, confidence=0.95)),
    "rate5_type1_cl": ("rate5", 305, dict(value_type=1, value="value", lower_cl="lowercl", upper_cl="uppercl", rii=True, intercept=True, confidence=0.95)),
    "rate5_type1_transform": ("rate5", 405, dict(value_type=1, transform=True, value="value", lower_cl="lowercl", upper_cl="uppercl", rii=True, intercept=True)),
    "rate5_type1_transform_mult_neg1": ("rate5", 505, dict(value_type=1, transform=True, value="value", lower_cl="lowercl", upper_cl="uppercl", multiplier=-1, rii=True, confidence=0.95)),
    "prop5_type2_x_cl_mult100": ("prop5", 605, dict(value_type=2, x="x", lower_cl="lowercl", upper_cl="uppercl", multiplier=100, rii=True, confidence=0.95)),
    "prop5_type2_transform_mult_neg100": ("prop5", 705, dict(value_type=2, value="value", transform=True, lower_cl="lowercl", upper_cl="uppercl", multiplier=-100, rii=True, intercept=True)),
    "norm10_reliability_1000reps": ("norm10", 801, dict(value="value", se="se", rii=True, reliability_stat=True, repetitions=1000)),
    "rate10_transform_reliability_5000reps": ("rate10", 802, dict(value_type=1, transform=True, value="value", lower_cl="lowercl", upper_cl="uppercl", rii=True, reliability_stat=True, repetitions=5000, confidence=0.95)),
    "norm10_ungrouped_1000reps": ("norm10", 803, dict(value="value", se="se", rii=True, repetitions=1000, confidence=0.95)),
}  # fmt: skip


def _run_input(run: str) -> tuple[pd.DataFrame, str | None]:
    dataset = RUNS[run][0]
    data = reference_output(PREPARED)
    data = data[data["dataset"] == dataset].drop(columns="run", errors="ignore")
    if "reliability" in run:  # "first 5 areas"
        data = data[data["area"].isin(sorted(data["area"].unique())[:5])]
    if "ungrouped" in run:
        return data[data["area"] == "Q10N001"].reset_index(drop=True), None
    return data.reset_index(drop=True), "area"


def _reference_column(ref: pd.DataFrame, ours: str, transformed: bool) -> str:
    """Our column name -> the reference's (transformed runs drop the 'cl' suffix)."""
    if ours in ("sii", "rii", "intercept"):
        return ours
    base = ours.replace("_lower_", "_lower").replace("_upper_", "_upper").replace("_mad_", "_mad")
    base = base.replace("95", "95_0") if base.endswith("95") else base
    return base if transformed or "_mad" in base else base + "cl"


@pytest.mark.parametrize("run", list(RUNS))
def test_replays_reference_exactly(run: str) -> None:
    """Point values and the simulated limits (R's stream replayed) agree to 1e-9 relative."""
    _, seed, kwargs = RUNS[run]
    data, group_by = _run_input(run)
    ours = sii(data, "quantile", "population", group_by=group_by, seed=seed, rng="R", **kwargs)
    ref = reference_output("sii", run)
    assert len(ours) == len(ref)
    if group_by:
        assert list(ours["area"]) == list(ref["area"])
    transformed = bool(kwargs.get("transform"))
    compared = [c for c in ours.columns if c.startswith(("sii", "rii", "intercept"))]
    assert len(compared) >= 4
    for col in compared:
        expected = ref[_reference_column(ref, col, transformed)]
        assert expected.notna().all(), f"{run} {col} missing in the reference"
        assert_close(ours[col], expected, what=f"{run} {col}")
    assert ours["value_note"].isna().all()
    for col in ("indicator_type", "transform", "CI_method"):
        assert list(ours[col]) == list(ref[col]), col
    assert_close(ours["multiplier"], ref["multiplier"])
    assert list(ours["confidence"]) == list(ref["CI_confidence"])


@pytest.mark.parametrize(
    "run", ["norm10_type0_se", "rate10_type1_cl", "prop10_type2_transform_mult_neg100"]
)
def test_numpy_generator_within_monte_carlo_tolerance(run: str) -> None:
    """The default (numpy) draws agree with R's within Monte Carlo error.

    A p-quantile of n = 100,000 draws has standard error sqrt(p(1-p)/n) / f(x_p): for a normal
    slope with sd s that is 0.0085 s at p = 0.025 and 0.030 s at p = 0.001, so two independent runs
    differ by at most ~0.07 s and ~0.25 s (6 standard errors). The interval is 3.92 s (95%) and
    6.18 s (99.8%) wide, so 5% of its width (the reference's own test tolerance) covers both.
    """
    _, _, kwargs = RUNS[run]
    data, group_by = _run_input(run)
    ours = sii(data, "quantile", "population", group_by=group_by, seed=3, **kwargs)
    ref = reference_output("sii", run)
    transformed = bool(kwargs.get("transform"))
    labels = [c[len("sii_lower_") :] for c in ours.columns if c.startswith("sii_lower_")]
    for stat in ("sii", "rii"):
        for label in labels:
            lo, hi = f"{stat}_lower_{label}", f"{stat}_upper_{label}"
            ref_lo = ref[_reference_column(ref, lo, transformed)].to_numpy()
            ref_hi = ref[_reference_column(ref, hi, transformed)].to_numpy()
            tol = 0.05 * np.abs(ref_hi - ref_lo)
            assert (np.abs(ours[lo].to_numpy() - ref_lo) <= tol).all(), lo
            assert (np.abs(ours[hi].to_numpy() - ref_hi) <= tol).all(), hi
    assert_close(ours["sii"], ref["sii"])
    assert_close(ours["rii"], ref["rii"])


def test_result_shape_and_defaults() -> None:
    data, _ = _run_input("norm10_reliability_1000reps")
    out = sii(data, "quantile", "population", value="value", se="se", group_by="area")
    assert list(out.columns) == [
        "area", "sii", "sii_lower_95", "sii_upper_95", "sii_lower_99_8", "sii_upper_99_8",
        "value_note", "method", "confidence", "statistic", "indicator_type", "multiplier",
        "transform", "CI_method",
    ]  # fmt: skip
    assert out["confidence"].iloc[0] == "95%, 99.8%"
    assert out["CI_method"].iloc[0] == "simulation 1e+05 reps"
    again = sii(data, "quantile", "population", value="value", se="se", group_by="area")
    pd.testing.assert_frame_equal(out, again)  # seed=None is a fixed default: reproducible


def test_group_missing_a_quantile_is_na_with_note() -> None:
    data, _ = _run_input("norm10_reliability_1000reps")
    data = data.drop(index=data.index[(data["area"] == "Q10N002") & (data["quantile"] == 4)])
    out = sii(data, "quantile", "population", value="value", se="se", group_by="area", rii=True)
    bad = out["area"] == "Q10N002"
    assert out.loc[bad, ["sii", "rii", "sii_lower_95", "rii_upper_99_8"]].isna().all(axis=None)
    assert "quantile" in out.loc[bad, "value_note"].iloc[0]
    assert out.loc[~bad, "sii"].notna().all()
    assert out.loc[~bad, "value_note"].isna().all()


def test_zero_rate_is_na_with_note() -> None:
    data, _ = _run_input("rate10_transform_reliability_5000reps")
    data.loc[0, "value"] = 0.0
    out = sii(data, "quantile", "population", value="value", value_type=1,
              lower_cl="lowercl", upper_cl="uppercl", group_by="area", repetitions=1000)  # fmt: skip
    assert np.isnan(out["sii"].iloc[0])
    assert "log" in out["value_note"].iloc[0]


def _small(**change: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "q": [1, 2, 3, 4, 5],
            "pop": [100.0, 120, 90, 110, 100],
            "value": [0.5, 0.45, 0.4, 0.35, 0.3],
            "se": [0.02, 0.02, 0.03, 0.02, 0.02],
            "lo": [0.46, 0.41, 0.34, 0.31, 0.26],
            "hi": [0.54, 0.49, 0.46, 0.39, 0.34],
        }
    )
    for col, (row, val) in change.items():
        frame[col] = frame[col].astype(object if isinstance(val, str) else float)
        frame.loc[row, col] = val
    return frame


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        # the refused inputs of outputs/errors.csv
        (_small(), dict(value="value", se="se", repetitions=999), "repetitions: 999; number of repetitions must be 1000 or greater"),
        (_small(), dict(value="value"), "give either se or both lower_cl and upper_cl"),
        (_small(), dict(value="value", lower_cl="lo", upper_cl="hi", transform=True), "value_type should be 1 or 2 when transform is true"),
        (_small(), dict(value="value", se="se", value_type=1, transform=True, lower_cl="lo", upper_cl="hi"), "se must not be given when transform is true"),
        (_small(pop=(2, 0.0)), dict(value="value", se="se"), "column 'pop' (argument population) has zero, negative or missing populations at row 3 (0.0)"),
        (_small(se=(1, -0.1)), dict(value="value", se="se"), "column 'se' (argument se) has negative or missing standard errors at row 2 (-0.1)"),
        (_small().iloc[:4], dict(value="value", se="se"), "has 4 distinct quantiles; the number of quantiles must be between 5 and 100"),
        (_small(value=(4, 1.2)), dict(value="value", se="se", value_type=2), "column 'value' (argument value) has proportions outside 0 to 1 at row 5 (1.2)"),
        (_small(), dict(value="value", se="se", value_type=3), "value_type: 3; value_type should be 0 (other), 1 (rate) or 2 (proportion)"),
        # further refusals
        (_small(lo=(0, float("nan"))), dict(value="value", lower_cl="lo", upper_cl="hi"), "column 'lo' (argument lower_cl) cannot have missing values; missing at row 1"),
        (_small(lo=(3, 0.5)), dict(value="value", lower_cl="lo", upper_cl="hi"), "column 'lo' (argument lower_cl) has values above the upper limit in column 'hi' at row 4 (0.5)"),
        (_small(value=(1, "a")), dict(value="value", se="se"), "column 'value' (argument value) must be numeric; non-numeric values at row 2 ('a')"),
        (_small(q=(1, 1)), dict(value="value", se="se"), "has a quantile repeated within a group at rows 1, 2"),
        (_small(), dict(value="value", se="se", multiplier=0), "multiplier must be a finite non-zero number"),
        (_small(), dict(x="value", se="se"), "give value (the indicator value), or x with value_type=2"),
        (_small(), dict(value="value", se="se", rng="python"), "rng: 'python'; expected 'numpy' or 'R'"),
    ],
)  # fmt: skip
def test_refuses_bad_input(frame: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        sii(frame, "q", "pop", **kwargs)
    assert message in str(err.value)


def test_refuses_missing_column() -> None:
    with pytest.raises(InputError, match=r"argument se='sd' is not a column of data"):
        sii(_small(), "q", "pop", value="value", se="sd")


# ---- properties --------------------------------------------------------------------------------

_groups = st.integers(min_value=1, max_value=4)
_nq = st.integers(min_value=5, max_value=12)


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    ngroups, nq = draw(_groups), draw(_nq)
    seed = draw(st.integers(min_value=0, max_value=2**31))
    gen = np.random.default_rng(seed)
    n = ngroups * nq
    return pd.DataFrame(
        {
            "g": np.repeat([f"g{i}" for i in range(ngroups)], nq),
            "q": np.tile(np.arange(1, nq + 1), ngroups),
            "pop": gen.integers(100, 100_000, n).astype(float),
            "value": gen.uniform(40, 100, n),
            "se": gen.uniform(0.0, 3.0, n),
        }
    )


@settings(max_examples=50, deadline=None)
@given(_frames(), st.sampled_from([1.0, -1.0, 100.0]))
def test_property_intervals_nest_and_contain_value(frame: pd.DataFrame, mult: float) -> None:
    out = sii(frame, "q", "pop", value="value", se="se", group_by="g", rii=True,
              multiplier=mult, repetitions=2000, seed=5)  # fmt: skip
    tiny = 1e-9 * (1 + out["sii"].abs())
    for stat in ("sii", "rii"):
        lo95, hi95 = out[f"{stat}_lower_95"], out[f"{stat}_upper_95"]
        lo99, hi99 = out[f"{stat}_lower_99_8"], out[f"{stat}_upper_99_8"]
        assert (lo99 <= lo95 + tiny).all() and (hi95 <= hi99 + tiny).all()
        assert (lo95 <= hi95 + tiny).all()
    # the slope is simulated around its estimate: the 99.8% interval holds it
    assert (out["sii_lower_99_8"] <= out["sii"] + tiny).all()
    assert (out["sii"] <= out["sii_upper_99_8"] + tiny).all()


@settings(max_examples=50, deadline=None)
@given(_frames(), st.booleans(), st.integers(min_value=0, max_value=1000))
def test_property_row_order_does_not_matter(frame: pd.DataFrame, rii: bool, seed: int) -> None:
    kwargs: dict[str, Any] = dict(value="value", se="se", group_by="g", rii=rii, seed=seed,
                                  repetitions=1000)  # fmt: skip
    out = sii(frame, "q", "pop", **kwargs)
    shuffled = frame.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(sii(shuffled, "q", "pop", **kwargs), out)


@settings(max_examples=50, deadline=None)
@given(_frames())
def test_property_grouped_equals_one_call_per_group(frame: pd.DataFrame) -> None:
    """Points agree exactly; limits within Monte Carlo tolerance (groups draw from one stream)."""
    kwargs: dict[str, Any] = dict(value="value", se="se", rii=True, repetitions=100_000, seed=9)
    grouped = sii(frame, "q", "pop", group_by="g", **kwargs)
    for i, (_, part) in enumerate(frame.groupby("g", sort=True)):
        alone = sii(part.reset_index(drop=True), "q", "pop", **kwargs)
        for col in ("sii", "rii"):
            assert_close(alone[col], grouped[col].iloc[[i]], rtol=1e-12, atol=1e-12)
        for stat in ("sii", "rii"):
            width = grouped[f"{stat}_upper_99_8"].iloc[i] - grouped[f"{stat}_lower_99_8"].iloc[i]
            for col in [c for c in alone.columns if c.startswith(f"{stat}_") and "_" in c[4:]]:
                assert abs(alone[col].iloc[0] - grouped[col].iloc[i]) <= 0.1 * width + 1e-12


@settings(max_examples=50, deadline=None)
@given(_frames(), st.sampled_from([1, 2]), st.booleans())
def test_property_transformed_intervals_ordered(
    frame: pd.DataFrame, vtype: int, trans: bool
) -> None:
    frame = frame.assign(value=frame["value"] / 200)
    frame = frame.assign(lo=frame["value"] * 0.9, hi=frame["value"] * 1.1)
    out = sii(frame, "q", "pop", value="value", lower_cl="lo", upper_cl="hi", value_type=vtype,
              transform=trans, group_by="g", rii=True, repetitions=1000, seed=1)  # fmt: skip
    for stat in ("sii", "rii"):
        assert (out[f"{stat}_lower_99_8"] <= out[f"{stat}_lower_95"] * (1 + 1e-12) + 1e-12).all()
        assert (out[f"{stat}_lower_95"] <= out[f"{stat}_upper_95"]).all()
        assert (out[f"{stat}_upper_95"] <= out[f"{stat}_upper_99_8"] * (1 + 1e-12) + 1e-12).all()
