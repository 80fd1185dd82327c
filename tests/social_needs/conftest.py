"""One local SparkSession for the whole run (per xdist worker): PySpark takes ~10-20 s to start.

Spark's Python workers run this interpreter (PYSPARK_PYTHON), which has pandas and pyarrow:
shipping a pandas frame with nullable columns to Spark may start them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] SparkSession bound to 127.0.0.1; skips where pyspark or Java is missing."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install 'healthequity[spark]')")
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and os.path.exists(java_home)):
        pytest.skip("Java is not installed: PySpark needs a JDK (17 or later) on PATH or JAVA_HOME")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from healthequity.aggregation.engines import local_spark_session

    session = local_spark_session("healthequity-tests", driver_memory="1g")
    yield session
    session.stop()
