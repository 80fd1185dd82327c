"""Saved evaluations for the dashboard: the results folders under ``PLACE/evaluations/`` that
``healthequity evaluate CONFIG --out PLACE/evaluations/NAME`` writes (manifest.json, tables,
Vega-Lite chart specs). Their figures were published through disclosure control by the
evaluation writer and are shown as stored."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from healthequity.charts.style import SCHEMA
from healthequity.errors import HealthEquityError
from healthequity.web.chart_a11y import accessible
from healthequity.web.errors import ApiError

MANIFEST = "manifest.json"
KIND = "healthequity-evaluation"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CHART_TITLES = {
    "event_study": "Event study",
    "its": "Interrupted time series",
    "balance": "Balance before and after matching",
    "trends": "Intervention and comparison areas",
}


@dataclass(frozen=True)
class Listed:
    """One saved evaluation as the list shows it (``problem`` says why it cannot be read)."""

    name: str
    title: str = ""
    synthetic: bool = False
    created_at: str = ""
    outcome: str = ""
    unit: str = ""
    headline: dict[str, Any] | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API."""
        return {
            "name": self.name,
            "title": self.title,
            "synthetic": self.synthetic,
            "created_at": self.created_at,
            "outcome": self.outcome,
            "unit": self.unit,
            "headline": self.headline,
            "problem": self.problem,
            "url": f"/evaluations/{self.name}",
        }


def _manifest(path: Path) -> dict[str, Any]:
    """A results folder's manifest, checked to be an evaluation's; ValueError says why not."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.parent.name}/{MANIFEST} could not be read: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ValueError(f"{path.parent.name}/{MANIFEST} is not an evaluation manifest")
    return manifest


def saved(folder: Path) -> list[Listed]:
    """Every results folder directly under ``folder`` (by name); none when it does not exist."""
    if not folder.is_dir():
        return []
    out = []
    for child in sorted(folder.iterdir()):
        path = child / MANIFEST
        if not NAME.match(child.name) or not path.is_file():
            continue
        try:
            m = _manifest(path)
        except ValueError as err:
            out.append(Listed(child.name, title=child.name, problem=str(err)))
            continue
        outcome = m.get("outcome") or {}
        out.append(
            Listed(
                name=child.name,
                title=str(m.get("name") or child.name),
                synthetic=bool(m.get("synthetic")),
                created_at=str(m.get("created_at") or ""),
                outcome=str(outcome.get("name") or ""),
                unit=str(outcome.get("unit") or ""),
                headline=m.get("headline"),
            )
        )
    return out


def results_folder(folder: Path, name: str) -> Path:
    """The results folder called ``name`` (404 when there is none)."""
    found = folder / name
    if not NAME.match(name) or not (found / MANIFEST).is_file():
        raise ApiError(404, f"no saved evaluation {name!r} in {folder}", field="name")
    return found


def _chart(folder: Path, key: str, entry: Any) -> dict[str, Any]:
    file = (folder / str(entry.get("spec", ""))).resolve()
    if folder.resolve() not in file.parents:
        raise ValueError(f"chart {key!r} points outside the results folder")
    spec = accessible(json.loads(file.read_text(encoding="utf-8")))
    spec["$schema"] = SCHEMA  # stored as v5; drawn by the vendored Vega-Lite 6 unchanged
    return {
        "name": key,
        "title": CHART_TITLES.get(key, str(spec.get("title") or key)),
        "description": str(spec.get("description") or ""),
        "spec": spec,
    }


@lru_cache(maxsize=64)
def _load(folder: str, stamp: int) -> dict[str, Any]:
    from healthequity.evaluation import load_results  # statsmodels & co.: loaded when needed

    path = Path(folder)
    loaded = load_results(path)
    manifest = loaded["manifest"]
    charts = [_chart(path, k, v) for k, v in manifest["files"].get("charts", {}).items()]
    return {"manifest": manifest, "tables": loaded["tables"], "charts": charts}


def load(folder: Path, name: str) -> dict[str, Any]:
    """A saved evaluation: manifest, tables (DataFrames) and chart specs (cached until its
    manifest changes); 404 when missing, 500 naming the file when it cannot be read."""
    found = results_folder(folder, name)
    try:
        _manifest(found / MANIFEST)
        stamp = (found / MANIFEST).stat().st_mtime_ns
        return _load(str(found), stamp)
    except (ValueError, OSError, KeyError, HealthEquityError, pd.errors.ParserError) as err:
        raise ApiError(500, f"saved evaluation {name!r} could not be read: {err}") from None
