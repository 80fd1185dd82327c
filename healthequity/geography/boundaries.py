"""Shipped boundaries (ONS generalised clipped, WGS84) as GeoJSON dictionaries."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from healthequity.errors import InputError
from healthequity.geography._files import data_path

#: Boundary layer -> (file, property holding the GSS code, property holding the name).
LAYERS: dict[str, tuple[str, str, str]] = {
    "ward": ("leeds_wards_2025_bgc.geojson", "ward_code", "ward_name"),
    "lsoa21": ("leeds_lsoa21_bgc.geojson", "lsoa21_code", "lsoa21_name"),
    "lsoa11": ("leeds_lsoa11_bgc.geojson", "lsoa11_code", "lsoa11_name"),
    "msoa21": ("leeds_msoa21_bgc.geojson", "msoa21_code", "msoa21_name"),
    "msoa11": ("leeds_msoa11_bgc.geojson", "msoa11_code", "msoa11_name"),
}


@cache
def _load(layer: str) -> str:
    return data_path("boundaries", LAYERS[layer][0]).read_text()


def boundaries(layer: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection whose features carry ``area_code`` and ``area_name``."""
    if layer not in LAYERS:
        raise InputError(
            f"boundary layer {layer!r} is not shipped; expected one of {', '.join(LAYERS)}",
            field="layer",
            expected=", ".join(LAYERS),
        )
    collection: dict[str, Any] = json.loads(_load(layer))
    _, code, name = LAYERS[layer]
    for feature in collection["features"]:
        props = feature["properties"]
        props["area_code"], props["area_name"] = props[code], props[name]
    return collection
