"""The indirectly standardised ratios (SAR/SMR) render: page, charts and download."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthequity.config import example_place_dir, load_place
from healthequity.reports.indicator_set import run_build
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app

RATIOS = {
    "emergency_admissions_sar": "SAR (England = 100)",
    "u75_mortality_smr": "SMR (England = 100)",
}


@pytest.fixture(scope="module")
def isr_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder: Path = tmp_path_factory.mktemp("isr-place")
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(
        load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None,
        only=list(RATIOS),
    )  # fmt: skip
    return TestClient(create_app(Settings(folder)))


@pytest.mark.parametrize(("indicator", "unit"), RATIOS.items())
def test_ratio_page_shows_england_as_100(isr_client: TestClient, indicator: str, unit: str) -> None:
    html = isr_client.get(f"/indicators/{indicator}").text
    assert f"100.0 {unit}" in html  # England's value
    assert "charts/caterpillar.svg" in html and "Compared with England" in html
    for chart in ("caterpillar", "gradient", "trend"):  # the value axis names the unit
        r = isr_client.get(f"/indicators/{indicator}/charts/{chart}.svg?sex=Persons")
        assert r.status_code == 200 and unit in r.text, chart
    shaded = isr_client.get(f"/indicators/{indicator}/charts/map.svg?sex=Persons")
    assert shaded.status_code == 200 and shaded.text.startswith("<svg")
    rows = list(
        csv.DictReader(io.StringIO(isr_client.get(f"/indicators/{indicator}/download.csv").text))
    )
    england = [r for r in rows if r["Area Code"] == "E92000001" and r["Sex"] == "Persons"]
    assert england and all(float(r["Value"]) == 100.0 for r in england)
