"""The evaluations pages and API over saved results folders (PLACE/evaluations/NAME)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from markupsafe import escape

from healthequity.config import example_place_dir
from healthequity.web import Settings, create_app

NAME = "selective_licensing"


def test_list_page_and_navigation(client: TestClient, place_folder: Path) -> None:
    html = client.get("/").text
    assert 'class="nhsuk-header__navigation-link" href="/evaluations">' in html
    page = client.get("/evaluations").text
    assert 'href="/evaluations" aria-current="page"' in page
    assert f'href="/evaluations/{NAME}"' in page
    assert "Selective licensing in Beeston and Harehills (synthetic worked example)" in page
    assert "Synthetic data" in page
    assert "Emergency admissions for respiratory conditions (synthetic)" in page


def test_evaluation_page_shows_the_stored_results(client: TestClient, place_folder: Path) -> None:
    folder = place_folder / "evaluations" / NAME
    manifest = json.loads((folder / "manifest.json").read_text())
    results = pd.read_csv(folder / "results.csv")
    html = client.get(f"/evaluations/{NAME}").text
    head = manifest["headline"]
    assert f"<strong>{head['estimate']:,.2f}</strong> per 1,000 residents" in html
    assert f"95% CI {head['lower']:,.2f} to {head['upper']:,.2f}" in html
    for paragraph in manifest["interpretation"]:
        assert str(escape(paragraph)) in html
    for caveat in manifest["caveats"]:
        assert str(escape(caveat)) in html
    for estimator in results["estimator"]:
        assert estimator in html
    assert html.count('class="he-chart"') == 4
    for chart in ("event_study", "its", "balance", "trends"):
        stored = json.loads((folder / "charts" / f"{chart}.vl.json").read_text())
        embedded = html.split(f'id="spec-{chart}">')[1].split("</script>")[0]
        shown = json.loads(embedded.replace("<\\/", "</"))
        assert shown.get("data") == stored.get("data")  # the series as stored
        assert shown["$schema"].endswith("v6.json")
    assert "This evaluation runs on made-up data with a planted effect." in html
    assert 'id="provenance"' not in html  # the indicator build's provenance is not this page's


def test_evaluation_files_and_api(client: TestClient, place_folder: Path) -> None:
    folder = place_folder / "evaluations" / NAME
    csv = client.get(f"/evaluations/{NAME}/files/results.csv")
    assert csv.status_code == 200 and csv.content == (folder / "results.csv").read_bytes()
    assert f'filename="{NAME}_results.csv"' in csv.headers["content-disposition"]
    assert client.get(f"/evaluations/{NAME}/files/manifest.json").status_code == 404
    assert client.get(f"/evaluations/{NAME}/files/..%2Fplace.toml").status_code == 404
    listing = client.get("/api/evaluations").json()
    assert listing["count"] == 1
    one = listing["evaluations"][0]
    assert (one["name"], one["url"], one["synthetic"], one["problem"]) == (
        NAME,
        f"/evaluations/{NAME}",
        True,
        None,
    )
    body = client.get(f"/api/evaluations/{NAME}").json()
    assert body["manifest"]["kind"] == "healthequity-evaluation"
    assert [r["estimator"] for r in body["results"]] == list(
        pd.read_csv(folder / "results.csv")["estimator"]
    )


def test_missing_and_broken_evaluations(tmp_path: Path, place_folder: Path) -> None:
    shutil.copy(example_place_dir() / "place.toml", tmp_path / "place.toml")
    client = TestClient(create_app(Settings(tmp_path)))
    empty = client.get("/evaluations")  # no build and no evaluations: the page still works
    assert empty.status_code == 200 and "No saved evaluations yet." in empty.text
    assert client.get("/api/evaluations").json() == {"count": 0, "evaluations": []}
    missing = client.get("/api/evaluations/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == (
        f"no saved evaluation 'nothing' in {tmp_path / 'evaluations'}"
    )
    broken = tmp_path / "evaluations" / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    shutil.copytree(place_folder / "evaluations" / NAME, tmp_path / "evaluations" / "good")
    listing = client.get("/api/evaluations").json()
    assert [e["name"] for e in listing["evaluations"]] == ["broken", "good"]
    assert listing["evaluations"][0]["problem"].startswith(
        "broken/manifest.json could not be read: Expecting property name"
    )
    assert "Cannot be read" in client.get("/evaluations").text
    r = client.get("/api/evaluations/broken")
    assert r.status_code == 500
    assert r.json()["error"]["message"].startswith(
        "saved evaluation 'broken' could not be read: broken/manifest.json could not be read"
    )
    assert client.get("/evaluations/good").status_code == 200


def test_the_evaluations_page_shows_no_server_path(tmp_path: Path) -> None:
    place = tmp_path / "my-place"
    place.mkdir()
    html = TestClient(create_app(Settings(place))).get("/evaluations").text
    assert "--out my-place/evaluations/NAME" in html
    assert str(tmp_path) not in html
