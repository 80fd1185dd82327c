"""The workflow on SQLite and PostgreSQL: allowed and refused moves, who may make them, the audit
entries and versions each change leaves."""

from __future__ import annotations

import datetime as dt

import pytest

from healthequity.accountability import audit
from healthequity.accountability.errors import Conflict
from healthequity.assessment import services, workflow
from healthequity.assessment.models import Assessment
from healthequity.auth.errors import NotSignedIn, PermissionDenied
from healthequity.errors import InputError
from tests.accountability.seed import Seeded
from tests.assessment.conftest import TODAY
from tests.assessment.factories import complete_values


def _create(seeded: Seeded, **overrides: object) -> int:
    with seeded.db.session() as session:
        a = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(**overrides), today=TODAY
        )
        return a.id


def _move(seeded: Seeded, who: str, ident: int, move: str, **values: object) -> Assessment:
    with seeded.db.session() as session:
        version = session.get(Assessment, ident).version  # type: ignore[union-attr]
        return workflow.transition(
            session, seeded.actors[who], ident, move, version, today=TODAY, values=values
        )


def _status(seeded: Seeded, ident: int) -> str:
    with seeded.db.session() as session:
        return session.get(Assessment, ident).status  # type: ignore[union-attr]


def test_the_whole_workflow_with_audit_and_versions(seeded: Seeded) -> None:
    ident = _create(seeded)
    _move(seeded, "editor_a", ident, "submit")
    _move(seeded, "sponsor", ident, "sign_off")
    _move(seeded, "editor_a", ident, "publish")
    _move(seeded, "editor_a", ident, "review", findings="Rents held", review_date="2027-03-01")
    assert _status(seeded, ident) == "reviewed"
    with seeded.db.session() as session:
        a = session.get(Assessment, ident)
        assert a is not None
        assert a.sponsor_name == "Sam Senior, Director of Public Health"
        kept = services.versions(session, ident)
        assert [v.change for v in kept] == ["created", "submit", "sign_off", "publish", "review"]
        assert [v.status for v in kept] == [
            "draft", "submitted", "signed off", "published", "reviewed"
        ]  # fmt: skip
        assert kept[0].snapshot["areas"][0]["name"] == "Armley"
        trail = audit.entries(session, entity="assessment", entity_id=ident)
        statuses = [(e.actor, e.before, e.after) for e in reversed(trail) if e.field == "status"]
        assert statuses == [
            ("ed", None, "draft"),
            ("ed", "draft", "submitted"),
            ("sam", "submitted", "signed off"),
            ("ed", "signed off", "published"),
            ("ed", "published", "reviewed"),
        ]
        fields = {e.field for e in trail if e.operation == "create"}
        assert {"title", "areas", "impact.housing", "mitigation.1", "monitoring.1"} <= fields


def test_refused_moves_name_the_status(seeded: Seeded) -> None:
    ident = _create(seeded)
    with pytest.raises(workflow.TransitionRefused) as err:
        _move(seeded, "sponsor", ident, "sign_off")
    assert str(err.value) == (
        f"cannot sign off assessment {ident}: it is draft, and that needs it submitted "
        "(moves open now: submit)"
    )
    with pytest.raises(workflow.TransitionRefused, match="it is draft, and that needs it signed"):
        _move(seeded, "editor_a", ident, "publish")
    _move(seeded, "editor_a", ident, "submit")
    with pytest.raises(workflow.TransitionRefused, match="it is submitted"):
        _move(seeded, "editor_a", ident, "submit")
    refused = pytest.raises(services.NotEditable, match="is submitted and cannot be changed")
    with refused, seeded.db.session() as session:
        services.update_assessment(
            session, seeded.actors["editor_a"], ident, 2, {"title": "x"}, today=TODAY
        )
    assert _status(seeded, ident) == "submitted"


def test_who_may_make_each_move(seeded: Seeded) -> None:
    ident = _create(seeded)
    with pytest.raises(PermissionDenied, match="bea may not submit for sign-off"):
        _move(seeded, "editor_b", ident, "submit")
    with pytest.raises(PermissionDenied, match="vera is a viewer"):
        _move(seeded, "viewer", ident, "submit")
    _move(seeded, "editor_a", ident, "submit")
    with pytest.raises(PermissionDenied, match="only a named senior sponsor may"):
        _move(seeded, "admin", ident, "sign_off")
    with pytest.raises(PermissionDenied, match="not one of their organisations"):
        _move(seeded, "sponsor_b", ident, "sign_off")
    with pytest.raises(InputError, match="note: must not be empty"):
        _move(seeded, "sponsor", ident, "return")
    _move(seeded, "sponsor", ident, "return", note="Add the licensing evidence")
    assert _status(seeded, ident) == "draft"


def test_a_sponsor_may_not_sign_off_what_they_submitted(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        services.grant_sponsor(session, seeded.actors["admin"], "ed", "Chief Officer")
    ident = _create(seeded)
    _move(seeded, "editor_a", ident, "submit")
    with pytest.raises(
        PermissionDenied, match=r"ed submitted assessment \d+ and may not also sign"
    ):
        _move(seeded, "editor_a", ident, "sign_off")


def test_submit_needs_a_complete_assessment(seeded: Seeded) -> None:
    values = complete_values()
    del values["impacts"]["housing"]
    with seeded.db.session() as session:
        a = services.create_assessment(session, seeded.actors["editor_a"], values, today=TODAY)
        ident = a.id
    with pytest.raises(InputError) as err:
        _move(seeded, "editor_a", ident, "submit")
    assert err.value.field == "impacts.housing"
    assert err.value.message == "cannot submit: impacts.housing.rating: rate 'Housing'"
    assert _status(seeded, ident) == "draft"


def test_reading_drafts_needs_sign_in(seeded: Seeded) -> None:
    ident = _create(seeded)
    with seeded.db.session() as session:
        with pytest.raises(NotSignedIn, match="it is not published"):
            services.get_assessment(session, ident, None)
        assert services.list_assessments(session, None) == []
        assert len(services.list_assessments(session, seeded.actors["viewer"])) == 1


def test_stale_version_is_refused(seeded: Seeded) -> None:
    ident = _create(seeded)
    with seeded.db.session() as session:
        services.update_assessment(
            session, seeded.actors["editor_a"], ident, 1, {"title": "New title"}, today=TODAY
        )
    with pytest.raises(Conflict, match="changed by ed"), seeded.db.session() as session:
        services.update_assessment(
            session, seeded.actors["admin"], ident, 1, {"title": "Other"}, today=TODAY
        )


def test_reviews_come_due(seeded: Seeded) -> None:
    ident = _create(seeded)
    for who, move in (("editor_a", "submit"), ("sponsor", "sign_off"), ("editor_a", "publish")):
        _move(seeded, who, ident, move)
    with seeded.db.session() as session:
        assert services.reviews_due(session, TODAY) == []
        due = services.reviews_due(session, dt.date(2026, 9, 1))
        assert [a.id for a in due] == [ident]
