"""Shipped populations: LSOA estimates, Census 2021 age and ethnic group, England and Leeds MYEs."""

from __future__ import annotations

import pandas as pd

from healthequity.geography._files import read_csv

#: Census 2021 TS021 broad ethnic groups, as columns of the shipped LSOA file and as labels.
ETHNIC_GROUPS: dict[str, str] = {
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "white": "White",
    "other_ethnic_group": "Other ethnic group",
}


def lsoa11_populations() -> pd.DataFrame:
    """Leeds 2011-LSOA mid-year estimates (2019, 2020), persons by 5-year band (ESP2013 bands)."""
    return read_csv("population/leeds_lsoa11_population_mid2019_mid2020_5yr.csv").rename(
        columns={"lsoa11_code": "lsoa_code", "lsoa11_name": "lsoa_name", "persons": "population"}
    )


def census2021_lsoa_ages() -> pd.DataFrame:
    """Leeds 2021-LSOA usual residents (Census 2021) in 6 age groups."""
    return read_csv("population/leeds_lsoa21_census2021_usual_residents_6agegroups.csv").rename(
        columns={
            "lsoa21_code": "lsoa_code",
            "lsoa21_name": "lsoa_name",
            "usual_residents": "population",
        }
    )


def ethnic_groups_lsoa(la_codes: list[str] | None = None) -> pd.DataFrame:
    """Census 2021 usual residents by broad ethnic group and 2021 LSOA, long form.

    Columns: lsoa_code, la_code, ethnic_group (TS021 label), population. All England unless
    ``la_codes`` restricts it.
    """
    wide = read_csv("population/census2021_ethnic_group_5cat_lsoa21_england.csv")
    if la_codes is not None:
        wide = wide[wide["lad24_code"].isin(la_codes)]
    long = wide.melt(
        id_vars=["lsoa21_code", "lad24_code"],
        value_vars=list(ETHNIC_GROUPS),
        var_name="ethnic_group",
        value_name="population",
    ).rename(columns={"lsoa21_code": "lsoa_code", "lad24_code": "la_code"})
    long["ethnic_group"] = long["ethnic_group"].map(ETHNIC_GROUPS)
    return long.sort_values(["lsoa_code", "ethnic_group"]).reset_index(drop=True)


def mid_year_estimates(single_year: bool = False) -> pd.DataFrame:
    """ONS mid-year estimates by sex and age, England and Leeds (5-year bands or single years)."""
    name = "single_year" if single_year else "5yr"
    return read_csv(f"population/mye_population_sex_{name}_england_leeds.csv")


def england_population_5yr() -> pd.DataFrame:
    """England population by 5-year band (persons 2019-2020; male and female 2020-2021)."""
    return read_csv("population/england_population_5yr.csv")


def imd_quintile_populations() -> pd.DataFrame:
    """England population by IMD quintile, sex and age group, 2001-2019 (ONS ad hoc 12386)."""
    return read_csv("population/england_population_imd_quintile_sex_age_2001_2019.csv")


def national_life_tables() -> pd.DataFrame:
    """ONS national life tables for England, 3-year periods 2001-03 to 2017-19, by sex and age."""
    return read_csv("population/england_national_life_tables_2001_2003_to_2017_2019.csv")


def esp2013() -> pd.DataFrame:
    """The European Standard Population 2013: 19 bands, 0-4 ... 85-89, 90+."""
    return read_csv("reference/esp2013.csv")
