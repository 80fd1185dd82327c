"""Areas: wards and LSOAs by name or code, and drawn areas resolved to LSOAs by ray casting."""

from __future__ import annotations

import json

import numpy as np
import pytest

from healthequity.assessment import geo
from healthequity.errors import InputError
from healthequity.geography import boundaries

SQUARE = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
HOLE = [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]


def test_ray_casting_by_hand() -> None:
    points = np.array([[2.0, 2.0], [0.5, 0.5], [5.0, 2.0], [3.5, 2.0], [-1.0, -1.0]])
    square = [np.array(SQUARE)]
    assert geo.points_in_polygons(points, [square]).tolist() == [True, True, False, True, False]
    holed = [np.array(SQUARE), np.array(HOLE)]
    assert geo.points_in_polygons(points, [holed]).tolist() == [False, True, False, True, False]


def test_every_lsoa_point_lies_inside_its_own_lsoa() -> None:
    codes, points = geo.lsoa_points()
    features = boundaries("lsoa21")["features"]
    assert len(codes) == len(features) == 488
    inside = [
        geo.points_in_polygons(points[i : i + 1], geo.polygons(f["geometry"]))[0]
        for i, f in enumerate(features)
    ]
    assert all(inside)


def test_a_drawn_lsoa_resolves_to_itself() -> None:
    feature = boundaries("lsoa21")["features"][10]
    found = geo.lsoas_in(json.dumps(feature))
    assert [a.code for a in found] == [feature["properties"]["area_code"]]
    assert found[0].source == "drawn"


def test_a_drawn_ward_finds_most_of_its_best_fit_lsoas() -> None:
    ward = next(
        f for f in boundaries("ward")["features"] if f["properties"]["area_name"] == "Armley"
    )
    drawn = {a.code for a in geo.lsoas_in(ward)}
    listed = set(geo.lsoas_of(geo.resolve(["Armley"])))
    # LSOAs are fitted to 2025 wards by best fit, so a few straddle the boundary
    assert len(drawn & listed) >= 0.8 * len(listed)


def test_names_and_codes() -> None:
    found = geo.resolve("armley; E05012647\nE01011264")
    assert [(a.code, a.type, a.name) for a in found] == [
        ("E05011385", "Ward", "Armley"),
        ("E05012647", "Ward", "Beeston & Holbeck"),
        ("E01011264", "LSOA", "Leeds 011A"),
    ]


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ("{not json", "area_geojson: not valid GeoJSON"),
        ('{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}', "'LineString' has no area"),
        ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}', "at least 3 points"),
        ('{"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [0, 1]]]}', "WGS84"),
        (json.dumps({"type": "Polygon", "coordinates": [SQUARE]}), "contains no LSOA of the place"),
    ],
)
def test_bad_geojson(geojson: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        geo.lsoas_in(geojson)
    assert err.value.field == "area_geojson"
