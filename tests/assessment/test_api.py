"""The JSON API and the pages through HTTP, on SQLite and PostgreSQL: sign-in, CSRF, who may do
what, the one error shape, refused moves, exports, reporting and the batch upload."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from healthequity.store.database import Database
from tests.assessment.factories import complete_values
from tests.assessment.webapp import PASSWORD, WebApp, assessment_place, make_webapp

__all__ = ["assessment_place"]
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def webapp(assessment_place: Path, db: Database) -> WebApp:
    return make_webapp(assessment_place, db, TODAY)


def _client(webapp: WebApp, username: str | None = None) -> tuple[TestClient, str]:
    client = TestClient(webapp.app)
    token = client.get("/api/assessments/session").json()["csrf_token"]
    if username is not None:
        r = client.post(
            "/api/assessments/session/login",
            json={"username": username, "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 200, r.text
        token = r.json()["csrf_token"]
    return client, token


def _values() -> dict[str, Any]:
    values = complete_values()
    values["organisation"] = "Leeds City Council"
    return values


def test_create_to_publish_over_the_api(webapp: WebApp) -> None:
    olive, token = _client(webapp, "olive")
    r = olive.post("/api/assessments", json=_values(), headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    ident, version = r.json()["id"], r.json()["version"]
    r = olive.get(f"/api/assessments/{ident}/evidence")
    indicators = {i["indicator_id"] for i in r.json()["evidence"]["indicators"]}
    assert indicators == {"children_relative_low_income"}  # principles 4 and 6
    r = olive.post(
        f"/api/assessments/{ident}/moves/submit",
        json={"version": version},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200, r.text
    assert r.json()["evidence"]["area_codes"] == ["E05011385", "E05012647"]  # frozen
    r = olive.post(
        f"/api/assessments/{ident}/moves/publish",
        json={"version": r.json()["version"]},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_allowed_now"
    assert r.json()["error"]["message"].startswith(
        f"cannot publish summary assessment {ident}: it is submitted"
    )
    sam, sam_token = _client(webapp, "sam")
    version = sam.get(f"/api/assessments/{ident}").json()["version"]
    r = sam.post(
        f"/api/assessments/{ident}/moves/sign_off",
        json={"version": version},
        headers={"X-CSRF-Token": sam_token},
    )
    assert r.status_code == 200 and r.json()["status"] == "signed off"
    r = sam.post(
        f"/api/assessments/{ident}/moves/publish",
        json={"version": r.json()["version"]},
        headers={"X-CSRF-Token": sam_token},
    )
    assert r.json()["status"] == "published"
    public = TestClient(webapp.app)
    assert [a["id"] for a in public.get("/api/assessments").json()] == [ident]
    versions = olive.get(f"/api/assessments/{ident}/versions").json()
    assert [v["change"] for v in versions] == ["created", "submit", "sign_off", "publish"]
    pdf = public.get(f"/api/assessments/{ident}/export.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Children in relative low income families" in " ".join(text.split())
    assert public.get(f"/api/assessments/{ident}/export.json").json()["id"] == ident
    webapp.clock.day = dt.date(2026, 9, 1)
    due = public.get("/api/assessments/reviews-due").json()
    assert [(a["id"], a["review_due"]) for a in due] == [(ident, True)]
    report = olive.get("/api/assessments/report").json()
    assert report["by_status"]["published"] == 1
    assert report["by_organisation"]["Leeds City Council"]["published"] == 1
    assert [p["assessments"] for p in report["by_principle"] if p["principle"] in (4, 6)] == [1, 1]
    housing = next(i for i in report["impacts"] if i["dimension"] == "housing")
    assert housing["negative"] == 1
    assert report["reviews_due"][0]["days_overdue"] == 0


def test_refusals_have_one_shape(webapp: WebApp) -> None:
    public, token = _client(webapp)
    r = public.post("/api/assessments", json=_values(), headers={"X-CSRF-Token": token})
    assert r.status_code == 401
    assert r.json() == {
        "error": {"status": 401, "code": "not_signed_in", "message": "sign in to start assessments"}
    }
    olive, token = _client(webapp, "olive")
    r = olive.post("/api/assessments", json=_values())
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    vera, vera_token = _client(webapp, "vera")
    r = vera.post("/api/assessments", json=_values(), headers={"X-CSRF-Token": vera_token})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "vera is a viewer and may not start assessments"
    bad = {**_values(), "review_date": "2026-01-01"}
    r = olive.post("/api/assessments", json=bad, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "review_date"
    assert olive.get("/api/assessments").json() == []
    r = public.get("/api/assessments/report")
    assert r.status_code == 401


def test_pages_for_the_public_and_the_signed_in(webapp: WebApp) -> None:
    public = TestClient(webapp.app)
    assert "No assessment has been published yet." in public.get("/assessments").text
    r = public.get("/assessments/new", follow_redirects=False)
    assert (
        r.status_code == 303
        and r.headers["location"] == "/assessments/sign-in?next=/assessments/new"
    )
    r = public.post("/assessments/new", data={"title": "x"})
    assert r.status_code == 403  # no CSRF token
    olive, _ = _client(webapp, "olive")
    page = olive.get("/assessments/new").text
    assert 'name="csrf_token"' in page and "Stage 1 of 4: Prepare" in page
    assert "Armley" in page and "Leeds City Council" in page


def test_batch_upload_over_http(webapp: WebApp) -> None:
    from healthequity.assessment import batch

    olive, token = _client(webapp, "olive")
    template = olive.get("/api/assessments/template.xlsx")
    assert template.status_code == 200 and template.content == batch.TEMPLATE.read_bytes()
    r = olive.post(
        "/api/assessments/import",
        data={"csrf_token": token},
        files={"file": ("empty.xlsx", template.content)},
    )
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "empty.xlsx: the template has no rows filled in"
