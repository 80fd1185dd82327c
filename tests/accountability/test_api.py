"""The JSON API (FastAPI TestClient): reading is open, changes need sign-in, the permission
matrix, CSRF, conflicts (409), bad input (422) and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.accountability.api_client import API, Client, make_app, signed_in
from tests.accountability.seed import ORG_A, ORG_B, Seeded

ROLES = ["anonymous", "viewer", "editor_a", "editor_b", "admin"]


def version(client: Client, path: str) -> int:
    data = client.get(path)
    assert isinstance(data, dict)
    return int(data["version"])


def operations(seeded: Seeded) -> dict[str, Callable[[Client], Any]]:
    """Every operation, as a function of a client returning the response."""
    a = seeded.action_id
    counter = iter(range(1000))

    def n() -> int:
        return next(counter)

    return {
        "add action owned by A": lambda c: c.send(
            "POST", "/recommendations/2/actions", {"title": "Pilot", "owner_organisation": ORG_A}
        ),
        "change A's action": lambda c: c.send(
            "PATCH", f"/actions/{a}", {"version": version(c, f"/actions/{a}"), "owner_name": "Jo"}
        ),
        "post update on A's action": lambda c: c.send(
            "POST", f"/actions/{a}/updates", {"text": "Progress"}
        ),
        "add milestone to A's action": lambda c: c.send(
            "POST", f"/actions/{a}/milestones", {"title": "Step"}
        ),
        "change recommendation": lambda c: c.send(
            "PATCH",
            "/recommendations/1",
            {"version": version(c, "/recommendations/1"), "theme": "partnerships"},
        ),
        "change theme": lambda c: c.send(
            "PATCH", "/themes/partnerships", {"version": 1, "aim": "Partnerships prioritise equity"}
        ),
        "add organisation": lambda c: c.send("POST", "/organisations", {"name": f"Org {n()}"}),
        "add user": lambda c: c.send(
            "POST",
            "/users",
            {"username": f"new{n()}", "password": "a long enough password", "role": "viewer"},
        ),
        "list users": lambda c: c.http.get(f"{API}/users"),
        "my actions": lambda c: c.http.get(f"{API}/my/actions"),
        "read board": lambda c: c.http.get(f"{API}/board"),
        "read recommendation": lambda c: c.http.get(f"{API}/recommendations/1"),
        "read action": lambda c: c.http.get(f"{API}/actions/{a}"),
        "read updates": lambda c: c.http.get(f"{API}/actions/{a}/updates"),
        "read attention": lambda c: c.http.get(f"{API}/attention"),
        "read audit": lambda c: c.http.get(f"{API}/audit"),
        "read organisations": lambda c: c.http.get(f"{API}/organisations"),
    }


READS = {
    "read board": 200,
    "read recommendation": 200,
    "read action": 200,
    "read updates": 200,
    "read attention": 200,
    "read audit": 200,
    "read organisations": 200,
}
ACTION_OPS = [
    "add action owned by A",
    "change A's action",
    "post update on A's action",
    "add milestone to A's action",
]
ADMIN_OPS = ["change recommendation", "change theme", "add organisation", "add user", "list users"]
CREATED = {
    "add action owned by A": 201,
    "post update on A's action": 201,
    "add milestone to A's action": 201,
    "add organisation": 201,
    "add user": 201,
}


def expected(role: str) -> dict[str, int]:
    ok = {op: CREATED.get(op, 200) for op in ACTION_OPS + ADMIN_OPS}
    if role == "anonymous":
        changes = dict.fromkeys(ACTION_OPS + ADMIN_OPS, 401)
        return {**changes, "my actions": 401, **READS}
    if role == "admin":
        return {**ok, "my actions": 200, **READS}
    denied = dict.fromkeys(ADMIN_OPS, 403)
    if role == "editor_a":
        return {**ok, **denied, "my actions": 200, **READS}
    return {**dict.fromkeys(ACTION_OPS, 403), **denied, "my actions": 200, **READS}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(seeded: Seeded, role: str) -> None:
    client = signed_in(make_app(seeded.db), role)
    got = {op: run(client).status_code for op, run in operations(seeded).items()}
    assert got == expected(role)


def test_editor_of_b_changing_as_action_gets_403_and_a_reason(seeded: Seeded) -> None:
    client = signed_in(make_app(seeded.db), "editor_b")
    response = client.send(
        "PATCH", f"/actions/{seeded.action_id}", {"version": 1, "status": "complete"}
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "status": 403,
            "code": "forbidden",
            "message": f"bea may not change action {seeded.action_id}: it belongs to "
            "Leeds City Council, which is not one of their organisations",
        }
    }
    assert (
        signed_in(make_app(seeded.db), "anonymous").get(f"/actions/{seeded.action_id}")["status"]
        == "not started"
    )


def test_form_post_without_csrf_token_is_refused(seeded: Seeded) -> None:
    client = signed_in(make_app(seeded.db), "editor_a")
    path = f"{API}/actions/{seeded.action_id}/updates"
    refused = client.http.post(path, data={"text": "From a form"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf"
    assert refused.json()["error"]["message"].startswith(
        "missing or wrong CSRF token: reload the page and try again"
    )
    wrong = client.http.post(path, data={"text": "From a form", "csrf_token": "guess"})
    assert wrong.status_code == 403
    assert client.get(f"/actions/{seeded.action_id}/updates") == []
    accepted = client.http.post(path, data={"text": "From a form", "csrf_token": client.csrf})
    assert accepted.status_code == 201, accepted.text
    assert [u["text"] for u in client.get(f"/actions/{seeded.action_id}/updates")] == [
        "From a form"
    ]


def test_json_change_without_csrf_header_is_refused(seeded: Seeded) -> None:
    client = signed_in(make_app(seeded.db), "admin")
    response = client.http.post(f"{API}/organisations", json={"name": "Leeds Beckett University"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf"
    assert [o["name"] for o in client.get("/organisations")] == [ORG_A, ORG_B]


def test_login_needs_csrf_too(seeded: Seeded) -> None:
    client = Client(make_app(seeded.db))
    response = client.http.post(
        f"{API}/session/login", json={"username": "ed", "password": "correct horse battery staple"}
    )
    assert response.status_code == 403


def test_two_clients_editing_the_same_action_get_409(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    ed, ada = signed_in(app, "editor_a"), signed_in(app, "admin")
    path = f"/actions/{seeded.action_id}"
    seen_by_ed, seen_by_ada = version(ed, path), version(ada, path)
    assert ed.send("PATCH", path, {"version": seen_by_ed, "status": "on track"}).status_code == 200
    refused = ada.send("PATCH", path, {"version": seen_by_ada, "status": "at risk"})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict" and error["current_version"] == 2
    assert error["attempted"] == {"status": "at risk"}
    assert error["message"].startswith(f"action {seeded.action_id} was changed by ed at ")
    assert ed.get(path)["status"] == "on track"


def test_bad_input_is_422_naming_the_field(seeded: Seeded) -> None:
    client = signed_in(make_app(seeded.db), "editor_a")
    response = client.send(
        "POST",
        "/recommendations/2/actions",
        {
            "title": "x",
            "owner_organisation": ORG_A,
            "start_date": "2025-02-01",
            "due_date": "2025-01-01",
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "status": 422,
            "code": "invalid",
            "message": "due_date: 2025-01-01 is before start_date 2025-02-01",
            "field": "due_date",
        }
    }
    assert client.get("/actions", recommendation=2) == []
    missing = client.send("PATCH", f"/actions/{seeded.action_id}", {"version": "one"})
    assert missing.json()["error"]["field"] == "version"


def test_update_with_status_change_then_public_page_and_audit(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    ed = signed_in(app, "editor_a")
    path = f"/actions/{seeded.action_id}"
    response = ed.send(
        "POST",
        f"{path}/updates",
        {
            "text": "Board agreed the plan",
            "status": "on track",
            "version": 1,
            "update_date": "2026-01-10",
        },
    )
    assert response.status_code == 201, response.text
    public = signed_in(app, "anonymous")
    action = public.get(path)
    assert action["status"] == "on track" and action["version"] == 2
    assert [
        (u["author"], u["update_date"], u["text"], u["status_before"], u["status_after"])
        for u in action["updates"]
    ] == [("Ed Ashworth", "2026-01-10", "Board agreed the plan", "not started", "on track")]
    trail = public.get("/audit", entity="action", entity_id=seeded.action_id)
    assert (trail[0]["actor"], trail[0]["field"], trail[0]["before"], trail[0]["after"]) == (
        "ed",
        "status",
        "not started",
        "on track",
    )
    updates = public.get("/audit", entity="progress_update")
    assert {e["field"]: e["after"] for e in updates}["text"] == "Board agreed the plan"


def test_user_administration_is_hidden_from_the_public_audit(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    public = signed_in(app, "anonymous")
    assert {e["entity"] for e in public.get("/audit")} == {
        "theme",
        "recommendation",
        "organisation",
        "action",
    }
    assert public.http.get(f"{API}/audit", params={"entity": "user"}).status_code == 403
    admin = signed_in(app, "admin")
    entries = admin.get("/audit", entity="user")
    assert {e["after"] for e in entries if e["field"] == "username"} == {"vera", "ed", "bea", "ada"}
    assert {e["after"] for e in entries if e["field"] == "password"} == {"set"}


def test_board_my_actions_and_attention(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    ed = signed_in(app, "editor_a")
    board = ed.get("/board")
    assert [g["theme"]["key"] for g in board[:3]] == [
        "leadership_accountability",
        "partnerships",
        "research_monitoring",
    ]
    assert [g["recommendations"] for g in board[:3]] == [[], [], []]
    assert board[3]["theme"] is None  # the Leeds placeholders have no theme yet
    assert [r["number"] for r in board[3]["recommendations"]] == list(range(1, 16))
    assert board[3]["status_counts"] == {
        "not started": 1,
        "on track": 0,
        "at risk": 0,
        "off track": 0,
        "complete": 0,
    }
    assert [a["id"] for a in ed.get("/my/actions")] == [seeded.action_id]
    assert signed_in(app, "editor_b").get("/my/actions") == []
    assert ed.get("/attention") == []
    ed.send("PATCH", f"/actions/{seeded.action_id}", {"version": 1, "status": "at risk"})
    assert [a["id"] for a in ed.get("/attention")] == [seeded.action_id]


def test_themes_are_the_three_with_their_aims(seeded: Seeded) -> None:
    themes = signed_in(make_app(seeded.db), "anonymous").get("/themes")
    assert [(t["name"], t["aim"]) for t in themes] == [
        (
            "Leadership and accountability for health equity",
            "Increase accountability, ensure actions take place and measure impact",
        ),
        (
            "Effective partnerships for health equity",
            "Existing and future partnerships prioritise greater health equity",
        ),
        (
            "Research and monitoring for health equity",
            "Drive more effective interventions and evaluations and implement the indicators",
        ),
    ]


def test_unknown_records_are_404(seeded: Seeded) -> None:
    client = signed_in(make_app(seeded.db), "admin")
    response = client.http.get(f"{API}/actions/999")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no action with id 999"


def test_narrative_through_the_api_with_locking_and_permissions(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    ed, ada, public = signed_in(app, "editor_a"), signed_in(app, "admin"), signed_in(app, "viewer")
    missing = public.http.get(f"{API}/narratives/2026")
    assert missing.status_code == 404
    assert "no narrative for 2026 yet" in missing.text
    texts = {"challenges": "Waiting lists", "successes": "Warm homes", "learning": "Ask early"}
    refused = public.send("PUT", "/narratives/2026", texts)
    assert refused.status_code == 403
    made = ed.send("PUT", "/narratives/2026", texts)
    assert made.status_code == 200, made.text
    assert made.json()["version"] == 1
    assert public.get("/narratives/2026") == made.json()
    changed = ada.send(
        "PUT", "/narratives/2026", {**texts, "learning": "Ask earlier", "version": 1}
    )
    assert changed.json()["learning"] == "Ask earlier"
    stale = ed.send("PUT", "/narratives/2026", {**texts, "learning": "Mine", "version": 1})
    assert stale.status_code == 409
    assert public.get("/narratives/2026")["learning"] == "Ask earlier"
    bad = ed.send("PUT", "/narratives/1999", texts)
    assert bad.status_code == 422
    assert "1999" in bad.text and "year" in bad.text
    assert [n["year"] for n in public.get("/narratives")] == [2026]
    audited = ada.get("/audit", entity="narrative")
    newest, *rest = audited
    assert (newest["operation"], newest["field"]) == ("update", "learning")
    assert (newest["before"], newest["after"]) == ("Ask early", "Ask earlier")
    assert rest and {e["operation"] for e in rest} == {"create"}
