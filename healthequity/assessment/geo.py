"""The areas a decision affects: wards and LSOAs named by code or name, and a drawn or uploaded
area (GeoJSON) resolved to the LSOAs whose representative point lies inside it.

Point-in-polygon is even-odd ray casting in numpy (shapely is not a dependency): every LSOA point
is tested against every edge of the drawn area in one array operation, holes included. Each
LSOA's representative point is found once from the shipped boundaries: the middle of the widest
span of its largest polygon along the horizontal line through that polygon's centroid, so it
always lies inside the LSOA, even a crescent-shaped one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from healthequity.errors import InputError
from healthequity.geography import boundaries, lsoa_lookup

WARD = "Ward"
LSOA = "LSOA"


@dataclass(frozen=True)
class Area:
    """An affected area: its GSS code, type (Ward or LSOA), name and how it was chosen."""

    code: str
    type: str
    name: str
    source: str = "listed"


@cache
def _lookup() -> pd.DataFrame:
    return lsoa_lookup(2021)


def _known() -> dict[str, Area]:
    """Every ward and LSOA of the place, by code and by lower-case ward name."""
    table = _lookup()
    out: dict[str, Area] = {}
    for code, name in table[["ward_code", "ward_name"]].drop_duplicates().itertuples(index=False):
        area = Area(str(code), WARD, str(name))
        out[str(code).lower()] = area
        out[str(name).lower()] = area
    for code, name in table[["lsoa_code", "lsoa_name"]].itertuples(index=False):
        out[str(code).lower()] = Area(str(code), LSOA, str(name))
    return out


def ward_choices() -> list[Area]:
    """The place's wards by name (for the form's list)."""
    wards = {a.code: a for a in _known().values() if a.type == WARD}
    return sorted(wards.values(), key=lambda a: a.name)


def resolve(values: Any, field: str = "areas") -> list[Area]:
    """The wards and LSOAs named by ``values`` (codes or ward names; a list, or text split on
    ';', ',' or new lines); an unknown one is refused, naming it."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for part in values.splitlines() for v in part.replace(";", ",").split(",")]
    known = _known()
    found: dict[str, Area] = {}
    for raw in values:
        wanted = " ".join(str(raw).split())
        if not wanted:
            continue
        area = known.get(wanted.lower())
        if area is None:
            examples = ", ".join(a.name for a in ward_choices()[:3])
            raise InputError(
                f"{field}: unknown ward or LSOA {wanted!r}; expected a ward name (e.g. "
                f"{examples}), a ward code (E05...) or an LSOA code (E01...) of the place",
                field=field,
                values=[raw],
            )
        found.setdefault(area.code, area)
    return list(found.values())


def lsoas_of(areas: list[Area]) -> list[str]:
    """The LSOA codes the areas cover (a ward's LSOAs, or the LSOA itself), each once."""
    table = _lookup()
    wards = {a.code for a in areas if a.type == WARD}
    lsoas = {a.code for a in areas if a.type == LSOA}
    inside = table["ward_code"].isin(wards) | table["lsoa_code"].isin(lsoas)
    return sorted(table.loc[inside, "lsoa_code"].astype(str))


def wards_of(areas: list[Area]) -> list[str]:
    """The ward codes that contain the areas (an LSOA's ward, or the ward itself)."""
    table = _lookup()
    codes = lsoas_of(areas)
    return sorted(table.loc[table["lsoa_code"].isin(codes), "ward_code"].astype(str).unique())


# --- point in polygon ----------------------------------------------------------------------


def points_in_polygons(points: np.ndarray, polygons: list[list[np.ndarray]]) -> np.ndarray:
    """Which of ``points`` (n x 2, lon/lat) lie inside any polygon (each a list of rings, the
    first the exterior, the rest holes) by the even-odd rule, in one broadcast per polygon."""
    px, py = points[:, 0:1], points[:, 1:2]
    inside = np.zeros(len(points), dtype=bool)
    for rings in polygons:
        edges = np.concatenate([np.stack([r, np.roll(r, -1, axis=0)], axis=1) for r in rings])
        x1, y1 = edges[:, 0, 0][None, :], edges[:, 0, 1][None, :]
        x2, y2 = edges[:, 1, 0][None, :], edges[:, 1, 1][None, :]
        straddles = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        crossings = (straddles & (px < cross_x)).sum(axis=1)
        inside |= crossings % 2 == 1
    return inside


def _ring(coords: Any, field: str) -> np.ndarray:
    try:
        ring = np.asarray(coords, dtype="float64")[:, :2]
    except (TypeError, ValueError, IndexError):
        raise InputError(
            f"{field}: a ring's coordinates are not [longitude, latitude] pairs", field=field
        ) from None
    if len(ring) < 3:
        raise InputError(f"{field}: a ring needs at least 3 points", field=field)
    if not (np.all(np.abs(ring[:, 0]) <= 180) and np.all(np.abs(ring[:, 1]) <= 90)):
        raise InputError(
            f"{field}: coordinates must be WGS84 longitude, latitude (EPSG:4326)", field=field
        )
    return ring


def polygons(geojson: Any, field: str = "area_geojson") -> list[list[np.ndarray]]:
    """The polygons of a GeoJSON text or object (FeatureCollection, Feature, Polygon or
    MultiPolygon), each as a list of rings; anything else is refused."""
    if isinstance(geojson, str | bytes):
        try:
            geojson = json.loads(geojson)
        except ValueError as err:
            raise InputError(f"{field}: not valid GeoJSON ({err})", field=field) from None
    if not isinstance(geojson, dict):
        raise InputError(f"{field}: expected a GeoJSON object", field=field)
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        return [p for f in geojson.get("features") or [] for p in polygons(f, field)]
    if kind == "Feature":
        return polygons(geojson.get("geometry"), field)
    if kind == "Polygon":
        return [[_ring(r, field) for r in geojson.get("coordinates") or []]]
    if kind == "MultiPolygon":
        return [[_ring(r, field) for r in poly] for poly in geojson.get("coordinates") or []]
    raise InputError(
        f"{field}: GeoJSON of type {kind!r} has no area; expected a Polygon or MultiPolygon "
        "(or a Feature or FeatureCollection of them)",
        field=field,
    )


def _interior_point(ring: np.ndarray) -> tuple[float, float]:
    x, y = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y2 - x2 * y
    area = cross.sum() / 2
    cy = ((y + y2) * cross).sum() / (6 * area) if area else y.mean()
    straddles = (y > cy) != (y2 > cy)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = np.sort((x + (cy - y) * (x2 - x) / (y2 - y))[straddles])
    if len(xs) < 2:
        return float(x.mean()), float(y.mean())
    spans = xs[1::2] - xs[0::2][: len(xs[1::2])]
    widest = int(np.argmax(spans))
    return float((xs[2 * widest] + xs[2 * widest + 1]) / 2), float(cy)


@cache
def lsoa_points() -> tuple[tuple[str, ...], np.ndarray]:
    """Each shipped LSOA's code and a point inside it (lon, lat)."""
    codes: list[str] = []
    points: list[tuple[float, float]] = []
    for feature in boundaries("lsoa21")["features"]:
        rings = polygons(feature["geometry"], "boundaries")
        largest = max(rings, key=lambda r: abs(_shoelace(r[0])))
        codes.append(str(feature["properties"]["area_code"]))
        points.append(_interior_point(largest[0]))
    return tuple(codes), np.asarray(points)


def _shoelace(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum() / 2)


def lsoas_in(geojson: Any, field: str = "area_geojson") -> list[Area]:
    """The LSOAs of the place inside a drawn or uploaded area (at least one, or refused)."""
    shapes = polygons(geojson, field)
    if not shapes:
        raise InputError(f"{field}: the GeoJSON holds no polygon", field=field)
    codes, points = lsoa_points()
    inside = points_in_polygons(points, shapes)
    known = _known()
    found = [known[codes[i].lower()] for i in np.flatnonzero(inside) if codes[i].lower() in known]
    if not found:
        raise InputError(
            f"{field}: the drawn area contains no LSOA of the place (checked {len(codes)} LSOA "
            "centres); draw it over the place, in longitude/latitude",
            field=field,
        )
    return [Area(a.code, a.type, a.name, "drawn") for a in found]
