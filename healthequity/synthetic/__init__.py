"""Reproducible synthetic demo data for Leeds, labelled synthetic in every frame (``source``).

Populations calibrated to the ONS mid-year estimates, record-level deaths calibrated to the
national life tables and Leeds' published inequality in life expectancy, and counts per LSOA for
every indicator whose definition asks for synthetic data.
"""

from healthequity.synthetic.counts import (
    age_band_label,
    age_range,
    period_plan,
    synthetic_counts,
    synthetic_england_counts,
)
from healthequity.synthetic.deaths import (
    CAUSES,
    england_deaths,
    expected_deaths,
    synthetic_deaths,
)
from healthequity.synthetic.populations import england_population, synthetic_population

__all__ = [
    "CAUSES",
    "age_band_label",
    "age_range",
    "england_deaths",
    "england_population",
    "expected_deaths",
    "period_plan",
    "synthetic_counts",
    "synthetic_deaths",
    "synthetic_england_counts",
    "synthetic_population",
]
