"""Server-side rendering of a chart's Vega-Lite spec to SVG or PNG (vl-convert), and the
indicator downloads (Fingertips-format CSV, Excel) written from the publishable rows."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import vl_convert as vlc

from healthequity.indicators.downloads import write_fingertips, write_workbook

EXPORT_WIDTH = 720


def fixed_width(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy with container-relative widths fixed (a server has no container)."""
    out = copy.deepcopy(spec)
    if out.get("width") == "container":
        out["width"] = EXPORT_WIDTH
    out.setdefault("background", "white")
    return out


def render_chart(spec: dict[str, Any], fmt: str) -> bytes:
    """The chart as SVG (UTF-8) or PNG bytes."""
    fixed = fixed_width(spec)
    if fmt == "svg":
        return str(vlc.vegalite_to_svg(vl_spec=fixed)).encode("utf-8")
    return bytes(vlc.vegalite_to_png(vl_spec=fixed, scale=2))


def _via_file(suffix: str, write: Any) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"download{suffix}"
        write(path)
        return path.read_bytes()


def fingertips_csv(rows: pd.DataFrame) -> bytes:
    """Rows as a Fingertips-format CSV (Fingertips' columns, then Source and Data version)."""
    return _via_file(".csv", lambda p: write_fingertips(rows, p))


def workbook(rows: pd.DataFrame) -> bytes:
    """Rows as the Excel workbook (contents sheet, then a sheet per principle)."""
    return _via_file(".xlsx", lambda p: write_workbook(rows, p))
