"""The annual narrative on SQLite and PostgreSQL: saving and reading a year, the audit entries a
save leaves, optimistic locking, who may save, and the pages (form with CSRF, conflict keeps the
text, bad input names the field)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from healthequity.accountability import audit
from healthequity.accountability.errors import Conflict
from healthequity.accountability.narrative import get_narrative, list_narratives, save_narrative
from healthequity.auth.errors import NotSignedIn, PermissionDenied
from healthequity.errors import InputError
from healthequity.web.data import BuildCache
from tests.accountability.pages_app import PageClient, build_cache, make_app, place_folder
from tests.accountability.seed import Seeded

__all__ = ["build_cache", "place_folder"]

TEXTS = {
    "challenges": "Cost of living pressures on families",
    "successes": "Marmot Place board set up",
    "learning": "",
}


def _save(seeded: Seeded, who: str, year: int = 2025, version: int | None = None, **texts: str):  # type: ignore[no-untyped-def]
    with seeded.db.session() as session:
        n = save_narrative(session, seeded.actors[who], year, **{**TEXTS, **texts}, version=version)
        return n.id, n.version


def test_save_read_and_audit(seeded: Seeded) -> None:
    ident, version = _save(seeded, "editor_a")
    assert version == 1
    with seeded.db.session() as session:
        found = get_narrative(session, 2025)
        assert found is not None
        assert found.texts() == TEXTS
        assert found.updated_by == "Ed Ashworth"
        assert get_narrative(session, 2024) is None
        created = audit.entries(session, entity="narrative", entity_id=ident)
        assert sorted((e.operation, e.field, e.after) for e in created) == [
            ("create", "challenges", TEXTS["challenges"]),
            ("create", "successes", TEXTS["successes"]),
            ("create", "year", "2025"),
        ]
    _, version = _save(seeded, "admin", version=1, learning="Co-design with residents works")
    assert version == 2
    with seeded.db.session() as session:
        found = get_narrative(session, 2025)
        assert found is not None and found.learning == "Co-design with residents works"
        assert found.updated_by == "ada"
        latest = audit.entries(session, entity="narrative", entity_id=ident, limit=1)[0]
        assert (latest.actor, latest.operation, latest.field, latest.before, latest.after) == (
            "ada", "update", "learning", "", "Co-design with residents works"
        )  # fmt: skip
        assert [n.year for n in list_narratives(session)] == [2025]


def test_stale_save_is_refused_and_keeps_the_text(seeded: Seeded) -> None:
    _save(seeded, "editor_a")
    _save(seeded, "editor_b", version=1, successes="Board set up; first report out")
    with pytest.raises(Conflict) as caught:
        _save(seeded, "admin", version=1, challenges="My lost words")
    assert "narrative 1 was changed by bea at " in str(caught.value)
    assert "(you had version 1, it is now version 2)" in str(caught.value)
    assert caught.value.attempted["challenges"] == "My lost words"
    assert caught.value.current_version == 2
    with pytest.raises(Conflict, match="say which version of narrative 1"):
        _save(seeded, "admin", version=None)
    with pytest.raises(Conflict, match="it is now version 1"):
        _save(seeded, "admin", year=2026, version=0)
        _save(seeded, "admin", year=2026, version=0)
    with seeded.db.session() as session:
        found = get_narrative(session, 2025)
        assert found is not None and found.challenges == TEXTS["challenges"]


def test_who_may_save(seeded: Seeded) -> None:
    with pytest.raises(PermissionDenied, match="vera is a viewer and may not write the narrative"):
        _save(seeded, "viewer")
    with seeded.db.session() as session, pytest.raises(NotSignedIn, match="sign in to write"):
        save_narrative(session, None, 2025, **TEXTS, version=None)
    _save(seeded, "editor_b")  # an editor of any organisation may
    with seeded.db.session() as session:
        assert get_narrative(session, 2025) is not None


def test_bad_input_names_the_field(seeded: Seeded) -> None:
    with pytest.raises(InputError, match="year: '1999' is not a reporting year"):
        _save(seeded, "admin", year="1999")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"learning: 20001 characters is too long \(at most"):
        _save(seeded, "admin", learning="x" * 20_001)
    with seeded.db.session() as session:
        assert list_narratives(session) == []


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def app(seeded: Seeded, place_folder: Path, build_cache: BuildCache) -> FastAPI:
    return make_app(place_folder, seeded.db, build_cache)


def _text(page: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_pages_list_years_and_save_with_csrf(app: FastAPI, seeded: Seeded) -> None:
    public = PageClient(app)
    years = _text(public.get("/tracker/narrative"))
    assert "2026 None yet Not started" in years and "2025 None yet" in years  # today: 2026
    page = public.get("/tracker/narrative/2025")
    assert 'id="narrative-form"' not in page
    assert "Sign in as an editor or admin to write the narrative." in _text(page)
    client = PageClient(app)
    client.sign_in("ed", next_path="/tracker/narrative/2025")
    form: dict[str, object] = {**TEXTS, "version": "0"}
    assert client.post("/tracker/narrative/2025", form, token="forged").status_code == 403
    done = client.post("/tracker/narrative/2025", form)
    assert done.status_code == 303
    assert done.headers["location"] == "/tracker/narrative/2025?saved=1"
    text = _text(client.get("/tracker/narrative/2025?saved=1"))
    assert "The narrative of 2025 was saved." in text
    assert f"Challenges {TEXTS['challenges']}" in text
    assert "Version 1, last changed" in text and "by Ed Ashworth" in text
    assert "create narrative 1 challenges" in text  # the history
    assert "2025 Challenges, Successes" in _text(public.get("/tracker/narrative"))
    assert "create narrative 1" in _text(public.get("/tracker/audit?entity=narrative"))


def test_stale_form_shows_the_conflict_and_keeps_the_text(app: FastAPI, seeded: Seeded) -> None:
    _save(seeded, "editor_b")
    _save(seeded, "editor_b", version=1, learning="Someone else's learning")
    client = PageClient(app)
    client.sign_in("ed", next_path="/tracker/narrative/2025")
    stale = client.post("/tracker/narrative/2025", {**TEXTS, "learning": "Mine", "version": "1"})
    assert stale.status_code == 409
    text = _text(stale.text)
    assert "Someone else changed this first" in text
    assert "(you had version 1, it is now version 2)" in text
    assert ">Mine</textarea>" in stale.text
    assert 'name="version" value="2"' in stale.text  # saving again applies on the current one
    with seeded.db.session() as session:
        found = get_narrative(session, 2025)
        assert found is not None and found.learning == "Someone else's learning"


def test_viewer_is_refused_and_bad_year_named(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    client.sign_in("vera", next_path="/tracker/narrative/2025")
    refused = client.post("/tracker/narrative/2025", {**TEXTS, "version": "0"})
    assert refused.status_code == 403
    assert "vera is a viewer and may not write the narrative of 2025" in _text(refused.text)
    bad = _text(client.get("/tracker/narrative/19x", status=422))
    assert "year: '19x' is not a reporting year; expected a year from 2000 to 2100" in bad
    with seeded.db.session() as session:
        assert list_narratives(session) == []
