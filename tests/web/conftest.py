"""A small build of six indicators in a temporary place folder, with the worked example's
evaluation saved in it, shared by the web tests; and a place whose latest build changed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthequity.config import example_place_dir, load_place
from healthequity.dashboard import create_dashboard
from healthequity.reports.indicator_set import run_build
from healthequity.store.results import builds, read_build, save_build
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings
from tests.browser import served

EXAMPLE = "selective_licensing"
TABLES = ("indicator_values", "inequality", "verdicts")
#: What the changed place's latest build changes: a new period of infant mortality, and a
#: revised published value of life expectancy (the city's latest Female figure).
NEW_PERIOD = ("infant_mortality", "2021-23")
REVISED = ("life_expectancy_birth", "E08000035", "Female", "2023-25")

INDICATORS = [
    "smoking_at_delivery",
    "infant_mortality",
    "life_expectancy_birth",
    "u75_preventable_mortality",
    "weekly_earnings",
    "children_relative_low_income",
]


@pytest.fixture(scope="session")
def place_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Leeds place folder with one build of ``INDICATORS``."""
    folder = tmp_path_factory.mktemp("place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(
        load_place(folder),
        warehouse=Warehouse(folder / "warehouse.duckdb"),
        out=None,
        only=INDICATORS,
    )
    _save_example_evaluation(folder / "evaluations" / EXAMPLE)
    return folder


def _save_example_evaluation(target: Path) -> None:
    from importlib.resources import files

    from healthequity.evaluation import evaluate, load_config, write_results

    config = files("healthequity.evaluation").joinpath("examples", "selective_licensing.yaml")
    write_results(evaluate(load_config(str(config))), target, svg=False)


@pytest.fixture(scope="session")
def changed_place(place_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``place_folder`` with two more builds: build 2 lacks infant mortality's latest
    period; build 3 has it back and one revised life expectancy value. Build 3 against 2: one
    indicator with new data, one revised value."""
    folder = tmp_path_factory.mktemp("changed")
    shutil.copy(place_folder / "place.toml", folder / "place.toml")
    shutil.copy(place_folder / "warehouse.duckdb", folder / "warehouse.duckdb")
    warehouse = Warehouse(folder / "warehouse.duckdb")
    info = builds(warehouse).iloc[0]
    tables = {name: read_build(warehouse, name, 1) for name in TABLES}

    def save(changed: dict[str, object]) -> None:
        save_build(
            warehouse,
            changed,  # type: ignore[arg-type]
            built_at=info["built_at"].to_pydatetime(),
            place=str(info["place"]),
            summary={},
        )

    values = tables["indicator_values"]
    old = (values["indicator_id"] == NEW_PERIOD[0]) & (values["period"] == NEW_PERIOD[1])
    save({**tables, "indicator_values": values[~old]})
    revised = values.copy()
    ind, area, sex, period = REVISED
    hit = (
        (revised["indicator_id"] == ind)
        & (revised["area_code"] == area)
        & (revised["sex"] == sex)
        & (revised["period"] == period)
        & (revised["category_type"] == "")
    )
    assert hit.sum() == 1
    revised.loc[hit, "value"] = revised.loc[hit, "value"] + 0.5
    save({**tables, "indicator_values": revised})
    return folder


@pytest.fixture(scope="session")
def changed_client(changed_place: Path) -> TestClient:
    """The changed place's dashboard, its 'new data' flags worked out before the first page."""
    return TestClient(create_dashboard(Settings(changed_place, changes_in_background=False)))


@pytest.fixture(scope="session")
def app(place_folder: Path) -> FastAPI:
    return create_dashboard(Settings(place_folder))


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free local port, for the browser tests."""
    with served(app) as url:
        yield url
