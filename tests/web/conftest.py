"""A small build of six indicators in a temporary place folder, shared by the web tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthequity.config import example_place_dir, load_place
from healthequity.reports.indicator_set import run_build
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app

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
    return folder


@pytest.fixture(scope="session")
def app(place_folder: Path) -> FastAPI:
    return create_app(Settings(place_folder))


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free local port, for the browser tests."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
