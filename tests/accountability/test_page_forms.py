"""The tracker's edit forms without a browser, on SQLite and PostgreSQL: adding and editing an
action, adding and changing milestones, an admin changing a recommendation; each with the audit
trail, the optimistic-locking conflict, bad input named per field and kept, the CSRF refusal and
who may do what (sign-in redirect, 401, 403)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from healthequity.accountability import audit, services
from healthequity.accountability.models import Action
from healthequity.web.data import BuildCache
from tests.accountability.pages_app import PageClient, build_cache, make_app, place_folder
from tests.accountability.seed import ORG_A, ORG_B, Seeded

__all__ = ["build_cache", "place_folder"]

ORIGINAL_TITLE = "Publish an annual health equity report"


@pytest.fixture
def app(seeded: Seeded, place_folder: Path, build_cache: BuildCache) -> FastAPI:
    return make_app(place_folder, seeded.db, build_cache)


def _text(page: str) -> str:
    """The page's visible text, whitespace collapsed (for exact sentences)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"</?(time|a|strong|span|code)\b[^>]*>", "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _signed_in(app: FastAPI, username: str, path: str) -> PageClient:
    client = PageClient(app)
    client.sign_in(username, next_path=path)
    return client


def _action_fields(seeded: Seeded, action_id: int) -> dict[str, Any]:
    with seeded.db.session() as session:
        action = services.get_action(session, action_id)
        return {**services.action_fields(action), "version": action.version}


def _action_count(seeded: Seeded) -> int:
    with seeded.db.session() as session:
        return session.query(Action).count()


def _changes(seeded: Seeded, entity: str, entity_id: int) -> list[tuple[str, str, str | None]]:
    """(operation, field, after) of a record's audit entries, oldest first."""
    with seeded.db.session() as session:
        found = audit.entries(session, entity=entity, entity_id=entity_id, limit=100)
        return [(e.operation, e.field, e.after) for e in reversed(found)]


NEW_ACTION = {
    "title": "Health equity training for every board member",
    "description": "Two sessions a year.\nRecorded for new members.",
    "owner_organisation": ORG_A,
    "owner_name": "Priya Shah",
    "partners": [ORG_B],
    "start_date": "2026-05-01",
    "due_date": "2027-03-31",
    "status": "on track",
    "indicator_ids": ["infant_mortality", "breastfeeding_6_8wk"],
}


# --- adding an action --------------------------------------------------------------------


def test_editor_adds_an_action_seen_on_the_recommendation_and_in_the_audit_trail(
    app: FastAPI, seeded: Seeded
) -> None:
    ed = _signed_in(app, "ed", "/tracker/recommendations/1")
    page = ed.get("/tracker/recommendations/1")
    assert 'href="/tracker/recommendations/1/actions/new"' in page
    assert 'id="edit-recommendation"' not in page  # only admins change recommendations
    form = ed.get("/tracker/recommendations/1/actions/new")
    assert f'<option value="{ORG_A}" selected>{ORG_A}</option>' in form  # ed's only organisation
    assert f'value="{ORG_B}"' in form  # any organisation may be a partner
    assert '<option value="not started" selected>Not started</option>' in form
    assert 'id="indicator-infant_mortality"' in form
    response = ed.post("/tracker/recommendations/1/actions/new", NEW_ACTION)
    assert response.status_code == 303, response.text[:2000]
    found = re.fullmatch(r"/tracker/actions/(\d+)\?saved=added", response.headers["location"])
    assert found, response.headers["location"]
    action_id = int(found.group(1))
    assert "The action was added." in _text(ed.get(response.headers["location"]))
    saved = _action_fields(seeded, action_id)
    assert saved == {
        "title": NEW_ACTION["title"],
        "description": "Two sessions a year.\nRecorded for new members.",
        "owner_organisation": ORG_A,
        "owner_name": "Priya Shah",
        "partners": [ORG_B],
        "start_date": dt.date(2026, 5, 1),
        "due_date": dt.date(2027, 3, 31),
        "status": "on track",
        "indicator_ids": ["breastfeeding_6_8wk", "infant_mortality"],
        "version": 1,
    }
    public = PageClient(app)
    rec_page = public.get("/tracker/recommendations/1")
    assert f'data-action="{action_id}"' in rec_page
    assert NEW_ACTION["title"] in _text(rec_page)
    assert 'id="add-action"' not in rec_page  # not signed in: no form to offer
    trail = _text(public.get(f"/tracker/audit?entity=action&entity_id={action_id}"))
    assert f"create action {action_id} title {NEW_ACTION['title']}" in trail
    assert f"create action {action_id} partners {ORG_B}" in trail
    assert ("create", "owner_name", "Priya Shah") in _changes(seeded, "action", action_id)


def test_add_action_with_bad_input_names_the_field_and_keeps_what_was_typed(
    app: FastAPI, seeded: Seeded
) -> None:
    ed = _signed_in(app, "ed", "/tracker/recommendations/1/actions/new")
    before = _action_count(seeded)
    untitled = ed.post("/tracker/recommendations/1/actions/new", {**NEW_ACTION, "title": "  "})
    assert untitled.status_code == 422
    assert '<a href="#title">title: must not be empty</a>' in untitled.text
    assert 'id="title-error"' in untitled.text
    assert "Error: Add an action to recommendation 1" in untitled.text  # the page title says so
    assert ">Two sessions a year.\nRecorded for new members.</textarea>" in untitled.text
    assert f'value="{ORG_B}" checked' in untitled.text
    assert 'value="infant_mortality" checked' in untitled.text
    assert 'value="Priya Shah"' in untitled.text
    backwards = ed.post(
        "/tracker/recommendations/1/actions/new", {**NEW_ACTION, "due_date": "2026-01-01"}
    )
    assert backwards.status_code == 422
    assert (
        '<a href="#due_date">due_date: 2026-01-01 is before start_date 2026-05-01</a>'
        in backwards.text
    )
    assert f'value="{NEW_ACTION["title"]}"' in backwards.text
    unknown = ed.post(
        "/tracker/recommendations/1/actions/new",
        {**NEW_ACTION, "indicator_ids": ["infant_mortalty"]},
    )
    assert unknown.status_code == 422
    assert "indicator_ids: unknown indicator &#39;infant_mortalty&#39;; did you mean" in (
        unknown.text
    )
    assert 'value="infant_mortalty" checked' in unknown.text  # kept, so it can be unticked
    assert _action_count(seeded) == before


# --- editing an action -------------------------------------------------------------------


def test_edit_action_form_is_prefilled_and_saves_only_what_changed(
    app: FastAPI, seeded: Seeded
) -> None:
    path = f"/tracker/actions/{seeded.action_id}"
    ed = _signed_in(app, "ed", path)
    assert f'href="{path}/edit"' in ed.get(path)
    form = ed.get(f"{path}/edit")
    assert f'value="{ORIGINAL_TITLE}"' in form
    assert 'name="version" value="1"' in form
    assert 'value="2026-03-31"' in form and 'value="2025-04-01"' in form
    assert f'value="{ORG_B}" checked' in form
    assert 'value="infant_mortality" checked' in form
    fields = {
        "title": "Publish the annual health equity report",
        "description": "",
        "owner_organisation": ORG_A,
        "owner_name": "",
        "partners": [ORG_B],
        "start_date": "2025-04-01",
        "due_date": "2026-06-30",
        "status": "not started",
        "indicator_ids": ["infant_mortality"],
        "version": "1",
    }
    saved = ed.post(f"{path}/edit", fields)
    assert saved.status_code == 303 and saved.headers["location"] == f"{path}?saved=changed"
    assert "Your changes to the action were saved." in _text(ed.get(saved.headers["location"]))
    now = _action_fields(seeded, seeded.action_id)
    assert now["title"] == "Publish the annual health equity report"
    assert str(now["due_date"]) == "2026-06-30" and now["version"] == 2
    updates = [c for c in _changes(seeded, "action", seeded.action_id) if c[0] == "update"]
    assert updates == [
        ("update", "title", "Publish the annual health equity report"),
        ("update", "due_date", "2026-06-30"),
    ]
    same = ed.post(f"{path}/edit", {**fields, "version": "2"})
    assert same.headers["location"] == f"{path}?saved=unchanged"
    assert "Nothing was changed, so nothing was saved." in _text(ed.get(same.headers["location"]))
    assert _action_fields(seeded, seeded.action_id)["version"] == 2


def test_stale_edit_shows_the_conflict_and_changes_nothing(app: FastAPI, seeded: Seeded) -> None:
    path = f"/tracker/actions/{seeded.action_id}"
    ed = _signed_in(app, "ed", f"{path}/edit")
    assert 'name="version" value="1"' in ed.get(f"{path}/edit")
    ada = _signed_in(app, "ada", f"{path}/edit")
    first = ada.post(
        f"{path}/edit",
        {**_form_of(seeded), "title": "Annual report, led by the board", "version": "1"},
    )
    assert first.status_code == 303
    stale = ed.post(
        f"{path}/edit",
        {**_form_of(seeded), "title": "My careful new title", "status": "on track", "version": "1"},
    )
    assert stale.status_code == 409
    text = _text(stale.text)
    assert "Someone else changed this first" in text
    assert re.search(
        rf"action {seeded.action_id} was changed by ada at \d{{4}}-\d\d-\d\d \d\d:\d\d UTC after "
        r"you opened it \(you had version 1, it is now version 2\); your changes were not "
        r"saved: reload it and apply them again\. Your changes: title = 'My careful new title'; "
        r"status = 'on track'",
        text,
    ), text
    assert 'value="My careful new title"' in stale.text  # what ed typed is kept
    assert '<option value="on track" selected>' in stale.text
    assert 'name="version" value="2"' in stale.text  # saving again applies on the new version
    assert "The action as saved now (version 2) Title Annual report, led by the board" in text
    now = _action_fields(seeded, seeded.action_id)
    assert (now["title"], now["status"], now["version"]) == (
        "Annual report, led by the board",
        "not started",
        2,
    )
    again = ed.post(
        f"{path}/edit",
        {**_form_of(seeded), "title": "My careful new title", "status": "on track", "version": "2"},
    )
    assert again.status_code == 303
    assert _action_fields(seeded, seeded.action_id)["title"] == "My careful new title"


def _form_of(seeded: Seeded) -> dict[str, Any]:
    """The edit form as the browser would send it now (without the version)."""
    fields = _action_fields(seeded, seeded.action_id)
    fields.pop("version")
    return {k: "" if v is None else v if isinstance(v, list) else str(v) for k, v in fields.items()}


def test_edit_action_with_bad_input_keeps_what_was_typed(app: FastAPI, seeded: Seeded) -> None:
    path = f"/tracker/actions/{seeded.action_id}"
    ed = _signed_in(app, "ed", f"{path}/edit")
    bad = ed.post(
        f"{path}/edit",
        {**_form_of(seeded), "title": "Kept title", "due_date": "31/03/2027", "version": "1"},
    )
    assert bad.status_code == 422
    assert (
        '<a href="#due_date">due_date: &#39;31/03/2027&#39; is not a date; expected YYYY-MM-DD'
        in bad.text
    )
    assert 'value="Kept title"' in bad.text and 'value="31/03/2027"' in bad.text
    assert _action_fields(seeded, seeded.action_id)["title"] == ORIGINAL_TITLE


# --- who may do what ---------------------------------------------------------------------


def test_forms_need_sign_in_and_permission(app: FastAPI, seeded: Seeded) -> None:
    action = f"/tracker/actions/{seeded.action_id}"
    anonymous = PageClient(app)
    for path in (
        "/tracker/recommendations/1/actions/new",
        f"{action}/edit",
        f"{action}/milestones/new",
        "/tracker/recommendations/1/edit",
    ):
        response = anonymous.http.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/tracker/sign-in?next={path}"
    anonymous.get("/tracker/sign-in")
    refused = anonymous.post("/tracker/recommendations/1/actions/new", NEW_ACTION)
    assert refused.status_code == 401
    assert "sign in to add actions" in _text(refused.text)

    vera = _signed_in(app, "vera", "/tracker/recommendations/1")
    assert 'id="add-action"' not in vera.get("/tracker/recommendations/1")
    forbidden = _text(vera.get("/tracker/recommendations/1/actions/new", status=403))
    assert "You do not have permission to do this vera is a viewer and may not add actions" in (
        forbidden
    )
    refused = vera.post("/tracker/recommendations/1/actions/new", NEW_ACTION)
    assert refused.status_code == 403

    bea = _signed_in(app, "bea", action)
    page = bea.get(action)
    assert 'id="edit-action"' not in page and 'id="add-milestone"' not in page
    not_hers = (
        f"bea may not change action {seeded.action_id}: it belongs to {ORG_A}, which is not one "
        "of their organisations"
    )
    assert not_hers in _text(bea.get(f"{action}/edit", status=403))
    assert not_hers in _text(bea.get(f"{action}/milestones/new", status=403))
    refused = bea.post(f"{action}/edit", {**_form_of(seeded), "title": "Mine", "version": "1"})
    assert refused.status_code == 403 and not_hers in _text(refused.text)
    form = bea.get("/tracker/recommendations/1/actions/new")
    assert f'<option value="{ORG_B}" selected>' in form and f'<option value="{ORG_A}"' not in form
    refused = bea.post("/tracker/recommendations/1/actions/new", NEW_ACTION)  # owner ORG_A
    assert refused.status_code == 403
    assert f"bea may not add an action owned by that organisation: it belongs to {ORG_A}" in _text(
        refused.text
    )
    assert "What you entered (not saved)" in _text(refused.text)

    ed = _signed_in(app, "ed", "/tracker/recommendations/1")
    assert "only an admin may change recommendations; ed is editor" in _text(
        ed.get("/tracker/recommendations/1/edit", status=403)
    )
    assert _action_count(seeded) == 1
    assert _action_fields(seeded, seeded.action_id)["version"] == 1


def test_forms_without_the_csrf_token_are_refused(app: FastAPI, seeded: Seeded) -> None:
    action = f"/tracker/actions/{seeded.action_id}"
    ada = _signed_in(app, "ada", action)
    posts = {
        "/tracker/recommendations/1/actions/new": NEW_ACTION,
        f"{action}/edit": {**_form_of(seeded), "title": "Forged", "version": "1"},
        f"{action}/milestones/new": {"title": "Forged milestone"},
        "/tracker/recommendations/1/edit": {"text": "Forged wording", "version": "1"},
    }
    for path, data in posts.items():
        for token in ("", "forged-token"):
            refused = ada.post(path, data, token=token)
            assert refused.status_code == 403, path
            assert "The form was missing its security token" in _text(refused.text)
    assert _action_count(seeded) == 1
    assert _action_fields(seeded, seeded.action_id)["version"] == 1
    with seeded.db.session() as session:
        assert services.get_action(session, seeded.action_id).milestones == []
        assert services.get_recommendation(session, 1).version == 1


# --- milestones --------------------------------------------------------------------------


def test_milestone_add_edit_conflict_and_bad_input(app: FastAPI, seeded: Seeded) -> None:
    action = f"/tracker/actions/{seeded.action_id}"
    ed = _signed_in(app, "ed", action)
    assert f'href="{action}/milestones/new"' in ed.get(action)
    ed.get(f"{action}/milestones/new")
    empty = ed.post(f"{action}/milestones/new", {"title": "", "due_date": "2026-09-30"})
    assert empty.status_code == 422
    assert '<a href="#title">title: must not be empty</a>' in empty.text
    assert 'value="2026-09-30"' in empty.text
    added = ed.post(
        f"{action}/milestones/new", {"title": "Draft to the board", "due_date": "2026-09-30"}
    )
    assert added.status_code == 303
    found = re.fullmatch(
        rf"{action}\?saved=milestone-added#milestone-(\d+)", added.headers["location"]
    )
    assert found, added.headers["location"]
    milestone_id = int(found.group(1))
    page = ed.get(added.headers["location"].split("#")[0])
    assert "The milestone was added." in _text(page)
    assert f'id="milestone-{milestone_id}"' in page
    assert f'href="/tracker/milestones/{milestone_id}/edit"' in page
    edit = f"/tracker/milestones/{milestone_id}/edit"
    form = ed.get(edit)
    assert 'value="Draft to the board"' in form and 'name="version" value="1"' in form
    bad = ed.post(
        edit,
        {
            "title": "Draft to the board",
            "due_date": "2026-09-30",
            "completed_on": "last week",
            "version": "1",
        },
    )
    assert bad.status_code == 422
    assert "completed_on: &#39;last week&#39; is not a date; expected YYYY-MM-DD" in bad.text
    assert 'value="last week"' in bad.text
    done = {"title": "Draft to the board", "due_date": "2026-09-30", "completed_on": "2026-04-14"}
    saved = ed.post(edit, {**done, "version": "1"})
    assert saved.status_code == 303
    assert saved.headers["location"] == (
        f"{action}?saved=milestone-changed#milestone-{milestone_id}"
    )
    text = _text(ed.get(saved.headers["location"].split("#")[0]))
    assert "Your changes to the milestone were saved." in text
    assert "Draft to the board 30 September 2026 Done 14 April 2026" in text
    stale = ed.post(edit, {**done, "title": "Final draft to the board", "version": "1"})
    assert stale.status_code == 409
    assert re.search(
        rf"milestone {milestone_id} was changed by ed at .* \(you had version 1, it is now "
        r"version 2\); .* Your changes: title = 'Final draft to the board'",
        _text(stale.text),
    )
    assert 'value="Final draft to the board"' in stale.text
    assert 'name="version" value="2"' in stale.text
    assert _changes(seeded, "milestone", milestone_id) == [
        ("create", "action", str(seeded.action_id)),
        ("create", "title", "Draft to the board"),
        ("create", "due_date", "2026-09-30"),
        ("update", "completed_on", "2026-04-14"),
    ]
    trail = _text(PageClient(app).get(f"{action}"))
    assert f"update milestone {milestone_id} completed on 2026-04-14" in trail  # its history
    missing = _text(ed.get("/tracker/milestones/999/edit", status=404))
    assert "Page not found no milestone with id 999" in missing


# --- recommendations ---------------------------------------------------------------------


def test_admin_changes_a_recommendation(app: FastAPI, seeded: Seeded) -> None:
    ada = _signed_in(app, "ada", "/tracker/recommendations/2")
    assert 'href="/tracker/recommendations/2/edit"' in ada.get("/tracker/recommendations/2")
    form = ada.get("/tracker/recommendations/2/edit")
    assert "PLACEHOLDER: published wording of recommendation 2 to be entered</textarea>" in form
    assert '<option value="" selected>No theme yet</option>' in form
    assert 'name="version" value="1"' in form
    fields = {
        "text": "Embed health equity in every partner's strategy",
        "theme": "partnerships",
        "lead_organisation": ORG_B,
        "indicator_ids": ["infant_mortality"],
    }
    empty = ada.post("/tracker/recommendations/2/edit", {**fields, "text": " ", "version": "1"})
    assert empty.status_code == 422
    assert '<a href="#text">text: must not be empty</a>' in empty.text
    assert '<option value="partnerships" selected>' in empty.text
    assert f'<option value="{ORG_B}" selected>' in empty.text
    saved = ada.post("/tracker/recommendations/2/edit", {**fields, "version": "1"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/tracker/recommendations/2?saved=changed"
    text = _text(ada.get(saved.headers["location"]))
    assert "Your changes to the recommendation were saved." in text
    assert "Embed health equity in every partner's strategy" in text
    assert "Effective partnerships for health equity" in text
    with seeded.db.session() as session:
        rec = services.get_recommendation(session, 2)
        assert services.recommendation_fields(rec) == {**fields, "lead_organisation": ORG_B}
        rec_id, version = rec.id, rec.version
    assert version == 2
    assert [c[1] for c in _changes(seeded, "recommendation", rec_id) if c[0] == "update"] == [
        "text",
        "theme",
        "lead_organisation",
        "indicator_ids",
    ]
    stale = ada.post(
        "/tracker/recommendations/2/edit", {**fields, "text": "Another wording", "version": "1"}
    )
    assert stale.status_code == 409
    assert "you had version 1, it is now version 2" in _text(stale.text)
    assert ">Another wording</textarea>" in stale.text
