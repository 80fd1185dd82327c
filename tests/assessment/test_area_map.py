"""The form's map: the projection (worked values, round trip), the SVG paths of the shipped
boundaries, and the map on the prepare page with its LSOA overlay."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from healthequity.assessment.area_map import (
    MARGIN,
    WIDTH,
    Projection,
    area_map,
    fit,
    overlay_svg,
    path_data,
)
from healthequity.errors import InputError
from healthequity.geography import boundaries
from tests.assessment.conftest import TODAY
from tests.assessment.webapp import PASSWORD, WebApp, assessment_place, make_webapp

__all__ = ["assessment_place"]


def test_a_known_point() -> None:
    projection, height = fit(-2.0, 53.0, -1.0, 54.0, width=200.0)
    # one degree east at latitude 53.5 is cos(53.5 deg) = 0.5948 of one degree north
    assert projection.kx == pytest.approx(200.0)
    assert projection.ky == pytest.approx(200.0 / 0.5948227867513413)
    assert height == pytest.approx(336.2345, abs=1e-4)
    xy = projection.to_xy(np.array([[-1.5, 53.5], [-2.0, 54.0], [-1.0, 53.0]]))
    np.testing.assert_allclose(xy, [[100.0, 168.11725], [0.0, 0.0], [200.0, 336.2345]], atol=1e-4)


def test_the_margin_is_left_around_the_box() -> None:
    projection, height = fit(-2.0, 53.0, -1.0, 54.0, width=220.0, margin=10.0)
    xy = projection.to_xy(np.array([[-2.0, 54.0], [-1.0, 53.0]]))
    np.testing.assert_allclose(xy, [[10.0, 10.0], [210.0, height - 10.0]], atol=1e-9)


def test_round_trip_to_1e_9() -> None:
    projection = area_map().projection
    rng = np.random.default_rng(7)
    lonlat = np.column_stack([rng.uniform(-1.81, -1.29, 1000), rng.uniform(53.69, 53.95, 1000)])
    back = projection.to_lonlat(projection.to_xy(lonlat))
    assert np.abs(back - lonlat).max() < 1e-9


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ((-1.0, 53.0, -2.0, 54.0), "map bounds: expected west < east and south < north"),
        ((-2.0, 54.0, -1.0, 54.0), "got west=-2.0, south=54.0, east=-1.0, north=54.0"),
        ((-2.0, 53.0, -1.0, 91.0), "within latitude -90..90"),
    ],
)
def test_a_bad_box_is_refused(box: tuple[float, float, float, float], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        fit(*box)
    assert err.value.field == "bounds"


def test_path_data_by_hand() -> None:
    flip = Projection(west=0.0, north=10.0, kx=1.0, ky=1.0)  # x = lon, y = 10 - lat
    square = np.array([[0, 10], [10, 10], [10, 0], [0, 0], [0, 10]], dtype=float)
    hole = np.array([[2, 8], [2.04, 8.01], [4, 8], [4, 6], [2, 6]], dtype=float)
    assert path_data([square], flip) == "M0,0 10,0 10,10 0,10Z"
    # rounded to whole units the hole's second corner repeats the first, so it is dropped
    assert path_data([square, hole], flip, decimals=0) == "M0,0 10,0 10,10 0,10ZM2,2 4,2 4,4 2,4Z"
    assert path_data([np.array([[0, 10], [0.01, 10], [0, 10.01]])], flip, decimals=0) == ""


def test_the_ward_map_of_leeds() -> None:
    m = area_map()
    assert (m.width, m.view_box) == (WIDTH, f"0 0 800 {m.height:g}")
    wards = {
        f["properties"]["area_code"]: f["properties"]["area_name"]
        for f in boundaries("ward")["features"]
    }
    assert len(m.wards) == 33 and {w.code: w.name for w in m.wards} == wards
    numbers = np.array(
        [float(v) for w in m.wards for v in re.findall(r"-?\d+(?:\.\d+)?", w.d)]
    ).reshape(-1, 2)
    # the place touches the margin on the left, right and top or bottom, and stays inside it
    assert numbers[:, 0].min() == pytest.approx(MARGIN, abs=0.05)
    assert numbers[:, 0].max() == pytest.approx(WIDTH - MARGIN, abs=0.05)
    assert numbers[:, 1].min() == pytest.approx(MARGIN, abs=0.05)
    assert numbers[:, 1].max() == pytest.approx(m.height - MARGIN, abs=0.1)
    # Leeds spans 0.510 deg of longitude at 53.82 N (33.5 km) by 0.247 deg of latitude
    # (27.5 km): drawn in that proportion, not 0.247 / 0.510 = 0.48 as plain degrees would be
    assert (m.height - 2 * MARGIN) / (WIDTH - 2 * MARGIN) == pytest.approx(27.5 / 33.5, abs=0.005)
    assert math.isclose(
        m.projection.kx / m.projection.ky, math.cos(math.radians(53.8224)), rel_tol=1e-4
    )


def test_the_lsoa_overlay() -> None:
    svg = overlay_svg("lsoa21")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 ')
    assert svg.count("<path ") == 488
    with pytest.raises(InputError) as err:
        overlay_svg("msoa99")
    assert err.value.message == "map layer 'msoa99' is not available; expected one of lsoa21"


@pytest.fixture
def webapp(assessment_place: Path, tmp_path: Path) -> WebApp:
    return make_webapp(assessment_place, tmp_path / "app.sqlite", TODAY)


def _signed_in(webapp: WebApp) -> TestClient:
    client = TestClient(webapp.app)
    token = client.get("/api/assessments/session").json()["csrf_token"]
    r = client.post(
        "/api/assessments/session/login",
        json={"username": "olive", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text
    return client


def test_the_prepare_page_carries_the_map(webapp: WebApp) -> None:
    client = _signed_in(webapp)
    page = client.get("/assessments/new").text
    svg = re.search(r'<div class="he-area-map__canvas".*?</svg>', page, re.S)
    assert svg is not None
    paths = re.findall(
        r'<path class="he-area-map__ward" data-code="(E05\d{6})" data-name="([^"]+)"', svg[0]
    )
    assert len(paths) == 33 and ("E05011385", "Armley") in paths
    assert 'id="area-map" data-target="area_geojson" hidden' in page  # shown by its script
    assert '<script src="/static/js/area-map.js"></script>' in page
    projection = area_map().projection
    assert f'data-west="{projection.west!r}" data-north="{projection.north!r}"' in svg[0]
    assert "A map of the 33 wards of Leeds" in page
    assert "The drawn area is written as GeoJSON into the box “Or paste the GeoJSON” below" in page
    assert client.get("/static/js/area-map.js").status_code == 200


def test_only_the_prepare_stage_has_the_map(webapp: WebApp) -> None:
    from healthequity.assessment import services
    from healthequity.auth.permissions import CLI_ACTOR
    from tests.assessment.factories import complete_values

    with webapp.db.session() as session:
        a = services.create_assessment(
            session, CLI_ACTOR, complete_values(organisation="Leeds City Council"), today=TODAY
        )
        ident = a.id
    client = _signed_in(webapp)
    assess = client.get(f"/assessments/{ident}/edit/assess").text
    assert "area-map" not in assess
    assert 'id="area-map"' in client.get(f"/assessments/{ident}/edit/prepare").text


def test_the_overlay_over_http(webapp: WebApp) -> None:
    public = TestClient(webapp.app)
    r = public.get("/assessments/area-map/lsoa21.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.text == overlay_svg("lsoa21")
    missing = public.get("/assessments/area-map/ward99.svg")
    assert missing.status_code == 404
    assert "map layer &#39;ward99&#39; is not available" in missing.text
