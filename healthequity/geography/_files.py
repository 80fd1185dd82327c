"""Where the shipped reference data lives inside the installed package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import pandas as pd


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path('lookups', 'leeds_wards.csv')``."""
    return Path(str(files("healthequity.geography").joinpath("data", *parts)))


@cache
def _read_csv(relative: str) -> pd.DataFrame:
    return pd.read_csv(data_path(*relative.split("/")), dtype_backend="numpy_nullable")


def read_csv(relative: str) -> pd.DataFrame:
    """A fresh copy of a shipped CSV (cached on first read), e.g. 'lookups/leeds_wards.csv'."""
    return _read_csv(relative).copy()
