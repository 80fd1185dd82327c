"""SPC (XmR, Making Data Count): limits, each special-cause rule triggered and not, icons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthequity.errors import InputError
from healthequity.methods.spc import spc_summary, xmr

STABLE = [10.0, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9]  # alternates around 10, no rule


def _series(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"t": range(len(values)), "v": values})


def test_limits_are_mean_plus_minus_2_66_mean_moving_range() -> None:
    out = xmr(_series([1.0, 3, 2, 6]), "v", "t")
    # mean = 3; moving ranges 2, 1, 4 -> mean 7/3; limits 3 +/- 2.66 * 7/3
    assert out["mean"][0] == pytest.approx(3.0)
    assert out["mean_moving_range"][0] == pytest.approx(7 / 3)
    assert out["upper_limit"][0] == pytest.approx(3 + 2.66 * 7 / 3)
    assert out["upper_2sigma"][0] == pytest.approx(3 + 2.66 * 7 / 3 * 2 / 3)
    assert np.isnan(out["moving_range"][0])


def test_stable_series_has_common_cause_only() -> None:
    out = xmr(_series(STABLE), "v", "t", polarity="high")
    assert not out["special_cause"].any()
    assert (out["variation"] == "common cause").all()


def test_point_outside_limits() -> None:
    out = xmr(_series([*STABLE, 20.0]), "v", "t", polarity="low", baseline=12)
    assert out["outside_limits"].tolist() == [False] * 12 + [True]
    assert out["variation"].iloc[-1] == "concern" and out["side"].iloc[-1] == "high"
    inside = xmr(_series([*STABLE, 12.0]), "v", "t", baseline=12)
    assert not inside["outside_limits"].any()


def test_run_of_seven_on_one_side() -> None:
    values = [*STABLE, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5]
    out = xmr(_series(values), "v", "t", baseline=12, polarity="high")
    assert out["shift"].tolist() == [False] * 12 + [True] * 7
    assert (out["variation"].iloc[12:] == "improvement").all()
    six = xmr(_series(values[:-1]), "v", "t", baseline=12)
    assert not six["shift"].any()


def test_trend_of_seven() -> None:
    up = [*STABLE, 8.0, 8.8, 9.6, 10.4, 11.2, 12.0, 12.8]  # 7 points, each higher
    out = xmr(_series(up), "v", "t", baseline=12)
    assert out["trend"].tolist() == [False] * 12 + [True] * 7
    assert not out["shift"].any() and not out["outside_limits"].any()
    six = xmr(_series(up[:-1]), "v", "t", baseline=12)
    assert not six["trend"].any()
    down = xmr(_series([*STABLE, 12.0, 11.2, 10.4, 9.6, 8.8, 8.0, 7.2]), "v", "t", baseline=12)
    assert down["trend"].sum() == 7 and (down["side"].iloc[-7:] == "low").all()


def test_two_of_three_beyond_two_sigma() -> None:
    # mean 10, mean moving range 1.636..., 2 sigma at 10 + 2.902; limit at 14.35
    out = xmr(_series([*STABLE, 13.5, 10.0, 13.5]), "v", "t", baseline=12)
    assert out["two_of_three"].tolist() == [False] * 12 + [True, False, True]
    assert not out["outside_limits"].any()
    one = xmr(_series([*STABLE, 13.5, 10.0, 10.0, 13.5]), "v", "t", baseline=12)
    assert not one["two_of_three"].any()
    opposite = xmr(_series([*STABLE, 13.5, 6.5, 10.0]), "v", "t", baseline=12)
    assert not opposite["two_of_three"].any()


def test_many_series_at_once_equal_one_at_a_time() -> None:
    a = _series([*STABLE, 20.0]).assign(area="A")
    b = _series([*STABLE, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5]).assign(area="B")
    both = xmr(pd.concat([b, a]).sample(frac=1, random_state=1), "v", "t", group_by="area",
               baseline=12)  # fmt: skip
    for area, part in (("A", a), ("B", b)):
        mine = both[both["area"] == area].reset_index(drop=True)
        alone = xmr(part, "v", "t", baseline=12)
        pd.testing.assert_frame_equal(mine, alone)


def test_icons() -> None:
    series = pd.concat([
        _series([*STABLE, 20.0]).assign(area="up"),
        _series(STABLE).assign(area="flat"),
    ])  # fmt: skip
    points = xmr(series, "v", "t", group_by="area", polarity="high", baseline=12)
    summary = spc_summary(points, group_by="area", target=5.0).set_index("area")
    assert summary.loc["up", "variation_icon"] == "improvement (high)"
    assert summary.loc["flat", "variation_icon"] == "common cause"
    # lower limit 10 - 2.66 * 1.64 = 5.65 > 5: the process consistently passes a target of 5
    assert summary.loc["flat", "assurance_icon"] == "pass"
    flat = xmr(_series(STABLE), "v", "t", polarity="high")
    assert spc_summary(flat, target=10.0)["assurance_icon"][0] == "hit and miss"
    assert spc_summary(flat, target=20.0)["assurance_icon"][0] == "fail"
    neither = xmr(_series(STABLE), "v", "t")
    assert spc_summary(neither, target=20.0)["assurance_icon"][0] is None


def test_errors() -> None:
    with pytest.raises(InputError, match="polarity: 'up'"):
        xmr(_series(STABLE), "v", "t", polarity="up")
    with pytest.raises(InputError, match=r"column 't' \(argument time\) has a time point repeated"):
        xmr(pd.DataFrame({"t": [1, 1], "v": [1.0, 2.0]}), "v", "t")
    with pytest.raises(InputError, match=r"column 'v' \(argument value\) cannot have missing"):
        xmr(pd.DataFrame({"t": [1, 2], "v": [1.0, None]}), "v", "t")
