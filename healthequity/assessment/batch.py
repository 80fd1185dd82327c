"""A batch of assessments from the shipped spreadsheet template (xlsx): one row per decision.

Every row is checked; any problem is reported with its row and column (all of them, not just
the first) and nothing is saved. The template is made by :func:`write_template` and shipped as
``data/assessment_template.xlsx``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from healthequity.assessment import services
from healthequity.assessment.models import Assessment
from healthequity.assessment.vocab import DIMENSIONS, KINDS, RATINGS
from healthequity.auth.permissions import Actor
from healthequity.errors import HealthEquityError, InputError

TEMPLATE = Path(__file__).parent / "data" / "assessment_template.xlsx"
SHEET = "assessments"

#: (column, what it holds) in the template's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "The decision's title (required)"),
    ("kind", "One of: " + ", ".join(KINDS)),
    ("organisation", "The owning organisation, as named in the tracker"),
    ("owner_name", "Who owns the decision (required)"),
    ("description", "What the decision is"),
    ("principles", "Marmot principle numbers, separated by ; (e.g. 4;6)"),
    ("areas", "Ward names or codes, or LSOA codes, separated by ;"),
    ("population_groups", "Groups affected, separated by ;"),
    *(
        col
        for d in DIMENSIONS
        for col in (
            (f"{d.key}_rating", f"{d.label}: " + " / ".join(RATINGS)),
            (f"{d.key}_rationale", f"{d.label}: why (required for negative)"),
        )
    ),
    ("mitigation", "What will change because of the assessment"),
    ("mitigation_scaled_by_need", "How its effort is scaled by need"),
    ("mitigation_owner", "Who carries out the mitigation"),
    ("proportionate_universalism", "How effort is scaled by need overall"),
    ("monitoring_indicators", "Indicator ids to monitor, separated by ;"),
    ("review_date", "YYYY-MM-DD, not in the past (blank: six months ahead)"),
    ("recommendations", "Tracker recommendation numbers served, separated by ;"),
)
HEADERS = tuple(c for c, _ in COLUMNS)


class BatchRejected(HealthEquityError):
    """A spreadsheet with problems: every one listed; nothing was saved."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its values by column."""

    number: int
    values: dict[str, Any]


def write_template(path: Path) -> Path:
    """Write the empty template: the header row, a notes row per column on a second sheet, and
    drop-down lists for the kind and the ratings."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    kinds = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True)
    ratings = DataValidation(type="list", formula1='"' + ",".join(RATINGS) + '"', allow_blank=True)
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(ratings)
    for i, name in enumerate(HEADERS, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        sheet.column_dimensions[letter].width = max(14, len(name) + 2)
        if name == "kind":
            kinds.add(f"{letter}2:{letter}1000")
        if name.endswith("_rating"):
            ratings.add(f"{letter}2:{letter}1000")
    notes = book.create_sheet("notes")
    notes.append(["column", "what to enter"])
    for name, what in COLUMNS:
        notes.append([name, what])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    book.save(tmp)
    tmp.replace(path)
    return path


def read_rows(path: Path) -> list[Row]:
    """The data rows of a filled-in template (blank rows skipped); wrong headers refused."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"{path.name}: not an xlsx workbook ({err})", field="file") from None
    if SHEET not in book.sheetnames:
        raise InputError(f"{path.name}: no sheet {SHEET!r}; use the template", field="file")
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    missing = [h for h in HEADERS if h not in header]
    unknown = [h for h in header if h and h not in HEADERS]
    if missing or unknown:
        raise InputError(
            f"{path.name}, row 1: the header does not match the template"
            + (f"; missing columns: {', '.join(missing)}" if missing else "")
            + (f"; unknown columns: {', '.join(unknown)}" if unknown else ""),
            field="header",
        )
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        values = {h: raw[i] for i, h in enumerate(header) if h and i < len(raw)}
        if all(v in (None, "") for v in values.values()):
            continue
        out.append(Row(number, values))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_values(row: Row) -> dict[str, Any]:
    """The assessment fields of one row."""
    v = {k: _text(x) for k, x in row.values.items()}
    out: dict[str, Any] = {
        name: v.get(name, "")
        for name in (
            "title",
            "kind",
            "organisation",
            "owner_name",
            "description",
            "principles",
            "areas",
            "population_groups",
            "proportionate_universalism",
            "review_date",
            "recommendations",
        )
    }
    out["impacts"] = {
        d.key: {"rating": v.get(f"{d.key}_rating", ""), "rationale": v.get(f"{d.key}_rationale")}
        for d in DIMENSIONS
    }
    out["mitigations"] = [
        {
            "action": v.get("mitigation", ""),
            "scaled_by_need": v.get("mitigation_scaled_by_need", ""),
            "owner": v.get("mitigation_owner", ""),
        }
    ]
    out["monitoring"] = [
        {"indicator_id": ident.strip()}
        for ident in v.get("monitoring_indicators", "").split(";")
        if ident.strip()
    ]
    return out


def column_of(field: str | None) -> str:
    """The template column a field's error belongs to."""
    if not field:
        return "?"
    parts = field.split(".")
    if parts[0] == "impacts" and len(parts) >= 2:
        return f"{parts[1]}_{parts[2] if len(parts) > 2 else 'rating'}"
    if parts[0] == "mitigations":
        return {"action": "mitigation"}.get(parts[-1], f"mitigation_{parts[-1]}")
    if parts[0] == "monitoring":
        return "monitoring_indicators"
    return parts[0]


def import_workbook(
    session: Session, actor: Actor | None, path: Path, *, today: dt.date
) -> list[Assessment]:
    """Create a draft assessment from every row, or none: BatchRejected lists every problem
    (file, row, column, message). Runs in the caller's transaction."""
    rows = read_rows(Path(path))
    if not rows:
        raise InputError(f"{Path(path).name}: the template has no rows filled in", field="file")
    made: list[Assessment] = []
    problems: list[str] = []
    for row in rows:
        # every check runs before anything of the row is added, so a refused row leaves the
        # session clean; the caller's transaction rolls the accepted rows back if any failed
        try:
            made.append(services.create_assessment(session, actor, row_values(row), today=today))
        except InputError as err:
            problems.append(
                f"{Path(path).name}, row {row.number}, column {column_of(err.field)}: {err.message}"
            )
    if problems:
        raise BatchRejected(
            f"{Path(path).name}: {len(problems)} problem(s); nothing was imported:\n"
            + "\n".join(problems),
            problems,
        )
    return made
