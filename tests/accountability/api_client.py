"""A FastAPI app with the tracker router, and TestClients signed in as each seeded user."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthequity.accountability.api import tracker_router
from healthequity.auth.ratelimit import DEFAULT_LIMITS, Limits
from healthequity.auth.sessions import CSRF_HEADER, SessionSigner
from healthequity.store.database import Database
from tests.accountability.seed import PASSWORD

SECRET = "test-secret-test-secret-test-secret-0123"
USERNAMES = {"viewer": "vera", "editor_a": "ed", "editor_b": "bea", "admin": "ada"}
API = "/api/tracker"


def make_app(db: Database, *, limits: Limits = DEFAULT_LIMITS) -> FastAPI:
    """An app serving only the tracker API (as the dashboard will include it)."""
    app = FastAPI()
    app.include_router(
        tracker_router(db, SessionSigner(SECRET), limits=limits, today=lambda: dt.date(2026, 1, 15))
    )
    return app


class Client:
    """A browser-like client: keeps the session cookie and sends the CSRF token."""

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self.http = TestClient(app, base_url=base_url)
        self.csrf = self.http.get(f"{API}/session").json()["csrf_token"]

    def login(self, username: str, password: str = PASSWORD) -> int:
        response = self.http.post(
            f"{API}/session/login",
            json={"username": username, "password": password},
            headers={CSRF_HEADER: self.csrf},
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response.status_code

    def get(self, path: str, **params: object) -> object:
        response = self.http.get(f"{API}{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: dict[str, object] | None = None) -> object:
        return self.http.request(
            method, f"{API}{path}", json=body or {}, headers={CSRF_HEADER: self.csrf}
        )


def signed_in(app: FastAPI, role: str) -> Client:
    """A client signed in as the seeded user of ``role`` ('anonymous': not signed in)."""
    client = Client(app)
    if role != "anonymous":
        assert client.login(USERNAMES[role]) == 200
    return client
