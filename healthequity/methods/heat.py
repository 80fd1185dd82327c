"""Summary measures of health inequality as WHO HEAT (Health Equity Assessment Toolkit) defines.

Source: WHO, *Health Equity Assessment Toolkit Plus: technical notes* (2021-2024), the WHO
inequality handbook (*Health inequality monitoring: harnessing data to advance health equity*,
2024, ch. 19-21) and WHO's reference implementations (R packages ``healthequal`` and
``HEAT-Measures``). Notation, per group of subgroups ``j = 1..n``: ``y_j`` the estimate,
``se_j`` its standard error, ``p_j`` the population share, ``mu`` the mean (population-weighted
mean of the subgroups, or the setting average where given), ``X_j`` the mid-point of subgroup
``j``'s range in the population ranked from most disadvantaged (0) to most advantaged (1).

Ordered dimensions (deprivation; ``order=`` 1 = most disadvantaged):

* ``D``   difference ``y_adv - y_dis``; SE ``sqrt(se_adv^2 + se_dis^2)`` (analytic)
* ``R``   ratio ``y_adv / y_dis``; SE of ``ln R`` ``sqrt((se_adv/y_adv)^2 + (se_dis/y_dis)^2)``
* ``SII`` slope index: the weighted least-squares line ``y = a + b X`` (weights ``p_j``) gives
  ``SII = b`` (predicted at rank 1 minus rank 0); SE ``sqrt(sum w_j^2 se_j^2)``,
  ``w_j = p_j (X_j - 1/2) / sum p_k (X_k - 1/2)^2`` (the slope is linear in ``y``)
* ``RII`` relative index ``(a + b) / a``; interval by parametric bootstrap
* ``ACI`` absolute concentration index ``sum p_j (2 X_j - 1) y_j``; SE
  ``sqrt(sum (p_j (2 X_j - 1))^2 se_j^2)``
* ``RCI`` relative concentration index ``100 ACI / mu_w``; SE by the delta method

Non-ordered dimensions (ethnic group, ward): D and R are highest minus / over lowest, and

* ``BGV``  between-group variance ``sum p_j (y_j - mu_w)^2``; SE (Ahn et al. 2018)
  ``sqrt(4 sum p^2 se^2 (y - mu_w)^2 + 2 ((sum p^2 se^2)^2 - sum p^4 se^4 + sum p^2 (1-p)^2 se^4))``
* ``BGSD`` between-group standard deviation ``sqrt(BGV)``; bootstrap
* ``COV``  coefficient of variation ``100 BGSD / mu_w``; bootstrap
* ``IDISU`` / ``IDISW`` index of disparity ``100 (1/n) sum |y_j - mu| / mu`` /
  ``100 sum p_j |y_j - mu| / mu``; bootstrap
* ``MDBU`` / ``MDBW`` mean difference from the best subgroup ``(1/n) sum |y_j - y_best|`` /
  ``sum p_j |y_j - y_best|`` (best: highest if favourable, lowest if adverse); bootstrap
* ``MDMU`` / ``MDMW`` mean difference from the mean ``(1/n) sum |y_j - mu|`` /
  ``sum p_j |y_j - mu|``; bootstrap
* ``TI``   Theil index ``1000 sum p_j r_j ln r_j``, ``r_j = y_j / mu_w`` (a zero ``y`` is
  1e-6); SE ``1000 sqrt(sum (1 + ln r_j - sum_k p_k r_k (1 + ln r_k))^2 p_j^2 se_j^2 / mu_w^2)``
* ``MLD``  mean log deviation ``1000 sum p_j (-ln r_j)``; SE
  ``1000 sqrt(sum p_j^2 se_j^2 (1 - 1/r_j)^2 / mu_w^2)``

Both: ``PAR`` population attributable risk ``y_ref - mu`` (reference: the most advantaged
subgroup if ordered, else the best-performing one), set to 0 when no subgroup does better than
the mean; ``PAF`` fraction ``100 PAR / mu``. With ``scale`` given their SE is Walter's (1978)
from the 2x2 table of the reference subgroup vs the rest; otherwise bootstrap.

Validity rules, as HEAT applies them: nothing for a group with fewer than two subgroup estimates
or with all estimates zero; complex measures (all but D, R, PAR, PAF) need more than two
subgroups; non-ordered measures need estimates for at least 85% of subgroups; ordered complex
measures need every estimate; weighted measures need every population; D and R need both ends of
an ordered dimension. The bootstrap draws each estimate from a normal distribution truncated at 0
(and at ``scale`` when ``bounded``) with an explicit ``seed``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods._intervals import z_score
from healthequity.methods._result import assemble

DEFAULT_SEED = 1
DEFAULT_REPETITIONS = 1000
#: Share of subgroups that must have an estimate for a non-ordered measure (HEAT: 85%).
MIN_COVERAGE = 0.85
#: HEAT replaces a zero estimate with this before taking logs (TI, MLD).
ZERO_FOR_LOG = 1e-6

NOTE_FEWER = "fewer than 2 subgroups with an estimate"
NOTE_ALL_ZERO = "all subgroup estimates are zero"
NOTE_TWO = "needs more than two subgroups"
NOTE_COVERAGE = "estimates missing for more than 15% of subgroups"
NOTE_MISSING_ESTIMATE = "an estimate is missing for a subgroup of an ordered dimension"
NOTE_ENDS = "the estimate for the most or least advantaged subgroup is missing"
NOTE_POPULATION = "population missing (or all zero) for a subgroup"
NOTE_MEAN = "no mean: populations missing and no setting average"
NOTE_NON_POSITIVE = "a ratio with a denominator of zero or below"
NOTE_NO_SE = "standard error missing for a subgroup: no interval"


@dataclass(frozen=True)
class Measure:
    """One HEAT summary measure: code, name, which dimensions, and how its interval is made."""

    code: str
    name: str
    ordered: bool | None  # True: ordered only; False: non-ordered only; None: both
    weighted: bool
    complex: bool
    interval: str  # 'analytic' or 'bootstrap'


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("D", "difference", None, False, False, "analytic"),
        Measure("R", "ratio", None, False, False, "analytic"),
        Measure("SII", "slope index of inequality", True, True, True, "analytic"),
        Measure("RII", "relative index of inequality", True, True, True, "bootstrap"),
        Measure("ACI", "absolute concentration index", True, True, True, "analytic"),
        Measure("RCI", "relative concentration index", True, True, True, "analytic"),
        Measure("BGV", "between-group variance", False, True, True, "analytic"),
        Measure("BGSD", "between-group standard deviation", False, True, True, "bootstrap"),
        Measure("COV", "coefficient of variation", False, True, True, "bootstrap"),
        Measure("IDISU", "index of disparity (unweighted)", False, False, True, "bootstrap"),
        Measure("IDISW", "index of disparity (weighted)", False, True, True, "bootstrap"),
        Measure("MDBU", "mean difference from best (unweighted)", False, False, True, "bootstrap"),
        Measure("MDBW", "mean difference from best (weighted)", False, True, True, "bootstrap"),
        Measure("MDMU", "mean difference from mean (unweighted)", False, False, True, "bootstrap"),
        Measure("MDMW", "mean difference from mean (weighted)", False, True, True, "bootstrap"),
        Measure("TI", "Theil index", False, True, True, "analytic"),
        Measure("MLD", "mean log deviation", False, True, True, "analytic"),
        Measure("PAR", "population attributable risk", None, False, False, "analytic"),
        Measure("PAF", "population attributable fraction", None, False, False, "analytic"),
    )
}


def applicable(ordered: bool) -> list[str]:
    """Codes of the measures HEAT computes for an ordered (or non-ordered) dimension."""
    return [c for c, m in MEASURES.items() if m.ordered is None or m.ordered == ordered]


@dataclass
class _Grid:
    """Subgroups laid out as (groups x slots) arrays; unused slots are not ``present``."""

    y: np.ndarray
    se: np.ndarray
    pop: np.ndarray
    present: np.ndarray
    labels: np.ndarray
    mu_setting: np.ndarray


def _sums(a: np.ndarray) -> np.ndarray:
    return np.nansum(a, axis=-1)


def _at(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``a[..., g, index[g]]`` for every group ``g`` (``index`` broadcast over leading axes)."""
    idx = np.broadcast_to(index[..., None], (*a.shape[:-1], 1))
    return np.take_along_axis(a, idx, axis=-1)[..., 0]


def _point(
    y: np.ndarray,
    grid: _Grid,
    *,
    ordered: bool,
    favourable: bool,
) -> dict[str, np.ndarray]:
    """Every measure from estimates ``y`` (shape (..., groups, slots)); NaN where undefined."""
    ok = grid.present & ~np.isnan(grid.y)
    n = ok.sum(axis=-1)
    pop = np.where(ok, grid.pop, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = pop / pop.sum(axis=-1, keepdims=True)
        yz = np.where(ok, y, np.nan)
        mu_w = _sums(p * yz)
        mu = np.where(np.isnan(grid.mu_setting), mu_w, grid.mu_setting)
        out: dict[str, np.ndarray] = {}
        hi = np.nanmax(np.where(ok, yz, -np.inf), axis=-1)
        lo = np.nanmin(np.where(ok, yz, np.inf), axis=-1)
        if ordered:
            first = np.argmax(ok, axis=-1)
            last = ok.shape[-1] - 1 - np.argmax(ok[..., ::-1], axis=-1)
            y_dis, y_adv = _at(yz, first), _at(yz, last)
            out["D"], out["R"] = y_adv - y_dis, y_adv / y_dis
            cum = np.cumsum(p, axis=-1)
            x = cum - p / 2
            dev = x - 0.5
            b = _sums(p * dev * yz) / _sums(p * dev**2)
            a = mu_w - b * 0.5
            out["SII"], out["RII"] = b, (a + b) / a
            out["ACI"] = _sums(p * (2 * x - 1) * yz)
            out["RCI"] = 100 * out["ACI"] / mu_w
            y_ref = y_adv
        else:
            out["D"], out["R"] = hi - lo, hi / lo
            best = hi if favourable else lo
            dev_mu = np.abs(yz - mu[..., None])
            out["BGV"] = _sums(p * (yz - mu_w[..., None]) ** 2)
            out["BGSD"] = np.sqrt(out["BGV"])
            out["COV"] = 100 * out["BGSD"] / mu_w
            out["MDMU"] = _sums(dev_mu) / n
            out["MDMW"] = _sums(p * dev_mu)
            out["IDISU"] = 100 * out["MDMU"] / mu
            out["IDISW"] = 100 * out["MDMW"] / mu
            out["MDBU"] = _sums(np.abs(yz - best[..., None])) / n
            out["MDBW"] = _sums(p * np.abs(yz - best[..., None]))
            r = np.where(yz == 0, ZERO_FOR_LOG, yz) / mu_w[..., None]
            out["TI"] = 1000 * _sums(p * r * np.log(r))
            out["MLD"] = 1000 * _sums(p * -np.log(r))
            y_ref = best
        gain = y_ref - mu
        par = np.where(gain * (1 if favourable else -1) < 0, 0.0, gain)
        out["PAR"], out["PAF"] = par, 100 * par / mu
    return out


def _analytic_se(
    grid: _Grid,
    values: dict[str, np.ndarray],
    *,
    ordered: bool,
    favourable: bool,
    scale: float | None,
) -> dict[str, np.ndarray]:
    """Standard errors of the measures with an analytic formula (see the module docstring)."""
    ok = grid.present & ~np.isnan(grid.y)
    y, se = np.where(ok, grid.y, np.nan), np.where(ok, grid.se, np.nan)
    pop = np.where(ok, grid.pop, 0.0)
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        p = pop / pop.sum(axis=-1, keepdims=True)
        mu_w = _sums(p * y)
        mu = np.where(np.isnan(grid.mu_setting), mu_w, grid.mu_setting)
        if ordered:
            first = np.argmax(ok, axis=-1)[:, None]
            last = (ok.shape[-1] - 1 - np.argmax(ok[:, ::-1], axis=-1))[:, None]
            pick = lambda a, i: np.take_along_axis(a, i, axis=-1)[:, 0]  # noqa: E731
            ya, yd, sa, sd = pick(y, last), pick(y, first), pick(se, last), pick(se, first)
            ref = last
            x = np.cumsum(p, axis=-1) - p / 2
            dev = x - 0.5
            w = p * dev / _sums(p * dev**2)[:, None]
            out["SII"] = np.sqrt(_sums(w**2 * se**2))
            c = p * (2 * x - 1)
            out["ACI"] = np.sqrt(_sums(c**2 * se**2))
            conc = values["ACI"] / mu_w
            out["RCI"] = 100 * np.sqrt(
                _sums(((c - conc[:, None] * p) / mu_w[:, None]) ** 2 * se**2)
            )
        else:
            filled_hi = np.where(ok, y, -np.inf)
            filled_lo = np.where(ok, y, np.inf)
            hi_i = np.argmax(filled_hi, axis=-1)[:, None]
            lo_i = np.argmin(filled_lo, axis=-1)[:, None]
            pick = lambda a, i: np.take_along_axis(a, i, axis=-1)[:, 0]  # noqa: E731
            ya, yd, sa, sd = pick(y, hi_i), pick(y, lo_i), pick(se, hi_i), pick(se, lo_i)
            ref = hi_i if favourable else lo_i
            d2 = (y - mu_w[:, None]) ** 2
            s2 = _sums(p**2 * se**2)
            s4 = _sums(p**4 * se**4)
            se4 = _sums(p**2 * (1 - p) ** 2 * se**4)
            out["BGV"] = np.sqrt(4 * _sums(p**2 * se**2 * d2) + 2 * (s2**2 - s4 + se4))
            r = np.where(y == 0, ZERO_FOR_LOG, y) / mu_w[:, None]
            t = _sums(r * (1 + np.log(r)) * p)
            out["TI"] = 1000 * np.sqrt(
                _sums((1 + np.log(r) - t[:, None]) ** 2 * p**2 * se**2 / mu_w[:, None] ** 2)
            )
            out["MLD"] = 1000 * np.sqrt(_sums(se**2 * p**2 / mu_w[:, None] ** 2 * (1 - 1 / r) ** 2))
        out["D"] = np.sqrt(sa**2 + sd**2)
        out["R"] = np.sqrt((sa / ya) ** 2 + (sd / yd) ** 2)  # on the log scale
        if scale is not None:
            # Walter (1978): the reference subgroup vs the rest as a 2x2 table of events.
            total = pop.sum(axis=-1)
            ref_pop = np.take_along_axis(pop, ref, axis=-1)[:, 0]
            ref_y = np.take_along_axis(y, ref, axis=-1)[:, 0]
            cc = ref_y / scale * ref_pop
            dd = ref_pop - cc
            aa = mu / scale * total - cc
            bb = total - aa - ref_pop
            nn = aa + bb + cc + dd
            paf_se = np.sqrt(
                (cc * nn * (aa * dd * (nn - cc) + bb * cc**2)) / ((aa + cc) ** 3 * (cc + dd) ** 3)
            )
            out["PAF"] = 100 * paf_se
            out["PAR"] = np.abs(mu) * paf_se
    return out


def _truncated_normal(
    rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray, upper: float, size: int
) -> np.ndarray:
    """``size`` draws of each estimate from a normal truncated to [0, upper] (inverse CDF)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = special.ndtr((0 - mean) / sd)
        hi = special.ndtr((upper - mean) / sd)
        u = rng.random((size, *mean.shape))
        draws = mean + sd * special.ndtri(lo + u * (hi - lo))
    return np.where(sd > 0, draws, mean)


def _bootstrap(
    grid: _Grid,
    codes: list[str],
    *,
    ordered: bool,
    favourable: bool,
    levels: Sequence[float],
    repetitions: int,
    seed: int,
    upper: float,
) -> dict[str, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Percentile intervals of the measures in ``codes`` from simulated subgroup estimates."""
    rng = np.random.default_rng(seed)
    sims: dict[str, list[np.ndarray]] = {c: [] for c in codes}
    chunk = max(1, min(repetitions, 2_000_000 // max(grid.y.size, 1)))
    done = 0
    while done < repetitions:
        size = min(chunk, repetitions - done)
        y = _truncated_normal(rng, grid.y, grid.se, upper, size)
        values = _point(y, grid, ordered=ordered, favourable=favourable)
        for c in codes:
            sims[c].append(values[c])
        done += size
    out: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]] = {}
    for c in codes:
        draws = np.concatenate(sims[c], axis=0)
        out[c] = {}
        for level in levels:
            with warnings.catch_warnings(), np.errstate(invalid="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups stay NaN
                q = np.nanquantile(draws, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
            out[c][level] = (q[0], q[1])
    return out


def _layout(
    data: pd.DataFrame,
    groups: list[str],
    subgroup: str,
    y: np.ndarray,
    se: np.ndarray,
    pop: np.ndarray,
    order: np.ndarray | None,
    setting: np.ndarray | None,
) -> tuple[pd.DataFrame, _Grid]:
    """Place each row in its group's row of a (groups x slots) grid, ordered by ``order``."""
    keys, codes = chk.group_codes(data, groups)
    rank = order if order is not None else np.arange(len(data), dtype="float64")
    sort = np.lexsort((rank, codes))
    slot = np.empty(len(data), dtype=np.intp)
    counts = np.bincount(codes, minlength=len(keys))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot[sort] = np.arange(len(data)) - starts[codes[sort]]
    k = int(counts.max()) if len(counts) else 0
    shape = (len(keys), k)

    def place(values: np.ndarray, fill: object, dtype: object) -> np.ndarray:
        grid = np.full(shape, fill, dtype=dtype)  # type: ignore[call-overload]
        grid[codes, slot] = values
        return grid

    present = place(np.ones(len(data), dtype=bool), False, bool)
    labels = place(data[subgroup].astype(str).to_numpy(dtype=object), None, object)
    mu_setting = np.full(len(keys), np.nan)
    if setting is not None:
        mu_setting = np.bincount(codes, weights=np.nan_to_num(setting), minlength=len(keys))
        mu_setting = mu_setting / np.bincount(
            codes, weights=~np.isnan(setting), minlength=len(keys)
        )
    grid = _Grid(
        y=place(y, np.nan, "float64"),
        se=place(se, np.nan, "float64"),
        pop=place(pop, np.nan, "float64"),
        present=present,
        labels=labels,
        mu_setting=mu_setting,
    )
    return keys, grid


def _check_setting(data: pd.DataFrame, groups: list[str], column: str, values: np.ndarray) -> None:
    """A setting average must be one value per group."""
    codes = chk.group_codes(data, groups)[1]
    frame = pd.DataFrame({"g": codes, "v": values})
    spread = frame.groupby("g")["v"].nunique(dropna=True)
    bad_groups = spread.index[spread > 1]
    chk.check_rows(
        np.isin(codes, bad_groups),
        column=column,
        arg="setting_average",
        problem="more than one setting average in a group",
        expected="one setting average per group",
        values=values,
    )


def heat_measures(
    data: pd.DataFrame,
    value: str,
    *,
    subgroup: str,
    population: str | None = None,
    se: str | None = None,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    order: str | None = None,
    favourable: bool = True,
    setting_average: str | None = None,
    scale: float | None = None,
    bounded: bool = False,
    measures: Sequence[str] | None = None,
    group_by: str | Sequence[str] | None = None,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    repetitions: int = DEFAULT_REPETITIONS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """HEAT's summary measures of inequality for each group of subgroups, with intervals.

    One row per subgroup in ``data``; ``order`` (1 = most disadvantaged) makes the dimension
    ordered. Standard errors come from ``se`` or from the 95% limits ``lower_cl``/``upper_cl``.
    Returns one row per group and measure: the grouping columns, ``measure`` (code), ``value``,
    the interval columns, ``subgroups``, ``reference_subgroup``, ``value_note``, ``method``,
    ``confidence`` and ``statistic`` (the measure's name).
    """
    chk.require_frame(data, "heat_measures")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    chk.require_column(data, "subgroup", subgroup)
    ordered = order is not None
    wanted = _check_measures(measures, ordered)
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 100:
        raise InputError(
            f"repetitions: {repetitions!r}; expected a whole number of at least 100",
            field="repetitions",
            expected="an integer >= 100",
        )
    if scale is not None:
        scale = chk.check_multiplier(scale, field="scale")
    if bounded and scale is None:
        raise InputError(
            "bounded=True needs scale= (the indicator's maximum, e.g. 100 for a percentage)",
            field="scale",
            expected="a number greater than 0",
        )
    y = chk.numeric_column(data, "value", value, allow_missing=True)
    pop = (
        chk.numeric_column(data, "population", population, allow_missing=True)
        if population is not None
        else np.full(len(data), np.nan)
    )
    chk.check_rows(
        pop < 0,
        column=str(population),
        arg="population",
        problem="negative values",
        expected="populations >= 0",
        values=pop,
    )
    se_values = _standard_errors(data, se, lower_cl, upper_cl)
    rank = chk.numeric_column(data, "order", order) if order is not None else None
    setting = (
        chk.numeric_column(data, "setting_average", setting_average, allow_missing=True)
        if setting_average is not None
        else None
    )
    if setting is not None and setting_average is not None:
        _check_setting(data, groups, setting_average, setting)
    _check_unique(data, groups, subgroup)

    keys, grid = _layout(data, groups, subgroup, y, se_values, pop, rank, setting)
    values = _point(grid.y, grid, ordered=ordered, favourable=favourable)
    notes = _validity(grid, wanted, ordered=ordered)
    analytic = _analytic_se(grid, values, ordered=ordered, favourable=favourable, scale=scale)
    boot_codes = [c for c in wanted if c not in analytic]
    upper = float(scale) if bounded and scale is not None else np.inf
    booted = (
        _bootstrap(
            grid,
            boot_codes,
            ordered=ordered,
            favourable=favourable,
            levels=levels,
            repetitions=repetitions,
            seed=seed,
            upper=upper,
        )
        if boot_codes and levels
        else {}
    )
    se_missing = (grid.present & ~np.isnan(grid.y) & np.isnan(grid.se)).any(axis=1)
    refs = _reference_labels(grid, ordered=ordered, favourable=favourable)
    n_sub = grid.present.sum(axis=1)
    frames = []
    for code in wanted:
        bad, note = notes[code]
        val = np.where(bad, np.nan, values[code])
        intervals: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        for level in levels:
            if code in analytic:
                lo, hi = _analytic_interval(code, val, analytic[code], level)
                method = "analytic"
            else:
                lo, hi = booted[code][level]
                method = f"parametric bootstrap ({repetitions} draws, seed {seed})"
            lo = np.where(np.isnan(val) | se_missing, np.nan, lo)
            hi = np.where(np.isnan(val) | se_missing, np.nan, hi)
            intervals[level] = (lo, hi)
        if not levels:
            method = "analytic" if code in analytic else "parametric bootstrap"
        note = np.where(pd.isna(note) & se_missing & ~np.isnan(val), NOTE_NO_SE, note).astype(
            object
        )
        part = keys.copy()
        part["measure"] = code
        frames.append(
            assemble(
                part,
                value=val,
                intervals=intervals,
                counts={"subgroups": n_sub, "reference_subgroup": refs.get(code, _none(len(keys)))},
                value_note=note,
                method=method,
                statistic=MEASURES[code].name,
                levels=levels,
            )
        )
    out = pd.concat(frames, ignore_index=True)
    if groups:
        order_cols = [*groups]
        out["_m"] = out["measure"].map({c: i for i, c in enumerate(wanted)})
        out = out.sort_values([*order_cols, "_m"], kind="stable").drop(columns="_m")
    return out.reset_index(drop=True)


def _none(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _analytic_interval(
    code: str, value: np.ndarray, se: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal-theory limits; the ratio's on the log scale."""
    z = z_score(level)
    with np.errstate(invalid="ignore", over="ignore"):
        if code == "R":
            return value * np.exp(-z * se), value * np.exp(z * se)
        return value - z * se, value + z * se


def _reference_labels(grid: _Grid, *, ordered: bool, favourable: bool) -> dict[str, np.ndarray]:
    """The subgroup each reference-based measure compares with (PAR, PAF, MDB, D, R)."""
    ok = grid.present & ~np.isnan(grid.y)
    rows = np.arange(len(ok))
    has = ok.any(axis=1)

    def label_at(index: np.ndarray) -> np.ndarray:
        out = np.full(len(ok), None, dtype=object)
        out[has] = grid.labels[rows[has], index[has]]
        return out

    if not ok.size:
        return {}
    if ordered:
        ref = label_at(ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1))
        return {c: ref for c in ("D", "R", "PAR", "PAF")}
    pick = np.argmax if favourable else np.argmin
    ref = label_at(pick(np.where(ok, grid.y, -np.inf if favourable else np.inf), axis=1))
    top = label_at(np.argmax(np.where(ok, grid.y, -np.inf), axis=1))
    return {"D": top, "R": top, "PAR": ref, "PAF": ref, "MDBU": ref, "MDBW": ref}


def _validity(
    grid: _Grid, wanted: list[str], *, ordered: bool
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per measure: which groups get no value, and the note saying why (HEAT's rules)."""
    ok = grid.present & ~np.isnan(grid.y)
    n_all = grid.present.sum(axis=1)
    n_est = ok.sum(axis=1)
    fewer = n_est < 2
    zero = np.where(ok, grid.y == 0, True).all(axis=1) & ~fewer
    two_only = n_all <= 2
    coverage = n_est < MIN_COVERAGE * n_all
    missing = n_est < n_all
    pop_ok = np.where(ok, ~np.isnan(grid.pop), True).all(axis=1) & (
        np.where(ok, np.nan_to_num(grid.pop), 0).sum(axis=1) > 0
    )
    have_mean = pop_ok | ~np.isnan(grid.mu_setting)
    first = np.argmax(grid.present, axis=1) if grid.present.size else n_all
    last = (
        grid.present.shape[1] - 1 - np.argmax(grid.present[:, ::-1], axis=1)
        if grid.present.size
        else n_all
    )
    rows = np.arange(len(ok))
    ends_missing = (~ok[rows, first] | ~ok[rows, last]) if ok.size else fewer
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for code in wanted:
        m = MEASURES[code]
        rules: list[tuple[np.ndarray, str]] = [(fewer, NOTE_FEWER), (zero, NOTE_ALL_ZERO)]
        if m.complex:
            rules.append((two_only, NOTE_TWO))
        if code in ("D", "R"):
            rules.append(((n_all == 2) & missing, NOTE_ENDS))
            if ordered:
                rules.append((ends_missing, NOTE_ENDS))
        elif ordered:
            rules.append((missing, NOTE_MISSING_ESTIMATE))
        else:
            rules.append((coverage, NOTE_COVERAGE))
        if m.weighted:
            rules.append((~pop_ok, NOTE_POPULATION))
        if code in ("IDISU", "MDMU", "PAR", "PAF"):
            rules.append((~have_mean, NOTE_MEAN))
        bad = np.zeros(len(ok), dtype=bool)
        note = np.full(len(ok), None, dtype=object)
        for mask, text in rules:
            new = mask & ~bad
            note[new] = text
            bad |= mask
        out[code] = (bad, note)
    return out


def _check_measures(measures: Sequence[str] | None, ordered: bool) -> list[str]:
    """The measures asked for (default: all that apply), each known and applicable."""
    allowed = applicable(ordered)
    if measures is None:
        return allowed
    asked = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in asked if m not in MEASURES]
    if unknown:
        raise InputError(
            f"measures: unknown {', '.join(map(repr, unknown))}; expected codes from "
            f"{', '.join(MEASURES)}",
            field="measures",
            expected=", ".join(MEASURES),
        )
    wrong = [m for m in asked if m not in allowed]
    if wrong:
        kind = "an ordered" if ordered else "a non-ordered"
        hint = "give order=" if not ordered else "drop order="
        raise InputError(
            f"measures: {', '.join(wrong)} do not apply to {kind} dimension ({hint} to change "
            f"it); for {kind} dimension use {', '.join(allowed)}",
            field="measures",
            expected=", ".join(allowed),
        )
    return asked


def _standard_errors(
    data: pd.DataFrame, se: str | None, lower_cl: str | None, upper_cl: str | None
) -> np.ndarray:
    """Standard errors from ``se``, or from 95% limits as (upper - lower) / (2 x 1.96)."""
    if se is not None:
        values = chk.numeric_column(data, "se", se, allow_missing=True)
        chk.check_rows(
            values < 0,
            column=se,
            arg="se",
            problem="negative standard errors",
            expected="standard errors >= 0",
            values=values,
        )
        return values
    if (lower_cl is None) != (upper_cl is None):
        raise InputError(
            "lower_cl and upper_cl must be given together (the 95% limits)",
            field="lower_cl" if lower_cl is None else "upper_cl",
            expected="both limits",
        )
    if lower_cl is None or upper_cl is None:
        return np.full(len(data), np.nan)
    lo = chk.numeric_column(data, "lower_cl", lower_cl, allow_missing=True)
    hi = chk.numeric_column(data, "upper_cl", upper_cl, allow_missing=True)
    chk.check_rows(
        hi < lo,
        column=upper_cl,
        arg="upper_cl",
        problem=f"values below the lower limit in column {lower_cl!r}",
        expected="upper limit >= lower limit",
        values=hi,
    )
    return (hi - lo) / (2 * z_score(0.95))


def _check_unique(data: pd.DataFrame, groups: list[str], subgroup: str) -> None:
    """Each subgroup appears once in its group."""
    dup = data.duplicated([*groups, subgroup], keep=False).to_numpy()
    chk.check_rows(
        dup,
        column=subgroup,
        arg="subgroup",
        problem="a subgroup repeated within its group",
        expected="one row per subgroup in each group",
        values=data[subgroup].to_numpy(),
    )
