"""Bad configuration gives a clear message naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from healthequity.evaluation import ConfigError, build_panel, load_config, parse_config
from healthequity.evaluation.example import EXAMPLE_CONFIG, EXAMPLE_DATA


def _raw() -> dict[str, Any]:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    raw["outcome"]["counts"] = str(EXAMPLE_DATA)
    return raw


def _panel(raw: dict[str, Any]) -> None:
    build_panel(parse_config(raw, "test.yaml"))


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert config.synthetic and config.intervention.start == 2020
    assert config.resolve(config.outcome.counts) == EXAMPLE_DATA.resolve()


def test_unknown_area() -> None:
    raw = _raw()
    raw["intervention"]["areas"] = ["E05012647", "E05099999"]
    with pytest.raises(ConfigError) as err:
        _panel(raw)
    assert str(err.value) == (
        "intervention.areas: E05099999 is not an area of the outcome data, nor a ward whose "
        "LSOAs are in it"
    )
    assert err.value.field == "intervention.areas"


def test_start_after_the_data() -> None:
    raw = _raw()
    raw["intervention"]["start"] = 2030
    with pytest.raises(
        ConfigError,
        match=r"^intervention.start: 2030 is after the last period "
        r"of the data \(2014 to 2024\); expected a start within the data$",
    ):
        _panel(raw)


def test_no_pre_period() -> None:
    raw = _raw()
    raw["intervention"]["start"] = 2014
    with pytest.raises(ConfigError) as err:
        _panel(raw)
    assert str(err.value) == (
        "intervention.start: 2014 leaves no pre-period: the data start in 2014; expected a "
        "start after 2014"
    )


def test_one_pre_period_is_too_few_for_a_pre_trend() -> None:
    raw = _raw()
    raw["intervention"]["start"] = 2015
    with pytest.raises(ConfigError, match=r"^intervention.start: 2015 leaves 1 pre-period\(s\)"):
        _panel(raw)


def test_too_few_comparison_areas() -> None:
    raw = _raw()
    raw["comparison"]["min_areas"] = 1000
    with pytest.raises(ConfigError) as err:
        _panel(raw)
    assert str(err.value) == (
        "comparison.pool: only 455 comparison areas in the city (E08000035) once the "
        "intervention areas are left out; comparison.min_areas is 1000"
    )
    assert err.value.field == "comparison.pool"


def test_schema_errors_name_every_field(tmp_path: Path) -> None:
    raw = _raw()
    raw["intervention"]["areas"] = ["Beeston"]
    raw["comparison"]["method"] = "magic"
    raw["outcome"]["colour"] = "blue"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ")
    assert "intervention.areas.0: 'Beeston' is not a GSS code like E01011264" in text
    assert "comparison.method: Input should be 'nearest', 'propensity' or 'none'" in text
    assert "outcome.colour: is not a known field" in text


def test_areas_and_groups_together() -> None:
    raw = _raw()
    raw["intervention"]["groups"] = [{"name": "x", "areas": ["E05012647"], "start": 2019}]
    with pytest.raises(ConfigError, match="intervention: give either areas and start, or groups"):
        parse_config(raw)


def test_outcome_needs_one_source() -> None:
    raw = _raw()
    raw["outcome"]["indicator"] = "x"
    with pytest.raises(ConfigError, match="outcome: give exactly one of counts"):
        parse_config(raw)


def test_missing_file_and_bad_counts(tmp_path: Path) -> None:
    raw = _raw()
    raw["outcome"]["counts"] = str(tmp_path / "none.csv")
    with pytest.raises(ConfigError, match=r"^outcome\.counts: no such file"):
        _panel(raw)
    bad = tmp_path / "bad.csv"
    text = EXAMPLE_DATA.read_text().splitlines()
    cells = text[3].split(",")
    cells[4] = "0"  # denominator
    text[3] = ",".join(cells)
    bad.write_text("\n".join(text[:50]))
    raw["outcome"]["counts"] = str(bad)
    with pytest.raises(Exception) as err:
        _panel(raw)
    assert str(err.value) == f"{bad}: column 'denominator', row 3 (0): expected a positive number"
