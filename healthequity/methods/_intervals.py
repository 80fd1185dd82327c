"""Confidence interval primitives used across the method families (OHID technical guidance).

Wilson score for proportions; exact Poisson (chi-squared) below 10 events and Byar's
approximation from 10; Student's t for means. All take arrays and return arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Below this many events a Poisson interval is exact, from it Byar's (the reference's rule).
BYARS_THRESHOLD = 10


def z_score(level: float) -> float:
    """Two-sided normal quantile for a confidence level: 0.95 -> 1.959964."""
    return float(stats.norm.ppf(level + (1 - level) / 2))


def wilson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion x / n."""
    z = z_score(level)
    x = np.asarray(x, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        lower = (2 * x + z**2 - root) / 2 / (n + z**2)
        upper = (2 * x + z**2 + root) / 2 / (n + z**2)
    return lower, upper


def poisson_exact(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for a count, from the chi-squared distribution."""
    x = np.asarray(x, dtype="float64")
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * np.where(x > 0, x, 1)) / 2, 0.0)
        upper = np.asarray(stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2, dtype="float64")
    return lower, upper


def byars(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson interval for a count."""
    z = z_score(level)
    x = np.asarray(x, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / 3 / np.sqrt(x)) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / 3 / np.sqrt(x + 1)) ** 3
    return lower, upper


def poisson(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson interval for a count: exact below ``BYARS_THRESHOLD`` events, Byar's above."""
    x = np.asarray(x, dtype="float64")
    exact_lo, exact_hi = poisson_exact(x, level)
    byars_lo, byars_hi = byars(x, level)
    small = x < BYARS_THRESHOLD
    return np.where(small, exact_lo, byars_lo), np.where(small, exact_hi, byars_hi)


def poisson_method(x: np.ndarray) -> np.ndarray:
    """The method name the reference reports for a Poisson interval: 'Exact' or 'Byars'."""
    return np.where(np.asarray(x) < BYARS_THRESHOLD, "Exact", "Byars").astype(object)


def student_t(
    mean: np.ndarray, sd: np.ndarray, count: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval for a mean of ``count`` observations with standard deviation ``sd``."""
    count = np.asarray(count, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(level + (1 - level) / 2, count - 1)
        half = t * sd / np.sqrt(count)
    return mean - half, mean + half
