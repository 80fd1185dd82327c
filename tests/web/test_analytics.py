"""SPC, comparator groups and 'new data' flags: API fields, endpoints and pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from healthequity.web.comparison_chart import comparator_chart
from healthequity.web.templating import ordinal

CORE_LE_FEMALE_2023_25 = {  # OHID's published figures, from the shipped extract
    "Bristol": 83.2,
    "Leeds": 82.7,
    "Sheffield": 82.4,
    "Newcastle upon Tyne": 82.1,
    "Birmingham": 82.0,
    "Nottingham": 80.8,
    "Liverpool": 80.6,
    "Manchester": 80.5,
}


def test_spc_limits_are_a_hand_calculation_on_the_published_series(client: TestClient) -> None:
    body = client.get("/api/indicators/infant_mortality/spc").json()
    city = next(s for s in body["series"] if s["series"] == "spc")
    assert city["label"] == "Leeds"
    served = client.get(
        "/api/indicators/infant_mortality/data",
        params={"area": "E08000035", "breakdown": "none", "sex": "Persons", "page_size": 100},
    ).json()["rows"]
    published = {r["period"]: r["value"] for r in served if r["value"] is not None}
    points = city["points"]
    assert [p["period"] for p in points] == sorted(published)
    x = np.array([published[p["period"]] for p in points])
    np.testing.assert_allclose([p["value"] for p in points], x)
    mean = x.mean()
    mr = np.abs(np.diff(x)).mean()
    np.testing.assert_allclose(points[0]["mean"], mean)
    np.testing.assert_allclose(points[0]["upper_limit"], mean + 2.66 * mr)
    np.testing.assert_allclose(points[0]["lower_limit"], mean - 2.66 * mr)
    assert city["variation_icon"] in (
        "common cause",
        "improvement (high)",
        "improvement (low)",
        "concern (high)",
        "concern (low)",
    )
    assert city["variation"].startswith(("Common cause", "Special cause"))
    assert city["assurance_icon"] in ("pass", "fail", "hit and miss")
    assert "England's latest value" in city["assurance"]
    deprived = next(s for s in body["series"] if s["series"] == "spc_deprived")
    assert deprived["label"] == "Leeds's most deprived fifth"


def test_core_cities_life_expectancy(client: TestClient) -> None:
    body = client.get("/api/indicators/life_expectancy_birth/comparators").json()
    core = next(g for g in body["groups"] if g["group"] == "core_cities")
    assert (core["period"], core["sex"], core["members"]) == ("2023-25", "Female", 8)
    got = {r["area_name"]: r["value"] for r in core["rows"]}
    assert got == CORE_LE_FEMALE_2023_25
    assert core["group_average"] == sum(CORE_LE_FEMALE_2023_25.values()) / 8
    assert core["england"] == 83.5
    assert core["city_rank"] == 2  # 1 = highest: only Bristol's is higher
    ranks = {r["area_name"]: r["rank"] for r in core["rows"]}
    assert ranks["Bristol"] == 1 and ranks["Manchester"] == 8
    # the extract publishes no intervals or counts for life expectancy: not compared, and why
    assert {r["compared_to_group"] for r in core["rows"]} == {"Not compared"}
    assert {r["comparison_method"] for r in core["rows"]} == {
        "no interval or counts published, so not compared"
    }
    near = next(g for g in body["groups"] if g["group"] == "neighbours")
    assert near["members"] == 16 and "not CIPFA's list" in near["note"]
    assert sum(r["is_city"] for r in near["rows"]) == 1
    male = client.get("/api/indicators/life_expectancy_birth/comparators?sex=Male").json()
    assert {g["sex"] for g in male["groups"]} == {"Male"}


def test_no_comparators_without_a_published_extract(client: TestClient) -> None:
    body = client.get("/api/indicators/infant_mortality/comparators").json()
    assert body["groups"] == []
    assert client.get("/api/indicators/nope/comparators").status_code == 404
    bad = client.get("/api/indicators/infant_mortality/spc?sex=Other")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "sex"


def test_indicator_page_has_spc_and_comparators(client: TestClient) -> None:
    html = client.get("/indicators/life_expectancy_birth").text
    for part in (
        'id="chart-spc"',
        "Statistical process control (Making Data Count)",
        "2.66 times the average moving range",
        'aria-label="Variation icon: ',
        'aria-label="Assurance icon: ',
        'id="chart-core_cities"',
        'id="chart-neighbours"',
        "Core Cities, 2023-25 (Female)",
        "Leeds is <strong>2nd of 8</strong>",
        "Not compared with the group average: no interval or counts published",
        "This is the first build: there is no earlier build to compare with.",
    ):
        assert part in html, part
    infant = client.get("/indicators/infant_mortality").text
    assert 'id="chart-spc"' in infant and 'id="chart-spc_deprived"' in infant
    svg = client.get("/indicators/life_expectancy_birth/charts/core_cities.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert "X-Page-Cache" not in svg.headers
    spec = client.get("/indicators/infant_mortality/charts/spc.json").json()
    assert spec["title"] == "Infant mortality rate: SPC chart, Leeds"
    none = client.get(
        "/indicators/infant_mortality/charts/core_cities.svg",
        headers={"Accept": "application/json"},
    )
    assert none.status_code == 404
    assert none.json()["error"]["message"] == (
        "the core_cities chart has no data for infant_mortality"
    )


def test_overview_ranks_among_comparators(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/indicators/life_expectancy_birth#comparators-core_cities">2nd of 8</a>' in html
    assert "No published comparators" in html  # e.g. infant mortality
    assert "This is the first build" in html


def test_first_build_has_no_flags(client: TestClient) -> None:
    body = client.get("/api/indicators").json()
    assert body["new_data_status"] == "first build" and body["compared_with_build"] is None
    assert {i["new_data"] for i in body["indicators"]} == {None}
    changes = client.get("/api/changes").json()
    assert (changes["status"], changes["count"], changes["indicators"]) == ("first build", 0, [])


def test_new_data_flags_in_the_api(changed_client: TestClient) -> None:
    body = changed_client.get("/api/indicators").json()
    assert body["provenance"]["build_id"] == 3
    assert (body["new_data_status"], body["compared_with_build"]) == ("ready", 2)
    flags = {i["indicator_id"]: i for i in body["indicators"]}
    infant = flags["infant_mortality"]
    assert infant["new_data"] is True and infant["new_periods"] == ["2021-23"]
    assert infant["new_rows"] > 0 and infant["revised_rows"] == 0 and infant["changed"] is True
    le = flags["life_expectancy_birth"]
    assert (le["new_data"], le["revised_rows"], le["changed"]) == (False, 1, True)
    assert flags["weekly_earnings"]["changed"] is False
    changes = changed_client.get("/api/changes").json()
    assert changes["status"] == "ready" and changes["message"] == "Compared with build 2."
    assert {i["indicator_id"] for i in changes["indicators"]} == {
        "infant_mortality",
        "life_expectancy_birth",
    }
    every = changed_client.get("/api/changes?all=true").json()
    assert every["count"] == 6
    one = changed_client.get("/api/changes?indicator=life_expectancy_birth").json()
    assert one["rows_total"] == 1
    row = one["rows"][0]
    assert (row["change"], row["area_code"], row["sex"], row["period"]) == (
        "revised",
        "E08000035",
        "Female",
        "2023-25",
    )
    assert row["value"] - row["value_previous"] == 0.5
    bad = changed_client.get("/api/changes?indicator=nope")
    assert bad.status_code == 422
    assert bad.json()["error"] == {
        "status": 422,
        "message": "indicator: 'nope' is not in this build",
        "field": "indicator",
    }


def test_new_data_flags_on_the_pages(changed_client: TestClient) -> None:
    html = changed_client.get("/").text
    row = html.split('data-indicator="infant_mortality"')[1].split("</tr>")[0]
    assert "New data" in row and "2021-23" in row
    le = html.split('data-indicator="life_expectancy_birth"')[1].split("</tr>")[0]
    assert "Revised" in le and "1 figure" in le and "New data" not in le
    assert "since build 2" in html
    page = changed_client.get("/indicators/infant_mortality").text
    assert "New period: 2021-23." in page
    assert "No change since build 2." in changed_client.get("/indicators/weekly_earnings").text


def test_flags_worked_out_in_the_background_replace_cached_pages(changed_place) -> None:  # type: ignore[no-untyped-def]
    from healthequity.web import Settings, create_app

    app = create_app(Settings(changed_place, changes_in_background=True))
    client = TestClient(app)
    first = client.get("/")
    assert first.status_code == 200
    view = app.state.cache.current()
    for _ in range(600):  # the thread compares two small builds; wait for it
        if view.new_data.status != "pending":
            break
        import time

        time.sleep(0.1)
    assert view.new_data.status == "ready"
    html = client.get("/").text
    assert "since build 2" in html  # not the page kept while the flags were pending


def test_comparator_chart_spec() -> None:
    rows = pd.DataFrame(
        {
            "area_code": ["a", "b", "c"],
            "area_name": ["A", "B", "C"],
            "value": [1.0, 3.0, np.nan],
            "rank": [2, 1, pd.NA],
            "compared_to_group": ["Worse", None, None],
        }
    )
    spec = comparator_chart(rows, city="a", title="T", unit="%", group_average=2.0, england=None)
    dots = spec["layer"][0]["data"]["values"]
    assert [d["area_name"] for d in dots] == ["B", "A"]  # highest first, no value left out
    assert [d["member"] for d in dots] == ["Other members", "The city"]
    assert dots[0]["compared_to_group"] == "Not compared"
    assert len(spec["layer"]) == 2  # the group average; England not given
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, None)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "-"
    ]  # fmt: skip


def test_spc_series_one_point_per_period() -> None:
    from healthequity.web.spc_data import one_per_period

    rows = pd.DataFrame(
        {
            "period": ["2019", "2020", "2019-21", "2020", "2021", "2021"],
            "period_start": [2019, 2020, 2019, 2020, 2021, 2021],
            "age": ["All ages", "All ages", "All ages", "18+", "All ages", "18+"],
            "value": [1.0, 2.0, 9.0, 8.0, 3.0, 7.0],
        }
    )
    out = one_per_period(rows)
    assert out["period"].tolist() == ["2019", "2020", "2021"]
    assert out["value"].tolist() == [1.0, 2.0, 3.0]
    assert out["order"].tolist() == [0, 1, 2]
