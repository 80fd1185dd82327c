"""Charts as Vega-Lite specs: pure functions from tidy frames to JSON-ready dictionaries.

The same spec is drawn in the browser (vega-embed) and rendered to PNG / SVG on the server
(vl-convert), so a downloaded chart is exactly the one on the page.
"""

from healthequity.charts.caterpillar import caterpillar_chart
from healthequity.charts.choropleth import ward_map
from healthequity.charts.gradient import gradient_chart, sii_line
from healthequity.charts.spc import spc_chart
from healthequity.charts.spine import spine_chart, spine_positions
from healthequity.charts.style import SIGNIFICANCE_COLOURS, records
from healthequity.charts.trend import trend_chart

__all__ = [
    "SIGNIFICANCE_COLOURS",
    "caterpillar_chart",
    "gradient_chart",
    "records",
    "sii_line",
    "spc_chart",
    "spine_chart",
    "spine_positions",
    "trend_chart",
    "ward_map",
]
