"""The statistical methods on national-scale grids, one call each (issue: methods foundation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench._report import Timing, time_call, write_section
from healthequity.methods.dsr import dsr
from healthequity.methods.inequality import sii
from healthequity.methods.life_expectancy import life_expectancy
from healthequity.methods.proportions import proportion

RNG = np.random.default_rng(20261128)


def dsr_grid(areas: int = 33_755) -> pd.DataFrame:
    """Counts for every LSOA-sized area x the 19 ESP2013 bands."""
    n = RNG.integers(20, 400, size=(areas, 19))
    x = RNG.binomial(n, np.linspace(0.001, 0.12, 19))
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(areas), 19),
            "x": x.ravel(),
            "n": n.ravel(),
        }
    )


def life_table_grid(areas: int = 7_264) -> pd.DataFrame:
    """Deaths and populations for MSOA-sized areas x the 20 life-table bands."""
    ages = np.array([0, 1, *range(5, 95, 5)])
    pops = RNG.integers(300, 900, size=(areas, 20)).astype(float)
    rates = np.clip(0.0005 * np.exp(0.085 * ages), 0, 0.6)
    rates[0] = 0.004
    deaths = RNG.poisson(pops * rates)
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(areas), 20),
            "startage": np.tile(ages, areas),
            "deaths": deaths.ravel(),
            "pops": pops.ravel(),
        }
    )


def sii_grid(areas: int = 300) -> pd.DataFrame:
    """Indicator values by deprivation decile for local-authority-sized areas."""
    q = np.tile(np.arange(1, 11), areas)
    value = 80 - 0.8 * q + RNG.normal(0, 0.5, areas * 10)
    se = RNG.uniform(0.2, 1.0, areas * 10)
    return pd.DataFrame(
        {
            "area": np.repeat(np.arange(areas), 10),
            "quantile": q,
            "population": RNG.integers(5_000, 50_000, areas * 10),
            "value": value,
            "se": se,
        }
    )


def wilson_rows(rows: int = 1_000_000) -> pd.DataFrame:
    """A million independent proportions."""
    n = RNG.integers(1, 10_000, rows)
    return pd.DataFrame({"x": RNG.binomial(n, 0.3), "n": n})


def run() -> list[Timing]:
    """Time each method once per repeat on its grid and write the results."""
    d, le, s, w = dsr_grid(), life_table_grid(), sii_grid(), wilson_rows()
    timings = [
        time_call(
            "DSR, 33,755 areas x 19 bands",
            lambda: dsr(d, "x", "n", group_by="area"),
            note="ESP2013, both levels",
        ),
        time_call(
            "Life expectancy, 7,264 areas x 20 bands",
            lambda: life_expectancy(le, "deaths", "pops", "startage", group_by="area"),
            note="every start age, both levels",
        ),
        time_call(
            "SII + RII, 300 areas x 10 deciles, 100,000 simulations",
            lambda: sii(
                s,
                "quantile",
                "population",
                value="value",
                se="se",
                group_by="area",
                rii=True,
                repetitions=100_000,
                seed=1,
            ),
            note="both levels",
        ),
        time_call(
            "Wilson proportions, 1,000,000 rows",
            lambda: proportion(w, "x", "n"),
            note="both levels",
        ),
    ]
    print(
        write_section(
            "Statistical methods",
            "One call each on generated national-scale grids (`python -m bench methods`). "
            "The reference R package takes seconds to minutes on grids like these.",
            timings,
        )
    )
    return timings
