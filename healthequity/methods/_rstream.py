"""A replay of R's default random stream, so simulated intervals can equal the reference's exactly.

R (``RNGkind()`` = Mersenne-Twister, Inversion): ``set.seed(s)`` scrambles ``s`` with the LCG
``s = 69069 * s + 1`` (50 times, then once per state word) to fill the Mersenne-Twister state;
``unif_rand`` is a 32-bit draw times 2^-32 kept inside (0, 1); ``norm_rand`` by inversion takes two
uniforms, ``u = (int)(2^27 * u1) + u2``, and returns ``qnorm(u / 2^27)``.
"""

from __future__ import annotations

import numpy as np

_MT_N = 624
_LCG_MULT = np.uint64(69069)
_MASK32 = 0xFFFFFFFF
_TO_UNIT = 2.3283064365386963e-10  # 2^-32, R's MT_genrand scale
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup
_BIG = 134217728.0  # 2^27
_BLOCK = 1 << 15


class RStream:
    """R's random stream after ``set.seed(seed)``: uniforms and inversion normals, in R's order."""

    def __init__(self, seed: int) -> None:
        s = int(seed) & _MASK32
        for _ in range(50):
            s = (69069 * s + 1) & _MASK32
        key = np.empty(_MT_N + 1, dtype=np.uint32)
        for j in range(_MT_N + 1):
            s = (69069 * s + 1) & _MASK32
            key[j] = s
        # key[0] is R's position word (reset to 624 by FixupSeeds); the state is key[1:]
        self._bits = np.random.MT19937()
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": key[1:].copy(), "pos": _MT_N},
        }

    def uniform(self, n: int) -> np.ndarray:
        """``runif(n)``: the next ``n`` uniforms on (0, 1)."""
        raw = self._bits.random_raw(n).astype(np.float64)
        raw *= _TO_UNIT
        raw[raw <= 0.0] = 0.5 * _I2_32M1
        raw[(1.0 - raw) <= 0.0] = 1.0 - 0.5 * _I2_32M1
        return raw

    def normal(self, n: int) -> np.ndarray:
        """``rnorm(n)``: the next ``n`` standard normals by inversion (two uniforms each)."""
        out = np.empty(n)
        for start in range(0, n, _BLOCK):  # blocks that stay in cache
            stop = min(n, start + _BLOCK)
            pairs = self.uniform(2 * (stop - start)).reshape(stop - start, 2)
            u = pairs[:, 0] * _BIG
            np.trunc(u, out=u)
            u += pairs[:, 1]
            u /= _BIG
            out[start:stop] = qnorm(u)
        return out


def _horner(r: np.ndarray, coefs: tuple[float, ...]) -> np.ndarray:
    """``((c0 * r + c1) * r + c2) ...``: R's qnorm evaluation order, for identical rounding."""
    acc = r * coefs[0]
    acc += coefs[1]
    for c in coefs[2:]:
        acc *= r
        acc += c
    return acc


_CENTRAL_NUM = (
    2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
    13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608,
)  # fmt: skip
_CENTRAL_DEN = (
    5226.495278852545925, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
    5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1.0,
)  # fmt: skip
_NEAR_NUM = (
    7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177,
    1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
    4.6303378461565452959, 1.42343711074968357734,
)  # fmt: skip
_NEAR_DEN = (
    1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
    0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
    2.05319162663775882187, 1.0,
)  # fmt: skip
_FAR_NUM = (
    2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
    0.026532189526576123093, 0.29656057112000658027, 1.7848265399172498738,
    5.4637849111641143699, 6.6579046435011037772,
)  # fmt: skip
_FAR_DEN = (
    2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
    7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
    0.59983220655588793769, 1.0,
)  # fmt: skip


def qnorm(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile by Wichura's AS 241, written as R 4.2's ``qnorm`` evaluates it."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    r = q * q
    np.subtract(0.180625, r, out=r)
    out = _horner(r, _CENTRAL_NUM)
    out *= q
    out /= _horner(r, _CENTRAL_DEN)
    tail = np.flatnonzero(np.abs(q) > 0.425)
    if tail.size:
        qt = q[tail]
        pt = p[tail]
        rt = np.sqrt(-np.log(np.where(qt > 0, 1.0 - pt, pt)))
        near = rt <= 5.0
        val = np.empty_like(rt)
        rn = rt[near] + -1.6
        val[near] = _horner(rn, _NEAR_NUM) / _horner(rn, _NEAR_DEN)
        rf = rt[~near] + -5.0
        val[~near] = _horner(rf, _FAR_NUM) / _horner(rf, _FAR_DEN)
        out[tail] = np.where(qt < 0.0, -val, val)
    return out
