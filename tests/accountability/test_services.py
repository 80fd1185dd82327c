"""The services: create, read, update; bad input names the field and saves nothing; every
change is audited; optimistic locking refuses a stale save and loses nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthequity.accountability import audit, services
from healthequity.accountability.audit import AuditTrailError
from healthequity.accountability.errors import Conflict, NotFound
from healthequity.accountability.models import Action, AuditEntry, ProgressUpdate
from healthequity.auth.errors import NotSignedIn, PermissionDenied
from healthequity.errors import InputError
from tests.accountability.seed import ORG_A, ORG_B, Seeded


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_create_read_update_an_action(seeded: Seeded) -> None:
    ed = seeded.actors["editor_a"]
    with seeded.db.session() as s:
        action = services.get_action(s, seeded.action_id)
        assert (action.title, action.owner.name, action.status) == (
            "Publish an annual health equity report",
            ORG_A,
            "not started",
        )
        assert [p.name for p in action.partners] == [ORG_B]
        assert action.start_date == dt.date(2025, 4, 1) and action.version == 1
        assert action.indicator_ids == ["infant_mortality"]
        assert [a.id for a in services.list_actions(s, recommendation=1)] == [action.id]
        assert services.list_actions(s, recommendation=2) == []
    with seeded.db.session() as s:
        updated = services.update_action(
            s, ed, seeded.action_id, 1, {"status": "On track", "owner_name": "Ed Ashworth"}
        )
        assert (updated.status, updated.owner_name, updated.version) == (
            "on track",
            "Ed Ashworth",
            2,
        )
    with seeded.db.session() as s:
        assert services.get_action(s, seeded.action_id).status == "on track"
        assert [a.id for a in services.list_actions(s, status="on track")] == [seeded.action_id]


def test_every_change_leaves_an_audit_entry(seeded: Seeded) -> None:
    ed = seeded.actors["editor_a"]
    with seeded.db.session() as s:
        start = audit.entries(s, limit=1)[0].id
        services.update_action(s, ed, seeded.action_id, 1, {"due_date": "2026-06-30"})
        services.add_progress_update(
            s, ed, seeded.action_id, "Draft shared with the board", status="at risk", version=2
        )
        m = services.add_milestone(
            s, ed, seeded.action_id, {"title": "Draft", "due_date": "2025-12-01"}
        )
        services.update_milestone(s, ed, m.id, 1, {"completed_on": "2025-11-28"})
    with seeded.db.session() as s:
        trail = [
            (e.actor, e.operation, e.entity, e.field, e.before, e.after)
            for e in reversed(audit.entries(s))
            if e.id > start
        ]
    today = dt.date.today().isoformat()
    action = str(seeded.action_id)
    assert trail == [
        ("ed", "update", "action", "due_date", "2026-03-31", "2026-06-30"),
        ("ed", "update", "action", "status", "not started", "at risk"),
        ("ed", "create", "progress_update", "action", None, action),
        ("ed", "create", "progress_update", "update_date", None, today),
        ("ed", "create", "progress_update", "text", None, "Draft shared with the board"),
        ("ed", "create", "progress_update", "status_after", None, "at risk"),
        ("ed", "create", "milestone", "action", None, action),
        ("ed", "create", "milestone", "title", None, "Draft"),
        ("ed", "create", "milestone", "due_date", None, "2025-12-01"),
        ("ed", "update", "milestone", "completed_on", None, "2025-11-28"),
    ]


def test_creation_of_an_action_is_audited_field_by_field(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        fields = {
            e.field: e.after for e in audit.entries(s, entity="action", entity_id=seeded.action_id)
        }
    assert fields == {
        "recommendation": "1",
        "title": "Publish an annual health equity report",
        "owner_organisation": ORG_A,
        "partners": ORG_B,
        "start_date": "2025-04-01",
        "due_date": "2026-03-31",
        "status": "not started",
        "indicator_ids": "infant_mortality",
    }


def test_audit_entries_cannot_be_changed_or_deleted_through_a_session(seeded: Seeded) -> None:
    with pytest.raises(AuditTrailError, match="append-only"), seeded.db.session() as s:
        entry = audit.entries(s, limit=1)[0]
        entry.after = "forged"
    with pytest.raises(AuditTrailError, match="append-only"), seeded.db.session() as s:
        s.delete(audit.entries(s, limit=1)[0])
    with seeded.db.session() as s:
        assert "forged" not in {e.after for e in audit.entries(s)}


BAD_INPUT = [
    (
        {"owner_organisation": "Leeds Council"},
        "owner_organisation",
        "owner_organisation: unknown organisation 'Leeds Council'; known organisations: "
        "Leeds City Council, NHS West Yorkshire ICB",
    ),
    (
        {"partners": ["Leeds Beckett University"]},
        "partners",
        "partners: unknown organisation 'Leeds Beckett University'; known organisations: "
        "Leeds City Council, NHS West Yorkshire ICB",
    ),
    (
        {"start_date": "2025-06-01", "due_date": "2025-05-31"},
        "due_date",
        "due_date: 2025-05-31 is before start_date 2025-06-01",
    ),
    (
        {"due_date": "31/12/2025"},
        "due_date",
        "due_date: '31/12/2025' is not a date; expected YYYY-MM-DD",
    ),
    (
        {"status": "done"},
        "status",
        "status: unknown status 'done'; expected one of: not started, on track, at risk, "
        "off track, complete",
    ),
    (
        {"indicator_ids": ["infant_mortalty"]},
        "indicator_ids",
        "indicator_ids: unknown indicator 'infant_mortalty'; did you mean: infant_mortality?",
    ),
    ({"title": "  "}, "title", "title: must not be empty"),
    (
        {"colour": "red"},
        "colour",
        "colour: not a field of an action that can be changed; expected one of: title, "
        "description, owner_organisation, owner_name, partners, start_date, due_date, status, "
        "indicator_ids",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_names_the_field_and_saves_nothing(
    seeded: Seeded, change: dict[str, Any], field: str, message: str
) -> None:
    admin = seeded.actors["admin"]
    with seeded.db.session() as s:
        before = (count(s, Action), count(s, AuditEntry))
    values = {"title": "New action", "owner_organisation": ORG_A, **change}
    with pytest.raises(InputError) as created, seeded.db.session() as s:
        services.create_action(s, admin, 2, values)
    with pytest.raises(InputError) as updated, seeded.db.session() as s:
        services.update_action(s, admin, seeded.action_id, 1, change)
    for err in (created.value, updated.value):
        assert (str(err), err.field) == (message, field)
    with seeded.db.session() as s:
        assert (count(s, Action), count(s, AuditEntry)) == before
        action = services.get_action(s, seeded.action_id)
        assert (action.version, action.title, action.status) == (
            1,
            "Publish an annual health equity report",
            "not started",
        )


def test_two_sessions_editing_the_same_action(seeded: Seeded) -> None:
    """Both open version 1; the first save wins; the second is refused, saying why, and the
    refused changes come back with the error so they are not lost."""
    ed = seeded.actors["editor_a"]
    admin = seeded.actors["admin"]
    with seeded.db.session() as s:
        first_seen = services.get_action(s, seeded.action_id).version
        second_seen = services.get_action(s, seeded.action_id).version
    with seeded.db.session() as s:
        services.update_action(s, ed, seeded.action_id, first_seen, {"status": "on track"})
    with pytest.raises(Conflict) as refused, seeded.db.session() as s:
        services.update_action(
            s, admin, seeded.action_id, second_seen, {"status": "at risk", "title": "Renamed"}
        )
    err = refused.value
    assert str(err).startswith(f"action {seeded.action_id} was changed by ed at ")
    assert str(err).endswith(
        "UTC after you opened it (you had version 1, it is now version 2); your changes were "
        "not saved: reload it and apply them again. Your changes: status = 'at risk'; "
        "title = 'Renamed'"
    )
    assert err.current_version == 2
    assert err.attempted == {"status": "at risk", "title": "Renamed"}
    with seeded.db.session() as s:
        action = services.get_action(s, seeded.action_id)
        assert (action.status, action.title, action.version) == (
            "on track",
            "Publish an annual health equity report",
            2,
        )
    with seeded.db.session() as s:  # reloaded, the second user's changes go in
        services.update_action(s, admin, seeded.action_id, 2, err.attempted)
    with seeded.db.session() as s:
        assert services.get_action(s, seeded.action_id).title == "Renamed"


def test_a_save_that_loses_the_race_is_refused_too(seeded: Seeded) -> None:
    """The slow session read version 1 and passes the version check on what it read, but the
    fast one committed version 2 meanwhile: the guarded UPDATE matches no row, and that is a
    Conflict too, with nothing written."""
    ed = seeded.actors["editor_a"]
    with pytest.raises(Conflict) as refused, seeded.db.session() as slow:
        services.get_action(slow, seeded.action_id)  # read (version 1) before the other save
        with seeded.db.session() as fast:
            services.update_action(fast, ed, seeded.action_id, 1, {"title": "Fast"})
        services.update_action(slow, ed, seeded.action_id, 1, {"title": "Slow"})
    assert "was changed by ed at " in str(refused.value)
    assert "(you had version 1, it is now version 2)" in str(refused.value)
    assert refused.value.attempted == {"title": "Slow"}
    with seeded.db.session() as s:
        action = services.get_action(s, seeded.action_id)
        assert (action.title, action.version) == ("Fast", 2)


def test_progress_update_needs_the_version_to_change_status(seeded: Seeded) -> None:
    ed = seeded.actors["editor_a"]
    with (
        pytest.raises(Conflict, match="version: say which version of action"),
        seeded.db.session() as s,
    ):
        services.add_progress_update(s, ed, seeded.action_id, "Slipping", status="at risk")
    with seeded.db.session() as s:
        update = services.add_progress_update(
            s, ed, seeded.action_id, "Met the board", update_date="2025-05-02"
        )
        assert (update.author, update.update_date, update.status_after) == (
            "Ed Ashworth",
            dt.date(2025, 5, 2),
            None,
        )
    with seeded.db.session() as s:
        assert count(s, ProgressUpdate) == 1


def test_permissions_in_the_services(seeded: Seeded) -> None:
    with pytest.raises(NotSignedIn, match="sign in to change action"), seeded.db.session() as s:
        services.update_action(s, None, seeded.action_id, 1, {"status": "on track"})
    with pytest.raises(PermissionDenied) as denied, seeded.db.session() as s:
        services.update_action(
            s, seeded.actors["editor_b"], seeded.action_id, 1, {"status": "on track"}
        )
    assert str(denied.value) == (
        f"bea may not change action {seeded.action_id}: it belongs to Leeds City Council, "
        "which is not one of their organisations"
    )
    with (
        pytest.raises(PermissionDenied, match="ed may not give an action to that organisation"),
        seeded.db.session() as s,
    ):
        services.update_action(
            s, seeded.actors["editor_a"], seeded.action_id, 1, {"owner_organisation": ORG_B}
        )
    with (
        pytest.raises(PermissionDenied, match="vera is a viewer and may not add actions"),
        seeded.db.session() as s,
    ):
        services.create_action(s, seeded.actors["viewer"], 1, {"title": "x"})


def test_my_actions_and_needing_attention(seeded: Seeded) -> None:
    ed, bea = seeded.actors["editor_a"], seeded.actors["editor_b"]
    with seeded.db.session() as s:
        assert [a.id for a in services.my_actions(s, ed)] == [seeded.action_id]
        assert services.my_actions(s, bea) == []
        assert services.needing_attention(s, dt.date(2026, 3, 31)) == []
        late = services.needing_attention(s, dt.date(2026, 4, 1))
        assert [a.id for a in late] == [seeded.action_id]
        other = services.create_action(
            s,
            bea,
            3,
            {"title": "Joint data sharing", "owner_organisation": ORG_B, "status": "off track"},
        )
        assert [a.id for a in services.needing_attention(s, dt.date(2025, 1, 1))] == [other.id]


def test_not_found(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        with pytest.raises(NotFound, match="no action with id 999"):
            services.get_action(s, 999)
        with pytest.raises(NotFound, match="no recommendation number 16"):
            services.get_recommendation(s, 16)


def test_recommendation_update_by_admin_only(seeded: Seeded) -> None:
    with (
        pytest.raises(PermissionDenied, match="only an admin may change recommendations"),
        seeded.db.session() as s,
    ):
        services.update_recommendation(s, seeded.actors["editor_a"], 1, 1, {"text": "x"})
    with seeded.db.session() as s:
        rec = services.update_recommendation(
            s,
            seeded.actors["admin"],
            1,
            1,
            {"theme": "leadership_accountability", "indicator_ids": ["le_sii", "infant_mortality"]},
        )
        assert (rec.theme and rec.theme.key, rec.indicator_ids, rec.version) == (
            "leadership_accountability",
            ["infant_mortality", "le_sii"],
            2,
        )
    with (
        pytest.raises(InputError, match="theme: no theme 'health'; themes: "),
        seeded.db.session() as s,
    ):
        services.update_recommendation(s, seeded.actors["admin"], 1, 2, {"theme": "health"})
