"""The JSON API: every endpoint, filters, pages, CSV, and the one error shape."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from healthequity.indicators.publication import publishable
from healthequity.store.results import read_build
from healthequity.store.warehouse import Warehouse


def test_indicators_lists_the_build(client: TestClient) -> None:
    body = client.get("/api/indicators").json()
    ids = {i["indicator_id"] for i in body["indicators"]}
    assert ids == {
        "smoking_at_delivery",
        "infant_mortality",
        "life_expectancy_birth",
        "u75_preventable_mortality",
        "weekly_earnings",
        "children_relative_low_income",
    }
    assert body["count"] == 6
    assert body["provenance"]["build_id"] == 1
    assert body["provenance"]["synthetic_rows"] > 0
    assert body["provenance"]["note"].startswith("Includes synthetic demo data")
    infant = next(i for i in body["indicators"] if i["indicator_id"] == "infant_mortality")
    assert infant["principle"] == 1
    assert infant["principle_title"] == "Give every child the best start in life"
    assert infant["latest_period"] == infant["periods"][-1] == "2021-23"


def test_indicators_by_principle(client: TestClient) -> None:
    body = client.get("/api/indicators?principle=6").json()
    assert {i["indicator_id"] for i in body["indicators"]} == {
        "life_expectancy_birth",
        "u75_preventable_mortality",
    }


def test_data_equals_the_publishable_table(client: TestClient, place_folder: Path) -> None:
    """Figures served are the disclosure-controlled ones, not the warehouse's internal table."""
    raw = read_build(Warehouse(place_folder / "warehouse.duckdb"), "indicator_values")
    safe = publishable(raw)
    want = safe[
        (safe["indicator_id"] == "infant_mortality")
        & (safe["area_type"] == "Ward")
        & (safe["period"] == "2021-23")
        & (safe["sex"] == "Persons")
    ]
    r = client.get(
        "/api/indicators/infant_mortality/data",
        params={
            "area_type": "Ward",
            "period": "2021-23",
            "sex": "Persons",
            "breakdown": "none",
            "page_size": 1000,
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == len(want) == 33
    got = pd.DataFrame(body["rows"]).set_index("area_code").sort_index()
    exp = want.set_index("area_code").sort_index()
    assert got["count"].isna().tolist() == exp["count"].isna().tolist()
    pd.testing.assert_series_equal(
        got["value"].astype(float), exp["value"].astype(float), check_names=False
    )
    raw_wards = raw[
        (raw["indicator_id"] == "infant_mortality")
        & (raw["area_type"] == "Ward")
        & (raw["period"] == "2021-23")
        & (raw["sex"] == "Persons")
    ]
    small = raw_wards["count"].between(1, 7)
    assert small.any()  # the fixture has small counts: none may be served
    assert not got["count"].dropna().between(1, 7).any()


def test_pages(client: TestClient) -> None:
    first = client.get("/api/indicators/infant_mortality/data?area_type=Ward&page_size=10").json()
    assert first["page"] == 1 and first["page_size"] == 10 and len(first["rows"]) == 10
    assert first["pages"] == -(-first["total"] // 10)
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["page"] == 2
    assert {r["area_code"] for r in first["rows"]}.isdisjoint(
        {(r["area_code"], r["period"], r["sex"]) for r in second["rows"]}
    )
    last = client.get(
        f"/api/indicators/infant_mortality/data?area_type=Ward&page_size=10&page={first['pages']}"
    ).json()
    assert last["next"] is None


def test_csv_by_format_and_by_accept(client: TestClient) -> None:
    url = "/api/indicators/infant_mortality/data?area=E08000035&breakdown=none"
    by_format = client.get(url + "&format=csv")
    by_accept = client.get(url, headers={"Accept": "text/csv"})
    assert by_format.headers["content-type"].startswith("text/csv")
    assert by_format.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert len(rows) == int(by_format.headers["X-Total-Count"])
    assert list(rows[0])[:4] == ["indicator_id", "area_code", "area_name", "area_type"]
    assert {r["area_code"] for r in rows} == {"E08000035"}


def test_unknown_indicator_is_404_json(client: TestClient) -> None:
    r = client.get("/api/indicators/no_such/data")
    assert r.status_code == 404
    assert r.json() == {
        "error": {
            "status": 404,
            "message": "no indicator 'no_such' in this build",
            "field": "indicator_id",
        }
    }


def test_bad_filters_are_422_naming_the_field(client: TestClient) -> None:
    base = "/api/indicators/infant_mortality/data"
    cases = {
        "area_type=County": "area_type",
        "area=E99999999": "area",
        "period=1999": "period",
        "breakdown=shoe size": "breakdown",
        "sex=Other": "sex",
        "page=0": "page",
        "page=x": "page",
        "page_size=0": "page_size",
        "page_size=20000": "page_size",
        "format=xml": "format",
        "page=999": "page",
    }
    for query, field in cases.items():
        r = client.get(f"{base}?{query}")
        assert r.status_code == 422, query
        error = r.json()["error"]
        assert error["field"] == field, query
        assert error["message"].startswith(f"{field}: "), error
        assert error["status"] == 422
    msg = client.get(f"{base}?period=1999").json()["error"]["message"]
    assert msg.startswith("period: '1999' is not one of '2012-14', '2013-15'")


def test_areas(client: TestClient) -> None:
    body = client.get("/api/areas").json()
    types = {a["area_type"] for a in body["areas"]}
    assert types == {"England", "Local authority", "Ward", "MSOA", "LSOA"}
    wards = client.get("/api/areas?area_type=Ward").json()
    assert wards["count"] == 33
    assert all(a["parent_code"] == "E08000035" for a in wards["areas"])
    bad = client.get("/api/areas?area_type=Planet")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "area_type"


def test_verdicts(client: TestClient) -> None:
    body = client.get("/api/verdicts").json()
    assert body["count"] >= 6
    assert {v["verdict"] for v in body["verdicts"]} <= {
        "Poorest improving faster (gap narrowing)",
        "Gap widening",
        "No clear difference",
        "Not assessed",
    }
    one = client.get("/api/verdicts?indicator=infant_mortality").json()
    assert {v["indicator_id"] for v in one["verdicts"]} == {"infant_mortality"}
    assert all(v["evidence"] for v in one["verdicts"])
    bad = client.get("/api/verdicts?indicator=nope")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "indicator"


def test_build_and_boundaries(client: TestClient) -> None:
    assert client.get("/api/build").json()["provenance"]["place"] == "Leeds"
    geo = client.get("/api/boundaries/ward").json()
    assert len(geo["features"]) == 33


def test_openapi_describes_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/indicators",
        "/api/indicators/{indicator_id}/data",
        "/api/areas",
        "/api/verdicts",
    ):
        assert path in paths
    params = {p["name"] for p in paths["/api/indicators/{indicator_id}/data"]["get"]["parameters"]}
    assert {"area_type", "area", "period", "breakdown", "page", "page_size", "format"} <= params


def test_no_build_is_503(tmp_path: Path) -> None:
    import shutil

    from healthequity.config import example_place_dir
    from healthequity.web import Settings, create_app

    shutil.copy(example_place_dir() / "place.toml", tmp_path / "place.toml")
    r = TestClient(create_app(Settings(tmp_path))).get("/api/indicators")
    assert r.status_code == 503
    message = r.json()["error"]["message"]
    assert message.startswith(f"no build yet in the place folder {tmp_path.name!r}")
    assert str(tmp_path.parent) not in message  # no server path on a public page
