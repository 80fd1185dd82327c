"""A small client for the OHID Fingertips API, with an on-disk cache that survives outages.

Endpoints (as used by fingertips_py and fingertipsR, and defined in the Fingertips source):

- ``all_data/csv/by_indicator_id?indicator_ids=&child_area_type_id=&parent_area_type_id=``:
  every value of the indicators for one area type, as a Fingertips CSV (parsed and validated
  exactly like a downloaded file);
- ``indicator_metadata/by_indicator_id?indicator_ids=``: JSON keyed by indicator ID, with
  ``IID``, ``Descriptive`` (Name, Definition, DataSource, ...), ``Unit``, ``ValueType``,
  ``YearType``, ``ConfidenceIntervalMethod``, ``ConfidenceLevel``;
- ``area_types``: a JSON list of ``{"Id", "Name", "Short", ...}``.

The cache is keyed by URL and parameters. A fresh copy is returned without a request; when the
service cannot be reached (a connection or transport error, a timeout, HTTP 5xx) a stale copy
is returned with a FingertipsCacheWarning, and with no copy FingertipsUnavailable says what to
do instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from healthequity.errors import HealthEquityError
from healthequity.schema import FINGERTIPS_COLUMNS
from healthequity.sources.fingertips_csv import parse_fingertips_csv
from healthequity.store.warehouse import Warehouse

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api"
ENGLAND_AREA_TYPE = 15


class FingertipsError(HealthEquityError):
    """The Fingertips API refused a request (for example HTTP 404 for an unknown ID)."""


class FingertipsUnavailable(FingertipsError):
    """The Fingertips API could not be reached and no cached copy of the answer exists."""


class FingertipsCacheWarning(UserWarning):
    """A cached (possibly out-of-date) answer was used because Fingertips could not be reached."""


@dataclass(frozen=True)
class IndicatorMetadata:
    """The parts of Fingertips' indicator metadata the system uses; ``raw`` keeps the rest."""

    indicator_id: int
    name: str
    definition: str | None
    data_source: str | None
    unit: str | None
    multiplier: float | None
    value_type: str | None
    year_type: str | None
    confidence_level: float | None
    ci_method: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)


class FingertipsClient:
    """Fingertips API client: injectable ``httpx.Client`` (tests replay recorded responses),
    optional on-disk cache (``cache_dir``; None = no cache) whose copies are fresh for ``max_age``.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        cache_dir: Path | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        max_age: dt.timedelta = dt.timedelta(days=1),
        timeout: float = 120.0,
    ) -> None:
        if client is None:
            client = httpx.Client(timeout=timeout, follow_redirects=True)
        self.client = client
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.base_url = base_url.rstrip("/")
        self.max_age = max_age

    def indicator_data(
        self,
        indicator_ids: int | Iterable[int],
        child_area_type_id: int,
        parent_area_type_id: int = ENGLAND_AREA_TYPE,
    ) -> pd.DataFrame:
        """Every value of the indicators for one area type, in the ``fingertips`` layout."""
        return self.indicator_data_response(indicator_ids, child_area_type_id, parent_area_type_id)[
            0
        ]

    def indicator_data_response(
        self,
        indicator_ids: int | Iterable[int],
        child_area_type_id: int,
        parent_area_type_id: int = ENGLAND_AREA_TYPE,
    ) -> tuple[pd.DataFrame, str, bytes]:
        """As ``indicator_data``, with the request's URL and the response body (provenance)."""
        params = {
            "indicator_ids": _ids(indicator_ids),
            "child_area_type_id": str(int(child_area_type_id)),
            "parent_area_type_id": str(int(parent_area_type_id)),
        }
        path = "all_data/csv/by_indicator_id"
        url = self.url(path, params)
        body = self.get(path, params)
        if not body.strip():  # no data at this area type: an empty table, not an error
            body = ",".join(FINGERTIPS_COLUMNS).encode("utf-8")
        return parse_fingertips_csv(io.BytesIO(body), url), url, body

    def indicator_metadata(
        self, indicator_ids: int | Iterable[int]
    ) -> dict[int, IndicatorMetadata]:
        """Metadata of each indicator, keyed by indicator ID."""
        path = "indicator_metadata/by_indicator_id"
        params = {"indicator_ids": _ids(indicator_ids)}
        payload = self._json(path, params)
        if not isinstance(payload, dict):
            raise FingertipsError(
                f"{self.url(path, params)}: expected a JSON object by indicator ID"
            )
        return {int(key): _metadata(int(key), item) for key, item in payload.items()}

    def area_types(self) -> pd.DataFrame:
        """Fingertips' area types: ``area_type_id``, ``name``, ``short_name`` (one row each)."""
        payload = self._json("area_types", {})
        if not isinstance(payload, list):
            raise FingertipsError(f"{self.url('area_types', {})}: expected a JSON list")
        frame = pd.DataFrame(
            {
                "area_type_id": [int(item["Id"]) for item in payload],
                "name": [str(item.get("Name", "")) for item in payload],
                "short_name": [str(item.get("Short", "")) for item in payload],
            }
        )
        return frame.sort_values("area_type_id", ignore_index=True)

    def url(self, path: str, params: dict[str, str]) -> str:
        """The full URL of a request (parameters in a stable order)."""
        return str(httpx.URL(f"{self.base_url}/{path}", params=sorted(params.items())))

    def get(self, path: str, params: dict[str, str]) -> bytes:
        """The body of GET ``path`` with ``params``: from the cache when fresh, else the API."""
        url = self.url(path, params)
        cached = self._cached(url)
        if cached is not None and cached[1] < self.max_age:
            return cached[0]
        try:
            response = self.client.get(url)
        except httpx.TransportError as err:  # connection refused, DNS, timeouts, dropped links
            return self._fallback(url, cached, f"{type(err).__name__}: {err}")
        if response.status_code >= 500:
            return self._fallback(url, cached, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise FingertipsError(_refusal(url, response))
        self._store(url, response.content)
        return response.content

    def _json(self, path: str, params: dict[str, str]) -> Any:
        body = self.get(path, params)
        try:
            return json.loads(body)
        except ValueError as err:
            raise FingertipsError(f"{self.url(path, params)}: not valid JSON ({err})") from None

    def _fallback(self, url: str, cached: tuple[bytes, dt.timedelta] | None, reason: str) -> bytes:
        """The cached copy (with a warning) when Fingertips cannot answer, else a clear error."""
        if cached is None:
            raise FingertipsUnavailable(
                f"Fingertips cannot be reached ({reason}) for {url} and there is no cached "
                "copy. Try again later, or download the data as CSV from "
                "https://fingertips.phe.org.uk and load it with "
                "`healthequity load FILE --kind fingertips`."
            )
        age = _describe_age(cached[1])
        warnings.warn(
            f"Fingertips cannot be reached ({reason}); using the cached copy of {url} "
            f"from {age} ago",
            FingertipsCacheWarning,
            stacklevel=3,
        )
        return cached[0]

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / hashlib.sha256(url.encode("utf-8")).hexdigest()

    def _cached(self, url: str) -> tuple[bytes, dt.timedelta] | None:
        """The cached body of ``url`` and its age, if there is one."""
        path = self._cache_path(url)
        if path is None or not path.with_suffix(".json").is_file():
            return None
        try:
            info = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            fetched = dt.datetime.fromisoformat(info["fetched_at"])
            body = path.with_suffix(".body").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):  # a damaged copy is no copy
            return None
        return body, dt.datetime.now(dt.UTC) - fetched

    def _store(self, url: str, body: bytes) -> None:
        """Keep a copy of ``body``: the body, then its index entry, each replaced atomically."""
        path = self._cache_path(url)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        info = {"url": url, "fetched_at": dt.datetime.now(dt.UTC).isoformat()}
        for target, data in (
            (path.with_suffix(".body"), body),
            (path.with_suffix(".json"), json.dumps(info).encode("utf-8")),
        ):
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, target)


def _ids(indicator_ids: int | Iterable[int]) -> str:
    """Indicator IDs as Fingertips takes them: comma separated."""
    if isinstance(indicator_ids, int):
        return str(indicator_ids)
    return ",".join(str(int(i)) for i in indicator_ids)


def _refusal(url: str, response: httpx.Response) -> str:
    """A message for a 4xx answer: what was asked, what came back, what to check."""
    detail = response.text.strip()[:200]
    hint = (
        "check the indicator and area type IDs (FingertipsClient.area_types lists area types)"
        if response.status_code in (400, 404)
        else "check the request"
    )
    reason = response.reason_phrase or "error"
    return (
        f"Fingertips refused {url}: HTTP {response.status_code} {reason}"
        + (f" ({detail})" if detail else "")
        + f"; {hint}"
    )


def _describe_age(age: dt.timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def _named(item: Any, *keys: str) -> str | None:
    """The first of ``keys`` present in a nested object (Fingertips uses Name or Label)."""
    if not isinstance(item, dict):
        return None
    for key in keys:
        if item.get(key) not in (None, ""):
            return str(item[key])
    return None


def _metadata(indicator_id: int, item: dict[str, Any]) -> IndicatorMetadata:
    """One indicator's metadata from Fingertips' JSON."""
    descriptive = item.get("Descriptive") or {}
    unit = item.get("Unit") or {}
    level = item.get("ConfidenceLevel")
    multiplier = unit.get("Value") if isinstance(unit, dict) else None
    return IndicatorMetadata(
        indicator_id=int(item.get("IID", indicator_id)),
        name=str(descriptive.get("Name", "")),
        definition=descriptive.get("Definition"),
        data_source=descriptive.get("DataSource"),
        unit=_named(unit, "Label"),
        multiplier=float(multiplier) if multiplier is not None else None,
        value_type=_named(item.get("ValueType"), "Name", "Label"),
        year_type=_named(item.get("YearType"), "Name", "Label"),
        confidence_level=float(level) if level is not None else None,
        ci_method=_named(item.get("ConfidenceIntervalMethod"), "Name"),
        raw=item,
    )


def load_from_api(
    warehouse: Warehouse,
    client: FingertipsClient,
    indicator_ids: int | Iterable[int],
    child_area_type_id: int,
    parent_area_type_id: int = ENGLAND_AREA_TYPE,
) -> int:
    """Fetch indicator data and load it as one atomic ``fingertips`` batch; its version.

    The batch's provenance is the request URL and the SHA-256 of the response body.
    """
    frame, url, body = client.indicator_data_response(
        indicator_ids, child_area_type_id, parent_area_type_id
    )
    if frame.empty:
        raise FingertipsError(f"{url}: no data for these indicators at this area type")
    return warehouse.load(
        "fingertips",
        frame,
        kind="fingertips_api",
        source_name=url,
        sha256=hashlib.sha256(body).hexdigest(),
    )
