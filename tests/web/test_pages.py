"""Server-rendered pages, downloads and charts (without a browser)."""

from __future__ import annotations

import csv
import io

import openpyxl
from fastapi.testclient import TestClient

from healthequity.schema import FINGERTIPS_COLUMNS


def test_overview_groups_by_principle_with_words(client: TestClient) -> None:
    html = client.get("/").text
    for heading in (
        "1. Give every child the best start in life",
        "6. Strengthen the role and impact of ill-health prevention",
    ):
        assert heading in html
    assert "Showing 6 of 6 indicators." in html
    assert 'href="/indicators/infant_mortality"' in html
    assert "build 1" in html and "data version 0" in html
    assert "Synthetic demo data" in html


def test_overview_filters(client: TestClient) -> None:
    html = client.get("/?principle=6").text
    assert "Showing 2 of 6 indicators." in html
    assert "infant_mortality" not in html
    html = client.get("/?q=MORTALITY rate").text
    assert "Showing 2 of 6 indicators." in html
    r = client.get("/?principle=9")
    assert r.status_code == 422
    assert "principle: &#39;9&#39; is not a Marmot principle (1 to 8)" in r.text


def test_overview_lists_the_social_needs_indicators_under_their_principles(
    client: TestClient,
) -> None:
    from healthequity.social_needs.indicators import social_needs_indicators

    html = client.get("/").text
    listed = [i for i in social_needs_indicators() if i.kind == "prevalence" or not i.domain]
    assert len(listed) == 8
    for indicator in listed:
        section = html.split(f'id="principle-{indicator.principle}"')[1].split("<section")[0]
        assert f'href="/social-needs/{indicator.id}"' in section, indicator.id
    assert 'href="/social-needs/sn-' not in client.get("/?principle=2").text  # none under 2


def test_indicator_page(client: TestClient) -> None:
    html = client.get("/indicators/infant_mortality").text
    for part in (
        'id="chart-trend"',
        'id="chart-gradient"',
        'id="chart-map"',
        'id="chart-caterpillar"',
        "Definition and source",
        "ONS (via OHID)",
        "download.csv",
        "charts/trend.png",
        "charts/map.svg",
        "Value note",
    ):
        assert part in html, part
    female = client.get("/indicators/life_expectancy_birth")
    assert "Data, 2023-25 (Female)" in female.text
    assert client.get("/indicators/infant_mortality?sex=Other").status_code == 422
    missing = client.get("/indicators/nope")
    assert (
        missing.status_code == 404 and "no indicator &#39;nope&#39; in this build" in missing.text
    )


def test_area_and_inequalities_pages(client: TestClient) -> None:
    wards = client.get("/areas").text
    assert wards.count('href="/areas/E05') == 33
    html = client.get("/areas/E05012841").text
    assert "Adel &amp; Wharfedale" in html and 'id="chart-spine"' in html
    assert html.count('href="/indicators/') >= 6
    assert client.get("/areas/E05999999").status_code == 404
    ineq = client.get("/inequalities").text
    assert "Are the poorest improving fastest?" in ineq
    assert ineq.count('class="nhsuk-card"') >= 6


def test_fingertips_csv_download(client: TestClient) -> None:
    r = client.get("/indicators/smoking_at_delivery/download.csv")
    assert r.status_code == 200
    assert 'filename="smoking_at_delivery_build1.csv"' in r.headers["content-disposition"]
    reader = csv.reader(io.StringIO(r.content.decode("utf-8-sig")))
    header = next(reader)
    assert header == [*FINGERTIPS_COLUMNS, "Source", "Data version"]
    assert {row[0] for row in reader} == {"smoking_at_delivery"}


def test_excel_download(client: TestClient) -> None:
    r = client.get("/indicators/smoking_at_delivery/download.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames[0] == "Contents"
    assert "Principle 1" in book.sheetnames


def test_chart_downloads(client: TestClient) -> None:
    svg = client.get("/indicators/infant_mortality/charts/map.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.count("<path") > 33  # every ward drawn
    png = client.get("/indicators/infant_mortality/charts/trend.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    spec = client.get("/indicators/infant_mortality/charts/trend.json").json()
    assert spec["title"] == "Infant mortality rate: trend"
    assert client.get("/indicators/infant_mortality/charts/pie.svg").status_code == 404
    assert client.get("/indicators/infant_mortality/charts/trend.gif").status_code == 422


def test_pages_are_cached_per_build(client: TestClient) -> None:
    client.get("/inequalities")
    assert client.get("/inequalities").headers["X-Page-Cache"] == "hit"
