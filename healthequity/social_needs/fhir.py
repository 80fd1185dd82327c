"""The template as a FHIR R4 Questionnaire, and completed templates as QuestionnaireResponses.

fhir.resources 8 ships R5 by default and R4B (4.3) alongside; it has no separate R4 (4.0.1)
package. Questionnaire and QuestionnaireResponse are structurally the same in R4 and R4B, and
this module uses only R4 elements (item type 'choice', answerOption.valueCoding), so the R4B
models validate them. Local codes are defined in a contained CodeSystem, so a reader can tell
them from SNOMED CT. The patient is a pseudonymous identifier, the practice an ODS code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from healthequity.errors import FileRejected, Problem
from healthequity.methods.esp2013 import ESP2013_BANDS
from healthequity.social_needs.ingest import EXTRACT_COLUMNS, NOT_KNOWN, validate_extract
from healthequity.social_needs.template import Template, default_template

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
#: Identifier system of pseudonymous patient ids (local: a pseudonym is meaningful only locally).
PSEUDONYM_SYSTEM = "https://healthequity.invalid/fhir/Id/pseudonymous-patient-id"
ABOUT = {
    "about.lsoa": "lsoa_code",
    "about.age-band": "age_band",
    "about.sex": "sex",
    "about.ethnic-group": "ethnic_group",
}
_ETHNIC = (
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "White",
    "Other ethnic group",
    NOT_KNOWN,
)


def questionnaire(template: Template | None = None) -> dict[str, Any]:
    """The template as a FHIR Questionnaire (JSON-ready dict), validated with fhir.resources."""
    template = template or default_template()
    local = [o for o in template.options if o.is_local]
    about = {
        "linkId": "about",
        "type": "group",
        "text": "About the patient (filled in by the clinical system; no direct identifiers)",
        "item": [
            _item("about.lsoa", "string", "LSOA of residence (2021 code)"),
            _item("about.age-band", "choice", "Age band", options=ESP2013_BANDS),
            _item("about.sex", "choice", "Sex", options=("Male", "Female")),
            _item("about.ethnic-group", "choice", "Ethnic group (Census 2021)", options=_ETHNIC),
        ],
    }
    domains = [
        {
            "linkId": d.id,
            "type": "group",
            "text": d.title,
            "item": [
                {
                    "linkId": q.id,
                    "type": "choice",
                    "text": q.text,
                    "repeats": True,
                    "answerOption": [
                        {
                            "valueCoding": {
                                "system": template.system_uri(o),
                                "code": o.code,
                                "display": o.display,
                            }
                        }
                        for o in q.options
                    ],
                }
                for q in d.questions
            ],
        }
        for d in template.domains
    ]
    resource = {
        "resourceType": "Questionnaire",
        "id": template.id,
        "contained": [
            {
                "resourceType": "CodeSystem",
                "id": "local-codes",
                "url": template.local_code_system,
                "name": "SocialNeedsLocalCodes",
                "title": "Local codes of the social needs template (not SNOMED CT)",
                "status": "draft",
                "content": "complete",
                "description": "Codes for template items with no verified SNOMED CT concept.",
                "concept": [{"code": o.code, "display": o.display} for o in local],
            }
        ],
        "url": template.url,
        "version": template.version,
        "name": "SocialNeedsTemplate",
        "title": template.title,
        "status": "draft",
        "publisher": template.publisher,
        "description": template.description,
        "subjectType": ["Patient"],
        "item": [about, *domains],
    }
    return Questionnaire.model_validate(resource).model_dump(mode="json", exclude_none=True)


def response_bundle(records: pd.DataFrame, template: Template | None = None) -> dict[str, Any]:
    """Validated records as a Bundle (type collection) of QuestionnaireResponses, one per
    patient and date; patients never asked have no response."""
    template = template or default_template()
    answered = records[records["code"].notna()]
    options = {o.code: o for o in template.options}
    domain_of = template.domain_of()
    question_of = {o.code: q.id for d in template.domains for q in d.questions for o in q.options}
    keys = ["patient_id", "date", "practice_code", "lsoa_code", "age_band", "sex", "ethnic_group"]
    entries = []
    for key, group in answered.groupby(keys, sort=False):
        row = dict(zip(keys, key, strict=True))
        date = pd.Timestamp(str(row["date"])).date().isoformat()
        about_items = [
            {"linkId": link, "answer": [_about_answer(link, str(row[col]))]}
            for link, col in ABOUT.items()
        ]
        by_domain: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for code in group["code"]:
            o = options[str(code)]
            by_domain.setdefault(domain_of[o.code], {}).setdefault(question_of[o.code], []).append(
                {
                    "valueCoding": {
                        "system": template.system_uri(o),
                        "code": o.code,
                        "display": o.display,
                    }
                }
            )
        items = [{"linkId": "about", "item": about_items}]
        for d in template.domains:
            if d.id in by_domain:
                items.append(
                    {
                        "linkId": d.id,
                        "item": [{"linkId": q, "answer": a} for q, a in by_domain[d.id].items()],
                    }
                )
        resource = {
            "resourceType": "QuestionnaireResponse",
            "id": f"{row['patient_id']}-{date}",
            "questionnaire": f"{template.url}|{template.version}",
            "status": "completed",
            "authored": date,
            "subject": {"identifier": {"system": PSEUDONYM_SYSTEM, "value": row["patient_id"]}},
            "author": {"identifier": {"system": ODS_SYSTEM, "value": row["practice_code"]}},
            "item": items,
        }
        entries.append({"fullUrl": f"urn:healthequity:qr:{resource['id']}", "resource": resource})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def read_bundle(
    path: str | Path, *, template: Template | None = None, **checks: Any
) -> pd.DataFrame:
    """Read a JSON Bundle of QuestionnaireResponses and check it whole: the records, or
    FileRejected. Rows in messages are entry numbers (1 = the first entry)."""
    path = Path(path)
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileRejected(name, [Problem(name, None, None, None, "an existing file")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FileRejected(
            name, [Problem(name, None, None, None, f"a JSON file ({err})")]
        ) from None
    return bundle_records(data, file=name, template=template, **checks)


def bundle_records(
    data: Any, *, file: str = "bundle", template: Template | None = None, **checks: Any
) -> pd.DataFrame:
    """Records from a Bundle already parsed from JSON (see read_bundle)."""
    template = template or default_template()
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FileRejected(file, [Problem(file, None, "resourceType", None, "a FHIR Bundle")])
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    systems = {o.code: template.system_uri(o) for o in template.options}
    for n, entry in enumerate(data.get("entry") or [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if (
            not isinstance(resource, dict)
            or resource.get("resourceType") != "QuestionnaireResponse"
        ):
            problems.append(Problem(file, n, "resource", None, "a QuestionnaireResponse"))
            continue
        try:
            QuestionnaireResponse.model_validate(resource)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            problems.append(
                Problem(
                    file, n, where, None, f"a valid FHIR R4 QuestionnaireResponse ({first['msg']})"
                )
            )
            continue
        row, found = _flatten(resource, file, n, template, systems)
        problems += found
        rows.append(row)
        numbers.append(n)
    if problems:
        raise FileRejected(file, problems)
    if not rows:
        raise FileRejected(
            file, [Problem(file, None, "entry", None, "at least one QuestionnaireResponse")]
        )
    flat = pd.DataFrame(rows, columns=list(EXTRACT_COLUMNS))
    return validate_extract(flat, file=file, rows=np.asarray(numbers), template=template, **checks)


def _flatten(
    resource: dict[str, Any], file: str, n: int, template: Template, systems: dict[str, str]
) -> tuple[dict[str, str], list[Problem]]:
    """One QuestionnaireResponse as a flat extract row, and what is wrong with it."""
    problems: list[Problem] = []
    wanted = f"{template.url}|{template.version}"
    if str(resource.get("questionnaire", "")).split("|")[0] != template.url:
        problems.append(
            Problem(file, n, "questionnaire", resource.get("questionnaire"), f"{wanted}")
        )
    if resource.get("status") != "completed":
        problems.append(Problem(file, n, "status", resource.get("status"), "'completed'"))
    subject = _identifier(resource.get("subject"), PSEUDONYM_SYSTEM)
    practice = _identifier(resource.get("author"), ODS_SYSTEM)
    if subject is None:
        problems.append(Problem(file, n, "subject", None, f"an identifier in {PSEUDONYM_SYSTEM}"))
    if practice is None:
        problems.append(Problem(file, n, "author", None, f"an identifier in {ODS_SYSTEM}"))
    row = dict.fromkeys(EXTRACT_COLUMNS, "")
    row["patient_id"], row["practice_code"] = subject or "", practice or ""
    row["date"] = str(resource.get("authored", ""))[:10]
    codes: list[str] = []
    for item in _walk(resource.get("item") or []):
        link = item.get("linkId")
        answers = item.get("answer") or []
        if link in ABOUT:
            value = answers[0] if answers else {}
            row[ABOUT[link]] = str(
                value.get("valueString") or value.get("valueCoding", {}).get("code") or ""
            )
        for answer in answers if link not in ABOUT else []:
            coding = answer.get("valueCoding") or {}
            code = str(coding.get("code", ""))
            if code in systems and coding.get("system") != systems[code]:
                problems.append(
                    Problem(
                        file,
                        n,
                        f"item {link}",
                        coding.get("system"),
                        f"code system {systems[code]} for code {code}",
                    )
                )
            codes.append(code)
    row["codes"] = ";".join(codes)
    return row, problems


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item at any depth (groups hold questions)."""
    out = []
    for item in items:
        out.append(item)
        out += _walk(item.get("item") or [])
    return out


def _identifier(reference: Any, system: str) -> str | None:
    if not isinstance(reference, dict):
        return None
    identifier = reference.get("identifier") or {}
    value = identifier.get("value")
    return str(value) if identifier.get("system") == system and value else None


def _item(link: str, kind: str, text: str, options: tuple[str, ...] = ()) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link,
        "type": kind,
        "text": text,
        "required": True,
        "readOnly": True,
    }
    if options:
        item["answerOption"] = [{"valueString": o} for o in options]
    return item


def _about_answer(link: str, value: str) -> dict[str, Any]:
    return {"valueString": value}
