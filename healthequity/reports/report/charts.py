"""Charts for print: the dashboard's Vega-Lite specs rendered to SVG with vl-convert.

Specs come from ``healthequity.charts`` (the same functions the dashboard draws); here they are
only given a fixed size, rendered, and made safe to place many to a page (ids made unique, an
accessible name on the root).
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import vl_convert

_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class Chart:
    """A chart to print: its key (unique in a document), title, alt text and Vega-Lite spec."""

    key: str
    title: str
    alt: str
    spec: dict[str, Any]


def sized(spec: dict[str, Any], *, width: int, height: int | None = None) -> dict[str, Any]:
    """A copy of ``spec`` with a fixed width (print has no container) and optional height."""
    out = copy.deepcopy(spec)
    out["width"] = width
    if height is not None:
        out["height"] = height
    out.setdefault("background", "white")
    return out


def render_svg(spec: dict[str, Any]) -> str:
    """One spec as SVG text (vector: paths and text, no raster)."""
    return str(vl_convert.vegalite_to_svg(spec))


def unique_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and reference to it) so many SVGs can share one HTML page."""
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(map(re.escape, ids)) + r")\b")
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def _digest(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


class SvgRenderer:
    """Renders specs to SVG once each (keyed by content), in worker processes when there are
    many; ``workers=1`` renders in this process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
        self._done: dict[str, str] = {}

    def render(
        self,
        charts: Sequence[Chart],
        on_done: Callable[[Chart], None] | None = None,
    ) -> dict[str, str]:
        """SVG text of each chart by key, with unique ids; ``on_done`` is called per chart."""
        todo: dict[str, dict[str, Any]] = {}
        digests = {c.key: _digest(c.spec) for c in charts}
        for c in charts:
            if digests[c.key] not in self._done:
                todo[digests[c.key]] = c.spec
        if todo:
            self._done.update(self._run(todo))
        out: dict[str, str] = {}
        for c in charts:
            out[c.key] = unique_ids(self._done[digests[c.key]], _safe(c.key))
            if on_done is not None:
                on_done(c)
        return out

    def _run(self, todo: dict[str, dict[str, Any]]) -> dict[str, str]:
        keys = list(todo)
        if self.workers <= 1 or len(keys) < 8:
            return {k: render_svg(todo[k]) for k in keys}
        # 'spawn', not fork: forking a process that runs threads (DuckDB, Spark, a web server)
        # can deadlock the child, as a test run showed.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            svgs = pool.map(render_svg, (todo[k] for k in keys), chunksize=4)
            return dict(zip(keys, svgs, strict=True))


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def keys(charts: Iterable[Chart]) -> list[str]:
    """The keys of ``charts``, refusing duplicates (each must be unique in a document)."""
    out = [c.key for c in charts]
    if len(out) != len(set(out)):
        raise ValueError("chart keys must be unique in a document")
    return out
