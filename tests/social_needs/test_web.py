"""The social needs pages, downloads and API on a small stored publication with many suppressed
cells: coverage beside every prevalence, the disclosure note where counts were suppressed, no
count of 1 to 7 in any table, JSON or download, errors naming their field, the page before
anything is published, rollback, and the demo's synthetic publication."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from healthequity.cli.app import app as cli
from healthequity.cli.demo import synthetic_social_needs
from healthequity.config import load_place
from healthequity.disclosure import DisclosureRules
from healthequity.social_needs.aggregate import BREAKDOWNS
from healthequity.social_needs.indicators import social_needs_indicators
from healthequity.social_needs.publications import read_publication, store_publication
from healthequity.social_needs.web import register
from healthequity.social_needs.web_data import PAGE_BREAKDOWNS
from healthequity.store.warehouse import Warehouse
from healthequity.web import Settings, create_app
from healthequity.web.templating import MENU
from tests.social_needs.published import PERIOD, html_table, new_place, small_publication

pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option")
NOTE = DisclosureRules().note_text
OLDER = "2023/24"
REAL_SOURCE = "GP practice records (social needs template)"
PREVALENCE = [i.id for i in social_needs_indicators() if i.kind == "prevalence"]
ALL_IDS = [i.id for i in social_needs_indicators()]
runner = CliRunner()


def _client(place: Path) -> TestClient:
    app = create_app(Settings(place, refresh_seconds=0))
    register(app)
    return TestClient(app)


def _store(place: Path, table: pd.DataFrame) -> int:
    _, practices = small_publication()
    warehouse = Warehouse(place / "warehouse.duckdb")
    return store_publication(warehouse, table, practices, place=load_place(place))


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A place with the synthetic 2024/25 publication and, stored after it, an older period
    labelled as real records."""
    folder = new_place(tmp_path_factory.mktemp("social_needs_web") / "leeds")
    table, _ = small_publication()
    _store(folder, table)
    _store(folder, table.assign(period=OLDER, source=REAL_SOURCE))
    return folder


@pytest.fixture(scope="module")
def client(place: Path) -> TestClient:
    return _client(place)


def _rows(table: pd.DataFrame, indicator_id: str, breakdown: str) -> pd.DataFrame:
    hit = (table["indicator_id"] == indicator_id) & (table["breakdown"] == breakdown)
    return table[hit].reset_index(drop=True)


def _number(cell: str) -> float:
    return float(cell.split()[0].replace(",", ""))


def _check_counts(cells: list[str]) -> int:
    """Every count cell is 'Suppressed' or a multiple of 5 outside 1-7; the number suppressed."""
    suppressed = 0
    for cell in cells:
        if cell == "Suppressed":
            suppressed += 1
            continue
        value = int(cell.replace(",", ""))
        assert not 1 <= value <= 7 and value % 5 == 0, cell
    return suppressed


def test_register_twice_adds_nothing(place: Path) -> None:
    app = create_app(Settings(place))
    register(app)
    routes, store = len(app.routes), app.state.social_needs
    register(app)
    assert len(app.routes) == routes and app.state.social_needs is store
    assert [m for m in MENU if m[0] == "/social-needs"] == [
        ("/social-needs", "Social needs", "social_needs")
    ]


def test_overview_shows_coverage_beside_every_prevalence(client: TestClient) -> None:
    table, _ = small_publication()
    page = client.get("/social-needs")
    assert page.status_code == 200
    html = page.text
    assert "Synthetic demo data" in html
    assert "It depends on recording as much as on need" in html
    assert 'href="/social-needs" aria-current="page"' in html  # the menu item, current
    header, rows = html_table(html, "domains")
    assert header == [
        "Need", "Coverage: registered patients asked (%)", "Coverage 95% CI", "Patients asked",
        "With the need recorded", "Recorded prevalence among those asked (%)",
        "Prevalence 95% CI", "Note",
    ]  # fmt: skip
    assert [r[0] for r in rows] == [
        "Housing", "Fuel and energy", "Food", "Money and debt", "Work", "Caring",
        "Social isolation",
    ]  # fmt: skip
    for row, ind in zip(rows, PREVALENCE, strict=True):
        total = _rows(table, ind, "Total").iloc[0]
        assert _number(row[1]) == round(total["coverage_value"], 1)
        assert row[2] == f"{total['coverage_lower_95']:.1f} to {total['coverage_upper_95']:.1f}"
        assert _number(row[5]) == round(total["value"], 1)
        assert row[6] == f"{total['lower_95']:.1f} to {total['upper_95']:.1f}"
    overall = _rows(table, "sn-coverage", "Total").iloc[0]
    assert f"{overall['value']:.1f}%" in html and "3,000 patients" in html
    for ind in ALL_IDS:
        assert f'href="/social-needs/{ind}?period=2024/25"' in html
    options = re.search(
        r'<select class="nhsuk-select" id="period" name="period">(.*?)</select>', html
    )
    assert options is not None
    assert re.findall(r"<option[^>]*>([^<]+)</option>", options[1]) == [PERIOD, OLDER]
    spec = json.loads(re.search(r'<script type="application/json" id="spec-deprivation">(.*?)</script>', html, re.S)[1])  # type: ignore[index]  # fmt: skip
    measures = {v["measure"] for v in spec["data"]["values"]}
    assert measures == {
        "Recorded need among patients asked (%)",
        "Patients asked: recording coverage (%)",
    }


def test_an_older_period_from_real_records_is_not_labelled_synthetic(client: TestClient) -> None:
    html = client.get("/social-needs", params={"period": OLDER}).text
    assert "Synthetic demo data" not in html
    assert f"Leeds, {OLDER}" in html and REAL_SOURCE in html


def test_prevalence_pages_show_coverage_and_the_note_where_counts_are_suppressed(
    client: TestClient,
) -> None:
    table, _ = small_publication()
    suppressed_seen = 0
    for ind in PREVALENCE:
        for breakdown in ("Practice", "Ethnic group"):
            page = client.get(f"/social-needs/{ind}", params={"breakdown": breakdown})
            assert page.status_code == 200
            header, rows = html_table(page.text, "data")
            assert header == [breakdown, "Count", "Denominator", "Value (%)", "95% CI",
                              "Coverage (%)", "Coverage 95% CI", "Note"]  # fmt: skip
            expected = _rows(table, ind, breakdown)
            assert [r[0] for r in rows] == list(expected["group_name"])
            for row, (_, want) in zip(rows, expected.iterrows(), strict=True):
                if pd.isna(want["count"]):
                    suppressed_seen += 1
                    assert row[1] == "Suppressed" and row[3] == "-" and row[7] == NOTE
                else:
                    assert int(row[1].replace(",", "")) == want["count"]
                if pd.notna(want["coverage_value"]):
                    assert _number(row[5]) == round(want["coverage_value"], 1)
    assert suppressed_seen > 20
    coverage = client.get("/social-needs/sn-coverage-housing", params={"breakdown": "Ward"}).text
    header, _ = html_table(coverage, "data")
    assert "Coverage (%)" not in header and "It depends on recording" not in coverage


def test_no_count_of_1_to_7_in_any_page_table_json_or_download(client: TestClient) -> None:
    suppressed = 0
    pages = [(i, b) for i in ALL_IDS for b in ("Practice", "Ward")]
    pages += [("sn-need-money", b) for b in PAGE_BREAKDOWNS]
    for ind, breakdown in pages:
        html = client.get(f"/social-needs/{ind}", params={"breakdown": breakdown}).text
        _, rows = html_table(html, "data")
        suppressed += _check_counts([r[1] for r in rows] + [r[2] for r in rows])
    _, rows = html_table(client.get("/social-needs").text, "domains")
    _check_counts([r[3] for r in rows] + [r[4] for r in rows])
    assert suppressed > 50

    for ind in ALL_IDS:
        body = client.get(f"/api/social-needs/{ind}").json()
        assert {r["breakdown"] for r in body["rows"]} == set(BREAKDOWNS)
        for row in body["rows"]:
            for col in ("count", "denominator", "registered"):
                value = row[col]
                assert value is None or (not 1 <= value <= 7 and value % 5 == 0), (ind, row)
            if row["count"] is None:
                assert row["value"] is None and row["value_note"] == NOTE

    download = client.get("/social-needs/download.csv")
    assert (
        download.headers["content-disposition"]
        == 'attachment; filename="social_needs_2024-25_v1.csv"'
    )
    frame = pd.read_csv(io.StringIO(download.text))
    assert len(frame) == len(small_publication()[0]) and frame["count"].isna().sum() > 50
    header = next(csv.reader(io.StringIO(download.text)))
    assert header[:3] == ["indicator_id", "indicator_name", "principle"]
    for col in ("count", "denominator", "registered"):
        shown = frame[col].dropna()
        assert not shown.between(1, 7).any() and (shown % 5 == 0).all()

    book = openpyxl.load_workbook(io.BytesIO(client.get("/social-needs/download.xlsx").content))
    sheet = book["Social needs"]
    cells = list(sheet.iter_rows(values_only=True))
    names = list(cells[0])
    for col in ("count", "denominator", "registered"):
        values = [r[names.index(col)] for r in cells[1:] if r[names.index(col)] is not None]
        assert values and not any(1 <= v <= 7 for v in values)  # type: ignore[operator]


def test_api_lists_periods_and_indicators(client: TestClient) -> None:
    body = client.get("/api/social-needs").json()
    assert [(p["period"], p["version"]) for p in body["periods"]] == [(OLDER, 2), (PERIOD, 1)]
    assert body["latest_period"] == PERIOD and body["synthetic"] is True
    assert body["place"] == "Leeds" and body["note"] is None
    assert [i["indicator_id"] for i in body["indicators"]] == ALL_IDS
    housing = next(i for i in body["indicators"] if i["indicator_id"] == "sn-need-housing")
    assert (
        housing["kind"] == "prevalence"
        and housing["coverage_indicator_id"] == "sn-coverage-housing"
    )
    assert housing["url"] == "/api/social-needs/sn-need-housing"

    sex = client.get("/api/social-needs/sn-need-food", params={"breakdown": "Sex", "period": OLDER})
    got = sex.json()
    assert got["period"] == OLDER and got["breakdown"] == "Sex" and got["synthetic"] is False
    table, _ = small_publication()
    want = _rows(table, "sn-need-food", "Sex")
    assert [r["group_code"] for r in got["rows"]] == list(want["group_code"])
    assert all(r["coverage_indicator_id"] == "sn-coverage-food" for r in got["rows"])
    assert [r["coverage_value"] for r in got["rows"]] == pytest.approx(list(want["coverage_value"]))


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/social-needs/sn-nope", "indicator_id", "no social needs indicator 'sn-nope'; "
         "expected one of " + ", ".join(ALL_IDS)),
        ("/api/social-needs/sn-coverage?period=2019/20", "period",
         "no social needs publication for period '2019/20'; published periods: 2023/24, 2024/25"),
        ("/api/social-needs/sn-coverage?breakdown=Town", "breakdown",
         "no breakdown 'Town'; expected one of " + ", ".join(BREAKDOWNS)),
    ],
)  # fmt: skip
def test_api_errors_name_the_field(client: TestClient, url: str, field: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": message, "field": field}}


def test_page_and_download_errors(client: TestClient) -> None:
    page = client.get("/social-needs/sn-nope")
    assert page.status_code == 404 and "no social needs indicator &#39;sn-nope&#39;" in page.text
    assert client.get("/social-needs/sn-coverage", params={"breakdown": "Town"}).status_code == 404
    assert client.get("/social-needs", params={"period": "2019/20"}).status_code == 404
    assert client.get("/social-needs/download.csv", params={"period": "2019/20"}).status_code == 404
    bad = client.get("/social-needs/download.pdf", headers={"accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "fmt"


def test_charts_as_files(client: TestClient) -> None:
    spec = client.get("/social-needs/charts/deprivation.json").json()
    fifths = {v["group_name"] for v in spec["data"]["values"]}
    assert fifths <= {
        "Fifth 1 (most deprived)",
        "Fifth 2",
        "Fifth 3",
        "Fifth 4",
        "Fifth 5 (least deprived)",
    }
    svg = client.get("/social-needs/sn-need-housing/chart.svg", params={"breakdown": "Ward"})
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    assert svg.headers["content-disposition"] == (
        'attachment; filename="sn-need-housing_ward_2024-25.svg"'
    )


def test_before_anything_is_published(tmp_path: Path) -> None:
    place = new_place(tmp_path / "empty")
    client = _client(place)
    for url in ("/social-needs", "/social-needs/sn-need-housing"):
        page = client.get(url)
        assert page.status_code == 200
        assert "No social needs indicators have been published for this place yet." in page.text
        assert f"healthequity social-needs publish --place {place.name}" in page.text
        assert str(place.parent) not in page.text  # no server path on a public page
    body = client.get("/api/social-needs").json()
    assert body["periods"] == [] and body["latest_period"] is None
    assert [i["indicator_id"] for i in body["indicators"]] == ALL_IDS
    assert body["note"].startswith("nothing published yet: run `healthequity social-needs ingest")
    missing = client.get("/api/social-needs/sn-coverage")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "period"
    assert client.get("/social-needs/download.csv").status_code == 404


def test_rollback_shows_the_previous_publication(tmp_path: Path) -> None:
    place = new_place(tmp_path / "rolled")
    table, _ = small_publication()
    _store(place, table.assign(source=REAL_SOURCE))
    _store(place, table)
    client = _client(place)
    assert "Synthetic demo data" in client.get("/social-needs").text
    result = runner.invoke(cli, ["rollback", "1", "--place", str(place)])
    assert result.exit_code == 0, result.output
    html = client.get("/social-needs").text
    assert "Synthetic demo data" not in html and "warehouse version 1" in html


def test_demo_publishes_synthetic_social_needs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = new_place(tmp_path / "demo")
    assert synthetic_social_needs(place, 3_000) is True
    assert synthetic_social_needs(place, 3_000) is False  # published already: left alone
    stored = read_publication(Warehouse(place / "warehouse.duckdb"))
    assert stored.period == PERIOD and stored.synthetic
    assert stored.table.loc[stored.table["breakdown"] == "Total", "registered"].iloc[0] == 3_000
    html = _client(place).get("/social-needs").text
    assert "Synthetic demo data" in html and "Leeds, 2024/25" in html

    built: list[dict[str, object]] = []
    monkeypatch.setattr("healthequity.cli.demo.build", lambda **kw: built.append(kw))
    fresh = tmp_path / "fresh"
    args = ["demo", "--place", str(fresh), "--no-serve", "--no-report",
            "--social-needs-patients", "2000"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert built == [{"place": fresh, "only": None, "out": None}]
    published = read_publication(Warehouse(fresh / "warehouse.duckdb"))
    assert published.synthetic and published.period == PERIOD
    assert (fresh / "social_needs_synthetic.csv").exists()


def test_an_indicator_page_shows_the_place_in_every_published_period(
    client: TestClient, place: Path
) -> None:
    html = client.get("/social-needs/sn-need-food").text
    header, rows = html_table(html, "over-time-table")
    assert header[0] == "Period" and "Coverage (%)" in header
    assert [r[0] for r in rows] == [OLDER, PERIOD]  # oldest first
    warehouse = Warehouse(place / "warehouse.duckdb")
    for period, row in zip((OLDER, PERIOD), rows, strict=True):
        stored = read_publication(warehouse, period).table
        total = stored[
            (stored["indicator_id"] == "sn-need-food") & (stored["breakdown"] == "Total")
        ]
        assert row[header.index("Value (%)")] == f"{total['value'].iloc[0]:,.1f}"
        assert row[header.index("Coverage (%)")] == f"{total['coverage_value'].iloc[0]:,.1f}"
    coverage_page = client.get("/social-needs/sn-coverage").text
    assert "Coverage (%)" not in html_table(coverage_page, "over-time-table")[0]


def test_one_period_shows_no_over_time_table(tmp_path: Path) -> None:
    place = new_place(tmp_path / "one")
    table, _ = small_publication()
    _store(place, table)
    assert 'id="over-time-table"' not in _client(place).get("/social-needs/sn-need-food").text
