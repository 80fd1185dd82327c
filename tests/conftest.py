"""Fixtures every test folder may use: Debian's chromium for the browser tests and one local
SparkSession per run (per xdist worker: PySpark takes 10-20 s to start) for the Spark tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium for a module's browser tests (skipped where not installed)."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] SparkSession bound to 127.0.0.1; skips where pyspark or Java is missing."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'healthequity[spark]')")
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and os.path.exists(java_home)):
        pytest.skip("Java is not installed: PySpark needs a JDK (17 or later) on PATH or JAVA_HOME")
    from healthequity.aggregation.engines import local_spark_session

    session = local_spark_session("healthequity-tests", driver_memory="1g")
    yield session
    session.stop()
