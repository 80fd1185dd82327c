"""The synthetic demo counts of one indicator as the build takes them (its count provider).

The build sits below this package and does not import it: its callers (``healthequity build``,
the benchmarks, the tests) pass ``synthetic_indicator_counts`` as ``synthetic=``.
"""

from __future__ import annotations

from healthequity.indicators.build import BuildContext, IndicatorCounts
from healthequity.indicators.definition import Definition
from healthequity.synthetic.counts import synthetic_counts, synthetic_england_counts


def synthetic_indicator_counts(d: Definition, ctx: BuildContext) -> IndicatorCounts:
    """LSOA and England synthetic counts of ``d`` for the context's place, years and seed."""
    lsoas = synthetic_counts(d, ctx.place, ctx.years, seed=ctx.seed)
    england = synthetic_england_counts(d, ctx.years, seed=ctx.seed)
    return IndicatorCounts(lsoas, england, "synthetic", f"synthetic demo data (seed {ctx.seed})")
