"""HEAT summary measures: two worked examples by hand, properties, validity guards, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthequity.errors import InputError
from healthequity.methods.heat import MEASURES, applicable, heat_measures

Z95 = 1.959963984540054


def _by_measure(result: pd.DataFrame) -> dict[str, pd.Series]:
    return {row["measure"]: row for _, row in result.iterrows()}


# --- ordered worked example: five deprivation quintiles (1 = most deprived) -------------------
ORDERED = pd.DataFrame(
    {
        "quintile": [1, 2, 3, 4, 5],
        "le": [70.0, 72.0, 75.0, 77.0, 80.0],
        "se": [1.0, 1.0, 1.0, 1.0, 1.0],
        "pop": [100, 200, 300, 200, 200],
    }
)


def test_ordered_worked_example() -> None:
    r = _by_measure(
        heat_measures(ORDERED, "le", subgroup="quintile", order="quintile", population="pop",
                      se="se", confidence=0.95)
    )  # fmt: skip
    # population shares p = 100/1000 ... = .1, .2, .3, .2, .2
    # ridit mid-points X = cumulative share before + half own share = .05, .2, .45, .7, .9
    # mean mu = .1*70 + .2*72 + .3*75 + .2*77 + .2*80 = 7 + 14.4 + 22.5 + 15.4 + 16 = 75.3
    mu = 75.3
    # D = most advantaged (q5) - most disadvantaged (q1) = 80 - 70 = 10, se sqrt(1 + 1)
    assert r["D"]["value"] == pytest.approx(10.0)
    assert r["D"]["lower_95"] == pytest.approx(10 - Z95 * math.sqrt(2))
    # R = 80 / 70; se(ln R) = sqrt((1/80)^2 + (1/70)^2)
    se_ln = math.sqrt((1 / 80) ** 2 + (1 / 70) ** 2)
    assert r["R"]["value"] == pytest.approx(80 / 70)
    assert r["R"]["upper_95"] == pytest.approx(80 / 70 * math.exp(Z95 * se_ln))
    # SII: X - 1/2 = -.45, -.3, -.05, .2, .4; sum p (X-1/2)^2 = .02025+.018+.00075+.008+.032
    #      = .079; sum p (X-1/2) y = -3.15 - 4.32 - 1.125 + 3.08 + 6.4 = .885; slope .885/.079
    slope = 0.885 / 0.079
    assert r["SII"]["value"] == pytest.approx(slope)
    # its se: weights w = p (X-1/2) / .079, se = sqrt(sum w^2 * 1)
    w = np.array([-0.045, -0.06, -0.015, 0.04, 0.08]) / 0.079
    assert r["SII"]["upper_95"] == pytest.approx(slope + Z95 * math.sqrt((w**2).sum()))
    # RII: intercept a = mu - slope / 2; RII = (a + slope) / a
    a = mu - slope / 2
    assert r["RII"]["value"] == pytest.approx((a + slope) / a)
    # ACI = sum p (2X - 1) y = .1*-.9*70 + .2*-.6*72 + .3*-.1*75 + .2*.4*77 + .2*.8*80
    #     = -6.3 - 8.64 - 2.25 + 6.16 + 12.8 = 1.77
    assert r["ACI"]["value"] == pytest.approx(1.77)
    c = np.array([-0.09, -0.12, -0.03, 0.08, 0.16])
    assert r["ACI"]["lower_95"] == pytest.approx(1.77 - Z95 * math.sqrt((c**2).sum()))
    # RCI = 100 * ACI / mu
    assert r["RCI"]["value"] == pytest.approx(100 * 1.77 / mu)
    # PAR = most advantaged - mean = 80 - 75.3 = 4.7 (favourable: positive); PAF = 100*4.7/75.3
    assert r["PAR"]["value"] == pytest.approx(4.7)
    assert r["PAF"]["value"] == pytest.approx(100 * 4.7 / mu)
    assert r["PAR"]["reference_subgroup"] == "5"
    assert set(r) == set(applicable(True))


# --- unordered worked example: four groups, an adverse indicator (lower is better) -----------
UNORDERED = pd.DataFrame(
    {
        "group": ["A", "B", "C", "D"],
        "rate": [10.0, 20.0, 30.0, 40.0],
        "se": [1.0, 2.0, 1.0, 2.0],
        "pop": [100, 100, 200, 100],
    }
)


def test_unordered_worked_example() -> None:
    res = heat_measures(UNORDERED, "rate", subgroup="group", population="pop", se="se",
                        favourable=False, scale=100, confidence=0.95)  # fmt: skip
    r = _by_measure(res)
    p = [0.2, 0.2, 0.4, 0.2]
    y = [10.0, 20.0, 30.0, 40.0]
    se = [1.0, 2.0, 1.0, 2.0]
    # mean mu = .2*10 + .2*20 + .4*30 + .2*40 = 2 + 4 + 12 + 8 = 26
    mu = 26.0
    # D, R: highest minus / over lowest = 40 - 10, 40 / 10
    assert r["D"]["value"] == pytest.approx(30.0)
    assert r["R"]["value"] == pytest.approx(4.0)
    # BGV = .2*16^2 + .2*6^2 + .4*4^2 + .2*14^2 = 51.2 + 7.2 + 6.4 + 39.2 = 104
    assert r["BGV"]["value"] == pytest.approx(104.0)
    # its se (Ahn 2018), term by term
    t1 = sum(pi**2 * s**2 * (yi - mu) ** 2 for pi, s, yi in zip(p, se, y, strict=True))
    s2 = sum(pi**2 * s**2 for pi, s in zip(p, se, strict=True))
    s4 = sum(pi**4 * s**4 for pi, s in zip(p, se, strict=True))
    se4 = sum(pi**2 * (1 - pi) ** 2 * s**4 for pi, s in zip(p, se, strict=True))
    se_bgv = math.sqrt(4 * t1 + 2 * (s2**2 - s4 + se4))
    assert r["BGV"]["upper_95"] == pytest.approx(104 + Z95 * se_bgv)
    # BGSD = sqrt(104); COV = 100 * sqrt(104) / 26
    assert r["BGSD"]["value"] == pytest.approx(math.sqrt(104))
    assert r["COV"]["value"] == pytest.approx(100 * math.sqrt(104) / 26)
    # MDMU = (16 + 6 + 4 + 14) / 4 = 10; MDMW = 3.2 + 1.2 + 1.6 + 2.8 = 8.8
    assert r["MDMU"]["value"] == pytest.approx(10.0)
    assert r["MDMW"]["value"] == pytest.approx(8.8)
    # IDISU = 100 * 10 / 26; IDISW = 100 * 8.8 / 26
    assert r["IDISU"]["value"] == pytest.approx(1000 / 26)
    assert r["IDISW"]["value"] == pytest.approx(880 / 26)
    # best (adverse: lowest) = 10 (group A); MDBU = (0 + 10 + 20 + 30) / 4; MDBW = 0+2+8+6
    assert r["MDBU"]["value"] == pytest.approx(15.0)
    assert r["MDBW"]["value"] == pytest.approx(16.0)
    assert r["MDBW"]["reference_subgroup"] == "A"
    # TI = 1000 sum p r ln r, MLD = 1000 sum p (-ln r), r = y / 26
    ti = 1000 * sum(pi * (yi / mu) * math.log(yi / mu) for pi, yi in zip(p, y, strict=True))
    mld = 1000 * sum(pi * -math.log(yi / mu) for pi, yi in zip(p, y, strict=True))
    assert r["TI"]["value"] == pytest.approx(ti)
    assert r["MLD"]["value"] == pytest.approx(mld)
    # MLD se = 1000 sqrt(sum p^2 se^2 (1 - 1/r)^2 / mu^2)
    se_mld = 1000 * math.sqrt(
        sum((pi * s / mu) ** 2 * (1 - mu / yi) ** 2 for pi, s, yi in zip(p, se, y, strict=True))
    )
    assert r["MLD"]["lower_95"] == pytest.approx(mld - Z95 * se_mld)
    # PAR = best - mean = 10 - 26 = -16 (adverse: negative); PAF = 100 * -16 / 26
    assert r["PAR"]["value"] == pytest.approx(-16.0)
    assert r["PAF"]["value"] == pytest.approx(-1600 / 26)
    # Walter's se: the 2x2 table (per 100) of group A (c events, d non-events) vs the rest
    c, d = 0.10 * 100, 100 - 10.0
    a_, b_ = 0.26 * 500 - c, 500 - (0.26 * 500 - c) - 100
    n = a_ + b_ + c + d
    paf_se = math.sqrt((c * n * (a_ * d * (n - c) + b_ * c**2)) / ((a_ + c) ** 3 * (c + d) ** 3))
    assert r["PAF"]["upper_95"] == pytest.approx(-1600 / 26 + Z95 * 100 * paf_se)
    assert set(r) == set(applicable(False))
    assert (res["lower_95"] <= res["value"]).all() and (res["value"] <= res["upper_95"]).all()


def test_bootstrap_is_reproducible_with_its_seed_and_changes_without() -> None:
    kw = dict(subgroup="group", population="pop", se="se", measures=["BGSD"], confidence=0.95)
    one = heat_measures(UNORDERED, "rate", seed=7, **kw)  # type: ignore[arg-type]
    two = heat_measures(UNORDERED, "rate", seed=7, **kw)  # type: ignore[arg-type]
    other = heat_measures(UNORDERED, "rate", seed=8, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(one, two)
    assert one["lower_95"][0] != other["lower_95"][0]
    assert one["method"][0] == "parametric bootstrap (1000 draws, seed 7)"


# --- properties ---------------------------------------------------------------------------
ZERO_WHEN_EQUAL = {"D", "SII", "ACI", "RCI", "BGV", "BGSD", "COV", "IDISU", "IDISW", "MDBU",
                   "MDBW", "MDMU", "MDMW", "TI", "MLD", "PAR", "PAF"}  # fmt: skip
ONE_WHEN_EQUAL = {"R", "RII"}
SCALE_POWER = {"D": 1, "SII": 1, "ACI": 1, "BGV": 2, "BGSD": 1, "MDBU": 1, "MDBW": 1,
               "MDMU": 1, "MDMW": 1, "PAR": 1, "R": 0, "RII": 0, "RCI": 0, "COV": 0,
               "IDISU": 0, "IDISW": 0, "TI": 0, "MLD": 0, "PAF": 0}  # fmt: skip


def _frame(values: list[float], pops: list[int]) -> pd.DataFrame:
    k = len(values)
    return pd.DataFrame({"g": list(range(1, k + 1)), "y": values, "pop": pops[:k], "se": [0.5] * k})


@settings(max_examples=25, deadline=None)
@given(
    level=st.floats(1, 1000),
    k=st.integers(3, 8),
    ordered=st.booleans(),
    pops=st.lists(st.integers(1, 10_000), min_size=8, max_size=8),
)
def test_measures_show_no_inequality_when_all_groups_are_equal(
    level: float, k: int, ordered: bool, pops: list[int]
) -> None:
    data = _frame([level] * k, pops)
    res = heat_measures(data, "y", subgroup="g", population="pop", se="se",
                        order="g" if ordered else None, confidence=None)  # fmt: skip
    for _, row in res.iterrows():
        expected = 1.0 if row["measure"] in ONE_WHEN_EQUAL else 0.0
        assert row["value"] == pytest.approx(expected, abs=1e-9), row["measure"]


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(1, 100), min_size=4, max_size=7),
    factor=st.floats(0.1, 50),
    ordered=st.booleans(),
    pops=st.lists(st.integers(1, 10_000), min_size=7, max_size=7),
)
def test_measures_scale_as_their_definitions_say(
    values: list[float], factor: float, ordered: bool, pops: list[int]
) -> None:
    base = _frame(values, pops)
    scaled = base.assign(y=base["y"] * factor)
    kw = dict(subgroup="g", population="pop", se="se", order="g" if ordered else None,
              confidence=None)  # fmt: skip
    a = heat_measures(base, "y", **kw).set_index("measure")["value"]  # type: ignore[arg-type]
    b = heat_measures(scaled, "y", **kw).set_index("measure")["value"]  # type: ignore[arg-type]
    for code in a.index:
        assert b[code] == pytest.approx(a[code] * factor ** SCALE_POWER[code], rel=1e-7,
                                        abs=1e-9), code  # fmt: skip


def test_grouped_equals_one_call_per_group() -> None:
    both = pd.concat(
        [UNORDERED.assign(year=2020), UNORDERED.assign(year=2021, rate=UNORDERED["rate"] * 2)]
    )
    together = heat_measures(both, "rate", subgroup="group", population="pop", se="se",
                             group_by="year", confidence=0.95, seed=3)  # fmt: skip
    for year, part in both.groupby("year"):
        alone = heat_measures(part.drop(columns="year"), "rate", subgroup="group",
                              population="pop", se="se", confidence=0.95, seed=3)  # fmt: skip
        mine = together[together["year"] == year].drop(columns="year").reset_index(drop=True)
        analytic = mine["method"] == "analytic"
        pd.testing.assert_frame_equal(mine[analytic], alone[analytic], check_column_type=False)
        pd.testing.assert_series_equal(mine["value"], alone["value"])


# --- validity guards ----------------------------------------------------------------------
def test_fewer_than_two_subgroups_gives_no_measure() -> None:
    res = heat_measures(UNORDERED.head(1), "rate", subgroup="group", population="pop", se="se")
    assert res["value"].isna().all()
    assert (res["value_note"] == "fewer than 2 subgroups with an estimate").all()


def test_two_subgroups_give_only_the_simple_measures() -> None:
    res = _by_measure(heat_measures(UNORDERED.head(2), "rate", subgroup="group",
                                    population="pop", se="se"))  # fmt: skip
    assert res["D"]["value"] == pytest.approx(10.0)
    assert math.isnan(res["BGV"]["value"])
    assert res["BGV"]["value_note"] == "needs more than two subgroups"


def test_coverage_below_85_percent_blanks_non_ordered_measures() -> None:
    data = pd.concat([UNORDERED] * 2, ignore_index=True)
    data["group"] = list("ABCDEFGH")
    data.loc[[0, 1], "rate"] = np.nan  # 6 of 8 = 75% have an estimate
    res = _by_measure(heat_measures(data, "rate", subgroup="group", population="pop", se="se"))
    assert math.isnan(res["BGV"]["value"])
    assert res["BGV"]["value_note"] == "estimates missing for more than 15% of subgroups"
    assert res["D"]["value"] == pytest.approx(30.0)  # D uses the available estimates


def test_missing_population_blanks_weighted_measures_only() -> None:
    data = UNORDERED.assign(pop=[100, np.nan, 200, 100])
    res = _by_measure(heat_measures(data, "rate", subgroup="group", population="pop", se="se",
                                    setting_average=None))  # fmt: skip
    assert math.isnan(res["BGV"]["value"])
    assert res["BGV"]["value_note"] == "population missing (or all zero) for a subgroup"
    assert res["MDBU"]["value"] == pytest.approx(15.0)  # unweighted, no mean needed
    assert res["IDISU"]["value_note"] == "no mean: populations missing and no setting average"
    with_avg = _by_measure(heat_measures(data.assign(avg=25.0), "rate", subgroup="group",
                                         population="pop", se="se", setting_average="avg"))  # fmt: skip
    # IDISU with the setting average 25: mean |y - 25| = (15 + 5 + 5 + 15) / 4 = 10 -> 40
    assert with_avg["IDISU"]["value"] == pytest.approx(40.0)


def test_ordered_measures_need_every_estimate_and_both_ends() -> None:
    data = ORDERED.assign(le=[70.0, np.nan, 75, 77, 80])
    res = _by_measure(heat_measures(data, "le", subgroup="quintile", order="quintile",
                                    population="pop", se="se"))  # fmt: skip
    assert res["D"]["value"] == pytest.approx(10.0)
    assert (
        res["SII"]["value_note"] == "an estimate is missing for a subgroup of an ordered dimension"
    )
    ends = _by_measure(heat_measures(ORDERED.assign(le=[np.nan, 72, 75, 77, 80.0]), "le",
                                     subgroup="quintile", order="quintile", population="pop"))  # fmt: skip
    assert (
        ends["D"]["value_note"]
        == "the estimate for the most or least advantaged subgroup is missing"
    )


def test_reference_group_follows_favourable_level() -> None:
    fav = _by_measure(heat_measures(UNORDERED, "rate", subgroup="group", population="pop"))
    adv = _by_measure(heat_measures(UNORDERED, "rate", subgroup="group", population="pop",
                                    favourable=False))  # fmt: skip
    assert fav["PAR"]["reference_subgroup"] == "D" and fav["PAR"]["value"] == pytest.approx(14)
    assert adv["PAR"]["reference_subgroup"] == "A" and adv["PAR"]["value"] == pytest.approx(-16)


def test_no_standard_errors_means_no_interval_with_a_note() -> None:
    res = heat_measures(UNORDERED, "rate", subgroup="group", population="pop", measures=["BGV"])
    assert res["lower_95"].isna().all() and res["value"][0] == pytest.approx(104)
    assert res["value_note"][0] == "standard error missing for a subgroup: no interval"


def test_errors_name_the_field() -> None:
    with pytest.raises(InputError, match=r"measures: SII do not apply to a non-ordered dimension"):
        heat_measures(UNORDERED, "rate", subgroup="group", measures=["SII"])
    with pytest.raises(InputError, match=r"measures: unknown 'XYZ'"):
        heat_measures(UNORDERED, "rate", subgroup="group", measures=["XYZ"])
    dup = pd.concat([UNORDERED, UNORDERED.head(1)], ignore_index=True)
    with pytest.raises(InputError, match=r"column 'group' \(argument subgroup\) has a subgroup "
                                         r"repeated within its group at rows 1 \('A'\), 5 \('A'\)"):  # fmt: skip
        heat_measures(dup, "rate", subgroup="group")
    with pytest.raises(InputError, match="column 'pop' \\(argument population\\) has negative"):
        heat_measures(
            UNORDERED.assign(pop=[1, -1, 1, 1]), "rate", subgroup="group", population="pop"
        )


def test_every_measure_is_documented() -> None:
    from healthequity.methods import heat

    for code in MEASURES:
        assert f"``{code}``" in (heat.__doc__ or ""), code
