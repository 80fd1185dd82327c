"""Access to the reference implementation's recorded inputs and outputs (PHEindicatormethods 2.1.0).

The files in tests/data/phe are a copy of shared/reference/phe: generated inputs and what the R
package returned on them. This module maps the package's column names to ours.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

PHE = Path(__file__).parent / "data" / "phe"

_BOTH = {
    "lower95_0cl": "lower_95",
    "upper95_0cl": "upper_95",
    "lower99_8cl": "lower_99_8",
    "upper99_8cl": "upper_99_8",
}


@cache
def _read(kind: str, name: str) -> pd.DataFrame:
    return pd.read_csv(PHE / kind / f"{name}.csv", keep_default_na=True)


def reference_input(name: str) -> pd.DataFrame:
    """A copy of one generated input file."""
    return _read("inputs", name).copy()


def reference_output(name: str, run: str | None = None) -> pd.DataFrame:
    """The reference's output rows (of one run), interval columns renamed to ours."""
    out = _read("outputs", name)
    if run is not None:
        out = out[out["run"] == run]
        if out.empty:
            raise KeyError(f"no run {run!r} in outputs/{name}.csv")
    return out.reset_index(drop=True).copy()


def runs(name: str) -> list[str]:
    """The runs recorded in one output file."""
    return list(dict.fromkeys(_read("outputs", name)["run"]))


def run_args(func: str, run: str) -> str:
    """The recorded arguments of a run (from runs.csv)."""
    table = _read("outputs", "runs")
    row = table[(table["func"] == func) & (table["run"] == run)]
    return str(row["args"].iloc[0])


def ours_from_reference(ref: pd.DataFrame, level_label: str | None = None) -> pd.DataFrame:
    """Rename the reference's interval columns to ours.

    Two-level runs use lower95_0cl etc.; single-level runs use lowercl / uppercl, which become
    ``lower_<label>`` for the run's level (e.g. '90', '99_8').
    """
    if level_label is not None:
        ref = ref.drop(columns=[c for c in _BOTH if c in ref.columns])
        return ref.rename(
            columns={"lowercl": f"lower_{level_label}", "uppercl": f"upper_{level_label}"}
        )
    return ref.rename(columns=_BOTH)


def level_label_of(confidence_text: str) -> list[str]:
    """'95%, 99.8%' -> ['95', '99_8']."""
    return [m.replace(".", "_") for m in re.findall(r"([\d.]+)%", confidence_text)]


def assert_close(
    ours: pd.Series | np.ndarray,
    expected: pd.Series | np.ndarray,
    *,
    rtol: float = 1e-9,
    atol: float = 0.0,
    what: str = "",
) -> None:
    """Equal to ``rtol`` relative, NaN where expected is NaN, +-inf where expected is +-inf."""
    a = np.asarray(ours, dtype="float64")
    b = np.asarray(expected, dtype="float64")
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    na_a, na_b = np.isnan(a), np.isnan(b)
    bad_na = na_a != na_b
    assert not bad_na.any(), (
        f"{what}: NA mismatch at positions {np.flatnonzero(bad_na)[:10].tolist()}: "
        f"ours {a[bad_na][:10].tolist()} expected {b[bad_na][:10].tolist()}"
    )
    ok = ~na_b
    np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=atol, err_msg=what)
