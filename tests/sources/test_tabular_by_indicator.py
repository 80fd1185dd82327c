"""Tidy counts checked by what each row measures (the place's indicator catalogue): numerator
within denominator for proportions only, and sd for means only, required from 2 values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthequity.errors import FileRejected
from healthequity.indicators.catalogue import load_catalogue
from healthequity.indicators.count_rules import count_rules, place_count_rules
from healthequity.sources.tabular import load_counts, read_counts
from healthequity.store.warehouse import Warehouse

HEADER = "indicator_id,area_code,period,sex,age_band,numerator,denominator"
# What each indicator_id measures: the shipped catalogue.
RULES = count_rules(load_catalogue())
# Shipped definitions used below (their value types are what the rules look at).
SHIPPED = {
    "gld_reception": "proportion",
    "first_time_entrants_yjs": "crude_rate",
    "violence_admissions": "dsr",
    "prs_cat1_hazards_removed": "count",
    "weekly_earnings": "mean",
}

RATE_YAML = """\
id: {id}
name: A local rate
principle: 6
definition: Admissions per 1,000 people
value_type: crude_rate
numerator: admissions
denominator: people
multiplier: 1000
polarity: lower_is_better
unit: per 1,000
source: tests
lowest_geography: lsoa
period_type: calendar_year
data:
  kind: warehouse
  indicator_id: {counts_id}
"""


def write(folder: Path, name: str, lines: list[str], header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    with pytest.raises(FileRejected) as info:
        read_counts(path, rules=RULES)
    return [str(p) for p in info.value.problems]


def test_the_shipped_value_types_are_as_the_tests_assume() -> None:
    catalogue = load_catalogue()
    assert {i: str(catalogue.get(i).value_type) for i in SHIPPED} == SHIPPED


def test_rates_dsrs_and_counts_may_exceed_their_denominator(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.csv",
        [
            "first_time_entrants_yjs,E05011549,2023,Persons,All ages,5,3",
            "violence_admissions,E05011549,2022/23,Persons,15-19,14,9",
            "prs_cat1_hazards_removed,E05011549,2023/24,Persons,All ages,40,0",
            "gld_reception,E05011549,2023/24,Persons,All ages,40,40",
        ],
    )
    wh = Warehouse(tmp_path / "w.duckdb")
    assert load_counts(wh, path, rules=RULES) == 1
    stored = wh.read("counts").set_index("indicator_id")
    assert stored["numerator"].to_dict() == {
        "first_time_entrants_yjs": 5,
        "gld_reception": 40,
        "prs_cat1_hazards_removed": 40,
        "violence_admissions": 14,
    }
    assert stored["sd"].isna().all()


def test_a_proportion_above_its_denominator_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "gld.csv",
        [
            "gld_reception,E05011549,2023/24,Persons,All ages,12,40",
            "gld_reception,E05011395,2023/24,Persons,All ages,41,40",
            "first_time_entrants_yjs,E05011395,2023,Persons,All ages,41,40",
        ],
    )
    wh = Warehouse(tmp_path / "w.duckdb")
    with pytest.raises(FileRejected) as info:
        load_counts(wh, path, rules=RULES)
    assert [str(p) for p in info.value.problems] == [
        "gld.csv, row 3, column 'numerator': 41: expected a numerator no greater than the "
        "denominator (40): 'gld_reception' is a proportion",
    ]
    assert wh.latest_version() == 0


def test_an_unknown_indicator_is_checked_as_a_proportion(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.csv", ["my_admissions,E05011549,2023,Persons,All ages,9,4"])
    assert messages(path) == [
        "mine.csv, row 2, column 'numerator': 9: expected a numerator no greater than the "
        "denominator (4): 'my_admissions' is not in the indicator catalogue, so is checked as "
        "a proportion",
    ]


def test_sd_on_a_row_that_is_not_a_mean_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sd.csv",
        [
            "gld_reception,E05011549,2023/24,Persons,All ages,12,40,2.5",
            "first_time_entrants_yjs,E05011549,2023,Persons,All ages,5,300,",
            "my_scores,E05011549,2023,Persons,All ages,50,10,1",
            "weekly_earnings,E05011549,2023,Persons,All ages,6000,10,150",
        ],
        header=HEADER + ",sd",
    )
    assert messages(path) == [
        "sd.csv, row 2, column 'sd': 2.5: expected a blank: sd is only for mean indicators, "
        "and 'gld_reception' is a proportion",
        "sd.csv, row 4, column 'numerator': 50: expected a numerator no greater than the "
        "denominator (10): 'my_scores' is not in the indicator catalogue, so is checked as a "
        "proportion",
        "sd.csv, row 4, column 'sd': 1: expected a blank: sd is only for mean indicators, "
        "and 'my_scores' is not in the indicator catalogue",
    ]


def test_a_mean_needs_sd_from_two_values_and_a_sum_of_none_is_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "means.csv",
        [
            "weekly_earnings,E05011549,2023,Persons,All ages,6000,10,150",  # fine
            "weekly_earnings,E05011395,2023,Persons,All ages,6000,10,",  # sd missing
            "weekly_earnings,E05011395,2023,Male,All ages,600,1,",  # one value: no sd
            "weekly_earnings,E05011395,2023,Female,All ages,0,0,",  # no values
            "weekly_earnings,E05011549,2023,Male,All ages,5,0,",  # a sum of no values
            "weekly_earnings,E05011549,2023,Female,All ages,1200,2,-3",
            "weekly_earnings,E05011549,2022,Persons,All ages,1200,2,n/a",
            "weekly_earnings,E05011549,2021,Persons,All ages,1200,2,0",  # identical values
        ],
        header=HEADER + ",sd",
    )
    assert messages(path) == [
        "means.csv, row 3, column 'sd': expected a standard deviation of the row's values: a "
        "number of 0 or more, such as 4.2, not a blank: 'weekly_earnings' is a mean and this "
        "row has 10 values",
        "means.csv, row 6, column 'numerator': 5: expected 0 when the denominator is 0 (the sum "
        "of no values): 'weekly_earnings' is a mean",
        "means.csv, row 7, column 'sd': '-3': expected a standard deviation of the row's values: "
        "a number of 0 or more, such as 4.2",
        "means.csv, row 8, column 'sd': 'n/a': expected a standard deviation of the row's "
        "values: a number of 0 or more, such as 4.2",
    ]


def test_a_file_of_means_needs_an_sd_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "no_sd.csv",
        [
            "weekly_earnings,E05011549,2023,Persons,All ages,6000,10",
            "attainment8,E05011549,2023/24,Persons,All ages,45,1",  # one value: needs none
        ],
    )
    assert messages(path) == [
        "no_sd.csv, row 1, column 'sd': expected a column named 'sd' (the standard deviation "
        "of each row's values) for the mean indicator(s) 'weekly_earnings'",
    ]
    one_value = write(tmp_path, "one.csv", ["attainment8,E05011549,2023/24,Persons,All ages,45,1"])
    assert read_counts(one_value, rules=RULES)["sd"].isna().all()


def test_sd_round_trips_through_every_format_and_the_warehouse(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "means.csv",
        [
            "weekly_earnings,E05011549,2023,Persons,All ages,6123.5,10,150.25",
            "weekly_earnings,E05011395,2023,Persons,All ages,600,1,",
            "gld_reception,E05011395,2023/24,Persons,All ages,12,40,",
        ],
        header=HEADER + ",sd",
    )
    frame = read_counts(path, rules=RULES)
    assert frame["sd"].tolist()[0] == 150.25 and np.isnan(frame["sd"].tolist()[1:]).all()
    parquet = tmp_path / "means.parquet"
    pd.read_csv(path, dtype={"period": str}).to_parquet(parquet)
    pd.testing.assert_frame_equal(read_counts(parquet, rules=RULES), frame)
    wh = Warehouse(tmp_path / "w.duckdb")
    assert load_counts(wh, path, rules=RULES) == 1
    stored = wh.read("counts").drop(columns="batch")
    key = ["indicator_id", "area_code", "period", "sex", "age_band", "category_type", "category"]
    expected = frame.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def test_the_place_catalogue_decides(tmp_path: Path) -> None:
    """A place's own definition makes its counts a rate: loaded into the place's warehouse;
    the same file is refused where that definition is unknown."""
    place = tmp_path / "place"
    (place / "indicators").mkdir(parents=True)
    (place / "indicators" / "local_admissions.yaml").write_text(
        RATE_YAML.format(id="local_admissions", counts_id="admissions_counts")
    )
    path = write(tmp_path, "adm.csv", ["admissions_counts,E05011549,2023,Persons,All ages,9,4"])
    ours = place_count_rules(place)
    assert load_counts(Warehouse(place / "warehouse.duckdb"), path, rules=ours) == 1
    elsewhere = place_count_rules(tmp_path / "elsewhere")
    with pytest.raises(FileRejected, match="'admissions_counts' is not in the indicator"):
        load_counts(Warehouse(tmp_path / "elsewhere" / "warehouse.duckdb"), path, rules=elsewhere)
    own_only = count_rules(load_catalogue(place / "indicators"))
    assert read_counts(path, rules=own_only)["numerator"].tolist() == [9]
