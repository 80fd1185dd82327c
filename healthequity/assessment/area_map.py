"""The map the assessment form draws areas on: the shipped ward (and LSOA) boundaries projected
server-side to SVG paths, so the page needs no tile server, no CDN and no map library.

The projection is equirectangular with longitude scaled by the cosine of the place's mean
latitude, so a place the size of a city is drawn without visible east-west stretch; the browser
inverts the same four numbers (``west``, ``north``, ``kx``, ``ky``) to turn a click back into
longitude and latitude for the GeoJSON it writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from healthequity.assessment.geo import polygons
from healthequity.errors import InputError
from healthequity.geography import boundaries

#: Width of the map in SVG user units (the page scales it to fit).
WIDTH = 800.0
#: Blank border around the place, in SVG user units.
MARGIN = 10.0
#: Boundary layers the form may overlay on the wards (fetched only when asked for).
OVERLAYS = ("lsoa21",)


@dataclass(frozen=True)
class Projection:
    """Equirectangular lon/lat -> SVG x/y (y down): x = (lon - west) * kx, y = (north - lat) * ky,
    with kx = ky * cos(mean latitude) so distances east-west and north-south agree."""

    west: float
    north: float
    kx: float
    ky: float

    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        """SVG x/y (n x 2) of longitude/latitude pairs (n x 2)."""
        points = np.asarray(lonlat, dtype="float64")
        return np.column_stack(
            [(points[:, 0] - self.west) * self.kx, (self.north - points[:, 1]) * self.ky]
        )

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        """Longitude/latitude pairs (n x 2) of SVG x/y (n x 2): the inverse of ``to_xy``."""
        points = np.asarray(xy, dtype="float64")
        return np.column_stack(
            [self.west + points[:, 0] / self.kx, self.north - points[:, 1] / self.ky]
        )


def fit(
    west: float, south: float, east: float, north: float, width: float = WIDTH, margin: float = 0
) -> tuple[Projection, float]:
    """The projection drawing the box (degrees) ``width`` units wide inside a ``margin``, and the
    height it then needs; an empty or inverted box is refused."""
    if not (east > west and north > south and abs(north) < 90 and abs(south) < 90):
        raise InputError(
            f"map bounds: expected west < east and south < north within latitude -90..90, got "
            f"west={west}, south={south}, east={east}, north={north}",
            field="bounds",
        )
    if width <= 2 * margin:
        raise InputError(f"map width {width} leaves no room inside margin {margin}", field="width")
    stretch = math.cos(math.radians((north + south) / 2))
    ky = (width - 2 * margin) / ((east - west) * stretch)
    kx = ky * stretch
    projection = Projection(west=west - margin / kx, north=north + margin / ky, kx=kx, ky=ky)
    return projection, (north - south) * ky + 2 * margin


def path_data(rings: list[np.ndarray], projection: Projection, decimals: int = 1) -> str:
    """An SVG path's ``d`` of lon/lat rings: one closed sub-path per ring (holes drawn with the
    even-odd rule), coordinates rounded to ``decimals`` and repeated points dropped."""
    parts: list[str] = []
    for ring in rings:
        xy = np.round(projection.to_xy(ring), decimals)
        keep = np.ones(len(xy), dtype=bool)
        keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
        xy = xy[keep]
        if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
            xy = xy[:-1]
        if len(xy) < 3:
            continue
        pairs = np.char.add(
            np.char.add(np.char.mod("%g", xy[:, 0]), ","), np.char.mod("%g", xy[:, 1])
        )
        parts.append("M" + " ".join(pairs.tolist()) + "Z")
    return "".join(parts)


@dataclass(frozen=True)
class Shape:
    """One area drawn on the map: its GSS code, name and SVG path."""

    code: str
    name: str
    d: str


@dataclass(frozen=True)
class AreaMap:
    """The form's map: its size in SVG units, its projection and the ward shapes."""

    width: float
    height: float
    projection: Projection
    wards: tuple[Shape, ...]

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute."""
        return f"0 0 {self.width:g} {self.height:g}"


def _bounds(collection: dict[str, Any]) -> tuple[float, float, float, float]:
    points = np.concatenate(
        [
            ring
            for feature in collection["features"]
            for polygon in polygons(feature["geometry"], "boundaries")
            for ring in polygon
        ]
    )
    lo, hi = points.min(axis=0), points.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _shapes(
    collection: dict[str, Any], projection: Projection, decimals: int = 1
) -> tuple[Shape, ...]:
    return tuple(
        Shape(
            str(feature["properties"]["area_code"]),
            str(feature["properties"]["area_name"]),
            path_data(
                [r for p in polygons(feature["geometry"], "boundaries") for r in p],
                projection,
                decimals,
            ),
        )
        for feature in collection["features"]
    )


@cache
def area_map() -> AreaMap:
    """The place's wards fitted to the map (computed once: the boundaries are shipped)."""
    wards = boundaries("ward")
    projection, height = fit(*_bounds(wards), width=WIDTH, margin=MARGIN)
    shapes = sorted(_shapes(wards, projection), key=lambda s: s.name)
    return AreaMap(WIDTH, round(height, 1), projection, tuple(shapes))


@cache
def overlay_svg(layer: str) -> str:
    """A standalone SVG of a boundary layer's outlines in the map's frame, laid over the wards
    by the form when the user asks for finer boundaries; an unknown layer is refused."""
    if layer not in OVERLAYS:
        raise InputError(
            f"map layer {layer!r} is not available; expected one of {', '.join(OVERLAYS)}",
            field="layer",
            expected=", ".join(OVERLAYS),
        )
    frame = area_map()
    shapes = _shapes(
        boundaries(layer), frame.projection, decimals=0
    )  # thin lines: 1 unit is plenty
    paths = "".join(f'<path d="{s.d}"/>' for s in shapes)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{frame.view_box}" '
        f'width="{frame.width:g}" height="{frame.height:g}">'
        '<g fill="none" stroke="#768692" stroke-width="0.6" stroke-linejoin="round" '
        f'fill-rule="evenodd">{paths}</g></svg>'
    )
