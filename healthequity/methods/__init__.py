"""The public-health statistical methods of OHID Fingertips, matching PHEindicatormethods.

Each function takes a DataFrame first, then its column names as the reference names them,
``group_by=`` for grouping columns, ``confidence=`` and ``multiplier=``; each is vectorised over
every group in one call.
"""

from healthequity.methods.arriaga import arriaga
from healthequity.methods.dsr import dsr
from healthequity.methods.esp2013 import ESP2013, ESP2013_BANDS
from healthequity.methods.funnels import funnel_limits, funnel_points, funnel_significance
from healthequity.methods.heat import heat_measures
from healthequity.methods.inequality import sii
from healthequity.methods.isr import israte, isratio
from healthequity.methods.life_expectancy import life_expectancy
from healthequity.methods.means import mean
from healthequity.methods.proportions import proportion
from healthequity.methods.quantiles import assign_quantiles
from healthequity.methods.rates import rate
from healthequity.methods.significance import compare_to_benchmark
from healthequity.methods.spc import spc_summary, xmr
from healthequity.methods.trends import recent_trend

__all__ = [
    "ESP2013",
    "ESP2013_BANDS",
    "arriaga",
    "assign_quantiles",
    "compare_to_benchmark",
    "dsr",
    "funnel_limits",
    "funnel_points",
    "funnel_significance",
    "heat_measures",
    "israte",
    "isratio",
    "life_expectancy",
    "mean",
    "proportion",
    "rate",
    "recent_trend",
    "sii",
    "spc_summary",
    "xmr",
]
