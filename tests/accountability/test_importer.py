"""The documented import: the shipped Leeds file, re-import, CSV, and files rejected whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthequity.accountability import audit, importer, services
from healthequity.auth.permissions import CLI_ACTOR
from healthequity.errors import FileRejected
from healthequity.store.database import Database


def test_leeds_example_has_three_themes_and_15_placeholders(db: Database) -> None:
    with db.session() as s:
        summary = importer.import_recommendations(s, CLI_ACTOR, importer.leeds_example())
    assert (summary.themes, summary.created) == (3, list(range(1, 16)))
    with db.session() as s:
        recs = services.list_recommendations(s)
        assert [r.text for r in recs] == [
            f"PLACEHOLDER: published wording of recommendation {n} to be entered"
            for n in range(1, 16)
        ]
        assert {r.theme_id for r in recs} == {None}
        assert [t.name for t in services.list_themes(s)] == [
            "Leadership and accountability for health equity",
            "Effective partnerships for health equity",
            "Research and monitoring for health equity",
        ]


def test_reimport_keeps_entered_wording_and_changes_nothing(db: Database) -> None:
    with db.session() as s:
        importer.import_recommendations(s, CLI_ACTOR, importer.leeds_example())
        services.save_recommendation(
            s, CLI_ACTOR, number=4, text="Wording entered from the report", theme="partnerships"
        )
        entries_before = len(audit.entries(s, limit=1000))
    with db.session() as s:
        summary = importer.import_recommendations(s, CLI_ACTOR, importer.leeds_example())
        assert summary.kept_wording == [4]
        assert summary.updated == [4]  # its theme goes back to 'not yet entered'
        assert summary.unchanged == [n for n in range(1, 16) if n != 4]
        assert services.get_recommendation(s, 4).text == "Wording entered from the report"
        assert len(audit.entries(s, limit=1000)) == entries_before + 1


def test_csv_import(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        importer.import_recommendations(s, CLI_ACTOR, importer.leeds_example())
        services.create_organisation(s, CLI_ACTOR, "Leeds City Council")
    path = tmp_path / "recs.csv"
    path.write_text(
        "number,theme,text,lead_organisation,indicators\n"
        '1,leadership_accountability,"Text one, entered",Leeds City Council,le_sii;infant_mortality\n'
        "16,,An extra recommendation,,\n"
    )
    with db.session() as s:
        summary = importer.import_recommendations(s, CLI_ACTOR, path)
    assert (summary.updated, summary.created) == ([1], [16])
    with db.session() as s:
        rec = services.get_recommendation(s, 1)
        assert (rec.text, rec.theme and rec.theme.key, rec.indicator_ids) == (
            "Text one, entered",
            "leadership_accountability",
            ["infant_mortality", "le_sii"],
        )
        assert rec.lead_organisation and rec.lead_organisation.name == "Leeds City Council"


def test_a_bad_file_is_rejected_whole_listing_every_problem(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "themes:\n"
        "  - {key: t1, number: 1, name: Theme one, aim: An aim}\n"
        "recommendations:\n"
        "  - {number: 1, theme: t1, text: Fine}\n"
        "  - {number: 1, theme: t9, text: Duplicate number and unknown theme}\n"
        "  - {number: 0, text: '', lead_organisation: Nobody}\n"
        "  - {number: 3, text: Bad indicator, indicators: [infant_mortalty]}\n"
    )
    with pytest.raises(FileRejected) as rejected, db.session() as s:
        importer.import_recommendations(s, CLI_ACTOR, path)
    assert [str(p).removeprefix(f"{path}, ") for p in rejected.value.problems] == [
        "column 'recommendations[2].number': 1: expected each number once",
        "column 'recommendations[2].theme': 't9': expected one of: t1",
        "column 'recommendations[3].number': 0: expected a whole number from 1",
        "column 'recommendations[3].text': expected the recommendation's text (or a PLACEHOLDER line)",
        "column 'recommendations[3].lead_organisation': 'Nobody': expected an organisation listed "
        "under organisations or already added",
        "column 'recommendations[4].indicators': 'infant_mortalty': expected an indicator id of "
        "the catalogue (did you mean: infant_mortality?)",
    ]
    assert str(rejected.value).startswith(f"{path}: rejected, 6 problems; nothing was loaded:")
    with db.session() as s:
        assert services.list_recommendations(s) == [] and services.list_themes(s) == []


def test_csv_rows_are_numbered_as_the_user_numbers_them(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "recs.csv"
    path.write_text("number,theme,text,lead_organisation,indicators\n1,,ok,,\nx,,,,\n")
    with pytest.raises(FileRejected) as rejected, db.session() as s:
        importer.import_recommendations(s, CLI_ACTOR, path)
    assert [str(p) for p in rejected.value.problems] == [
        f"{path}, row 2, column 'number': 'x': expected a whole number from 1",
        f"{path}, row 2, column 'text': expected the recommendation's text (or a PLACEHOLDER line)",
    ]
