"""An assessment as JSON (the whole record, the same shape the API and the kept versions use)
and as a PDF made with Typst offline (no browser)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typst

from healthequity.assessment import serialise
from healthequity.assessment.models import Assessment
from healthequity.assessment.vocab import DIMENSION_BY_KEY, DIMENSIONS
from healthequity.errors import HealthEquityError
from healthequity.indicators.principles import PRINCIPLES

TEMPLATE = Path(__file__).parent / "typst" / "assessment.typ"


class RenderError(HealthEquityError):
    """Typst could not make the PDF."""


def to_json(a: Assessment, *, today: dt.date | None = None) -> str:
    """The assessment as indented JSON."""
    return json.dumps(serialise.to_dict(a, today=today), indent=2, ensure_ascii=False)


def _figure(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{float(value):,.{digits}f}"


def _share(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}%"


def pdf_document(a: Assessment, evidence: dict[str, Any] | None, today: dt.date) -> dict[str, Any]:
    """The PDF template's data: the record, with the evidence it was assessed on (the frozen
    evidence once submitted, else ``evidence``) as text rows."""
    data = serialise.to_dict(a)
    shown = data["evidence"] or evidence or {}
    rows = [
        [
            ind["indicator_name"] + f" ({ind['period']})",
            area["area_name"],
            _figure(area["value"]),
            _figure(ind["city_value"]),
            _figure(ind["england_value"]),
            area["compared_to_england"] or (area["value_note"] and "Suppressed") or "-",
        ]
        for ind in shown.get("indicators", [])
        for area in ind["areas"]
    ]
    dep = shown.get("deprivation")
    names = {p.number: f"{p.number}. {p.title}" for p in PRINCIPLES}
    return {
        "id": a.id,
        "version": a.version,
        "title": a.title,
        "kind": a.kind.capitalize(),
        "organisation": data["organisation"],
        "owner_name": a.owner_name,
        "status": a.status,
        "sponsor": a.sponsor_name,
        "signed_off_at": a.signed_off_at.date().isoformat() if a.signed_off_at else "",
        "review_date": a.review_date.isoformat(),
        "as_of_text": f"Printed {today.isoformat()}.",
        "description": a.description,
        "principles": [names[p] for p in a.principles or []],
        "areas": [f"{x.area_name} ({x.area_code})" for x in a.areas],
        "population_groups": list(a.population_groups or []),
        "build_id": str(shown.get("build_id") or "-"),
        "deprivation": (
            {
                "residents": f"{dep['affected']['residents'] or 0:,}",
                "share_10": _share(dep["affected"]["share_most_deprived_10"]),
                "share_core20": _share(dep["affected"]["share_core20"]),
                "city_share_10": _share(dep["city"]["share_most_deprived_10"]),
                "city_share_core20": _share(dep["city"]["share_core20"]),
                "source": dep["source"],
            }
            if dep
            else None
        ),
        "evidence_rows": rows,
        "evidence_items": data["evidence_items"],
        "impacts": [
            [
                DIMENSION_BY_KEY[d.key].label,
                data["impacts"].get(d.key, {}).get("rating", "not rated"),
                data["impacts"].get(d.key, {}).get("rationale", ""),
            ]
            for d in DIMENSIONS
        ],
        "mitigations": [
            [m["action"], m["scaled_by_need"], m["owner"]] for m in data["mitigations"]
        ],
        "proportionate_universalism": a.proportionate_universalism or "not described",
        "monitoring": [
            [m["indicator_id"], m["breakdown"], m["baseline"]] for m in data["monitoring"]
        ],
        "review_findings": a.review_findings,
    }


def to_pdf(a: Assessment, *, today: dt.date, evidence: dict[str, Any] | None = None) -> bytes:
    """The assessment as a PDF (the date printed is ``today``; equal inputs give equal bytes)."""
    path = TEMPLATE
    moment = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    document = json.dumps(pdf_document(a, evidence, today), default=str)
    try:
        out = typst.compile(
            str(path),
            root=str(path.parent),
            sys_inputs={"document": document},
            timestamp=int(moment.timestamp()),
        )
    except RuntimeError as err:
        raise RenderError(f"assessment {a.id}: the PDF could not be made: {err}") from err
    if not isinstance(out, bytes):
        raise RenderError(f"assessment {a.id}: typst returned no PDF")
    return out
