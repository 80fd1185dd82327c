"""Bad input on SQLite and PostgreSQL: each refused with a message naming the field, and nothing
saved (no assessment, no audit entry, no version; an edit leaves the record as it was)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from healthequity.accountability.models import AuditEntry
from healthequity.assessment import services
from healthequity.assessment.models import Assessment, AssessmentVersion, Impact
from healthequity.errors import InputError
from tests.accountability.seed import Seeded
from tests.assessment.conftest import TODAY
from tests.assessment.factories import complete_values


def _counts(seeded: Seeded) -> tuple[int, int, int, int]:
    with seeded.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Assessment, AuditEntry, AssessmentVersion, Impact)
        )


def _refused_create(seeded: Seeded, values: dict[str, Any]) -> InputError:
    before = _counts(seeded)
    with pytest.raises(InputError) as err, seeded.db.session() as session:
        services.create_assessment(session, seeded.actors["editor_a"], values, today=TODAY)
    assert _counts(seeded) == before
    return err.value


def test_unknown_ward(seeded: Seeded) -> None:
    err = _refused_create(seeded, complete_values(areas=["Armley", "Narnia"]))
    assert err.field == "areas"
    assert err.message == (
        "areas: unknown ward or LSOA 'Narnia'; expected a ward name (e.g. Adel & Wharfedale, "
        "Alwoodley, Ardsley & Robin Hood), a ward code (E05...) or an LSOA code (E01...) of the "
        "place"
    )


def test_review_date_in_the_past(seeded: Seeded) -> None:
    err = _refused_create(seeded, complete_values(review_date="2026-03-01"))
    assert err.field == "review_date"
    assert err.message == (
        "review_date: 2026-03-01 is in the past; expected today (2026-03-02) or later "
        "(HEAT reviews 6-12 months ahead)"
    )


def test_negative_rating_without_rationale(seeded: Seeded) -> None:
    values = complete_values()
    values["impacts"]["race"] = {"rating": "negative", "rationale": "  "}
    err = _refused_create(seeded, values)
    assert err.field == "impacts.race.rationale"
    assert err.message == (
        "impacts.race.rationale: a negative rating needs a rationale: say why the decision "
        "could harm this group and what drives it"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "bridge"}, "kind", "kind: unknown kind of decision 'bridge'"),
        ({"principles": [9]}, "principles", "principles: 9 is not a Marmot principle"),
        ({"impacts": {"housing": "awful"}}, "impacts.housing.rating", "unknown rating 'awful'"),
        ({"impacts": {"weather": "positive"}}, "impacts", "unknown dimension 'weather'"),
        ({"monitoring": [{"indicator_id": "nope"}]}, "monitoring.1.indicator_id", "nope"),
        ({"review_date": "2031-01-01"}, "review_date", "more than two years ahead"),
        ({"review_date": "1 March"}, "review_date", "'1 March' is not a date"),
        ({"recommendations": [99]}, "recommendations", "no recommendation number 99"),
        ({"area_geojson": '{"type": "Point", "coordinates": [0, 0]}'}, "area_geojson", "Point"),
        ({"title": ""}, "title", "title: must not be empty"),
    ],
)
def test_a_refused_edit_changes_nothing(
    seeded: Seeded, changes: dict[str, Any], field: str, message: str
) -> None:
    with seeded.db.session() as session:
        ident = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(), today=TODAY
        ).id
    before = _counts(seeded)
    with pytest.raises(InputError) as err, seeded.db.session() as session:
        services.update_assessment(
            session, seeded.actors["editor_a"], ident, 1, changes, today=TODAY
        )
    assert err.value.field == field
    assert message in err.value.message
    assert _counts(seeded) == before
    with seeded.db.session() as session:
        a = session.get(Assessment, ident)
        assert a is not None and a.version == 1 and a.kind == "regeneration scheme"


def test_an_edit_keeps_everything_else(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        ident = services.create_assessment(
            session, seeded.actors["editor_a"], complete_values(), today=TODAY
        ).id
    with seeded.db.session() as session:
        a = services.update_assessment(
            session,
            seeded.actors["editor_a"],
            ident,
            1,
            {"impacts": {"housing": {"rating": "unknown", "rationale": ""}}},
            today=TODAY,
        )
        assert a.version == 2
        assert a.impact("housing").rating == "unknown"  # type: ignore[union-attr]
        assert a.impact("deprivation_gradient").rating == "positive"  # type: ignore[union-attr]
        assert [x.area_name for x in a.areas] == ["Armley", "Beeston & Holbeck"]
