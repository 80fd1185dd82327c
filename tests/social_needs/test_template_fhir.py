"""The template as data, its codes, the FHIR R4 Questionnaire, and the response round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from healthequity.errors import FileRejected, InputError
from healthequity.social_needs.fhir import (
    bundle_records,
    questionnaire,
    read_bundle,
    response_bundle,
)
from healthequity.social_needs.ingest import validate_extract
from healthequity.social_needs.template import (
    SNOMED_SYSTEM,
    default_template,
    is_snomed_concept_id,
    load_template,
    verhoeff_valid,
)

DOMAIN_NOTE = Path(__file__).resolve().parents[3] / "shared" / "domain" / "equity-practice.md"

ROW = {
    "practice_code": "B86001", "patient_id": "p-1", "lsoa_code": "E01011264",
    "age_band": "40-44", "sex": "F", "ethnic_group": "White", "date": "2024-05-02",
    "codes": "733423003;SN-FUE-01",
}  # fmt: skip


def test_the_shipped_template_has_seven_domains_and_needs_in_each() -> None:
    template = default_template()
    assert [d.id for d in template.domains] == [
        "housing", "fuel", "food", "money", "work", "caring", "isolation",
    ]  # fmt: skip
    assert all(template.need_codes()[d.id] for d in template.domains)
    assert template.option("733423003").display == "Food insecurity"


def test_every_snomed_code_is_listed_in_the_domain_note_and_every_other_code_is_local() -> None:
    if not DOMAIN_NOTE.exists():
        pytest.skip(f"{DOMAIN_NOTE} is not present")
    text = DOMAIN_NOTE.read_text()
    section = text[text.index("### 2.3") : text.index("### 2.4")]
    listed = set(re.findall(r"^\| (\d+) \|", section, re.M))
    template = default_template()
    snomed = {o.code for o in template.options if o.system == "snomed"}
    assert snomed <= listed
    assert all(re.fullmatch(r"SN-[A-Z]{3}-\d{2}", o.code) for o in template.options if o.is_local)
    assert all(is_snomed_concept_id(c) for c in snomed)


def test_verhoeff_check_digit() -> None:
    assert verhoeff_valid("733423003")
    assert not verhoeff_valid("733423004")
    assert not is_snomed_concept_id("733423004")


def test_a_mistyped_snomed_code_in_a_template_file_is_refused(tmp_path: Path) -> None:
    text = Path(default_template.__wrapped__.__globals__["_shipped"]()).read_text()
    bad = tmp_path / "template.yaml"
    bad.write_text(text.replace('"733423003"', '"733423004"'))
    with pytest.raises(InputError) as err:
        load_template(bad)
    assert "domains.2.questions.0.options.0" in str(err.value)
    assert "'733423004' is not a well-formed SNOMED CT concept id" in str(err.value)


def test_the_questionnaire_validates_as_fhir_r4_with_local_codes_contained() -> None:
    resource = questionnaire()
    Questionnaire.model_validate(resource)  # R4B = R4 for Questionnaire
    assert resource["resourceType"] == "Questionnaire"
    contained = resource["contained"][0]
    assert contained["resourceType"] == "CodeSystem"
    local = {c["code"] for c in contained["concept"]}
    codings = [
        o["valueCoding"]
        for group in resource["item"][1:]
        for item in group["item"]
        for o in item["answerOption"]
    ]
    assert len(codings) == len(default_template().options)
    for coding in codings:
        expected = contained["url"] if coding["code"] in local else SNOMED_SYSTEM
        assert coding["system"] == expected
    assert all(item["type"] == "choice" for g in resource["item"][1:] for item in g["item"])


def test_a_response_round_trips_through_a_bundle_and_ingestion(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        [ROW, {**ROW, "patient_id": "p-2", "sex": "M", "codes": "SN-HOU-00;73438004;105529008"}]
    )
    records = validate_extract(rows)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(response_bundle(records)))
    back = read_bundle(path)
    key = ["patient_id", "code"]
    pd.testing.assert_frame_equal(
        back.sort_values(key).reset_index(drop=True),
        records.sort_values(key).reset_index(drop=True),
    )


def test_a_bundle_with_a_wrong_code_system_and_a_duplicate_is_rejected_by_entry() -> None:
    records = validate_extract(pd.DataFrame([ROW]))
    bundle = response_bundle(records)
    entry = bundle["entry"][0]
    twin = json.loads(json.dumps(entry))
    twin["resource"]["item"][1]["item"][0]["answer"][0]["valueCoding"]["system"] = "http://x"
    bundle["entry"].append(json.loads(json.dumps(entry)))
    with pytest.raises(FileRejected) as err:
        bundle_records(bundle, file="b.json")
    assert [str(p) for p in err.value.problems] == [
        "b.json, row 2, column 'patient_id': 'p-1': expected one response per patient and date "
        "(a duplicate of row 1, on 2024-05-02)"
    ]
    bundle["entry"][1] = twin
    twin["resource"]["id"] = "other"
    with pytest.raises(FileRejected) as err:
        bundle_records(bundle, file="b.json")
    assert str(err.value.problems[0]) == (
        "b.json, row 2, column 'item fuel.heating': 'http://x': expected code system "
        "https://healthequity.invalid/fhir/CodeSystem/social-needs-local for code SN-FUE-01"
    )


def test_a_bundle_entry_that_is_not_a_response_is_named() -> None:
    with pytest.raises(FileRejected) as err:
        bundle_records(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Patient"}}],
            },
            file="b.json",
        )
    assert (
        str(err.value.problems[0])
        == "b.json, row 1, column 'resource': expected a QuestionnaireResponse"
    )
