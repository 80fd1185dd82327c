"""Accessibility fixes applied to a Vega-Lite spec before it is drawn on a page.

Vega gives every mark an ARIA role; a reference rule (a target, an average, a start date) whose
encodings yield no description then has a role and no text, which screen readers announce as an
unlabelled graphic (axe: svg-img-alt). Such rules are described in the chart's own description,
so they are hidden from assistive technology instead.
"""

from __future__ import annotations

import copy
from typing import Any


def _quiet(node: Any) -> None:
    if isinstance(node, dict):
        mark = node.get("mark")
        encoding = node.get("encoding") or {}
        if mark is not None and "description" not in encoding:
            kind = mark if isinstance(mark, str) else mark.get("type")
            if kind == "rule":
                node["mark"] = {"type": "rule"} if isinstance(mark, str) else dict(mark)
                node["mark"]["aria"] = False
        for key in ("layer", "concat", "hconcat", "vconcat"):
            for child in node.get(key) or []:
                _quiet(child)
        if isinstance(node.get("spec"), dict):
            _quiet(node["spec"])


def accessible(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` with undescribed reference rules hidden from assistive technology."""
    out = copy.deepcopy(spec)
    _quiet(out)
    return out
