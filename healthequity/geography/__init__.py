"""Geography, deprivation and populations: the shipped reference data and how areas group."""

from healthequity.geography.aggregate import aggregate, bridge_to_lsoa21, category_label, targets
from healthequity.geography.boundaries import boundaries
from healthequity.geography.codes import ENGLAND_CODE, AreaType, area_type, check_codes
from healthequity.geography.deprivation import deprivation_groups, iod, la_summaries
from healthequity.geography.lookups import lsoa11_to_lsoa21, lsoa_lookup, wards
from healthequity.geography.populations import (
    ETHNIC_GROUPS,
    census2021_lsoa_ages,
    england_population_5yr,
    esp2013,
    ethnic_groups_lsoa,
    imd_quintile_populations,
    lsoa11_populations,
    mid_year_estimates,
    national_life_tables,
)

__all__ = [
    "ENGLAND_CODE",
    "ETHNIC_GROUPS",
    "AreaType",
    "aggregate",
    "area_type",
    "boundaries",
    "bridge_to_lsoa21",
    "category_label",
    "census2021_lsoa_ages",
    "check_codes",
    "deprivation_groups",
    "england_population_5yr",
    "esp2013",
    "ethnic_groups_lsoa",
    "imd_quintile_populations",
    "iod",
    "la_summaries",
    "lsoa11_populations",
    "lsoa11_to_lsoa21",
    "lsoa_lookup",
    "mid_year_estimates",
    "national_life_tables",
    "targets",
    "wards",
]
