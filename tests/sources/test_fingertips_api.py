"""The Fingertips API client, offline: recorded responses replayed through httpx.MockTransport."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

from healthequity.errors import HealthEquityError
from healthequity.schema import TIDY_COLUMNS
from healthequity.sources.fingertips_api import (
    FingertipsCacheWarning,
    FingertipsClient,
    FingertipsError,
    FingertipsUnavailable,
)

RECORDED = Path(__file__).parent / "recorded"
BASE = "https://fingertips.phe.org.uk/api"
DATA_URL = (
    f"{BASE}/all_data/csv/by_indicator_id"
    "?child_area_type_id=101&indicator_ids=90366&parent_area_type_id=15"
)
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """Serves the recorded responses and remembers every request made."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/")
        if path == "all_data/csv/by_indicator_id":
            body = (RECORDED / "all_data_csv_by_indicator_id_90366_101_15.csv").read_bytes()
            return httpx.Response(200, content=body, headers={"content-type": "text/csv"})
        if path == "indicator_metadata/by_indicator_id":
            body = (RECORDED / "indicator_metadata_by_indicator_id_90366.json").read_bytes()
            return httpx.Response(200, content=body)
        if path == "area_types":
            return httpx.Response(200, content=(RECORDED / "area_types.json").read_bytes())
        return httpx.Response(404, text="Not found")


def _client(handler: Handler, cache_dir: Path | None = None, **kwargs: object) -> FingertipsClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return FingertipsClient(client=http, cache_dir=cache_dir, **kwargs)  # type: ignore[arg-type]


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)


def _slow(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _error(status: int, text: str = "") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=text)

    return handler


def test_indicator_data_is_parsed_into_the_fingertips_layout() -> None:
    recorder = Recorder()
    frame = _client(recorder).indicator_data(90366, child_area_type_id=101)
    assert [str(r.url) for r in recorder.requests] == [DATA_URL]
    assert dict(recorder.requests[0].url.params) == {
        "indicator_ids": "90366",
        "child_area_type_id": "101",
        "parent_area_type_id": "15",
    }
    assert list(frame.columns) == list(TIDY_COLUMNS)
    assert len(frame) == 7  # England's rows written again as the parent are dropped
    leeds = frame[frame["area_code"] == "E08000035"].set_index("sex")
    assert leeds.loc["Male", "value"] == 78.2
    assert leeds.loc["Female", "lower_95"] == 81.75
    assert leeds.loc["Male", "compared_to_england"] == "Worse"
    assert leeds.loc["Male", "parent_code"] == "E92000001"
    assert set(frame["time_period"]) == {"2018 - 20"}
    decile = frame[frame["category"].notna()]
    assert decile["category"].tolist() == ["Most deprived decile"]


def test_several_indicators_are_sent_comma_separated() -> None:
    recorder = Recorder()
    _client(recorder).indicator_data([90366, 90362], child_area_type_id=502, parent_area_type_id=6)
    assert recorder.requests[0].url.params["indicator_ids"] == "90366,90362"
    assert recorder.requests[0].url.params["parent_area_type_id"] == "6"


def test_metadata_is_parsed() -> None:
    recorder = Recorder()
    meta = _client(recorder).indicator_metadata(90366)
    assert recorder.requests[0].url.params["indicator_ids"] == "90366"
    le = meta[90366]
    assert le.indicator_id == 90366
    assert le.name == "Life expectancy at birth"
    assert le.data_source == "Office for National Statistics"
    assert le.unit == "Years" and le.multiplier == 1.0
    assert le.value_type == "Life expectancy"
    assert le.year_type == "Calendar"
    assert le.confidence_level == 95.0
    assert le.ci_method == "Chiang II"
    assert le.raw["DataChange"]["LastUploadedAt"] == "2026-04-20T16:25:53"


def test_area_types_are_parsed() -> None:
    frame = _client(Recorder()).area_types()
    assert frame["area_type_id"].tolist() == [6, 7, 15, 501, 502]
    england = frame[frame["area_type_id"] == 15].iloc[0]
    assert (england["name"], england["short_name"]) == ("England", "England")


def test_a_cache_hit_avoids_a_second_request(tmp_path: Path) -> None:
    recorder = Recorder()
    client = _client(recorder, tmp_path / "cache")
    first = client.indicator_data(90366, 101)
    second = client.indicator_data(90366, 101)
    assert len(recorder.requests) == 1
    pd.testing.assert_frame_equal(first, second)
    client.indicator_metadata(90366)
    client.indicator_metadata(90366)
    assert len(recorder.requests) == 2
    # a new client on the same folder uses the copy on disk
    again = _client(recorder, tmp_path / "cache")
    pd.testing.assert_frame_equal(again.indicator_data(90366, 101), first)
    assert len(recorder.requests) == 2


def test_without_a_cache_every_call_asks_the_api() -> None:
    recorder = Recorder()
    client = _client(recorder)
    client.area_types()
    client.area_types()
    assert len(recorder.requests) == 2


def test_a_stale_copy_is_refreshed(tmp_path: Path) -> None:
    recorder = Recorder()
    client = _client(recorder, tmp_path, max_age=dt.timedelta(0))
    client.area_types()
    client.area_types()
    assert len(recorder.requests) == 2


def test_unreachable_without_a_cache_says_what_to_do() -> None:
    with pytest.raises(FingertipsUnavailable) as caught:
        _client(_down).indicator_data(90366, 101)
    assert str(caught.value) == (
        "Fingertips cannot be reached (ConnectError: [Errno -3] Temporary failure in name "
        f"resolution) for {DATA_URL} and there is no cached copy. Try again later, or download "
        "the data as CSV from https://fingertips.phe.org.uk and load it with "
        "`healthequity load FILE --kind fingertips`."
    )
    assert isinstance(caught.value, HealthEquityError)


def test_unreachable_with_a_cache_returns_the_copy_with_a_warning(tmp_path: Path) -> None:
    fresh = _client(Recorder(), tmp_path).indicator_data(90366, 101)
    offline = _client(_down, tmp_path, max_age=dt.timedelta(0))
    with pytest.warns(FingertipsCacheWarning, match="using the cached copy of") as caught:
        stale = offline.indicator_data(90366, 101)
    pd.testing.assert_frame_equal(stale, fresh)
    assert DATA_URL in str(caught[0].message)
    with pytest.raises(FingertipsUnavailable, match="Try again later"):
        offline.area_types()  # never fetched, so nothing to fall back on


def test_a_timeout_counts_as_unreachable() -> None:
    with pytest.raises(FingertipsUnavailable, match=r"\(ReadTimeout: timed out\)"):
        _client(_slow).area_types()


def test_http_500_without_and_with_a_cache(tmp_path: Path) -> None:
    with pytest.raises(FingertipsUnavailable) as caught:
        _client(_error(500, "Internal Server Error")).area_types()
    assert str(caught.value).startswith(
        f"Fingertips cannot be reached (HTTP 500) for {BASE}/area_types and there is no cached copy."
    )
    _client(Recorder(), tmp_path).area_types()
    broken = _client(_error(503), tmp_path, max_age=dt.timedelta(0))
    with pytest.warns(FingertipsCacheWarning, match=r"\(HTTP 503\)"):
        assert len(broken.area_types()) == 5


def test_http_404_is_a_clear_error_not_an_outage(tmp_path: Path) -> None:
    _client(Recorder(), tmp_path).area_types()
    client = _client(_error(404, "No HTTP resource was found"), tmp_path, max_age=dt.timedelta(0))
    with pytest.raises(FingertipsError) as caught:
        client.area_types()
    assert not isinstance(caught.value, FingertipsUnavailable)
    assert str(caught.value) == (
        f"Fingertips refused {BASE}/area_types: HTTP 404 Not Found (No HTTP resource was "
        "found); check the indicator and area type IDs (FingertipsClient.area_types lists "
        "area types)"
    )


def test_no_data_at_an_area_type_is_an_empty_table() -> None:
    frame = _client(_error(200, "")).indicator_data(90366, 7)
    assert frame.empty and list(frame.columns) == list(TIDY_COLUMNS)


def test_a_malformed_response_is_rejected_naming_the_url() -> None:
    header = (
        (RECORDED / "all_data_csv_by_indicator_id_90366_101_15.csv").read_text().splitlines()[0]
    )
    body = header + "\n" + "90366,LE,,,E08000035,Leeds,UA,Male,All ages,,,2018 - 20,high" + ",," * 7
    with pytest.raises(HealthEquityError) as caught:
        _client(_error(200, body)).indicator_data(90366, 101)
    assert f"{DATA_URL}, row 2, column 'Value': 'high': expected a number" in str(caught.value)


def test_a_damaged_cache_entry_is_ignored(tmp_path: Path) -> None:
    recorder = Recorder()
    _client(recorder, tmp_path).area_types()
    for index in tmp_path.glob("*.json"):
        index.write_text("{not json", encoding="utf-8")
    assert len(_client(recorder, tmp_path).area_types()) == 5
    assert len(recorder.requests) == 2


def test_load_from_api_is_one_batch_with_the_url_and_body_hash(tmp_path: Path) -> None:
    import hashlib

    from healthequity.sources.fingertips_api import load_from_api
    from healthequity.store.warehouse import Warehouse

    wh = Warehouse(tmp_path / "w.duckdb")
    version = load_from_api(wh, _client(Recorder()), 90366, 101)
    assert version == 1
    batch = wh.versions().iloc[0]
    assert batch["kind"] == "fingertips_api" and batch["source_name"] == DATA_URL
    body = (RECORDED / "all_data_csv_by_indicator_id_90366_101_15.csv").read_bytes()
    assert batch["sha256"] == hashlib.sha256(body).hexdigest()
    assert set(wh.read("fingertips")["indicator_id"]) == {"90366"}


def test_load_from_api_unreachable_writes_nothing(tmp_path: Path) -> None:
    from healthequity.sources.fingertips_api import load_from_api
    from healthequity.store.warehouse import Warehouse

    wh = Warehouse(tmp_path / "w.duckdb")
    with pytest.raises(FingertipsUnavailable):
        load_from_api(wh, _client(_down), 90366, 101)
    assert wh.versions().empty
