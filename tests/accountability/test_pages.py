"""The tracker's pages without a browser, on SQLite and PostgreSQL: reading without sign-in,
sign-in and its rate limit, posting an update, permissions (403 for another organisation's
editor), CSRF refusal, the optimistic-locking conflict, bad input, admin pages."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from healthequity.accountability import audit, services
from healthequity.auth.ratelimit import Limits
from healthequity.web.data import BuildCache
from tests.accountability.pages_app import PageClient, build_cache, make_app, place_folder
from tests.accountability.seed import ORG_A, Seeded

__all__ = ["build_cache", "place_folder"]


@pytest.fixture
def app(seeded: Seeded, place_folder: Path, build_cache: BuildCache) -> FastAPI:
    return make_app(place_folder, seeded.db, build_cache)


def _text(page: str) -> str:
    """The page's visible text, whitespace collapsed (for exact sentences)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"</?(time|a|strong|span|code)\b[^>]*>", "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _updates(seeded: Seeded) -> list[str]:
    with seeded.db.session() as session:
        return [u.text for u in services.get_action(session, seeded.action_id).updates]


def test_board_reads_without_sign_in(app: FastAPI) -> None:
    client = PageClient(app)
    page = client.get("/tracker")
    text = _text(page)
    assert "Theme not yet entered" in text
    assert page.count('data-recommendation="') == 15
    assert 'href="/tracker/recommendations/1"' in page
    assert "Sign in" in text and "Sign out" not in text
    assert "On track 0" in text and "Not started 1" in text  # all actions, by status
    assert "1 action overdue, at risk or off track" in text
    assert client.http.cookies.get("healthequity_session")  # a session, so forms have a token


def test_recommendation_page_shows_actions_and_indicator_figures(
    app: FastAPI, seeded: Seeded, build_cache: BuildCache
) -> None:
    page = PageClient(app).get("/tracker/recommendations/1")
    text = _text(page)
    assert "Publish an annual health equity report" in text
    assert "Overdue by 15 days" in text
    row = build_cache.current().overview.set_index("indicator_id").loc["infant_mortality"]
    assert 'data-indicator="infant_mortality"' in page
    assert "Infant mortality rate" in text
    assert f"{row['value']:,.1f}" in text and f"{row['england']:,.1f}" in text
    assert str(row["verdict"]) in text
    assert "Figures pass disclosure control" in text  # the build's provenance
    assert "No progress updates yet." in text
    assert PageClient(app).get("/tracker/recommendations/99", status=404)


def test_action_page_invites_sign_in_and_404s(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    text = _text(client.get(f"/tracker/actions/{seeded.action_id}"))
    assert f"Sign in as an editor of {ORG_A} to post an update." in text
    assert 'id="update-form"' not in text
    missing = _text(client.get("/tracker/actions/999", status=404))
    assert "Page not found no action with id 999" in missing


def test_sign_in_and_out(app: FastAPI) -> None:
    client = PageClient(app)
    client.get("/tracker/sign-in?next=/tracker/attention")
    wrong = client.post("/tracker/sign-in", {"username": "ed", "password": "nope"})
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.text
    assert 'value="ed"' in wrong.text  # the username is kept, never the password
    client.sign_in("ed", next_path="/tracker/attention")
    text = _text(client.get("/tracker/attention"))
    assert "Signed in as Ed Ashworth (editor)" in text
    out = client.post("/tracker/sign-out", {"next": "/tracker"})
    assert out.status_code == 303 and out.headers["location"] == "/tracker"
    assert "Signed in as" not in _text(client.get("/tracker"))


def test_sign_in_is_rate_limited(seeded: Seeded, place_folder: Path) -> None:
    app = make_app(place_folder, seeded.db, limits=Limits(per_username=2))
    client = PageClient(app)
    client.get("/tracker/sign-in")
    for _ in range(2):
        assert (
            client.post("/tracker/sign-in", {"username": "ed", "password": "x"}).status_code == 401
        )
    refused = client.post("/tracker/sign-in", {"username": "ed", "password": "x"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins for &#39;ed&#39;; try again in 15 minutes" in refused.text


def test_editor_posts_an_update_with_a_status_change(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    client.sign_in("ed")
    path = f"/tracker/actions/{seeded.action_id}"
    assert 'id="update-form"' in client.get(path)
    response = client.post(
        f"{path}/updates",
        {
            "text": "Draft report\nshared with the board",
            "update_date": "2026-04-10",
            "status": "at risk",
            "version": "1",
        },
    )
    assert response.status_code == 303
    assert re.fullmatch(rf"{path}\?posted=\d+#update-\d+", response.headers["location"])
    page = client.get(response.headers["location"].split("#")[0])
    text = _text(page)
    assert "Your update was posted." in text
    assert "Draft report\nshared with the board" in html.unescape(page)
    assert "10 April 2026, Ed Ashworth" in text
    assert "Status changed from Not started to At risk" in text
    assert "update action 1 status not started at risk" in text  # history of changes
    public = PageClient(app)
    assert "Draft report" in _text(public.get("/tracker/recommendations/1"))
    assert "Draft report" in _text(public.get("/tracker/audit"))
    attention = _text(public.get("/tracker/attention"))
    assert "Overdue (1)" in attention and "At risk or off track (1)" in attention


def test_editor_of_another_organisation_gets_403(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    client.sign_in("bea")
    path = f"/tracker/actions/{seeded.action_id}"
    text = _text(client.get(path))
    assert f"Only editors of {ORG_A} and administrators can post updates" in text
    refused = client.post(f"{path}/updates", {"text": "Not mine to post", "version": "1"})
    assert refused.status_code == 403
    assert (
        f"bea may not post updates on action {seeded.action_id}: it belongs to {ORG_A}, "
        "which is not one of their organisations"
    ) in _text(refused.text)
    assert "Not mine to post" in _text(refused.text)  # shown back, not lost
    assert _updates(seeded) == []


def test_viewer_and_anonymous_may_not_post(app: FastAPI, seeded: Seeded) -> None:
    path = f"/tracker/actions/{seeded.action_id}/updates"
    anonymous = PageClient(app)
    anonymous.get("/tracker/sign-in")  # any page with a form gives the session token
    refused = anonymous.post(path, {"text": "hello", "version": "1"})
    assert refused.status_code == 401
    assert "sign in to post updates on action" in refused.text
    viewer = PageClient(app)
    viewer.sign_in("vera")
    refused = viewer.post(path, {"text": "hello", "version": "1"})
    assert refused.status_code == 403
    assert "vera is a viewer and may not post updates" in refused.text
    assert _updates(seeded) == []


def test_form_without_the_csrf_token_is_refused(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    client.sign_in("ed")
    path = f"/tracker/actions/{seeded.action_id}/updates"
    for token in ("", "forged-token"):
        refused = client.post(path, {"text": "Sent from elsewhere", "version": "1"}, token=token)
        assert refused.status_code == 403
        text = _text(refused.text)
        assert (
            "The form was missing its security token, or your session has expired, so nothing "
            "was saved. Go back, reload the page and submit the form again."
        ) in text
        assert "What you entered (not saved) Text Sent from elsewhere" in text
    assert _updates(seeded) == []
    signed_out = client.post("/tracker/sign-out", {}, token="")
    assert signed_out.status_code == 403  # sign-out too: no forced logout from another site


def test_stale_form_shows_the_conflict_and_keeps_the_text(app: FastAPI, seeded: Seeded) -> None:
    ed = PageClient(app)
    ed.sign_in("ed")
    path = f"/tracker/actions/{seeded.action_id}"
    assert 'name="version" value="1"' in ed.get(path)
    ada = PageClient(app)
    ada.sign_in("ada")
    ada.get(path)
    first = ada.post(f"{path}/updates", {"text": "Delayed", "status": "off track", "version": "1"})
    assert first.status_code == 303
    stale = ed.post(
        f"{path}/updates", {"text": "My long careful update", "status": "on track", "version": "1"}
    )
    assert stale.status_code == 409
    text = _text(stale.text)
    assert "Someone else changed this first" in text
    assert re.search(
        rf"action {seeded.action_id} was changed by ada at \d{{4}}-\d\d-\d\d \d\d:\d\d UTC after "
        r"you opened it \(you had version 1, it is now version 2\); your changes were not "
        r"saved: reload it and apply them again\. Your changes: text = 'My long careful "
        r"update'; status = 'on track'",
        text,
    ), text
    assert ">My long careful update</textarea>" in stale.text
    assert '<option value="on track" selected>' in stale.text
    assert 'name="version" value="2"' in stale.text  # saving again applies on the new version
    assert _updates(seeded) == ["Delayed"]
    again = ed.post(
        f"{path}/updates", {"text": "My long careful update", "status": "on track", "version": "2"}
    )
    assert again.status_code == 303
    assert _updates(seeded) == ["Delayed", "My long careful update"]


def test_bad_input_names_the_field_and_keeps_the_text(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    client.sign_in("ed")
    path = f"/tracker/actions/{seeded.action_id}"
    client.get(path)
    empty = client.post(f"{path}/updates", {"text": "  ", "version": "1"})
    assert empty.status_code == 422
    assert '<a href="#text">text: must not be empty</a>' in empty.text
    bad_date = client.post(
        f"{path}/updates", {"text": "Kept", "update_date": "31/03/2026", "version": "1"}
    )
    assert bad_date.status_code == 422
    assert "update_date: &#39;31/03/2026&#39; is not a date; expected YYYY-MM-DD" in bad_date.text
    assert ">Kept</textarea>" in bad_date.text
    assert _updates(seeded) == []


def test_my_actions(app: FastAPI, seeded: Seeded) -> None:
    client = PageClient(app)
    response = client.http.get("/tracker/my-actions")
    assert response.status_code == 303
    assert response.headers["location"] == "/tracker/sign-in?next=/tracker/my-actions"
    client.sign_in("ed", next_path="/tracker/my-actions")
    page = client.get("/tracker/my-actions")
    assert f'data-action="{seeded.action_id}"' in page
    bea = PageClient(app)
    bea.sign_in("bea")
    assert "Your organisations own no actions yet." in _text(bea.get("/tracker/my-actions"))


def test_audit_trail_hides_users_from_non_admins(app: FastAPI, seeded: Seeded) -> None:
    public = PageClient(app)
    page = public.get("/tracker/audit")
    assert "create user" not in _text(page)
    assert public.get("/tracker/audit?entity=user", status=403)
    assert "entity: unknown record type &#39;nope&#39;" in public.get(
        "/tracker/audit?entity=nope", status=422
    )
    action = _text(public.get(f"/tracker/audit?entity=action&entity_id={seeded.action_id}"))
    assert "create action 1 title Publish an annual health equity report" in action
    admin = PageClient(app)
    admin.sign_in("ada")
    assert "create user" in _text(admin.get("/tracker/audit?entity=user"))


def test_admin_pages_are_for_admins(app: FastAPI) -> None:
    anonymous = PageClient(app)
    redirect = anonymous.http.get("/tracker/admin/users")
    assert redirect.status_code == 303 and redirect.headers["location"].startswith(
        "/tracker/sign-in?next=/tracker/admin/users"
    )
    editor = PageClient(app)
    editor.sign_in("ed")
    text = _text(editor.get("/tracker/admin/organisations", status=403))
    assert "only an admin may manage organisations; ed is editor" in text


def test_admin_adds_users_and_organisations(app: FastAPI, seeded: Seeded) -> None:
    admin = PageClient(app)
    admin.sign_in("ada")
    admin.get("/tracker/admin/organisations")
    added = admin.post("/tracker/admin/organisations", {"name": "Leeds Beckett University"})
    assert added.status_code == 303
    duplicate = admin.post("/tracker/admin/organisations", {"name": "leeds beckett university"})
    assert duplicate.status_code == 422
    assert "an organisation called &#39;Leeds Beckett University&#39; already exists" in (
        duplicate.text
    )
    admin.get("/tracker/admin/users")
    bad = admin.post(
        "/tracker/admin/users",
        {
            "username": "sam",
            "display_name": "Sam",
            "password": "short",
            "role": "editor",
            "organisations": ["Leeds Beckett University"],
        },
    )
    assert bad.status_code == 422
    assert "password: must be at least 12 characters (got 5)" in bad.text
    assert 'value="sam"' in bad.text and 'value="short"' not in bad.text
    good = admin.post(
        "/tracker/admin/users",
        {
            "username": "sam",
            "display_name": "Sam Smith",
            "password": "a long enough one",
            "role": "editor",
            "organisations": ["Leeds Beckett University"],
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/tracker/admin/users?added=sam"
    page = admin.get("/tracker/admin/users?added=sam")
    assert "User sam added." in _text(page) and 'data-user="sam"' in page
    sam = PageClient(app)
    sam.sign_in("sam", "a long enough one")
    assert "Signed in as Sam Smith (editor)" in _text(sam.get("/tracker"))


def test_admin_changes_a_user_and_a_stale_rename_conflicts(app: FastAPI, seeded: Seeded) -> None:
    admin = PageClient(app)
    admin.sign_in("ada")
    user_id = seeded.actors["viewer"].user_id
    admin.get(f"/tracker/admin/users/{user_id}")
    saved = admin.post(
        f"/tracker/admin/users/{user_id}",
        {"display_name": "Vera V", "role": "editor", "organisations": [ORG_A], "version": "1"},
    )
    assert saved.status_code == 303
    text = _text(admin.get(saved.headers["location"]))
    assert "Changes saved." in text
    with seeded.db.session() as session:
        changed = [
            (e.field, e.after)
            for e in audit.entries(session, entity="user", entity_id=user_id, limit=10)
        ]
    assert ("role", "editor") in changed and ("active", "False") in changed
    page = admin.get("/tracker/admin/organisations")
    org_id = int(re.search(r'data-organisation="(\d+)"', page).group(1))  # type: ignore[union-attr]
    first = admin.post(f"/tracker/admin/organisations/{org_id}", {"name": "LCC", "version": "1"})
    assert first.status_code == 303
    stale = admin.post(
        f"/tracker/admin/organisations/{org_id}", {"name": "Leeds CC", "version": "1"}
    )
    assert stale.status_code == 409
    assert "you had version 1, it is now version 2" in _text(stale.text)
    assert 'value="Leeds CC"' in stale.text
