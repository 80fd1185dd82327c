"""In a real browser (Debian's chromium through Playwright): an officer draws the assessed area
on the ward map, four clicks and "Finish shape"; the GeoJSON box holds it (WGS84, 6 decimals,
ring closed, corners where they were clicked) and the saved assessment covers exactly the LSOAs
whose centres lie inside it. Editing shows the area again; undo, the keyboard cross, clearing,
the ward mode and the LSOA overlay work; no serious or critical axe-core violation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from healthequity.assessment import geo
from healthequity.assessment.area_map import area_map
from healthequity.assessment.models import Assessment
from healthequity.geography import boundaries
from tests.assessment.browsing import accessible, open_page, sign_in
from tests.assessment.webapp import WebApp, assessment_place, make_webapp, serve

__all__ = ["assessment_place"]

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 3, 2)
ARMLEY = "E05011385"
#: The four corners clicked, as fractions of the map's width and height.
CORNERS = [(0.36, 0.36), (0.56, 0.33), (0.58, 0.56), (0.38, 0.58)]


@pytest.fixture(scope="module")
def webapp(assessment_place: Path, tmp_path_factory: pytest.TempPathFactory) -> WebApp:
    return make_webapp(assessment_place, tmp_path_factory.mktemp("db") / "app.sqlite", TODAY)


@pytest.fixture(scope="module")
def server(webapp: WebApp) -> Iterator[str]:
    yield from serve(webapp.app)


def _inside_armley() -> np.ndarray:
    """A point (lon, lat) inside Armley ward: the first of its LSOAs' points that is."""
    ward = next(f for f in boundaries("ward")["features"] if f["properties"]["area_code"] == ARMLEY)
    _, points = geo.lsoa_points()
    inside = geo.points_in_polygons(points, geo.polygons(ward["geometry"]))
    return points[int(np.flatnonzero(inside)[0])]


def _geojson(page) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(page.input_value("#area_geojson"))  # type: ignore[no-any-return]


def test_draw_an_area_save_it_and_edit_it(browser, server, webapp: WebApp) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    context, page = open_page(browser, server, errors)
    sign_in(page, "olive")
    page.goto("/assessments/new")
    page.wait_for_selector("#area-map[data-ready=true]")
    accessible(page)
    page.fill("#title", "Kirkstall Road cycle route")
    page.check("label:has-text('regeneration scheme')")
    page.fill("#owner_name", "Head of Highways")

    # Four clicks on the map, then "Finish shape": a closed ring in the GeoJSON box.
    svg = page.locator("#area-map svg")
    box = svg.bounding_box()
    assert page.is_disabled("#area-map-finish")
    for fx, fy in CORNERS:
        svg.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    assert page.locator(".he-area-map__corner").count() == 4
    assert page.input_value("#area_geojson") == ""  # written once the shape is finished
    page.click("#area-map-finish")
    assert "now holds 1 shape" in page.inner_text("#area-map-status")
    drawn = _geojson(page)
    assert drawn["type"] == "MultiPolygon" and len(drawn["coordinates"]) == 1
    ring = np.array(drawn["coordinates"][0][0])
    assert ring.shape == (5, 2) and (ring[0] == ring[-1]).all()
    assert all(round(v, 6) == v for v in ring.ravel())
    m = area_map()
    clicked = m.projection.to_lonlat(
        np.array([[fx * m.width, fy * m.height] for fx, fy in CORNERS])
    )
    pixel = m.width / box["width"]  # SVG units per CSS pixel: the click lands within one
    slack = np.array([pixel / m.projection.kx, pixel / m.projection.ky])
    assert (np.abs(ring[:4] - clicked) <= slack).all()

    # Saved: the LSOAs whose centres lie inside the polygon, as assessment.geo finds them.
    page.click("#save")
    page.wait_for_url("**/edit/assess")
    ident = int(page.url.rsplit("/", 3)[1])
    expected = sorted(a.code for a in geo.lsoas_in(drawn))
    assert len(expected) >= 10
    with webapp.db.session() as session:
        a = session.get(Assessment, ident)
        assert a is not None
        assert sorted(x.area_code for x in a.areas) == expected
        assert {x.source for x in a.areas} == {"drawn"}
        assert json.loads(a.area_geojson or "") == drawn

    # Editing shows the saved area on the map.
    page.goto(f"/assessments/{ident}/edit/prepare")
    page.wait_for_selector("#area-map[data-ready=true]")
    assert page.locator(".he-area-map__shape").count() == 1
    assert _geojson(page) == drawn
    accessible(page)

    # Undo reopens the shape, undo again drops its last corner; finishing writes 3 corners.
    page.click("#area-map-undo")
    assert page.locator(".he-area-map__corner").count() == 4
    assert page.input_value("#area_geojson") == ""
    page.click("#area-map-undo")
    assert "3 corners left" in page.inner_text("#area-map-status")
    page.click("#area-map-finish")
    first = drawn["coordinates"][0][0]
    assert _geojson(page)["coordinates"] == [[[*first[:3], first[0]]]]

    # The keyboard cross: arrows move it, Enter adds a corner where it is.
    page.focus("#area-map-canvas")
    for keys in (["ArrowLeft"], ["Shift+ArrowDown"], ["ArrowRight", "ArrowRight"]):
        for key in keys:
            page.keyboard.press(key)
        page.keyboard.press("Enter")
    assert page.locator(".he-area-map__corner").count() == 3
    page.click("#area-map-finish")
    second = np.array(_geojson(page)["coordinates"][1][0])
    step = 0.01 * m.width  # one arrow press, in SVG units; Shift moves five
    centre = np.array([m.width / 2, m.height / 2])
    moved = centre + np.array([[-step, 0], [-step, 5 * step], [step, 5 * step]])
    np.testing.assert_allclose(second[:3], m.projection.to_lonlat(moved), atol=2e-6)

    # Ward mode: a click on Armley ticks it in the Wards list, a second click unticks it.
    page.click("#area-map-wards")
    assert page.get_attribute("#area-map-wards", "aria-pressed") == "true"
    x, y = m.projection.to_xy(_inside_armley()[None, :])[0]
    where = {"x": x / m.width * box["width"], "y": y / m.height * box["height"]}
    svg.click(position=where)
    assert page.is_checked(f"#ward-{ARMLEY}")
    assert "is-chosen" in (page.get_attribute(f'path[data-code="{ARMLEY}"]', "class") or "")
    assert page.inner_text("#area-map-status") == "Armley added to the wards affected."
    svg.click(position=where)
    assert not page.is_checked(f"#ward-{ARMLEY}")
    assert len(_geojson(page)["coordinates"]) == 2  # ward clicks draw nothing

    # The LSOA boundaries, fetched when first shown.
    with page.expect_response("**/assessments/area-map/lsoa21.svg") as response:
        page.click("#area-map-lsoas")
    assert response.value.status == 200
    assert page.get_attribute(".he-area-map__overlay", "display") is None

    # Clear empties the box; the form then saves no drawn area.
    page.click("#area-map-clear")
    assert page.input_value("#area_geojson") == ""
    assert page.locator(".he-area-map__shape").count() == 0
    accessible(page)
    context.close()
    assert errors == []
