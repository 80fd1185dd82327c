"""Slope and relative index of inequality (PHEindicatormethods ``phe_sii``).

Each quantile (e.g. deprivation decile) gets the population mid-point rank ``b`` of its range in
the group's cumulative population; the value is regressed on ``b`` weighted by the population share
``a`` (the reference's ``lm(y*sqrt(a) ~ sqrt(a) + b*sqrt(a) - 1)``). SII is the slope, RII the
fitted value at ``b = 1`` over that at ``b = 0``. Intervals come from simulating every quantile's
value from a normal distribution (mean: the value, sd: its standard error) ``repetitions`` times and
taking order statistics of the simulated slopes, as the reference does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from healthequity.errors import InputError
from healthequity.methods import _checks as chk
from healthequity.methods._rstream import RStream, qnorm

#: Seed used when ``seed=None``, so that results are reproducible.
DEFAULT_SEED = 1
#: Fewest simulations the reference accepts.
MIN_REPETITIONS = 1000
#: Simulated values per block: small enough to stay in cache when every quantile is simulated,
#: larger when only (intercept, slope) pairs are drawn.
_CHUNK = 1 << 16
_CHUNK_PAIRS = 1 << 22
#: Threads for the simulation blocks (numpy releases the GIL while drawing and partitioning).
_WORKERS = min(4, os.cpu_count() or 1)

_INDICATOR = {0: "normal", 1: "rate", 2: "proportion"}
_TRANSFORM = {1: "log", 2: "logit"}

NOTE_QUANTILES = "not every quantile is present for this group"
NOTE_VALUE = "indicator value missing for a quantile"
NOTE_LOG = "rate of zero or below in a quantile: its log is undefined"
NOTE_LOGIT = "proportion of 0 or 1 in a quantile: its logit is undefined"
NOTE_SE = "standard error not finite for a quantile (a confidence limit of 0, or 1 for proportions)"


def _r_number(n: int) -> str:
    """How R's ``paste0`` writes a whole double: '1e+05' for 100000, '5000' for 5000."""
    fixed = str(n)
    digits = fixed.lstrip("-").rstrip("0")
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sci = f"{'-' if n < 0 else ''}{mantissa}e+{len(fixed.lstrip('-')) - 1:02d}"
    return fixed if len(fixed) <= len(sci) else sci


def _fail(field: str, message: str, expected: str) -> InputError:
    return InputError(f"{field}: {message}", field=field, expected=expected)


def _check_arguments(
    value_type: Any,
    transform: Any,
    x: Any,
    value: Any,
    se: Any,
    lower_cl: Any,
    upper_cl: Any,
    repetitions: Any,
    multiplier: Any,
    rng: Any,
    seed: Any,
) -> tuple[int, bool, int, float]:
    """The call's argument rules (the reference's, stated plainly)."""
    if isinstance(value_type, bool) or value_type not in (0, 1, 2):
        raise _fail(
            "value_type",
            f"{value_type!r}; value_type should be 0 (other), 1 (rate) or 2 (proportion)",
            "0, 1 or 2",
        )
    vtype = int(value_type)
    if not isinstance(transform, bool | np.bool_):
        raise _fail("transform", f"{transform!r} is not True or False", "True or False")
    if transform and vtype == 0:
        raise _fail(
            "transform",
            "transform=True needs value_type 1 (rate, log) or 2 (proportion, logit); "
            "value_type should be 1 or 2 when transform is true",
            "value_type 1 or 2",
        )
    if transform and se is not None:
        raise _fail(
            "se",
            "se must not be given when transform is true: the standard error is derived from "
            "lower_cl and upper_cl on the transformed scale",
            "lower_cl and upper_cl without se",
        )
    if se is None and (lower_cl is None or upper_cl is None):
        raise _fail(
            "se",
            "give either se or both lower_cl and upper_cl (95% confidence limits); "
            "phe_sii requires either lower_cl and upper_cl fields, or se field",
            "se, or lower_cl and upper_cl",
        )
    if value is None and (x is None or vtype != 2):
        raise _fail(
            "value",
            "give value (the indicator value), or x with value_type=2 for a proportion x / "
            "population",
            "a value column, or x for proportions",
        )
    if isinstance(repetitions, bool) or not isinstance(repetitions, int | np.integer | float):
        raise _fail("repetitions", f"{repetitions!r} is not a whole number", "an integer >= 1000")
    if float(repetitions) != int(repetitions) or repetitions < MIN_REPETITIONS:
        raise _fail(
            "repetitions",
            f"{repetitions!r}; number of repetitions must be 1000 or greater (a whole number)",
            "an integer >= 1000",
        )
    try:
        mult = float(multiplier)
    except (TypeError, ValueError):
        raise _fail("multiplier", f"{multiplier!r} is not a number", "a non-zero number") from None
    if not np.isfinite(mult) or mult == 0:
        raise _fail(
            "multiplier",
            f"{multiplier!r}; multiplier must be a finite non-zero number (negative flips "
            "the polarity)",
            "a non-zero number",
        )
    if rng not in ("numpy", "R"):
        raise _fail("rng", f"{rng!r}; expected 'numpy' or 'R'", "'numpy' or 'R'")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise _fail("seed", f"{seed!r} is not an integer", "an integer or None")
    return vtype, bool(transform), int(repetitions), mult


def _to_scale(v: np.ndarray, vtype: int) -> np.ndarray:
    """The reference's transform of values and limits: log for rates, logit for proportions."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if vtype == 1:
            return np.log(v)
        if vtype == 2:
            return np.log(v / (1 - v))
    return v


def _from_scale(v: np.ndarray, vtype: int) -> np.ndarray:
    """Back from the log / logit scale, written as the reference writes it."""
    with np.errstate(over="ignore", invalid="ignore"):
        if vtype == 1:
            return np.exp(v)
        if vtype == 2:
            e = np.exp(v)
            return e / (1 + e)
    return v


def _positions(repetitions: int, levels: Sequence[float]) -> np.ndarray:
    """0-based order statistics giving each level's lower and upper limit (reference's rounding)."""
    pos: list[float] = []
    for c in levels:
        upper = c + (1 - c) / 2
        pos += [np.round(repetitions * (1 - upper)), np.round(repetitions * upper)]
    return np.clip(np.asarray(pos, dtype=np.int64), 1, repetitions) - 1


def sii(
    data: pd.DataFrame,
    quantile: str,
    population: str,
    *,
    x: str | None = None,
    value: str | None = None,
    value_type: int = 0,
    transform: bool = False,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    se: str | None = None,
    group_by: str | Sequence[str] | None = None,
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence: chk.Confidence = chk.DEFAULT_CONFIDENCE,
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    seed: int | None = None,
    rng: Literal["numpy", "R"] = "numpy",
) -> pd.DataFrame:
    """Slope index of inequality (and RII) per group, with simulated confidence intervals.

    ``value_type`` 0 (other), 1 (rate) or 2 (proportion); rates and proportions are simulated on
    the log / logit scale (``se``, if given, is on that scale) and, with ``transform=True``, also
    regressed there and back-transformed. ``seed`` (default ``DEFAULT_SEED``) fixes the draws;
    ``rng='R'`` replays R's ``set.seed(seed)`` stream to reproduce the reference's intervals
    exactly, ``'numpy'`` (default, much faster) uses numpy's generator. A group lacking a quantile
    or with an unusable value is NA with a value note.
    """
    chk.require_frame(data, "sii")
    groups = chk.require_group_by(data, group_by)
    levels = chk.parse_confidence(confidence)
    vtype, trans, reps, mult = _check_arguments(
        value_type, transform, x, value, se, lower_cl, upper_cl, repetitions, multiplier, rng, seed
    )
    nrow = len(data)
    qcol = chk.require_column(data, "quantile", quantile)
    qseries = data[qcol]
    chk.check_rows(
        qseries.isna().to_numpy(),
        column=qcol,
        arg="quantile",
        problem="missing values",
        expected="a quantile label in every row",
    )
    pops = chk.numeric_column(data, "population", population, allow_missing=True)
    chk.check_rows(
        ~(pops > 0),
        column=population,
        arg="population",
        problem="zero, negative or missing populations",
        expected="populations > 0 in every quantile",
        values=pops,
    )
    if se is not None:
        ses = chk.numeric_column(data, "se", se, allow_missing=True)
        chk.check_rows(
            ~(ses >= 0),
            column=se,
            arg="se",
            problem="negative or missing standard errors",
            expected="standard errors >= 0",
            values=ses,
        )
    lows = highs = np.full(nrow, np.nan)
    if lower_cl is not None and upper_cl is not None:
        lows = chk.numeric_column(data, "lower_cl", lower_cl)
        highs = chk.numeric_column(data, "upper_cl", upper_cl)
        chk.check_rows(
            lows > highs,
            column=lower_cl,
            arg="lower_cl",
            problem=f"values above the upper limit in column {upper_cl!r}",
            expected="lower_cl <= upper_cl",
            values=lows,
        )
    if value is not None:
        vals = chk.numeric_column(data, "value", value, allow_missing=True)
    else:
        xs = chk.numeric_column(data, "x", x, allow_missing=True)
        chk.check_rows(
            xs <= 0,
            column=str(x),
            arg="x",
            problem="zero or negative counts",
            expected="counts x > 0 (value is x / population)",
            values=xs,
        )
        chk.check_rows(
            xs > pops,
            column=str(x),
            arg="x",
            problem=f"counts above the population in column {population!r}",
            expected="x <= population for a proportion",
            values=xs,
        )
        vals = xs / pops
    if vtype == 2:
        if value is not None:
            chk.check_rows(
                (vals < 0) | (vals > 1),
                column=value,
                arg="value",
                problem="proportions outside 0 to 1",
                expected="value proportions between 0 and 1",
                values=vals,
            )
        for arg, col, arr in (("lower_cl", lower_cl, lows), ("upper_cl", upper_cl, highs)):
            if col is not None:
                chk.check_rows(
                    (arr < 0) | (arr > 1),
                    column=col,
                    arg=arg,
                    problem="confidence limits outside 0 to 1",
                    expected="confidence limit proportions between 0 and 1",
                    values=arr,
                )

    codes_q, qlabels = pd.factorize(qseries, sort=True)
    nq = len(qlabels)
    keys, gcodes = chk.group_codes(data, groups)
    ngroups = len(keys)
    cell = gcodes * nq + codes_q
    chk.check_rows(
        pd.Series(cell).duplicated(keep=False).to_numpy(),
        column=qcol,
        arg="quantile",
        problem="a quantile repeated within a group",
        expected="one row per quantile in each group",
    )
    if not 5 <= nq <= 100:
        raise InputError(
            f"column {qcol!r} (argument quantile) has {nq} distinct quantiles; the number of "
            "quantiles must be between 5 and 100",
            field=qcol,
            expected="between 5 and 100 quantiles",
        )

    def grid(arr: np.ndarray) -> np.ndarray:
        out = np.full(ngroups * nq, np.nan)
        out[cell] = arr
        return out.reshape(ngroups, nq)

    flat = np.zeros(ngroups * nq, dtype=bool)
    flat[cell] = True
    present = flat.reshape(ngroups, nq)
    pop = grid(pops)
    mu = _to_scale(grid(vals), vtype)  # simulation mean: value on the log / logit scale
    if se is not None:
        sd = grid(ses)
    else:
        z975 = float(qnorm(np.array([0.975]))[0])
        with np.errstate(invalid="ignore"):
            sd = (_to_scale(grid(highs), vtype) - _to_scale(grid(lows), vtype)) / z975 / 2

    notes = np.full(ngroups, None, dtype=object)
    checks = [
        (~present.all(axis=1), NOTE_QUANTILES),
        ((present & np.isnan(grid(vals))).any(axis=1), NOTE_VALUE),
        ((present & ~np.isfinite(mu) & ~np.isnan(grid(vals))).any(axis=1), NOTE_LOG),
        ((present & ~np.isfinite(sd)).any(axis=1), NOTE_SE),
    ]
    if vtype == 2:
        checks[2] = (checks[2][0], NOTE_LOGIT)
    ok = np.ones(ngroups, dtype=bool)
    for bad, text in checks:
        notes[bad & ok] = text
        ok &= ~bad

    # Regression on the population mid-point rank, weighted by population share (centred WLS:
    # the same fit as the reference's lm, better conditioned than the normal equations).
    a = pop[ok] / pop[ok].sum(axis=1, keepdims=True)
    cum = np.cumsum(a, axis=1)
    b = a / 2
    b[:, 1:] += cum[:, :-1]
    a_sum = a.sum(axis=1, keepdims=True)
    b_bar = (a * b).sum(axis=1, keepdims=True) / a_sum
    w_slope = a * (b - b_bar) / (a * (b - b_bar) ** 2).sum(axis=1, keepdims=True)
    w_icept = a / a_sum - b_bar * w_slope
    y = mu[ok] if trans else _from_scale(mu[ok], vtype)
    slope = (w_slope * y).sum(axis=1)
    icept = (w_icept * y).sum(axis=1)

    n_ok = int(ok.sum())
    out_sii = np.full(ngroups, np.nan)
    out_rii = np.full(ngroups, np.nan)
    out_icept = np.full(ngroups, np.nan)
    if trans:
        x1 = icept + slope
        half = (icept + x1) / 2
        at0, at1 = _from_scale(icept, vtype), _from_scale(x1, vtype)
        out_sii[ok] = (at1 - at0) * mult
        out_rii[ok] = 1 / (at1 / at0) if mult < 0 else at1 / at0
        out_icept[ok] = at0 * abs(mult)
    else:
        out_sii[ok] = mult * slope
        ratio = (icept + slope) / icept
        out_rii[ok] = 1 / ratio if mult < 0 else ratio
        out_icept[ok] = icept

    nsamples = 10 if reliability_stat else 1
    pos = _positions(reps, levels)
    lim_sii = np.full((ngroups, nsamples, len(pos)), np.nan)
    lim_rii = np.full((ngroups, nsamples, len(pos)), np.nan)
    if levels and n_ok:
        sim_sii, sim_rii = _simulate(
            mu[ok],
            sd[ok],
            np.stack([w_icept, w_slope], axis=-1),
            vtype=vtype,
            trans=trans,
            mult=mult,
            reps=reps,
            nsamples=nsamples,
            pos=pos,
            seed=DEFAULT_SEED if seed is None else int(seed),
            rng=rng,
            need_rii=rii,
        )
        if trans:
            sim_sii, sim_rii = _back_transform(sim_sii, half, vtype, mult)
        lim_sii[ok] = sim_sii
        lim_rii[ok] = sim_rii

    out = keys.reset_index(drop=True).copy()
    out["sii"] = out_sii
    labels = [chk.level_label(c) for c in levels]
    for i, label in enumerate(labels):
        out[f"sii_lower_{label}"] = lim_sii[:, 0, 2 * i]
        out[f"sii_upper_{label}"] = lim_sii[:, 0, 2 * i + 1]
    if rii:
        out["rii"] = out_rii
        for i, label in enumerate(labels):
            out[f"rii_lower_{label}"] = lim_rii[:, 0, 2 * i]
            out[f"rii_upper_{label}"] = lim_rii[:, 0, 2 * i + 1]
    if intercept:
        out["intercept"] = out_icept
    if reliability_stat and levels:
        for i, label in enumerate(labels):
            out[f"sii_mad_{label}"] = _mad(lim_sii[:, :, 2 * i : 2 * i + 2])
            if rii:
                out[f"rii_mad_{label}"] = _mad(lim_rii[:, :, 2 * i : 2 * i + 2])
    out["value_note"] = pd.array(notes, dtype="string")
    out["method"] = "simulation" if levels else pd.NA
    out["confidence"] = chk.level_text(levels) if levels else pd.NA
    out["statistic"] = (
        "slope and relative index of inequality" if rii else ("slope index of inequality")
    )
    out["indicator_type"] = _INDICATOR[vtype]
    out["multiplier"] = mult
    out["transform"] = _TRANSFORM[vtype] if trans else "none"
    out["CI_method"] = f"simulation {_r_number(reps)} reps" if levels else pd.NA
    return out


def _mad(limits: np.ndarray) -> np.ndarray:
    """Reference's reliability statistic: mean |limit - first sample's limit| over samples 2-10."""
    return np.abs(limits[:, 1:, :] - limits[:, :1, :]).mean(axis=(1, 2))


def _simulate(
    mu: np.ndarray,
    sd: np.ndarray,
    weights: np.ndarray,
    *,
    vtype: int,
    trans: bool,
    mult: float,
    reps: int,
    nsamples: int,
    pos: np.ndarray,
    seed: int,
    rng: str,
    need_rii: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics of the simulated SII and RII: arrays (groups, samples, limits).

    As the reference: every quantile's value is drawn as ``mu + sd * z`` (group by group,
    repetition by repetition, quantile by quantile: R's order), back-transformed for rates and
    proportions without ``transform``, and regressed with the fixed ``weights`` (groups,
    quantiles, [intercept, slope]); the limits are order statistics ``pos`` of the ``reps``
    simulated slopes (and ratios). With ``rng='numpy'`` and no back-transform the fit is linear in
    normal draws, so the same distribution is sampled with fewer draws: the (intercept, slope)
    pair from its bivariate normal when the RII is needed, otherwise the slope's order statistics
    directly (uniform order statistics from gamma spacings, mapped through the normal quantile).
    """
    ngroups, nq = mu.shape
    linear = trans or vtype == 0
    ratio_needed = need_rii and not trans  # transformed RII limits come from the SII limits
    out_rii = np.full((ngroups, nsamples, len(pos)), np.nan)
    if rng == "numpy" and linear and not ratio_needed:
        gen = np.random.default_rng(seed)
        w = weights[..., 1]
        centre = (w * mu).sum(axis=1)
        spread = np.sqrt(((w * sd) ** 2).sum(axis=1))
        ranks = pos + 1 if trans or mult > 0 else reps - pos  # sorted rank of each limit's slope
        uniq, where = np.unique(ranks, return_inverse=True)
        gaps = np.diff(np.concatenate([[0], uniq, [reps + 1]])).astype(np.float64)
        spacing = gen.standard_gamma(gaps, size=(ngroups, nsamples, len(gaps)))
        cumulative = np.cumsum(spacing, axis=-1)
        z = special.ndtri(cumulative[..., :-1] / cumulative[..., -1:])[..., where]
        slope = centre[:, None, None] + spread[:, None, None] * z
        return (slope if trans else slope * mult), out_rii

    total = reps * nsamples
    back = not trans and vtype != 0
    pairs = rng == "numpy" and linear
    per_group = total * (2 if pairs else nq)
    chunk = _CHUNK_PAIRS if pairs else _CHUNK
    step = max(1, chunk // per_group)
    rstep = max(1, chunk // (per_group // total))
    starts = list(range(0, ngroups, step))
    out_sii = np.empty((ngroups, nsamples, len(pos)))
    mean_fit = np.einsum("gq,gqk->gk", mu, weights)
    stream = RStream(seed) if rng == "R" else None
    children = np.random.SeedSequence(seed).spawn(len(starts))

    def fits(g0: int, g1: int, n: int, gen: np.random.Generator | None) -> np.ndarray:
        """(intercept, slope) of ``n`` simulated repetitions per group: (groups, n, 2)."""
        if pairs:
            assert gen is not None
            w_sd = weights[g0:g1] * sd[g0:g1, :, None]
            cov = np.einsum("gqi,gqj->gij", w_sd, w_sd)
            l00 = np.sqrt(cov[:, 0, 0])
            with np.errstate(invalid="ignore", divide="ignore"):
                l10 = np.where(l00 > 0, cov[:, 1, 0] / l00, 0.0)
            l11 = np.sqrt(np.maximum(cov[:, 1, 1] - l10**2, 0.0))
            z = gen.standard_normal((2, g1 - g0, n))
            icpt = mean_fit[g0:g1, None, 0] + l00[:, None] * z[0]
            slp = mean_fit[g0:g1, None, 1] + l10[:, None] * z[0] + l11[:, None] * z[1]
            return np.stack([icpt, slp], axis=-1)
        m, s = mu[g0:g1, None, :], sd[g0:g1, None, :]
        if gen is not None:
            z = gen.standard_normal((g1 - g0, n, nq))
        else:
            assert stream is not None
            draws = np.broadcast_to(s != 0, (g1 - g0, n, nq))  # R's rnorm skips sd == 0
            if draws.all():
                z = stream.normal(draws.size).reshape(draws.shape)
            else:
                z = np.zeros(draws.shape)
                z[draws] = stream.normal(int(draws.sum()))
        values = _from_scale(m + s * z, vtype) if back else m + s * z
        return np.matmul(values, weights[g0:g1])

    def block(i: int) -> None:
        g0 = starts[i]
        g1 = min(ngroups, g0 + step)
        gen = None if stream is not None else np.random.default_rng(children[i])
        if g1 - g0 == 1 and per_group > chunk:  # one big group: its repetitions in pieces
            fit = np.concatenate(
                [fits(g0, g1, min(rstep, total - r0), gen) for r0 in range(0, total, rstep)],
                axis=1,
            )
        else:
            fit = fits(g0, g1, total, gen)
        icpt = fit[..., 0].reshape(g1 - g0, nsamples, reps)
        slp = fit[..., 1].reshape(g1 - g0, nsamples, reps)
        if ratio_needed:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = (slp + icpt) / icpt
            if mult < 0:
                ratio = 1 / ratio
            out_rii[g0:g1] = np.partition(ratio, pos, axis=-1)[..., pos]
        if not trans:
            slp = slp * mult
        out_sii[g0:g1] = np.partition(slp, pos, axis=-1)[..., pos]

    if stream is not None or len(starts) == 1:
        for i in range(len(starts)):  # R's stream is one sequence: blocks in order
            block(i)
    else:
        with ThreadPoolExecutor(max_workers=min(_WORKERS, len(starts))) as pool:
            list(pool.map(block, range(len(starts))))
    return out_sii, out_rii


def _back_transform(
    lim: np.ndarray, half: np.ndarray, vtype: int, mult: float
) -> tuple[np.ndarray, np.ndarray]:
    """Reference's transformed-scale limits to SII / RII limits, pivoting on the fit at rank 0.5.

    A limit ``L`` of the slope gives fitted values ``half -/+ L/2`` at ranks 0 and 1; the SII limit
    is their back-transformed difference (times the multiplier), the RII limit their ratio. A
    negative multiplier swaps lower and upper and inverts the RII.
    """
    h = half[:, None, None]
    at0 = _from_scale(h - lim / 2, vtype)
    at1 = _from_scale(h + lim / 2, vtype)
    sii_lim = (at1 - at0) * mult
    rii_lim = at1 / at0
    if mult < 0:
        rii_lim = 1 / rii_lim
        swap = np.arange(lim.shape[-1]).reshape(-1, 2)[:, ::-1].ravel()
        sii_lim, rii_lim = sii_lim[..., swap], rii_lim[..., swap]
    return sii_lim, rii_lim
