"""The dashboard app with the tracker registered on a test database, and a browser-like
TestClient that reads each form's CSRF token from the page, as a person's browser would."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from healthequity.accountability.web import register
from healthequity.auth.ratelimit import DEFAULT_LIMITS, Limits
from healthequity.store.database import Database
from healthequity.web import Settings, create_app
from healthequity.web.data import BuildCache
from tests.accountability.seed import PASSWORD
from tests.web.conftest import place_folder

__all__ = ["PageClient", "build_cache", "make_app", "place_folder"]

SECRET = "pages-secret-pages-secret-pages-secret-0123"
TODAY = dt.date(2026, 4, 15)  # the seeded action (due 2026-03-31) is overdue
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def build_cache(place_folder: Path) -> BuildCache:
    """The indicator build, loaded once for every page test."""
    cache = BuildCache(Settings(place_folder))
    cache.current()
    return cache


def make_app(
    place: Path,
    db: Database | None,
    cache: BuildCache | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    secret: str | None = SECRET,
) -> FastAPI:
    """The dashboard with only the tracker registered."""
    app = create_app(Settings(place))
    if cache is not None:
        app.state.cache = cache
    register(app, db, secret=secret, today=lambda: TODAY, limits=limits)
    return app


class PageClient:
    """A TestClient used like a browser: GET a page, then post its form with its token."""

    def __init__(self, app: FastAPI) -> None:
        self.http = TestClient(app, follow_redirects=False)
        self.token = ""

    def get(self, path: str, status: int = 200) -> str:
        response = self.http.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:2000])
        found = _TOKEN.search(response.text)
        if found:
            self.token = html.unescape(found.group(1))
        return response.text

    def post(self, path: str, data: dict[str, object], *, token: str | None = None) -> Response:
        fields = dict(data)
        if token is None:
            token = self.token
        if token:
            fields["csrf_token"] = token
        return self.http.post(path, data=fields)

    def sign_in(self, username: str, password: str = PASSWORD, next_path: str = "/tracker") -> None:
        self.get("/tracker/sign-in")
        response = self.post(
            "/tracker/sign-in", {"username": username, "password": password, "next": next_path}
        )
        assert response.status_code == 303, response.text[:2000]
        assert response.headers["location"] == next_path
        self.get(next_path)  # signing in rotates the token: read the new one
